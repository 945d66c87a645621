"""Derive the :class:`TrainingPlan`: what transformers' Trainer will do with a canonical config.

The inputs are read with the Trainer's own defaults where neither the file nor the dialect gives
a value, every one recorded in ``sources`` with where it came from. The number of examples is
counted from local data files first, then taken from a hint (a ``# sftlint: num-examples=N``
comment or settings); the steps, warmup, learning-rate curve and the log/eval/save points follow
from the arithmetic modules beside this one. Nothing here imports the trainer; figures that
cannot be known are None and ``notes`` says why.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any, Iterator

from ..config.canonical import TrainingConfig
from . import arithmetic, objectives, tool_conventions, trainer_loop
from .dataset_size import count_examples
from .memory_estimate import estimate_memory
from .model import TrainingPlan
from .schedules import learning_rates, scheduler_error
from ..dialects.values import as_int, as_number, as_positive_int

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
        setting = self.config.settings.get(name)
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
        value = config.raw("lr_scheduler_kwargs")
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
            max_samples=inputs.get("max_samples"), cap_each=config.dialect.max_samples_per_dataset,
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


#: Whether plans made through the engine count packed rows (tokenizing the data): on for
#: ``sftlint plan`` and the runner, off for ``check`` and the editor, which never tokenize. A
#: context variable, made by the first :func:`counting_packed_rows` (``check`` never imports it).
_COUNT_PACKED: Any = None


@contextlib.contextmanager
def counting_packed_rows() -> Iterator[None]:
    """Within this block, plans count packed rows as the tool packs them (``sftlint plan``, the runner)."""
    global _COUNT_PACKED
    if _COUNT_PACKED is None:
        import contextvars

        _COUNT_PACKED = contextvars.ContextVar("count_packed", default=False)
    token = _COUNT_PACKED.set(True)
    try:
        yield
    finally:
        _COUNT_PACKED.reset(token)


def counts_packed_rows() -> bool:
    return _COUNT_PACKED is not None and _COUNT_PACKED.get()


def build_plan(config: TrainingConfig, settings, count_packed: bool = True) -> TrainingPlan:
    """The plan of ``config``; ``count_packed`` False leaves packed rows uncounted (no tokenizing)."""
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
    if max_steps is None and as_number(config.value("max_steps")) is not None:
        notes.append(f"max_steps {config.value('max_steps')!r} is not a whole number of steps: the run length is "
                     "unknown")
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
    if count_packed:
        _pack(config, settings, plan)
    elif config.value("packing"):
        plan.notes.append("packed sequences are counted by 'sftlint plan', which tokenizes the data; 'check' "
                          "does not")
    arguments = tool_conventions.trainer_arguments(config, inputs, plan)
    batches = objectives.apply(config, plan, arguments)
    if plan.objective == "kto" and config.dialect.runs_trl_trainers:
        _kto(config, settings, plan, count_packed)
    objective_lr = config.dialect.objective_learning_rate(plan.objective)
    if objective_lr is not None and not config.is_set("learning_rate"):
        plan.learning_rate, source = objective_lr
        sources["learning_rate"] = f"{plan.learning_rate:g} ({source})"
    length = _steps(config, plan, arguments, batches)
    _warmup_and_schedule(config, inputs, plan, arguments, length)
    _events(arguments, plan, length)
    plan.memory = estimate_memory(config, plan)
    return plan


def _steps(config: TrainingConfig, plan: TrainingPlan, arguments: dict[str, Any],
           objective_batches: int | None = None) -> trainer_loop.RunLength:
    batch, accumulation, n = plan.per_device_batch_size, plan.gradient_accumulation_steps, plan.num_examples
    if config.value("packing"):
        n = plan.packed_rows
    epochs, max_steps = arguments["num_train_epochs"], arguments["max_steps"]
    drop_last = arguments.get("dataloader_drop_last") is True
    plan.dataloader_drop_last = drop_last
    batches = None
    if n is not None and batch and accumulation:
        batches = arithmetic.batches_per_rank(n, batch, plan.world_size, drop_last)
        if objective_batches is not None:
            batches = objective_batches
        if config.value("packing") and plan.packing.get("batches_per_epoch") is not None:
            batches = plan.packing["batches_per_epoch"]  # the tool's own sampler serves the packed rows
        plan.batches_per_epoch = batches
        if batches == 0 and not drop_last:
            plan.notes.append(f"{n} examples make no batch: the training dataloader is empty")
    if not accumulation:
        return trainer_loop.RunLength(batches, 1, None, None, None)
    if packing_unknown(config, plan) and not (max_steps and max_steps > 0):
        plan.notes.append("packing joins examples into sequences by token count, so the number of "
                          "optimizer steps cannot be known from the row count; set max_steps to fix it")
        return trainer_loop.RunLength(None, accumulation, None, None, None)
    why = (f"dataloader_drop_last with {n} examples, fewer than one batch of {batch} per process x "
           f"{plan.world_size} processes" if drop_last else f"{n} examples")
    length = trainer_loop.run_length(batches, accumulation, epochs, max_steps, why)
    plan.steps_per_epoch = length.steps_per_epoch
    plan.total_steps = length.steps_run
    if length.error:
        plan.trainer_errors.append(length.error)
    if length.empty_epoch:
        plan.notes.append(f"the training dataloader is empty ({why}): the Trainer warns that there is not a single "
                          "sample and stops at step 0")
    if max_steps == 0 and length.steps_run:
        plan.notes.append("max_steps 0 does not mean 'use epochs' (that is -1): the scheduler is built for 0 steps "
                          "and the Trainer stops after one optimizer step")
    if drop_last and n is not None and batch and plan.packing.get("batches_per_epoch") is None:
        dropped = n - batches * batch * plan.world_size
        if dropped > 0 and batches:
            plan.notes.append(f"dataloader_drop_last: {dropped} of {n} examples are left out of every epoch")
    plan.epochs_run = arithmetic.epochs_run(plan.total_steps, plan.steps_per_epoch)
    if max_steps and max_steps > 0 and plan.epochs_run is not None and epochs is not None \
            and abs(plan.epochs_run - epochs) > 1e-9 and not config.dialect.computes_run_length:
        plan.notes.append(f"max_steps {max_steps} overrides num_train_epochs {epochs:g}: "
                          f"the run makes {plan.epochs_run:.4g} passes over the data")
    return length


def packing_unknown(config: TrainingConfig, plan: TrainingPlan) -> bool:
    """Packing is on and the run length is not known: neither the packed row count (it replaces the
    example count) nor, for a tool that counts the run itself, the step count it passes."""
    return bool(config.value("packing")) and plan.packed_rows is None and plan.packing.get("steps") is None


def _pack(config: TrainingConfig, settings, plan: TrainingPlan) -> None:
    """With packing, the Trainer's rows are packed sequences: count them as the tool packs them."""
    if not config.value("packing"):
        return
    from .packing import PackingUnknown

    roots = _data_roots(config, settings)
    try:
        if config.dialect.packs_with_trl:
            from .packing import trl_packed_rows

            plan.packed_rows, how = trl_packed_rows(config, roots)
            plan.packing = {"tool": "trl", "exact": True, "rows": plan.packed_rows}
        elif config.dialect.own_packing == "axolotl":
            how = _pack_axolotl(config, roots, plan)
        elif config.dialect.own_packing == "llamafactory":
            from .packing_llamafactory import llamafactory_packed_rows

            plan.packed_rows, how = llamafactory_packed_rows(config, roots)
            plan.packing = {"tool": "llamafactory", "exact": True, "rows": plan.packed_rows}
        else:
            raise PackingUnknown(f"{config.dialect.name} packs examples with its own prompt templates, which the plan "
                                 "does not render")
    except PackingUnknown as exc:
        plan.packing = {"tool": "trl" if config.dialect.packs_with_trl else config.dialect.own_packing
                        or config.dialect.name, "exact": None, "unknown": str(exc)}
        plan.notes.append(f"the number of packed sequences is unknown: {exc}")
        return
    plan.notes.append(f"packing: {how}; the Trainer's rows are these sequences")


