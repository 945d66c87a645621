"""The ranges numbers must fall in where they enter sftlint: the command line, settings, comments and
configs.

A config from a stranger can hold ``max_steps: 1e19`` or an integer of 5,000 digits; arithmetic on
such values costs unbounded memory or time (Python refuses to even print an integer of over 4,300
digits). No real fine-tuning run comes near these limits, so a value beyond them is reported where
it was written, and the plan treats it as unknown instead of computing with it.
"""

from __future__ import annotations

import math
from typing import Any

#: Counts of anything (examples, steps, GPUs, batch sizes, ranks, tokens) stay below this.
MAX_COUNT = 10**12
#: Any integer written in a config stays below this in size (a seed or a big id still fits).
MAX_INTEGER = 10**30
#: Digits Python converts between text and int by default; longer integers are refused.
MAX_INT_DIGITS = 4300

#: Canonical fields that count something: beyond :data:`MAX_COUNT`, or not finite, is out of range.
COUNT_FIELDS = frozenset({
    "per_device_train_batch_size", "gradient_accumulation_steps", "num_train_epochs", "max_steps",
    "save_steps", "eval_steps", "logging_steps", "warmup_steps", "world_size", "num_examples",
    "max_samples", "val_size", "lora_r", "lora_alpha", "max_seq_length",
})


def int_digits_ok(text: str) -> bool:
    """Whether an integer written as ``text`` can be converted without hitting Python's limit."""
    return len(text) <= MAX_INT_DIGITS


def out_of_range(field: str, value: Any) -> str | None:
    """Why ``value`` of canonical ``field`` is beyond what sftlint computes with, or None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if field in COUNT_FIELDS:
        if isinstance(value, float) and not math.isfinite(value):
            return f"{value} is not a finite number"
        if abs(value) >= MAX_COUNT:
            return f"{_short(value)} is beyond any training run (counts here stay below 10^12)"
    elif isinstance(value, int) and abs(value) >= MAX_INTEGER:
        return f"{_short(value)} is beyond the integers sftlint computes with (below 10^30)"
    return None


def _short(value: float | int) -> str:
    """A number as a short text: huge integers by their digit count, never in full."""
    if isinstance(value, float):
        return f"{value:g}"
    if value == 0:
        return "0"
    digits = len(str(abs(value))) if abs(value) < 10**MAX_INT_DIGITS else None
    if digits is None or digits > 20:
        return f"an integer of {'over ' + str(MAX_INT_DIGITS) if digits is None else digits} digits"
    return str(value)


def parse_count(text: str, what: str, minimum: int = 1) -> int:
    """A whole number from the command line or a comment, in ``minimum..MAX_COUNT``; ValueError
    with a sentence that says what is allowed otherwise."""
    clean = text.strip().replace("_", "")
    if not clean.lstrip("+-").isdigit() or not int_digits_ok(clean):
        raise ValueError(f"{what} must be a whole number, not {text[:40]!r}")
    number = int(clean)
    if not minimum <= number < MAX_COUNT:
        raise ValueError(f"{what} must be between {minimum} and 10^12, not {_short(number)}")
    return number
