"""The learning rate at every optimizer step, for each schedule transformers' Trainer offers.

Each schedule is written as the factor the peak learning rate is multiplied by after ``s``
scheduler steps, the way ``torch.optim.lr_scheduler.LambdaLR`` applies transformers' schedule
functions. The optimizer step ``k`` (1-based) runs with the factor at ``s = k - 1``, because the
scheduler steps *after* the optimizer: the first step of a linear warmup therefore has lr 0.

A schedule the trainer would refuse to build (a missing ``lr_scheduler_kwargs`` entry, say) or
one that follows the loss (``reduce_lr_on_plateau``) has no fixed curve: :func:`learning_rates`
returns None and a sentence saying why.
"""

from __future__ import annotations

import math
from typing import Any, Callable

Factor = Callable[[int], float]

#: Schedules whose lr depends on evaluation results, so no curve can be drawn in advance.
ADAPTIVE = frozenset({"reduce_lr_on_plateau", "greedy"})


class ScheduleError(ValueError):
    """The trainer would raise building this schedule; the message says what to change."""


def _warmup(step: int, warmup: int) -> float:
    return float(step) / float(max(1, warmup))


def linear(warmup: int, total: int) -> Factor:
    def factor(step: int) -> float:
        if step < warmup:
            return _warmup(step, warmup)
        return max(0.0, float(total - step) / float(max(1, total - warmup)))

    return factor


def cosine(warmup: int, total: int, num_cycles: float = 0.5, min_lr_rate: float = 0.0) -> Factor:
    def factor(step: int) -> float:
        if step < warmup:
            return _warmup(step, warmup)
        progress = float(step - warmup) / float(max(1, total - warmup))
        value = 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress))
        return max(0.0, value * (1 - min_lr_rate) + min_lr_rate)

    return factor


def cosine_with_restarts(warmup: int, total: int, num_cycles: float = 1) -> Factor:
    def factor(step: int) -> float:
        if step < warmup:
            return _warmup(step, warmup)
        progress = float(step - warmup) / float(max(1, total - warmup))
        if progress >= 1.0:
            return 0.0
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * ((float(num_cycles) * progress) % 1.0))))

    return factor


def polynomial(warmup: int, total: int, lr: float, lr_end: float = 1e-7, power: float = 1.0) -> Factor:
    if not lr > lr_end:
        raise ScheduleError(f"polynomial decay needs learning_rate above lr_end ({lr_end:g}); the trainer raises")

    def factor(step: int) -> float:
        if step < warmup:
            return _warmup(step, warmup)
        if step > total:
            return lr_end / lr
        remaining = 1 - (step - warmup) / (total - warmup)
        return ((lr - lr_end) * remaining**power + lr_end) / lr

    return factor


def constant() -> Factor:
    return lambda step: 1.0


def constant_with_warmup(warmup: int) -> Factor:
    return lambda step: _warmup(step, warmup) if step < warmup else 1.0


def inverse_sqrt(warmup: int, timescale: float | None = None) -> Factor:
    scale = timescale if timescale is not None else (warmup or 10_000)
    shift = scale - warmup

    def factor(step: int) -> float:
        if step < warmup:
            return _warmup(step, warmup)
        return 1.0 / math.sqrt((step + shift) / scale)

    return factor


def _min_lr_rate(lr: float, kwargs: dict[str, Any], name: str) -> float:
    min_lr, rate = kwargs.get("min_lr"), kwargs.get("min_lr_rate")
    if min_lr is not None and rate is not None:
        raise ScheduleError(f"{name}: set only one of min_lr and min_lr_rate in lr_scheduler_kwargs; the trainer raises")
    if min_lr is not None:
        return min_lr / lr
    if rate is None:
        raise ScheduleError(f"{name} needs min_lr or min_lr_rate in lr_scheduler_kwargs; the trainer raises without")
    return rate


def cosine_warmup_with_min_lr(warmup: int, total: int, min_lr_rate: float, num_cycles: float = 0.5,
                              warmup_lr_rate: float | None = None) -> Factor:
    """The variant whose warmup starts above 0 and whose decay is shifted one step earlier."""

    def factor(step: int) -> float:
        s, w, t = float(step), float(warmup), float(total)
        if s < w:
            if warmup_lr_rate is None:
                return (s + 1.0) / max(1.0, w)
            return warmup_lr_rate + (1.0 - warmup_lr_rate) * s / max(1, w - 1)
        progress = (s - w + 1.0) / max(1.0, t - w)
        value = 0.5 * (1.0 + math.cos(math.pi * num_cycles * 2.0 * progress))
        return max(0.0, value * (1 - min_lr_rate) + min_lr_rate)

    return factor