def _data_roots(config: TrainingConfig, settings) -> list[Path]:
    """Folders the plan may read data and tokenizers from: the working directory, the config's and
    the settings' folders, or anywhere when settings allow it."""
    roots = [Path.cwd()]
    if config.document is not None:
        roots.append(config.document.path.parent)
    if settings is not None and getattr(settings, "path", None) is not None:
        roots.append(settings.path.parent)
    if settings is not None and getattr(settings, "read_data_outside", False):
        roots.append(Path("/"))
    return roots


def _kto(config: TrainingConfig, settings, plan: TrainingPlan, may_tokenize: bool) -> None:
    """KTOTrainer's rows: pairs unpaired into two rows, prompts of ``max_length`` tokens dropped."""
    from .kto_rows import FileRowsAreNot, kto_rows
    from .packing import PackingUnknown

    if plan.num_examples_source.startswith("hint"):
        return  # a count given by hand is the Trainer's rows
    try:
        rows, how = kto_rows(config, _data_roots(config, settings), may_tokenize)
    except PackingUnknown as exc:
        if isinstance(exc, FileRowsAreNot):  # the file's rows are not KTOTrainer's
            plan.num_examples, plan.num_examples_source = None, f"unknown: {exc}"
        plan.notes.append(f"the number of KTO rows is unknown: {exc}")
        return
    plan.num_examples, plan.num_examples_source = rows, f"KTOTrainer's rows: {how}"


