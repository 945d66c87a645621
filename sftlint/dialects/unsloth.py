"""Unsloth Studio and its command line: nested YAML with ``model``, ``data``, ``training``, ``lora``.

``unsloth train --config x.yaml`` reads the file with PyYAML's ``safe_load`` and validates it with
pydantic in lax mode (``unsloth_cli/config.py``), so ``learning_rate: 2e-4`` becomes a float. The
Studio's ``model_defaults/`` files hold the same sections with per-model hyperparameters (plus
``warmup_ratio``, ``optim`` and ``lr_scheduler_type``) and are read the same way: they are training
configs. ``max_steps: 0`` means "train by epochs" and ``save_steps: 0`` means "save no
checkpoints"; the canonical model records what the trainer does with them. Every run goes through
Unsloth's fast path.
"""

from __future__ import annotations

from typing import Any

from ..document import Document
from .base import Detection, Dialect, key
from .deriving import derive, replace_value
from . import dataset_specs
from .evidence import known_keys as keys_of, known_sections, section
from .top_level import top_level

#: The CLI's default target modules (``LoraConfig.target_modules``).
DEFAULT_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def _targets(value: Any) -> Any:
    """``"q_proj,k_proj"`` or a list; an empty string means the tool's default choice."""
    if isinstance(value, str):
        parts = [p.strip() for p in value.split(",") if p.strip()]
        return parts or None
    return value


def _checkpointing(value: Any) -> Any:
    """``"unsloth"`` and ``"true"`` recompute activations; ``"none"`` and false do not."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("", "unsloth", "true", "1", "yes"):
            return True
        if text in ("none", "false", "0", "no", "off"):
            return False
    return value


def _training_type(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _dataset(value: Any) -> Any:
    return [dataset_specs.spec(value)] if isinstance(value, str) and value else []


class Unsloth(Dialect):
    name = "unsloth"
    title = "Unsloth Studio"
    yaml_version = "1.1"
    coerces_numeric_strings = True
    keys = (
        key("model", "base_model"),
        key("training.training_type", "finetuning_type", _training_type),
        key("training.load_in_4bit", "load_in_4bit"),
        key("lora.lora_r", "lora_r"),
        key("lora.lora_alpha", "lora_alpha"),
        key("lora.lora_dropout", "lora_dropout"),
        key("lora.target_modules", "lora_target_modules", _targets),
        key("lora.use_rslora", "use_rslora"),
        key("lora.use_dora", "use_dora"),
        key("training.learning_rate", "learning_rate"),
        key("training.lr_scheduler_type", "lr_scheduler_type"),
        key("training.warmup_steps", "warmup_steps"),
        key("training.warmup_ratio", "warmup_ratio"),
        key("training.weight_decay", "weight_decay"),
        key("training.optim", "optim"),
        key("training.batch_size", "per_device_train_batch_size"),
        key("training.gradient_accumulation_steps", "gradient_accumulation_steps"),
        key("training.num_epochs", "num_train_epochs"),
        key("training.max_steps", "max_steps"),
        key("training.save_steps", "save_steps"),
        key("training.eval_steps", "eval_steps"),
        key("training.gradient_checkpointing", "gradient_checkpointing", _checkpointing),
        key("training.max_seq_length", "max_seq_length"),
        key("training.packing", "packing"),
        key("training.random_seed", "seed"),
        key("data.dataset", "datasets", _dataset),
    )
    defaults = {
        "finetuning_type": "lora",
        "load_in_4bit": True,
        "lora_r": 64,
        "lora_alpha": 16,
        "lora_dropout": 0.0,
        "lora_target_modules": DEFAULT_TARGETS,
        "use_rslora": False,
        "use_dora": False,
        "learning_rate": 2e-4,
        "lr_scheduler_type": "linear",
        "warmup_steps": 5,
        "weight_decay": 0.01,
        "optim": "adamw_8bit",
        "per_device_train_batch_size": 2,
        "gradient_accumulation_steps": 4,
        "num_train_epochs": 3,
        "max_steps": -1,
        "save_strategy": "no",
        "logging_steps": 1,
        "gradient_checkpointing": True,
        "max_seq_length": 2048,
        "packing": False,
        "seed": 3407,
    }
    known_keys = keys_of("unsloth")
    # conventions (see Dialect)
    unknown_key_effect = "Unsloth Studio ignores it"
    validates_types = True
    value_keys = {"transformers": {"training.optim": "optim", "training.lr_scheduler_type": "lr_scheduler_type"}}
    loader_4bit_defaults = {"bnb_4bit_quant_type": "nf4", "bnb_4bit_use_double_quant": True}
    default_sources = ("unsloth",)
    fused_loss = "Unsloth's fused cross-entropy"
    scales_rope = True

    def detect(self, document: Document) -> Detection:
        """The nested sections are Unsloth's alone; a ``training`` section of its keys decides."""
        sections = known_sections(self.name)
        score, reasons = 0.0, []
        for name, weight in (("training", 3.0), ("lora", 1.0), ("data", 0.5), ("logging", 0.25)):
            node = section(document, name)
            if node is None:
                continue
            inner = node.keys()
            hits = [k for k in inner if k in sections.get(name, ())]
            if inner and hits:
                score += weight * len(hits) / len(inner)
                reasons.append(f"section {name}: holds {', '.join(hits[:3])}")
        if score == 0:
            return Detection(self.name, 0.0, ["no training/lora/data sections"])
        keys = top_level(document).keys
        known = sum(k in self.known_keys for k in keys)
        share = known / len(keys)
        reasons.append(f"{known} of {len(keys)} top-level keys are Unsloth Studio's")
        return Detection(self.name, round(score * share, 2), reasons)

    def derive(self, config) -> None:
        derive(config, "use_unsloth", True, "Unsloth Studio always trains through Unsloth")
        if config.is_set("max_steps") and config.value("max_steps") == 0:
            replace_value(config, "max_steps", -1, "max_steps: 0 trains by epochs")
        if config.is_set("save_steps"):
            steps = config.value("save_steps")
            if steps == 0:
                replace_value(config, "save_steps", None, "save_steps: 0 saves no checkpoints")
                derive(config, "save_strategy", "no", "save_steps: 0 saves no checkpoints")
            elif isinstance(steps, int) and steps > 0:
                derive(config, "save_strategy", "steps", "save_steps is above 0")