_SHAPES = ("linear", "cosine", "1-sqrt")


def warmup_stable_decay(warmup: int, total: int, num_decay_steps: int | None = None, num_stable_steps: int | None = None,
                        warmup_type: str = "linear", decay_type: str = "cosine", min_lr_ratio: float = 0.0,
                        num_cycles: float = 0.5) -> Factor:
    if num_decay_steps is None:
        raise ScheduleError("warmup_stable_decay needs num_decay_steps in lr_scheduler_kwargs; the trainer raises without")
    if warmup_type not in _SHAPES or decay_type not in _SHAPES:
        raise ScheduleError(f"warmup_stable_decay: warmup_type and decay_type must be one of {', '.join(_SHAPES)}")
    stable = num_stable_steps if num_stable_steps is not None else total - warmup - num_decay_steps

    def shape(kind: str, progress: float, rising: bool) -> float:
        if kind == "linear":
            return progress if rising else 1.0 - progress
        if kind == "cosine":
            if rising:
                return 0.5 * (1.0 - math.cos(math.pi * progress))
            return 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress))
        return 1.0 - math.sqrt(1.0 - progress) if rising else 1.0 - math.sqrt(progress)

    def factor(step: int) -> float:
        if step < warmup:
            value = shape(warmup_type, float(step) / float(max(1, warmup)), True)
            return max(0.0, value * (1.0 - min_lr_ratio) + min_lr_ratio)
        if step < warmup + stable:
            return 1.0
        if step < warmup + stable + num_decay_steps:
            progress = float(step - warmup - stable) / float(max(1, num_decay_steps))
            return max(0.0, shape(decay_type, progress, False) * (1.0 - min_lr_ratio) + min_lr_ratio)
        return min_lr_ratio

    return factor


#: Keyword arguments each schedule accepts from ``lr_scheduler_kwargs``.
ACCEPTED_KWARGS: dict[str, frozenset[str]] = {
    "linear": frozenset(),
    "cosine": frozenset({"num_cycles"}),
    "cosine_with_restarts": frozenset({"num_cycles"}),
    "polynomial": frozenset({"lr_end", "power"}),
    "constant": frozenset(),
    "constant_with_warmup": frozenset(),
    "inverse_sqrt": frozenset({"timescale"}),
    "cosine_with_min_lr": frozenset({"num_cycles", "min_lr", "min_lr_rate"}),
    "cosine_warmup_with_min_lr": frozenset({"num_cycles", "min_lr", "min_lr_rate", "warmup_lr_rate"}),
    "warmup_stable_decay": frozenset({"num_decay_steps", "num_stable_steps", "warmup_type", "decay_type",
                                      "min_lr_ratio", "num_cycles"}),
}


def schedule_factor(name: str, lr: float, warmup: int, total: int, kwargs: dict[str, Any] | None = None) -> Factor:
    """The factor function of schedule ``name``; raises :class:`ScheduleError` where the trainer would."""
    kwargs = dict(kwargs or {})
    if name not in ACCEPTED_KWARGS:
        raise ScheduleError(f"unknown lr_scheduler_type {name!r}")
    unexpected = sorted(set(kwargs) - ACCEPTED_KWARGS[name])
    if unexpected and name != "constant":  # the trainer passes no kwargs to the constant schedule
        raise ScheduleError(f"{name} does not take {', '.join(unexpected)} (lr_scheduler_kwargs); the trainer raises")
    if name == "linear":
        return linear(warmup, total)
    if name == "cosine":
        return cosine(warmup, total, **kwargs)
    if name == "cosine_with_restarts":
        return cosine_with_restarts(warmup, total, **kwargs)
    if name == "polynomial":
        return polynomial(warmup, total, lr, **kwargs)
    if name == "constant":
        return constant()
    if name == "constant_with_warmup":
        return constant_with_warmup(warmup)
    if name == "inverse_sqrt":
        return inverse_sqrt(warmup, **kwargs)
    if name == "cosine_with_min_lr":
        rate = _min_lr_rate(lr, kwargs, name)
        return cosine(warmup, total, kwargs.get("num_cycles", 0.5), rate)
    if name == "cosine_warmup_with_min_lr":
        rate = _min_lr_rate(lr, kwargs, name)
        return cosine_warmup_with_min_lr(warmup, total, rate, kwargs.get("num_cycles", 0.5), kwargs.get("warmup_lr_rate"))
    return warmup_stable_decay(warmup, total, **kwargs)


def _warmup_curve(lr: float, warmup: int, steps: int) -> list[float]:
    w = float(max(1, warmup))
    return [lr * (float(step) / w) for step in range(min(warmup, steps))]


