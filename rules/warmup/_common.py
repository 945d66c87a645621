"""What the warmup and step rules share: the words that explain a total step count, and reading
the warmup settings of a config."""

from __future__ import annotations

from sftlint.config.canonical import Setting, TrainingConfig
from sftlint.dialects.values import as_number


def why_total(plan) -> str:
    """'200 examples, batch 2 x GA 4 x 1 GPU, 1 epoch' or 'max_steps 30': where the total comes from."""
    if plan.max_steps and plan.max_steps > 0:
        return f"max_steps {plan.max_steps}"
    parts = []
    if plan.num_examples is not None:
        parts.append(f"{plan.num_examples} examples")
    gpus = "GPU" if plan.world_size == 1 else "GPUs"
    parts.append(f"batch {plan.per_device_batch_size} x GA {plan.gradient_accumulation_steps} x {plan.world_size} {gpus}")
    if plan.num_train_epochs is not None:
        parts.append(f"{plan.num_train_epochs:g} epoch" + ("s" if plan.num_train_epochs != 1 else ""))
    return ", ".join(parts)


def warmup_in_file(config: TrainingConfig, field: str) -> Setting | None:
    """The warmup setting ``field`` when the file writes a number for it."""
    setting = config.get(field)
    if setting is None or not setting.in_file or as_number(setting.value) is None:
        return None
    return setting


def dotted(setting: Setting) -> str:
    return ".".join(setting.key_path or (setting.field,))
