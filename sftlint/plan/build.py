"""Derive the :class:`TrainingPlan`: what transformers' Trainer will do with a canonical config.

The inputs are read with the Trainer's own defaults where neither the file nor the dialect gives
a value, every one recorded in ``sources`` with where it came from. The number of examples is
counted from local data files first, then taken from a hint (a ``# sftlint: num-examples=N``
comment or settings); the steps, warmup, learning-rate curve and the log/eval/save points follow
from the arithmetic modules beside this one. Nothing here imports the trainer; figures that
cannot be known are None and ``notes`` says why.
"""

from __future__ import annotations

import json
from typing import Any

from ..canonical import TrainingConfig
from ..document import Mapping
from . import arithmetic, events, tool_conventions
from .dataset_size import count_examples
from .model import TrainingPlan
from .schedules import learning_rates
from .values import as_int, as_number, as_positive_int

#: TrainingArguments' defaults, used for inputs neither the file nor the dialect sets.
TRAINER_DEFAULTS: dict[str, Any] = {
    "per_device_train_batch_size": 8,
    "gradient_accumulation_steps": 1,
    "num_train_epochs": 3.0,
    "max_steps": -1,
    "learning_rate": 5e-5,
    "lr_scheduler_type": "linear",
    "warmup_steps": 0,
    "save_strategy": "steps",
    "save_steps": 500,
    "eval_strategy": "no",
    "eval_steps": None,
    "logging_steps": 500,
}
#: Curves longer than this are not listed (the step count still is).
MAX_SCHEDULE_STEPS = 1_000_000


class _Inputs:
    """Looks up inputs and records each one's value and origin in the plan's ``sources``."""

    def __init__(self, config: TrainingConfig, plan_sources: dict[str, str]) -> None:
        self.config = config
        self.sources = plan_sources

    def get(self, name: str) -> Any:
        setting = self.config.get(name)
        if setting is not None and setting.value is not None:
            self.sources[name] = f"{_show(setting.value)} ({setting.describe_origin()})"
            return setting.value
        if name in TRAINER_DEFAULTS:
            value = TRAINER_DEFAULTS[name]
            if value is not None:
                self.sources[name] = f"{_show(value)} (transformers default)"
            return value
        return None


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, dict)):
        text = json.dumps(value, default=str)
        return text if len(text) <= 80 else text[:77] + "..."
    return str(value)


def _scheduler_kwargs(config: TrainingConfig) -> Any:
    """``lr_scheduler_kwargs`` from the canonical model, else from the file's top-level key."""
    value = config.value("lr_scheduler_kwargs")
    if value is None:
        root = config.document.root
        node = root.get("lr_scheduler_kwargs") if isinstance(root, Mapping) else None
        if node is not None:
            value = config.dialect.node_value(node)
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    return value if value is not None else {}


def _count(config: TrainingConfig, settings, inputs: _Inputs, plan: TrainingPlan) -> None:
    datasets = config.value("datasets")
    counted = None
    if datasets:
        config_dir = config.document.path.parent if config.document is not None else None
        counted = count_examples(
            datasets, config_dir,
            max_samples=inputs.get("max_samples"), cap_each=config.dialect.name == "llamafactory",
            val_size=inputs.get("val_size"), settings=settings,
        )
        plan.dataset_counts = [c.to_json() for c in counted.datasets]
    hint = config.get("num_examples")
    hinted = as_positive_int(hint.value) if hint is not None else None
    if counted is not None and counted.num_examples is not None:
        plan.num_examples, plan.num_examples_source = counted.num_examples, counted.source
        plan.eval_examples = counted.eval_examples
        if hinted is not None and hinted != counted.num_examples:
            plan.notes.append(f"the data files hold {counted.num_examples} training examples, not the "
                              f"{hinted} given ({hint.describe_origin()}); the count from the files is used")
        return
    if hinted is not None:
        plan.num_examples, plan.num_examples_source = hinted, f"hint: {hint.describe_origin()}"
        inputs.sources["num_examples"] = f"{hinted} ({hint.describe_origin()})"
        return
    plan.num_examples_source = counted.source if counted is not None else "unknown: the config names no local dataset"
    fixed_length = (as_int(plan.max_steps) or 0) > 0
    plan.notes.append(("the number of training examples is unknown, so the epochs that max_steps covers are too"
                       if fixed_length else "the number of training examples is unknown, so the run length is too")
                      + "; add '# sftlint: num-examples=N' to the config or 'num-examples' to settings")


