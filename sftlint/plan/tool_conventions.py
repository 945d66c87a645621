"""The ``TrainingArguments`` the Trainer's loop reads, as the tool builds them from a config.

:func:`trainer_arguments` starts from the file's values and the Trainer's defaults, which is what
transformers, TRL and LLaMA-Factory pass on, and then lets the dialect change them the way its
tool does before it calls the Trainer (``Dialect.adjust_trainer_arguments``: axolotl counts the
run, the warmup, the logging interval and the checkpoints itself). What a tool does to the
learning-rate schedule's arguments is the dialect's too (``Dialect.fill_scheduler_kwargs``).
"""

from __future__ import annotations

from typing import Any

from ..config.canonical import TrainingConfig
from ..dialects.values import as_number
from .arithmetic import warmup_from_ratio, warmup_from_steps

#: The Trainer's own defaults for the loop's flow settings; not listed among the plan's inputs.
FLOW_DEFAULTS = {"logging_strategy": "steps", "logging_first_step": False, "eval_delay": 0,
                 "eval_on_start": False, "dataloader_drop_last": False}


def trainer_arguments(config: TrainingConfig, inputs, plan) -> dict[str, Any]:
    """The loop's ``TrainingArguments`` as the tool builds them; notes go to ``plan.notes``."""
    args: dict[str, Any] = {
        "num_train_epochs": plan.num_train_epochs,
        "max_steps": plan.max_steps,
        "warmup_steps": as_number(inputs.get("warmup_steps")),
        "warmup_ratio": as_number(inputs.get("warmup_ratio")),
        "lr_scheduler_kwargs": plan.lr_scheduler_kwargs,
    }
    for name, default in FLOW_DEFAULTS.items():
        value = config.value(name)
        if config.is_set(name) and value is not None:
            inputs.get(name)  # listed among the inputs only when the file sets it
        args[name] = value if value is not None else default
    for kind in ("save", "eval", "logging"):
        strategy = inputs.get(f"{kind}_strategy") if kind != "logging" else args["logging_strategy"]
        strategy = str(getattr(strategy, "value", strategy)).lower() if strategy is not None else None
        args[f"{kind}_strategy"] = strategy
        if strategy == "steps":
            args[f"{kind}_steps"] = inputs.get(f"{kind}_steps")
        else:
            args[f"{kind}_steps"] = config.value(f"{kind}_steps")
    if args["eval_strategy"] == "steps" and not args["eval_steps"]:
        args["logging_steps"] = inputs.get("logging_steps")
    config.dialect.adjust_trainer_arguments(config, inputs, plan, args)
    return args


def warmup_for(arguments: dict[str, Any], total: int) -> int | None:
    """``TrainingArguments.get_warmup_steps`` (or, before 5.2, ``warmup_ratio``)."""
    steps, ratio = arguments.get("warmup_steps"), arguments.get("warmup_ratio")
    if ratio is not None and ratio > 0 and not (steps and steps > 0):
        return warmup_from_ratio(ratio, total)
    if steps is not None and steps >= 0:
        return warmup_from_steps(steps, total)
    return None
