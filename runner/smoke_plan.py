"""A smoke run's plan: the config's own schedule, squeezed into a few optimizer steps.

The schedule type, peak learning rate and scheduler arguments stay as configured; the run length
becomes ``steps`` and the warmup keeps its fraction of the run, rounded up (a config that warms up
for 10% of 300 steps warms up for 1 of 10). The curve comes from the linter's own schedule
arithmetic (:mod:`sftlint.plan.schedules`), so a smoke run checks it against the trainer.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..plan.schedules import learning_rates
from ..dialects.values import as_number
from ..records import replace
from .recipe import smoke_warmup


def warmup_fraction(plan, values: Mapping[str, Any]) -> tuple[float, str]:
    """The fraction of the run spent warming up, and how it was found.

    From the plan when it knows the warmup and the length; else from the config's ratio
    (``warmup_steps`` below 1, or ``warmup_ratio``) as the plan would read it.
    """
    if plan is not None and plan.warmup_steps is not None and plan.total_steps:
        return plan.warmup_steps / plan.total_steps, f"{plan.warmup_steps} of {plan.total_steps} planned steps"
    from .mapping import warmup_argument

    try:
        warmup = warmup_argument(values)
    except (TypeError, ValueError):
        warmup = 0
    if isinstance(warmup, float) and 0 < warmup < 1:
        name = "warmup_steps" if 0 < (as_number(values.get("warmup_steps")) or 0) < 1 else "warmup_ratio"
        return warmup, f"{name} {warmup:g}"
    if warmup:
        return 0.0, f"warmup_steps {warmup:g} with an unknown run length: no warmup"
    return 0.0, "no warmup"


def make_smoke_plan(plan, values: Mapping[str, Any], steps: int, world_size: int = 1):
    """A copy of ``plan`` for a ``steps``-step smoke run (``plan`` may be None: a fresh one is made)."""
    if steps < 1:
        raise ValueError("a smoke run needs at least 1 step")
    fraction, how = warmup_fraction(plan, values)
    warmup = smoke_warmup(fraction, steps)
    lr = plan.learning_rate if plan is not None and plan.learning_rate is not None else float(values.get("learning_rate") or 5e-5)
    name = (plan.lr_scheduler_type if plan is not None else None) or str(values.get("lr_scheduler_type") or "linear")
    kwargs = dict(getattr(plan, "lr_scheduler_kwargs", None) or {})
    schedule, why = learning_rates(name, lr, warmup, steps, kwargs)
    batch = int(getattr(plan, "per_device_batch_size", None) or values.get("per_device_train_batch_size") or 8)
    accumulation = int(getattr(plan, "gradient_accumulation_steps", None) or values.get("gradient_accumulation_steps") or 1)
    notes = [f"smoke run: {steps} steps, warmup {warmup} ({how}, rounded up)"] + ([why] if why else [])
    fields: dict[str, Any] = dict(
        world_size=world_size, per_device_batch_size=batch, gradient_accumulation_steps=accumulation,
        effective_batch_size=batch * accumulation * world_size, num_examples=steps * batch * accumulation * world_size,
        num_examples_source=f"smoke slice: {steps} steps x {batch * accumulation * world_size} examples",
        max_steps=steps, total_steps=steps, epochs_run=None, warmup_steps=warmup, learning_rate=lr,
        lr_scheduler_type=name, lr_schedule=schedule, save_steps=None, eval_steps=None, logging_steps=None,
        packed_rows=None, packing={},  # a smoke run's rows are its slice, whatever the tool would pack
    )
    if plan is None:
        from ..plan.model import TrainingPlan

        return TrainingPlan(dialect="unknown", num_train_epochs=None, steps_per_epoch=None, notes=notes,
                            lr_scheduler_kwargs=kwargs, **fields)
    return replace(plan, notes=[*plan.notes, *notes], **fields)