def build_plan(config: TrainingConfig, settings) -> TrainingPlan:
    sources: dict[str, str] = {}
    inputs = _Inputs(config, sources)
    notes: list[str] = []
    world_size = as_positive_int(inputs.get("world_size")) or 1
    if "world_size" not in sources:
        sources["world_size"] = "1 (one process)"
    batch = as_positive_int(inputs.get("per_device_train_batch_size"))
    accumulation = as_positive_int(inputs.get("gradient_accumulation_steps"))
    for name, value in (("per_device_train_batch_size", batch), ("gradient_accumulation_steps", accumulation)):
        if value is None:
            notes.append(f"{name} is {config.value(name)!r}, not a whole number of at least 1")
    epochs = as_number(inputs.get("num_train_epochs"))
    max_steps = as_int(inputs.get("max_steps"))
    lr = as_number(inputs.get("learning_rate"))
    if lr is None and config.value("learning_rate") is not None:
        notes.append(f"learning_rate is {config.value('learning_rate')!r}, not a number the optimizer accepts")
    scheduler = inputs.get("lr_scheduler_type")
    scheduler = scheduler.lower() if isinstance(scheduler, str) else scheduler
    kwargs = _scheduler_kwargs(config)
    if kwargs:
        sources["lr_scheduler_kwargs"] = _show(kwargs)

    plan = TrainingPlan(
        dialect=config.dialect.name, world_size=world_size, per_device_batch_size=batch,
        gradient_accumulation_steps=accumulation,
        effective_batch_size=batch * accumulation * world_size if batch and accumulation else None,
        num_examples=None, num_examples_source="unknown", num_train_epochs=epochs, max_steps=max_steps,
        steps_per_epoch=None, total_steps=None, epochs_run=None, warmup_steps=None, learning_rate=lr,
        lr_scheduler_type=scheduler if isinstance(scheduler, str) else None, lr_schedule=None,
        sources=sources, notes=notes, lr_scheduler_kwargs=kwargs if isinstance(kwargs, dict) else {},
    )
    _count(config, settings, inputs, plan)
    _steps(config, plan, epochs, max_steps)
    _warmup_and_schedule(config, inputs, plan)
    _events(config, inputs, plan)
    from ..memory import estimate_memory

    plan.memory = estimate_memory(config, plan)
    return plan


def _steps(config: TrainingConfig, plan: TrainingPlan, epochs: float | None, max_steps: int | None) -> None:
    batch, accumulation, n = plan.per_device_batch_size, plan.gradient_accumulation_steps, plan.num_examples
    if n is not None and batch and accumulation:
        plan.batches_per_epoch = arithmetic.batches_per_rank(n, batch, plan.world_size)
        if plan.batches_per_epoch == 0:
            plan.notes.append(f"{n} examples make no batch: the training dataloader is empty")
        else:
            plan.steps_per_epoch = arithmetic.update_steps_per_epoch(plan.batches_per_epoch, accumulation)
    if max_steps == 0:
        plan.notes.append("max_steps 0 does not mean 'use epochs' (that is -1): the trainer stops after one step")
        return
    packing = bool(config.value("packing"))
    if packing and not (max_steps and max_steps > 0):
        plan.notes.append("packing joins examples into sequences by token count, so the number of "
                          "optimizer steps cannot be known from the row count; set max_steps to fix it")
        return
    if (config.dialect.name == "axolotl" and not (max_steps and max_steps > 0) and n and batch and accumulation
            and epochs is not None):
        plan.total_steps = tool_conventions.axolotl_total_steps(n, epochs, batch, accumulation, plan.world_size)
        plan.notes.append(f"axolotl computes the run length itself and passes max_steps={plan.total_steps} "
                          "(ceil(examples x epochs / effective batch))")
    else:
        plan.total_steps = arithmetic.total_steps(plan.steps_per_epoch, epochs, max_steps)
    plan.epochs_run = arithmetic.epochs_run(plan.total_steps, plan.steps_per_epoch)
    if max_steps and max_steps > 0 and plan.epochs_run is not None and epochs is not None \
            and abs(plan.epochs_run - epochs) > 1e-9:
        plan.notes.append(f"max_steps {max_steps} overrides num_train_epochs {epochs:g}: "
                          f"the run makes {plan.epochs_run:.4g} passes over the data")