def linear_curve(lr: float, warmup: int, total: int, steps: int) -> list[float]:
    """``lr x linear(warmup, total)(s)`` for s in 0..steps-1, the same arithmetic in one loop."""
    span = float(max(1, total - warmup))
    # ``x if x > 0.0 else 0.0`` is max(0.0, x) to the bit (NaN and -0.0 give 0.0), without a call a step
    return _warmup_curve(lr, warmup, steps) + [lr * (x if x > 0.0 else 0.0) for x in
                                               [float(total - step) / span for step in range(max(warmup, 0), steps)]]


def cosine_curve(lr: float, warmup: int, total: int, steps: int, num_cycles: Any = 0.5,
                 min_lr_rate: Any = 0.0) -> list[float]:
    """``lr x cosine(warmup, total, num_cycles, min_lr_rate)(s)`` for s in 0..steps-1, the same
    arithmetic in one loop (values that are not numbers fail at the same first decaying step)."""
    rising = _warmup_curve(lr, warmup, steps)
    if steps <= max(warmup, 0):
        return rising
    span, cos = float(max(1, total - warmup)), math.cos
    turn = math.pi * float(num_cycles) * 2.0
    values = [0.5 * (1.0 + cos(turn * (float(step - warmup) / span))) * (1 - min_lr_rate) + min_lr_rate
              for step in range(max(warmup, 0), steps)]
    return rising + [lr * (x if x > 0.0 else 0.0) for x in values]  # max(0.0, x), as in linear_curve


def _curve(name: str, lr: float, warmup: int, total: int, kwargs: dict[str, Any], steps: int) -> list[float] | None:
    """The whole curve at once for the schedules most runs use (one function call per step is
    most of the cost of a long curve); None for the others. ``kwargs`` are already checked."""
    if type(warmup) is not int or type(total) is not int:
        return None
    if name == "linear":
        return linear_curve(lr, warmup, total, steps)
    if name == "cosine":
        return cosine_curve(lr, warmup, total, steps, kwargs.get("num_cycles", 0.5))
    if name == "cosine_with_min_lr":
        return cosine_curve(lr, warmup, total, steps, kwargs.get("num_cycles", 0.5), _min_lr_rate(lr, kwargs, name))
    return None


def learning_rates(name: str, lr: float, warmup: int, total: int, kwargs: dict[str, Any] | None = None,
                   steps: int | None = None) -> tuple[list[float] | None, str | None]:
    """The lr used at optimizer steps 1..``steps`` (default ``total``, the length the scheduler is
    built for), or None and the reason no curve can be given."""
    if name in ADAPTIVE:
        return None, f"lr_scheduler_type {name!r} follows the evaluation loss, so its curve is not known in advance"
    try:
        factor = schedule_factor(name, lr, warmup, total, kwargs)
        length = total if steps is None else steps
        curve = _curve(name, lr, warmup, total, kwargs or {}, length)
        return (curve if curve is not None else [lr * factor(step) for step in range(length)]), None
    except ScheduleError as exc:
        return None, str(exc)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError) as exc:
        return None, f"lr_scheduler_type {name!r} cannot be drawn with these settings ({exc})"


def scheduler_error(name: str, lr: float, warmup: int, total: int, steps: int,
                    kwargs: dict[str, Any] | None = None) -> str | None:
    """Why the Trainer raises building or stepping this schedule, or None.

    ``LambdaLR`` evaluates the factor when it is built (step 0) and after every optimizer step,
    the last time at ``steps``; the factor is tried at every step where a schedule changes branch
    (0, around the warmup's end, around the scheduled total, the last), which is where the
    schedules transformers offers can divide by zero (``polynomial`` with warmup equal to the total).
    """
    if name in ADAPTIVE:
        return None
    try:
        factor = schedule_factor(name, lr, warmup, total, kwargs)
    except ScheduleError as exc:
        return str(exc)
    except ZeroDivisionError:
        return f"lr_scheduler_type {name!r} divides by zero when it is built: the Trainer raises ZeroDivisionError"
    except (TypeError, ValueError) as exc:
        return f"lr_scheduler_type {name!r} cannot be built with these settings ({exc}): the Trainer raises"
    probes = sorted({s for s in (0, warmup - 1, warmup, warmup + 1, total - 1, total, total + 1, steps)
                     if 0 <= s <= steps})
    for step in probes:
        try:
            factor(step)
        except ZeroDivisionError:
            when = "when it is built" if step == 0 else \
                "after the last optimizer step" if step == steps else f"after optimizer step {step}"
            return (f"lr_scheduler_type {name!r} with {warmup} warmup steps of {total} divides by zero {when}: "
                    "the Trainer raises ZeroDivisionError")
        except (ValueError, OverflowError, TypeError):
            continue
    return None
