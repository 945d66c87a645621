"""What a tool computes itself before it hands arguments to the Trainer.

Most tools pass their settings straight to ``TrainingArguments``; axolotl does not. It counts the
optimizer steps with its own formula, ``ceil(examples x epochs / (micro batch x accumulation x
processes))``, and passes that as ``max_steps``, so its run length can differ from the Trainer's
epoch arithmetic by a step or more. It also turns ``warmup_ratio`` into a step count rounding
*down*, picks a warmup of 3% (at most 100 steps) when none is set, bumps a warmup of 1 to 2, and
logs every ``max(min(int(0.005 x steps), 10), 1)`` steps unless told otherwise.
"""

from __future__ import annotations

import math

from ..canonical import TrainingConfig
from .values import as_number


def axolotl_total_steps(num_examples: int, epochs: float, micro_batch: int, accumulation: int, world_size: int) -> int:
    return int(math.ceil(num_examples * epochs / (micro_batch * accumulation * world_size)))


def axolotl_warmup(config: TrainingConfig, total: int) -> tuple[int | None, str]:
    """Warmup steps axolotl passes on, or None where the generic rule applies, and how it was chosen."""
    if config.is_set("warmup_steps"):
        return None, ""
    ratio = as_number(config.value("warmup_ratio")) if config.is_set("warmup_ratio") else None
    if ratio is not None:
        steps, how = max(int(ratio * total), 0), f"axolotl: int(warmup_ratio {ratio:g} x {total} steps)"
    else:
        steps, how = min(int(0.03 * total), 100), f"axolotl default: min(int(0.03 x {total} steps), 100)"
    if steps == 1:
        steps, how = 2, how + ", raised from 1 to 2"
    return steps, how


def axolotl_logging_steps(total: int) -> int:
    return max(min(int(0.005 * total), 10), 1)
