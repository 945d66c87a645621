"""The ``unsloth`` backend: Unsloth's ``FastLanguageModel`` loads and patches the model and adds the
LoRA adapter (with Unsloth's own gradient checkpointing); TRL's ``SFTTrainer`` trains.

Unsloth patches transformers, TRL and PEFT when it is imported, so this module must be imported
before them, and only inside a worker process: a patched trainer would leak into any ``hf`` run in
the same process. Without a GPU Unsloth falls back to a CPU path that runs the same calls.
Unsloth chooses the bitsandbytes settings itself (nf4 with double quantisation).
"""

from __future__ import annotations

import os

from ..recipe import ALL_LINEAR
from ..synthetic_model import cache_root
from . import device as dev

os.environ.setdefault("UNSLOTH_COMPILE_LOCATION", str(cache_root() / "unsloth_compiled_cache"))
os.environ.setdefault("UNSLOTH_DISABLE_STATISTICS", "1")

import unsloth  # noqa: E402,F401  (must precede transformers, trl and peft)
from unsloth import FastLanguageModel  # noqa: E402


def _targets(recipe) -> list[str]:
    targets = recipe.lora_target_modules
    return list(ALL_LINEAR) if targets in ("all-linear", None) else list(targets)


def _from_pretrained(recipe, device: dev.Device, name: str):
    if recipe.load_in_4bit and recipe.bnb_4bit_quant_type != "nf4":
        device.notes.append(f"unsloth quantises with nf4, not {recipe.bnb_4bit_quant_type}")
    return FastLanguageModel.from_pretrained(
        model_name=name, max_seq_length=recipe.max_seq_length, dtype=None, load_in_4bit=recipe.load_in_4bit,
        load_in_8bit=recipe.load_in_8bit, full_finetuning=False, trust_remote_code=recipe.trust_remote_code,
        random_state=recipe.seed, device_map=dev.local_device_map(device) or "sequential",
    )


def load_for_training(recipe, device: dev.Device):
    model, tokenizer = _from_pretrained(recipe, device, recipe.base_model)
    if recipe.use_dora:
        device.notes.append("unsloth: use_dora is not supported; trained plain LoRA")
    model = FastLanguageModel.get_peft_model(
        model, r=recipe.lora_r, target_modules=_targets(recipe), lora_alpha=recipe.lora_alpha,
        lora_dropout=recipe.lora_dropout, bias="none",
        use_gradient_checkpointing="unsloth" if recipe.gradient_checkpointing else False,
        random_state=recipe.seed, use_rslora=recipe.use_rslora,
    )
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer


def load_adapter(recipe, device: dev.Device, adapter_dir):
    """The saved adapter folder through ``from_pretrained``, the way Unsloth users reload one."""
    model, _ = _from_pretrained(recipe, device, str(adapter_dir))
    return model


def trainer_class(device: dev.Device):
    from trl import SFTTrainer  # Unsloth's patched trainer, which computes its own loss on CPU too

    return SFTTrainer


def gradient_checkpointing_in_trainer(recipe) -> bool:
    return False  # Unsloth's get_peft_model already set up its own checkpointing
