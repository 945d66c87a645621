"""A rule that reports one numeric setting outside a range given by two options."""

from __future__ import annotations

from typing import ClassVar, Iterable

from sftlint import Rule, Violation
from sftlint.config.canonical import Origin

from .._shared import fmt, number, origin_phrase


class BandRule(Rule):
    """Base of the range rules; subclasses set the field, the option names and the consequences."""

    field: ClassVar[str]
    label: ClassVar[str]
    min_option: ClassVar[str] = "min"
    max_option: ClassVar[str] = "max"
    #: Whether a tool default outside the range is reported (with the key that changes it).
    report_defaults: ClassVar[bool] = False
    #: The published ranges these rules cite are those of supervised fine-tuning.
    objectives = frozenset({"sft"})
    #: What happens below / above the range, said after the numbers.
    below: ClassVar[str] = ""
    above: ClassVar[str] = ""

    def applies(self, ctx) -> bool:
        return True

    def band(self, ctx) -> tuple[float, float, str]:
        """(low, high, what the range is for)."""
        return float(ctx.options[self.min_option]), float(ctx.options[self.max_option]), "usual range"

    def check(self, ctx) -> Iterable[Violation]:
        if not self.applies(ctx):
            return
        setting = ctx.config.get(self.field)
        if setting is None or not (setting.in_file or (self.report_defaults and setting.origin is Origin.DEFAULT)):
            return
        value = number(setting.value)
        if value is None:
            return
        low, high, what = self.band(ctx)
        if low <= value <= high:
            return
        side = "below" if value < low else "above"
        why = self.below if side == "below" else self.above
        origin = origin_phrase(ctx.config, setting, self.field)
        yield Violation(
            f"{self.label} {fmt(value)}{origin} is {side} the {what} {fmt(low)}..{fmt(high)}" + (f": {why}" if why else ""),
            ctx.node_of(setting),
            data={"value": value, "min": low, "max": high, "origin": setting.origin.value},
        )