def _warmup_and_schedule(config: TrainingConfig, inputs: _Inputs, plan: TrainingPlan) -> None:
    total = plan.total_steps
    warmup_steps = as_number(inputs.get("warmup_steps"))
    ratio = as_number(inputs.get("warmup_ratio"))  # no Trainer default: listed only where a value exists
    if total is None:
        return
    chosen = None
    if config.dialect.name == "axolotl":
        chosen, how = tool_conventions.axolotl_warmup(config, total)
        if chosen is not None:
            plan.notes.append(f"warmup {chosen} steps ({how})")
    if chosen is None:
        if ratio is not None and ratio > 0 and not (warmup_steps and warmup_steps > 0):
            chosen = arithmetic.warmup_from_ratio(ratio, total)
            if config.is_set("warmup_ratio"):
                plan.notes.append(f"warmup_ratio {ratio:g} gives {chosen} warmup steps; transformers 5.2 and "
                                  "later no longer accept warmup_ratio: write warmup_steps "
                                  f"{ratio:g} (a value below 1 is a ratio)")
        elif warmup_steps is not None and warmup_steps >= 0:
            chosen = arithmetic.warmup_from_steps(warmup_steps, total)
        else:
            plan.notes.append(f"warmup_steps is {config.value('warmup_steps')!r}, not a number of at least 0")
            return
    plan.warmup_steps = chosen
    if plan.warmup_steps > total:
        plan.notes.append(f"warmup ({plan.warmup_steps} steps) is longer than the run ({total} steps): "
                          "the learning rate never reaches its peak")
    name = plan.lr_scheduler_type
    if name is None or plan.learning_rate is None:
        if name is None:
            plan.notes.append(f"lr_scheduler_type {config.value('lr_scheduler_type')!r} is not a schedule name")
        return
    if total > MAX_SCHEDULE_STEPS:
        plan.notes.append(f"the learning-rate curve is not listed for runs over {MAX_SCHEDULE_STEPS} steps")
        return
    kwargs = plan.lr_scheduler_kwargs if isinstance(plan.lr_scheduler_kwargs, dict) else {}
    plan.lr_schedule, why = learning_rates(name, plan.learning_rate, plan.warmup_steps, total, kwargs)
    if why:
        plan.notes.append(why)


def _events(config: TrainingConfig, inputs: _Inputs, plan: TrainingPlan) -> None:
    total, per_epoch = plan.total_steps, plan.steps_per_epoch
    if total is None:
        return
    axolotl = config.dialect.name == "axolotl"
    for kind, at_last in (("save", True), ("eval", True), ("logging", False)):
        strategy = inputs.get(f"{kind}_strategy") if kind != "logging" else "steps"
        strategy = str(getattr(strategy, "value", strategy)).lower() if strategy is not None else "no"
        interval = None
        if strategy == "steps":  # intervals matter only then; others are not listed as inputs
            if kind == "logging" and axolotl and not config.is_set("logging_steps"):
                interval = tool_conventions.axolotl_logging_steps(total)
                inputs.sources["logging_steps"] = f"{interval} (axolotl: max(min(int(0.005 x steps), 10), 1))"
            else:
                interval = as_number(inputs.get(f"{kind}_steps"))
            if kind == "eval" and interval is None:  # the Trainer falls back to logging_steps
                interval = as_number(inputs.get("logging_steps"))
        points = events.event_steps(strategy, interval, total, per_epoch, at_last)
        setattr(plan, f"{kind}_steps", points)
        if points is None and strategy == "best":
            plan.notes.append("save_strategy 'best' saves whenever the evaluation metric improves: "
                              "the steps are not known in advance")
    if plan.save_steps and inputs.get("save_strategy") == "steps":
        interval = as_number(inputs.get("save_steps"))
        if interval is not None and interval >= 1 and interval > total:
            plan.notes.append(f"save_steps {interval:g} is beyond the last step ({total}): only the final "
                              "checkpoint is saved")
