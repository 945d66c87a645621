"""Batch scaling (SC): the learning rate against the effective batch size, and effective batches
too large for LoRA. The reference run comes from ``[tool.sftlint.scaling]``, a settings table this
family declares (and so parses and checks) itself."""

from sftlint import hookimpl


@hookimpl
def sftlint_rules():
    from .effective_batch_too_large import EffectiveBatchTooLarge
    from .learning_rate_not_scaled import LearningRateNotScaled

    return [LearningRateNotScaled, EffectiveBatchTooLarge]


@hookimpl
def sftlint_settings_tables():
    from .reference import SCALING_TABLE

    return {"scaling": SCALING_TABLE}
