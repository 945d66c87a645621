"""Reading config values as numbers the way the Trainer would accept them, or not at all.

A file can hold anything (``"2e-4"`` as a string, ``true`` for a count); the plan and the tools'
own arithmetic (a dialect's conventions) must never crash on such input and must never invent a
number the trainer would not use. These functions return None for what the trainer could not
take, and the plan then says the figure is unknown.
"""

from __future__ import annotations

import math
from typing import Any


def as_number(value: Any) -> float | None:
    """A finite int or float (bools excluded, since YAML ``yes`` is not a count), else None."""
    kind = value.__class__
    if kind is int:  # the common cases first, without a call (the plan asks for dozens per file)
        return value
    if kind is float:
        return value if math.isfinite(value) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def as_int(value: Any) -> int | None:
    """An integral number as int (``4.0`` counts; ``4.5`` does not), else None."""
    number = as_number(value)
    if number is None or number != int(number):
        return None
    return int(number)


def as_positive_int(value: Any) -> int | None:
    number = as_int(value)
    return number if number is not None and number >= 1 else None
