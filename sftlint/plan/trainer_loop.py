"""transformers' training loop, step by step, as plain arithmetic: how long it runs and when it
logs, evaluates and saves.

This follows ``Trainer.set_initial_training_values``, ``_inner_training_loop`` and ``_run_epoch``
and ``DefaultFlowCallback`` of transformers 5.17:

- ``max_steps`` below 0 means "use epochs": ``ceil(epochs x steps per epoch)`` steps over
  ``ceil(epochs)`` loop epochs. ``max_steps`` 0 is *not* that: the scheduler is built for 0 steps,
  the loop still enters its first epoch, and the stop check (``global_step >= max_steps``) only
  runs after an optimizer step, so one step is taken (at the lr the schedule gives step 0).
- A dataloader of length 0 (``dataloader_drop_last`` with fewer rows than one batch per process)
  makes the Trainer raise unless ``max_steps`` is positive; then it runs one empty epoch and stops.
- Intervals below 1 are fractions of the *scheduled* steps, rounded up; a fraction of 0 scheduled
  steps is 0 and the ``step % interval`` test divides by zero.
- ``logging_first_step`` logs step 1 whatever the strategy; ``logging_strategy: epoch`` logs at
  each epoch end that follows a step not yet logged; ``eval_delay`` holds evaluations back (in
  steps for ``"steps"``, in epochs for ``"epoch"``); ``eval_on_start`` evaluates at step 0; with
  ``"steps"`` the last step is always saved and evaluated.

Nothing here imports the Trainer. Every step list is a :class:`StepSet`, so a run of any length
plans in constant memory.
"""

from __future__ import annotations

import math
from typing import Any

from .arithmetic import ceil_div
from .steps import StepSet
from ..dialects.values import as_number


class RunLength:
    """How many optimizer steps the loop takes, and how they fall into epochs."""

    __slots__ = ("batches_per_epoch", "accumulation", "steps_per_epoch", "scheduled", "steps_run", "empty_epoch",
                 "error")

    def __init__(self, batches_per_epoch: int | None, accumulation: int, steps_per_epoch: int | None,
                 scheduled: int | None, steps_run: int | None, empty_epoch: bool = False, error: str | None = None):
        self.batches_per_epoch = batches_per_epoch
        self.accumulation = accumulation
        self.steps_per_epoch = steps_per_epoch
        #: ``state.max_steps``: the length the scheduler and fractional intervals are built for.
        self.scheduled = scheduled
        #: Optimizer steps actually taken.
        self.steps_run = steps_run
        #: The loop runs one epoch over an empty dataloader (no step, one epoch end at step 0).
        self.empty_epoch = empty_epoch
        #: The Trainer raises before training; the sentence says why.
        self.error = error


NO_LENGTH = ("the training dataloader is empty ({why}), and the Trainer raises ValueError ('args.max_steps must be "
             "set to a positive value if dataloader does not have a length') unless max_steps is positive")


def run_length(batches_per_epoch: int | None, accumulation: int, epochs: float | None, max_steps: int | None,
               empty_why: str = "no full batch") -> RunLength:
    """The loop's length from one process's dataloader length (None when the data size is unknown)."""
    if max_steps is None:
        return RunLength(batches_per_epoch, accumulation, None, None, None)
    if batches_per_epoch is None:
        if max_steps > 0:
            return RunLength(None, accumulation, None, max_steps, max_steps)
        return RunLength(None, accumulation, None, None, None)
    if batches_per_epoch == 0:
        if max_steps > 0:
            return RunLength(0, accumulation, None, max_steps, 0, empty_epoch=True)
        return RunLength(0, accumulation, None, None, None, error=NO_LENGTH.format(why=empty_why))
    per_epoch = max(ceil_div(batches_per_epoch, accumulation), 1)
    if max_steps < 0:
        if epochs is None:
            return RunLength(batches_per_epoch, accumulation, per_epoch, None, None)
        scheduled, loop_epochs = math.ceil(epochs * per_epoch), math.ceil(epochs)
    else:
        scheduled = max_steps
        if max_steps > 0:
            loop_epochs = ceil_div(max_steps, per_epoch)
        elif epochs is None:
            return RunLength(batches_per_epoch, accumulation, per_epoch, 0, None)
        else:
            loop_epochs = math.ceil(epochs)
    steps_run = min(loop_epochs * per_epoch, max(scheduled, 1)) if loop_epochs > 0 else 0
    return RunLength(batches_per_epoch, accumulation, per_epoch, scheduled, steps_run)


class EpochEnds:
    """The steps at which epochs end, and the ``state.epoch`` the Trainer holds there."""

    def __init__(self, length: RunLength) -> None:
        self.per_epoch, self.whole = length.steps_per_epoch or 0, 0  # complete epochs end at whole numbers
        self.partial: tuple[int, float] | None = None  # the epoch the run stops inside: (step, state.epoch)
        self.known = True
        run = length.steps_run
        if length.empty_epoch:
            self.partial = (0, 0.0)
            return
        if run is None or (run > 0 and not self.per_epoch):
            self.known = False
            return
        if run <= 0:
            return
        self.whole, rest = divmod(run, self.per_epoch)
        if rest:
            batches = min(rest * length.accumulation, length.batches_per_epoch)
            self.partial = (run, self.whole + batches / length.batches_per_epoch)

    def steps(self, from_epoch: float = 0.0) -> StepSet:
        """Epoch ends where ``state.epoch >= from_epoch``."""
        first = max(math.ceil(from_epoch), 1)
        extra = [self.partial[0]] if self.partial is not None and self.partial[1] >= from_epoch else []
        if first > self.whole:
            return StepSet(extra=extra)
        return StepSet(first * self.per_epoch, self.whole * self.per_epoch, self.per_epoch, extra)


