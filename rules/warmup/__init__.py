"""Warmup and steps (WS): warmup against the real total steps, and step settings the Trainer
will silently override, never reach or refuse."""

from sftlint import hookimpl


@hookimpl
def sftlint_rules():
    from .constant_ignores_warmup import ConstantScheduleIgnoresWarmup
    from .interval_beyond_total import IntervalBeyondTotal
    from .interval_ignored import IntervalIgnoredByStrategy
    from .load_best_mismatch import LoadBestMismatch
    from .max_steps_length import MaxStepsLength
    from .max_steps_overrides_epochs import MaxStepsOverridesEpochs
    from .trainer_would_raise import TrainerWouldRaise
    from .warmup_exceeds_total import WarmupExceedsTotal
    from .warmup_outside_band import WarmupOutsideBand
    from .warmup_ratio_removed import WarmupRatioRemoved
    from .warmup_steps_and_ratio import WarmupStepsAndRatio

    return [WarmupExceedsTotal, WarmupOutsideBand, WarmupStepsAndRatio, WarmupRatioRemoved,
            MaxStepsOverridesEpochs, MaxStepsLength, IntervalBeyondTotal, LoadBestMismatch,
            ConstantScheduleIgnoresWarmup, IntervalIgnoredByStrategy, TrainerWouldRaise]