def _pack_axolotl(config: TrainingConfig, roots: list[Path], plan: TrainingPlan) -> str:
    from .packing import PackingUnknown
    from .packing_axolotl import axolotl_packing

    batch, accumulation, epochs = plan.per_device_batch_size, plan.gradient_accumulation_steps, plan.num_train_epochs
    if not batch or not accumulation or epochs is None:
        raise PackingUnknown("micro_batch_size, gradient_accumulation_steps and num_epochs must be numbers")
    counted = axolotl_packing(config, roots, plan.world_size, batch, accumulation, epochs)
    plan.packed_rows = counted.rows
    plan.packing = {"tool": "axolotl", "exact": counted.exact, "rows": counted.rows, "steps": counted.steps}
    if counted.batches is not None:
        plan.packing["batches_per_epoch"] = -(-counted.batches // plan.world_size)
    if not counted.exact:
        plan.packing["rows_range"] = [counted.rows_low, counted.rows_high]
        plan.packing["steps_range"] = [counted.steps_low, counted.steps_high]
    return counted.how


def _warmup_and_schedule(config: TrainingConfig, inputs: _Inputs, plan: TrainingPlan, arguments: dict[str, Any],
                         length: trainer_loop.RunLength) -> None:
    total, run = length.scheduled, length.steps_run
    if total is None or run is None:
        return
    ratio = arguments.get("warmup_ratio")
    chosen = tool_conventions.warmup_for(arguments, total)
    if chosen is None:
        plan.notes.append(f"warmup_steps is {config.value('warmup_steps')!r}, not a number of at least 0")
        return
    # ``ratio`` is what the tool passes on: a tool that turns the ratio into steps itself passes none
    if ratio is not None and ratio > 0 and config.is_set("warmup_ratio") \
            and not (arguments.get("warmup_steps") and arguments["warmup_steps"] > 0):
        plan.notes.append(f"warmup_ratio {ratio:g} gives {chosen} warmup steps; transformers 5.2 and "
                          "later no longer accept warmup_ratio: write warmup_steps "
                          f"{ratio:g} (a value below 1 is a ratio)")
    plan.warmup_steps = chosen
    if plan.warmup_steps > total and total > 0:
        plan.notes.append(f"warmup ({plan.warmup_steps} steps) is longer than the run ({total} steps): "
                          "the learning rate never reaches its peak")
    name = plan.lr_scheduler_type
    if name is None or plan.learning_rate is None:
        if name is None:
            plan.notes.append(f"lr_scheduler_type {config.value('lr_scheduler_type')!r} is not a schedule name")
        return
    kwargs = arguments.get("lr_scheduler_kwargs")
    kwargs = kwargs if isinstance(kwargs, dict) else {}
    filled = config.dialect.fill_scheduler_kwargs(name, kwargs, chosen, total)
    if filled != kwargs:
        if "num_stable_steps" in filled and "num_decay_steps" in filled:
            plan.notes.append(f"{config.dialect.title} fills {name}'s steps itself: "
                              f"{filled['num_stable_steps']} stable, {filled['num_decay_steps']} decaying")
        else:
            plan.notes.append(f"{config.dialect.title} fills {name}'s arguments itself: {_show(filled)}")
        kwargs = plan.lr_scheduler_kwargs = filled
    raised = scheduler_error(name, plan.learning_rate, chosen, total, run, kwargs)
    if raised:
        plan.trainer_errors.append(raised)
    if run > MAX_SCHEDULE_STEPS:
        plan.notes.append(f"the learning-rate curve is not listed for runs over {MAX_SCHEDULE_STEPS} steps")
        return
    plan.lr_schedule, why = learning_rates(name, plan.learning_rate, chosen, total, kwargs, run)
    if why and not raised:
        plan.notes.append(why)


def _events(arguments: dict[str, Any], plan: TrainingPlan, length: trainer_loop.RunLength) -> None:
    flow = trainer_loop.Flow(arguments)
    plan.trainer_errors.extend(flow.errors)
    found = trainer_loop.events(flow, length)
    plan.trainer_errors.extend(found.errors)
    plan.save_steps, plan.eval_steps, plan.logging_steps = found.save, found.eval, found.logging
    if found.save is None and flow.save_strategy == "best" and length.steps_run is not None:
        plan.notes.append("save_strategy 'best' saves whenever the evaluation metric improves: "
                          "the steps are not known in advance")
    total = length.steps_run
    if total and flow.save_strategy == "steps" and flow.save_steps is not None and flow.save_steps >= 1 \
            and flow.save_steps > total:
        plan.notes.append(f"save_steps {flow.save_steps:g} is beyond the last step ({total}): only the final "
                          "checkpoint is saved")