def interval(value: float, scheduled: int) -> int | float:
    """``TrainerState.compute_steps``: below 1, a fraction of the scheduled steps rounded up."""
    return math.ceil(scheduled * value) if value < 1 else value


class Flow:
    """The settings ``DefaultFlowCallback`` reads, as the Trainer holds them after ``__post_init__``."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.logging_strategy = _strategy(values.get("logging_strategy"), "steps")
        self.logging_steps = as_number(values.get("logging_steps"))
        self.logging_first_step = values.get("logging_first_step") is True
        self.eval_strategy = _strategy(values.get("eval_strategy"), "no")
        self.eval_steps = as_number(values.get("eval_steps"))
        self.eval_delay = as_number(values.get("eval_delay")) or 0.0
        self.eval_on_start = values.get("eval_on_start") is True
        self.save_strategy = _strategy(values.get("save_strategy"), "steps")
        self.save_steps = as_number(values.get("save_steps"))
        self.errors: list[str] = []
        if self.eval_strategy == "steps" and not self.eval_steps:  # falls back to logging_steps
            if self.logging_steps is not None and self.logging_steps > 0:
                self.eval_steps = self.logging_steps
            elif self.logging_steps is not None:
                self.errors.append("eval_strategy 'steps' with no eval_steps and no positive logging_steps to "
                                   "fall back on: TrainingArguments raises ValueError")
        if self.logging_strategy == "steps" and self.logging_steps == 0:
            self.errors.append("logging_steps 0 with logging_strategy 'steps': TrainingArguments raises ValueError")
        for kind in ("logging", "eval", "save"):
            value = getattr(self, f"{kind}_steps")
            if getattr(self, f"{kind}_strategy") == "steps" and value is not None and value > 1 and value != int(value):
                self.errors.append(f"{kind}_steps {value:g} is above 1 but not a whole number: TrainingArguments "
                                   "raises ValueError")


def _strategy(value: Any, default: str) -> str:
    value = getattr(value, "value", value)
    return str(value).lower() if value is not None else default


class Events:
    """Steps of the run's logs, evaluations and checkpoints (None where not known in advance)."""

    def __init__(self) -> None:
        self.logging: StepSet | None = None
        self.eval: StepSet | None = None
        self.save: StepSet | None = None
        self.errors: list[str] = []


def events(flow: Flow, length: RunLength) -> Events:
    out = Events()
    run, scheduled = length.steps_run, length.scheduled
    if run is None or scheduled is None:
        return out
    ends = EpochEnds(length)
    last = [run] if run > 0 and run >= scheduled else []

    def every(kind: str, value: float | None) -> int | None:
        """The absolute interval the callback divides by; None when unknown."""
        if value is None:
            return None
        steps = int(interval(value, scheduled))
        if steps == 0 and run > 0 and kind != "save":
            out.errors.append(f"{kind}_steps {value:g} is a fraction of the {scheduled} scheduled steps, which "
                              f"rounds to 0: the Trainer raises ZeroDivisionError at the first step")
        return steps

    def union(base: StepSet | None, extra: list[int]) -> StepSet | None:
        return None if base is None else StepSet(base.first, base.last, base.every, [*base.extra, *extra])

    # logging: each step at most once (the Trainer logs only past the last logged step)
    first = [1] if flow.logging_first_step and run >= 1 else []
    if flow.logging_strategy == "steps":
        step = every("logging", flow.logging_steps)
        out.logging = None if step is None else StepSet.multiples(abs(step), run, extra=first) if step \
            else StepSet(extra=first)
    elif flow.logging_strategy == "epoch":
        out.logging = union(ends.steps() if ends.known else None, first)
        if out.logging is not None and 0 in out.logging.extra:
            out.logging = StepSet(out.logging.first, out.logging.last, out.logging.every,
                                  [p for p in out.logging.extra if p > 0])
    else:
        out.logging = StepSet(extra=first)
    # evaluation
    start = [0] if flow.eval_on_start else []
    delay = flow.eval_delay
    if flow.eval_strategy == "steps":
        step = every("eval", flow.eval_steps)
        tail = [s for s in last if delay <= s] + start
        if step is None:
            out.eval = None
        elif step:
            out.eval = StepSet.multiples(abs(step), run, math.ceil(delay) if delay > 0 else None, tail)
        else:
            out.eval = StepSet(extra=tail)
    elif flow.eval_strategy == "epoch":
        out.eval = union(ends.steps(delay) if ends.known else None, start)
    elif flow.eval_strategy == "no":
        out.eval = StepSet(extra=start)
    # checkpoints
    if flow.save_strategy == "steps":
        step = every("save", flow.save_steps)
        out.save = None if step is None else StepSet.multiples(step, run, extra=last) if step > 0 \
            else StepSet(extra=last)
    elif flow.save_strategy == "epoch":
        out.save = ends.steps() if ends.known else None
    elif flow.save_strategy == "no":
        out.save = StepSet()
    return out
