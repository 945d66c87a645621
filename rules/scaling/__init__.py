"""Batch scaling (SC): the learning rate against the effective batch size, and effective batches
too large for LoRA. The reference run comes from ``[tool.sftlint.scaling]``."""

from sftlint import hookimpl


@hookimpl
def sftlint_rules():
    from .effective_batch_too_large import EffectiveBatchTooLarge
    from .learning_rate_not_scaled import LearningRateNotScaled

    return [LearningRateNotScaled, EffectiveBatchTooLarge]
