"""Warmup and steps (WS): warmup against the real total steps, and step settings the Trainer
will silently override or never reach."""

from sftlint import hookimpl


@hookimpl
def sftlint_rules():
    from .warmup_exceeds_total import WarmupExceedsTotal

    return [WarmupExceedsTotal]
