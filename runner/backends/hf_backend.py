"""The ``hf`` backend: transformers loads the model (4-bit through bitsandbytes' ``BitsAndBytesConfig``),
PEFT adds the LoRA adapter, TRL's ``SFTTrainer`` trains.

TRL 1.15's SFTTrainer computes the loss with a fused Triton kernel that needs a CUDA/XPU device; on
a CPU the trainer here falls back to transformers' own causal-LM loss (the same mean token
cross-entropy), so CPU runs exercise everything else unchanged.
"""

from __future__ import annotations

from . import device as dev


def _quantization(recipe, device: dev.Device):
    from transformers import BitsAndBytesConfig

    if recipe.load_in_4bit:
        return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type=recipe.bnb_4bit_quant_type,
                                  bnb_4bit_compute_dtype=dev.compute_dtype(recipe, device),
                                  bnb_4bit_use_double_quant=recipe.bnb_4bit_use_double_quant)
    if recipe.load_in_8bit:
        return BitsAndBytesConfig(load_in_8bit=True)
    return None


def load_base(recipe, device: dev.Device):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(recipe.base_model, trust_remote_code=recipe.trust_remote_code)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(
        recipe.base_model, dtype=dev.model_dtype(recipe, device), quantization_config=_quantization(recipe, device),
        device_map=dev.local_device_map(device), trust_remote_code=recipe.trust_remote_code,
    )
    return model, tokenizer


def load_for_training(recipe, device: dev.Device):
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training

    model, tokenizer = load_base(recipe, device)
    if recipe.load_in_4bit or recipe.load_in_8bit:
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=recipe.gradient_checkpointing,
                                                gradient_checkpointing_kwargs={"use_reentrant": False})
    elif recipe.gradient_checkpointing:
        model.enable_input_require_grads()
    lora = LoraConfig(r=recipe.lora_r, lora_alpha=recipe.lora_alpha, lora_dropout=recipe.lora_dropout,
                      target_modules=recipe.lora_target_modules, use_rslora=recipe.use_rslora, use_dora=recipe.use_dora,
                      bias="none", task_type="CAUSAL_LM")
    return get_peft_model(model, lora), tokenizer


def load_adapter(recipe, device: dev.Device, adapter_dir):
    """A fresh base model with the saved adapter, loaded exactly as for training."""
    from peft import PeftModel

    base, _ = load_base(recipe, device)
    return PeftModel.from_pretrained(base, str(adapter_dir))


def trainer_class(device: dev.Device):
    from transformers import Trainer
    from trl import SFTTrainer

    if device.cuda:
        return SFTTrainer

    class CpuSFTTrainer(SFTTrainer):
        """SFTTrainer with transformers' loss: TRL's fused loss kernel has no CPU implementation."""

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            inputs = {**inputs, "use_cache": False}
            return Trainer.compute_loss(self, model, inputs, return_outputs, num_items_in_batch)

    device.notes.append("cpu: loss computed by transformers (TRL's fused loss kernel needs CUDA)")
    return CpuSFTTrainer


def gradient_checkpointing_in_trainer(recipe) -> bool:
    return recipe.gradient_checkpointing
