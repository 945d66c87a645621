"""The reference run of ``[tool.sftlint.scaling]``: an effective batch size and its learning rate.

Either given as numbers (``reference-batch-size``, ``reference-learning-rate``) or read from
another config (``reference-config``, relative to the settings file), whose own effective batch and
learning rate are worked out by the same session, exactly as for the linted file. The table's keys
are declared here as typed options, so a bad value is a settings error when the settings load.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sftlint.settings.options import Option, SettingsTable
from sftlint.records import record


def _complete(table: dict[str, Any]) -> str | None:
    if "reference-config" in table:
        return None
    if ("reference-batch-size" in table) != ("reference-learning-rate" in table):
        return ("needs both reference-batch-size and reference-learning-rate, or a reference-config to read "
                "them from")
    return None


SCALING_TABLE = SettingsTable(
    doc="The reference run the learning rate is scaled from (rule SC001).",
    options={
        "reference-batch-size": Option(None, int, "effective batch size of the reference run", minimum=1,
                                       maximum=10**9),
        "reference-learning-rate": Option(None, float, "learning rate of the reference run", minimum=0,
                                          exclusive_minimum=True, maximum=10.0),
        "reference-config": Option(None, Path, "a training config whose effective batch and learning rate are "
                                   "the reference (relative to the settings file)"),
        "rule": Option("linear", str, "how the learning rate scales with the batch", choices=("linear", "sqrt")),
        "tolerance": Option(0.25, float, "relative difference allowed", minimum=0, exclusive_minimum=True,
                            maximum=100.0),
    },
    check=_complete,
)


class ScalingSettingsError(ValueError):
    """The reference run cannot be worked out; the message says why."""


@record(frozen=True)
class Reference:
    batch_size: int
    learning_rate: float
    rule: str
    tolerance: float
    source: str  # "settings" or the reference config's path

    def expected(self, batch_size: int) -> float:
        ratio = batch_size / self.batch_size
        return self.learning_rate * (ratio if self.rule == "linear" else ratio ** 0.5)


def load_reference(ctx) -> Reference | None:
    """The reference run for the file ``ctx`` lints, or None when the settings give none."""
    table = ctx.settings.scaling
    rule = table.get("rule", "linear")
    tolerance = table.get("tolerance", 0.25)
    if "reference-config" in table:
        path: Path = table["reference-config"]
        batch, lr = _from_config(ctx, path)
        return Reference(batch, lr, rule, tolerance, _shown(path, ctx.settings.root))
    if "reference-batch-size" not in table:
        return None
    return Reference(table["reference-batch-size"], table["reference-learning-rate"], rule, tolerance, "settings")


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _from_config(ctx, path: Path) -> tuple[int, float]:
    from sftlint.lint.session import PlanError, Session

    session = ctx.session or Session()
    shown = _shown(path, ctx.settings.root)
    try:
        config, plan = session.plan(path)
    except PlanError as exc:
        raise ScalingSettingsError(f"'reference-config' {shown}: {exc}") from None
    lr = config.value("learning_rate")
    if not plan.effective_batch_size or isinstance(lr, bool) or not isinstance(lr, (int, float)):
        raise ScalingSettingsError(f"'reference-config' {shown} has no known effective batch size and learning rate")
    return plan.effective_batch_size, float(lr)
