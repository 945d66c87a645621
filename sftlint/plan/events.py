"""The optimizer steps at which the Trainer logs, evaluates and saves a checkpoint.

transformers' ``DefaultFlowCallback`` fires on multiples of the interval with strategy ``"steps"``
(an interval below 1 is a fraction of the total steps, rounded up), and at the end of every epoch
with ``"epoch"``, the last epoch ending where the run stops. Two extras make the final step
special: with ``"steps"`` a checkpoint is saved and (for evaluation) the model evaluated at the last
step even when it is not a multiple of the interval.
"""

from __future__ import annotations

import math

from .arithmetic import epoch_loop_count


def interval_steps(interval: float, total: int) -> int:
    """The Trainer's absolute interval: fractions of the run are rounded up."""
    return math.ceil(total * interval) if interval < 1 else int(interval)


def epoch_ends(total: int, steps_per_epoch: int) -> list[int]:
    """Global steps at which each epoch of the loop ends."""
    return sorted({min(steps_per_epoch * (epoch + 1), total) for epoch in range(epoch_loop_count(total, steps_per_epoch))})


def event_steps(strategy: str, interval: float | None, total: int, steps_per_epoch: int | None,
                at_last_step: bool) -> list[int] | None:
    """Steps an event happens at; None when that cannot be known (``"best"``, unknown epochs)."""
    if strategy == "no":
        return []
    if strategy == "epoch":
        return epoch_ends(total, steps_per_epoch) if steps_per_epoch else None
    if strategy != "steps" or interval is None or interval <= 0:
        return None
    every = interval_steps(interval, total)
    if every <= 0:
        return [total] if at_last_step and total > 0 else []
    points = list(range(every, total + 1, every))
    if at_last_step and total > 0 and (not points or points[-1] != total):
        points.append(total)
    return points
