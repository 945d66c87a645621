"""The one canonical model every dialect is read into, so a rule is written once for all tools.

A :class:`TrainingConfig` maps canonical field names (TrainingArguments' names where one exists)
to :class:`Setting` objects that remember where the value came from: a key in the file (with its
nodes, for positions and fixes), the tool's default, a value derived from other keys, or a hint
in settings or a comment. Rules read values; fixes use ``Setting.key_path`` or the dialect's key
map to write back the dialect's own key.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any

from ..records import field, record

if TYPE_CHECKING:
    from ..dialects.base import Dialect
    from ..document import Document, Node, Scalar


class Origin(enum.Enum):
    """Where a setting's value came from: rules point at the file only for values written there."""

    FILE = "file"  # written in the config
    DEFAULT = "default"  # the tool's default for a key the file does not set
    DERIVED = "derived"  # computed from other keys (e.g. 4-bit from ``adapter: qlora``)
    HINT = "hint"  # from sftlint settings or a ``# sftlint:`` comment


#: Canonical fields and what they mean. Names follow transformers/TRL/PEFT where they exist.
FIELDS: dict[str, str] = {
    "base_model": "model name or path",
    "trust_remote_code": "run the model repository's own Python code",
    "finetuning_type": "'lora', 'full' or 'freeze'",
    "load_in_4bit": "quantise the base model to 4 bits (QLoRA)",
    "load_in_8bit": "quantise the base model to 8 bits",
    "bnb_4bit_quant_type": "'nf4' or 'fp4'",
    "bnb_4bit_compute_dtype": "dtype of 4-bit matmuls",
    "bnb_4bit_use_double_quant": "quantise the quantisation constants too",
    "lora_r": "LoRA rank",
    "lora_alpha": "LoRA scaling numerator",
    "lora_dropout": "dropout on the LoRA path",
    "lora_target_modules": "modules that get adapters",
    "lora_bias": "which biases train",
    "use_rslora": "rank-stabilised LoRA scaling (alpha / sqrt(r))",
    "use_dora": "weight-decomposed LoRA",
    "learning_rate": "peak learning rate",
    "lr_scheduler_type": "learning-rate schedule",
    "warmup_steps": "warmup; below 1 it is a ratio of total steps (transformers >= 5)",
    "warmup_ratio": "warmup as a fraction of total steps (gone from TrainingArguments in transformers 5.15)",
    "weight_decay": "AdamW weight decay",
    "max_grad_norm": "gradient clipping norm",
    "optim": "optimizer name",
    "per_device_train_batch_size": "batch per device per micro-step",
    "gradient_accumulation_steps": "micro-steps per optimizer step",
    "num_train_epochs": "passes over the data",
    "max_steps": "optimizer steps; > 0 overrides epochs",
    "save_strategy": "when checkpoints are saved",
    "save_steps": "checkpoint interval",
    "eval_strategy": "when evaluation runs",
    "eval_steps": "evaluation interval",
    "logging_steps": "logging interval",
    "logging_strategy": "when the loss is logged: 'steps', 'epoch' or 'no'",
    "logging_first_step": "also log the first optimizer step",
    "eval_delay": "no evaluation before this many steps (or epochs, with the epoch strategy)",
    "eval_on_start": "evaluate once before the first step",
    "dataloader_drop_last": "drop each process's last partial batch",
    "load_best_model_at_end": "restore the best checkpoint after training",
    "bf16": "bfloat16 mixed precision",
    "fp16": "float16 mixed precision",
    "gradient_checkpointing": "recompute activations to save memory",
    "max_seq_length": "longest tokenised example",
    "packing": "pack several examples into one sequence",
    "seed": "random seed",
    "datasets": "list of local dataset specs: dicts with 'path' and optional 'split'",
    "max_samples": "cap on training examples",
    "val_size": "fraction (<1) or count of examples held out for evaluation",
    "world_size": "number of training processes (GPUs)",
    "num_examples": "number of training examples, when known without reading data",
    "loss_type": "TRL loss (e.g. 'chunked_nll')",
    "use_unsloth": "the run goes through Unsloth's fast path",
    "objective": "what the run trains for: sft, pretraining, dpo, orpo, kto, simpo, cpo, grpo, rloo, ppo, reward, embedding",
    "method": "how the weights train: full, lora or qlora",
}


@record
class Setting:
    """One canonical field's value, with the key and node it was read from (for messages and fixes)."""

    field: str
    value: Any
    origin: Origin
    key_path: tuple[str, ...] | None = None
    key: "Scalar | None" = None
    node: "Node | None" = None
    note: str = ""

    @property
    def in_file(self) -> bool:
        return self.origin is Origin.FILE

    def describe_origin(self) -> str:
        if self.origin is Origin.FILE and self.key_path:
            return f"set as '{'.'.join(self.key_path)}'"
        return self.note or self.origin.value


@record
class TrainingConfig:
    """A config read through its dialect: canonical fields to settings."""

    dialect: "Dialect"
    document: "Document"
    settings: dict[str, Setting] = field(default_factory=dict)

    def get(self, name: str) -> Setting | None:
        return self.settings.get(name)

    def value(self, name: str, default: Any = None) -> Any:
        setting = self.settings.get(name)
        return default if setting is None or setting.value is None else setting.value

    def is_set(self, name: str) -> bool:
        setting = self.settings.get(name)
        return setting is not None and setting.in_file

    def set(self, setting: Setting) -> None:
        self.settings[setting.field] = setting

    def has_key(self, key: str) -> bool:
        """Whether the file writes the top-level ``key`` at all (null included)."""
        return self.node(key) is not None

    def raw(self, key: str) -> Any:
        """A top-level key that no canonical field covers (a tool's own switch: RoPE scaling, Liger,
        an unmodelled Trainer argument), as the tool's loader reads it; None when it is not written.
        The plan and the rules ask here instead of walking the document themselves."""
        node = self.node(key)
        return None if node is None else self.dialect.node_value(node)

    def node(self, key: str) -> Node | None:
        """The node of the top-level ``key``, for a rule that looks at how a value is written."""
        from ..document import Mapping

        root = self.document.root if self.document is not None else None
        return root.get(key) if isinstance(root, Mapping) else None

    @property
    def uses_adapter(self) -> bool:
        return self.value("finetuning_type") == "lora"

    @property
    def quantized_4bit(self) -> bool:
        return bool(self.value("load_in_4bit"))

    @property
    def objective(self) -> str:
        """``sft``, ``dpo``, ``grpo`` ... (see ``dialects/objectives.py``)."""
        return self.value("objective", "sft")

    @property
    def method(self) -> str:
        """``full``, ``lora`` or ``qlora``."""
        return self.value("method", "full")
