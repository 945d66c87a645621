"""The one mapping from a plan to the Trainer's arguments, for smoke and full runs and every dialect.

A run is only a test of the plan if the Trainer is handed what the tool would hand it. Two kinds of
tool exist: those that pass the config's epochs, ``max_steps`` and warmup straight to
``TrainingArguments`` and let the Trainer count (TRL, LLaMA-Factory, plain transformers, Unsloth),
and those that count themselves and pass fixed numbers (axolotl passes ``max_steps`` and a warmup
step count). A smoke run is of the second kind: the runner fixes the length and the scaled warmup.
``dataloader_drop_last`` is passed as the plan has it, in both kinds: it changes the dataloader's
length, so a run without it would be checked against another run's step count.
For the first kind the Trainer does its own arithmetic on the data it really gets, and the checks
compare that with the plan's; for the second the plan's numbers are the arguments.

The data is sliced the way the tool slices it: ``max_samples`` caps each dataset (LLaMA-Factory)
or the whole set, and ``val_size`` holds out a validation split (``train_test_split``: a fraction
is rounded up for the held-out part, 1 or more is a count). The adapter and 4-bit settings follow
the tool's loader where the config leaves them out: axolotl's and LLaMA-Factory's loaders
quantise with double quantisation, TRL's only when ``use_bnb_nested_quant`` is set, Unsloth always.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..dialects import Dialect, builtin_dialect
from ..dialects.values import as_int, as_number

#: TrainingArguments' own defaults, for inputs neither the plan nor the config has.
TRAINER_DEFAULTS = {"learning_rate": 5e-5, "lr_scheduler_type": "linear", "per_device_train_batch_size": 8,
                    "gradient_accumulation_steps": 1, "num_train_epochs": 3.0, "max_steps": -1}


class MappingError(ValueError):
    """A value the Trainer could not accept; the message names it."""


def _tool(plan, tool: Dialect | None = None) -> Dialect:
    """The dialect that made ``plan``, whose tool's conventions the run follows: whether it counts
    the run itself (``computes_run_length``), how ``max_samples`` caps the data. ``tool`` is the
    dialect object itself where the caller has the config (a plugin's dialect included); with only a
    plan, the built-in dialect of the plan's name."""
    return tool if tool is not None else builtin_dialect(getattr(plan, "dialect", None))


def passes_fixed_length(plan, mode: str, tool: Dialect | None = None) -> bool:
    """True when the Trainer gets the plan's step count and warmup as fixed numbers."""
    return mode == "smoke" or _tool(plan, tool).computes_run_length


def _plan_or(plan, name: str, values: Mapping[str, Any], key: str, notes: list[str]):
    value = getattr(plan, name, None) if plan is not None else None
    if value is not None:
        return value
    raw = values.get(key)
    number = as_number(raw) if key != "lr_scheduler_type" else raw
    if number is not None:
        return number
    if raw is not None:
        raise MappingError(f"{key} is {raw!r}, which the Trainer cannot use")
    notes.append(f"{key}: the Trainer's default {TRAINER_DEFAULTS[key]}")
    return TRAINER_DEFAULTS[key]


def warmup_argument(values: Mapping[str, Any]) -> float | int:
    """``warmup_steps`` as the Trainer reads it: a count of 1 or more, or a ratio below 1.

    ``warmup_ratio`` (gone from transformers 5's arguments) becomes the ratio form of
    ``warmup_steps``, which the Trainer rounds up exactly as the old ratio was; an explicit
    ``warmup_steps`` above 0 wins, as it did.
    """
    steps = as_number(values.get("warmup_steps"))
    ratio = as_number(values.get("warmup_ratio"))
    if ratio is not None and 0 < ratio < 1 and not (steps is not None and steps > 0):
        return float(ratio)
    if steps is None or steps <= 0:
        return 0
    return int(steps) if steps >= 1 else float(steps)


def schedule_arguments(plan, values: Mapping[str, Any], mode: str,
                       tool: Dialect | None = None) -> tuple[dict[str, Any], list[str]]:
    """Learning rate, schedule, batch, accumulation, length and warmup for ``TrainingArguments``.

    ``plan`` is what the run is checked against: a smoke plan in smoke mode, the config's plan in
    full mode (None when the config has none).
    """
    notes: list[str] = []
    args: dict[str, Any] = {
        "learning_rate": float(_plan_or(plan, "learning_rate", values, "learning_rate", notes)),
        "lr_scheduler_type": str(_plan_or(plan, "lr_scheduler_type", values, "lr_scheduler_type", notes)),
        "lr_scheduler_kwargs": dict(getattr(plan, "lr_scheduler_kwargs", None) or {}),
        "per_device_train_batch_size": int(_plan_or(plan, "per_device_batch_size", values,
                                                    "per_device_train_batch_size", notes)),
        "gradient_accumulation_steps": int(_plan_or(plan, "gradient_accumulation_steps", values,
                                                    "gradient_accumulation_steps", notes)),
    }
    fixed = passes_fixed_length(plan, mode, tool) and plan is not None and plan.total_steps is not None
    if fixed:
        args["max_steps"] = int(plan.total_steps)
        args["num_train_epochs"] = float(plan.num_train_epochs or 1.0) if mode != "smoke" else 1.0
        args["warmup_steps"] = int(plan.warmup_steps or 0)
        if mode != "smoke":
            notes.append(f"{plan.dialect} passes max_steps={args['max_steps']} and "
                         f"warmup_steps={args['warmup_steps']} to the Trainer")
    else:
        args["max_steps"] = int(_plan_or(plan, "max_steps", values, "max_steps", notes))
        args["num_train_epochs"] = float(_plan_or(plan, "num_train_epochs", values, "num_train_epochs", notes))
        args["warmup_steps"] = warmup_argument(values)
    args["dataloader_drop_last"] = drop_last_argument(plan, values)
    return args, notes


def drop_last_argument(plan, values: Mapping[str, Any]) -> bool:
    """``dataloader_drop_last`` as the plan decided it (the config's, or set by the tool, as axolotl
    does with ``sample_packing`` and ``eval_sample_packing: false``); the config's without a plan."""
    planned = getattr(plan, "dataloader_drop_last", None) if plan is not None else None
    if isinstance(planned, bool):
        return planned
    raw = values.get("dataloader_drop_last")
    return raw is True or (isinstance(raw, str) and raw.strip().lower() in ("true", "1", "yes"))


def data_slicing(plan, values: Mapping[str, Any], mode: str, steps: int, world_size: int,
                 tool: Dialect | None = None) -> dict[str, Any]:
    """Which rows train: a smoke run's first rows, or the tool's per-dataset caps and hold-out."""
    if mode == "smoke":
        batch = int(getattr(plan, "per_device_batch_size", None) or 8)
        accumulation = int(getattr(plan, "gradient_accumulation_steps", None) or 1)
        return {"max_rows": steps * batch * accumulation * world_size, "max_rows_each": None, "val_size": None}
    cap = as_int(values.get("max_samples"))
    cap = cap if cap is not None and cap > 0 else None
    each = _tool(plan, tool).max_samples_per_dataset
    val = as_number(values.get("val_size"))
    return {"max_rows": None if each else cap, "max_rows_each": cap if each else None,
            "val_size": val if val is not None and val > 0 else None}


def quantization_arguments(values: Mapping[str, Any], dialect: str | None, tool: Dialect | None = None) -> dict[str, Any]:
    """4-bit settings: the config's, else what the tool's loader uses (``loader_4bit_defaults``)."""
    defaults = (tool if tool is not None else builtin_dialect(dialect)).loader_4bit_defaults

    def pick(name: str, fallback: Any) -> Any:
        value = values.get(name)
        return value if value is not None else defaults.get(name, fallback)

    return {"bnb_4bit_quant_type": str(pick("bnb_4bit_quant_type", "nf4")),
            "bnb_4bit_compute_dtype": str(values.get("bnb_4bit_compute_dtype") or "bfloat16"),
            "bnb_4bit_use_double_quant": bool(pick("bnb_4bit_use_double_quant", False))}
