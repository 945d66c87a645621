"""The Trainer's step arithmetic: batches per epoch, optimizer steps, epochs run, warmup.

transformers' Trainer (``set_initial_training_values``) counts the batches of the dataloader *one
process* sees and turns them into optimizer steps per epoch, rounding a partial accumulation up:
the last micro-batches of an epoch still make an optimizer step. Under several processes
accelerate shards the batches of one sampler (``BatchSamplerShard`` with ``even_batches``), so each
rank gets ``ceil(batches / world_size)`` batches, the short ranks looping back to the first
examples; that equals ``ceil(ceil(N / world_size) / batch)``, the figure of a padding distributed
sampler. Everything here is plain integer arithmetic so that linting never imports the trainer.
"""

from __future__ import annotations

import math


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def batches_per_rank(num_examples: int, per_device_batch: int, world_size: int = 1, drop_last: bool = False) -> int:
    """Length of one process's training dataloader for one epoch."""
    if drop_last:
        return (num_examples // per_device_batch) // world_size
    return ceil_div(ceil_div(num_examples, per_device_batch), world_size)


def update_steps_per_epoch(batches: int, gradient_accumulation_steps: int) -> int:
    """Optimizer steps in one epoch: a trailing partial accumulation still steps; never below 1."""
    return max(ceil_div(batches, gradient_accumulation_steps), 1)


def total_steps(steps_per_epoch: int | None, num_train_epochs: float | None, max_steps: int | None) -> int | None:
    """Optimizer steps of the whole run: ``max_steps`` when positive, else epochs x steps per epoch."""
    if max_steps is not None and max_steps > 0:
        return max_steps
    if steps_per_epoch is None or num_train_epochs is None:
        return None
    return math.ceil(num_train_epochs * steps_per_epoch)


def epochs_run(total: int | None, steps_per_epoch: int | None) -> float | None:
    """Passes over the data the run makes (fractional when it stops inside an epoch)."""
    if total is None or not steps_per_epoch:
        return None
    return total / steps_per_epoch


def epoch_loop_count(total: int, steps_per_epoch: int) -> int:
    """How many epochs the training loop enters, the last one possibly cut short."""
    return max(ceil_div(total, steps_per_epoch), 1) if total > 0 else 0


def warmup_from_steps(warmup_steps: float, total: int) -> int:
    """transformers >= 5: ``warmup_steps`` of 1 or more is a count, below 1 a ratio rounded up."""
    return int(warmup_steps) if warmup_steps >= 1 else math.ceil(total * warmup_steps)


def warmup_from_ratio(warmup_ratio: float, total: int) -> int:
    """transformers < 5.2's ``warmup_ratio``: ``ceil(ratio x total)``."""
    return math.ceil(total * warmup_ratio)
