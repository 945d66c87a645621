"""The plan a run is checked against comes from the linter itself, never from the trainer.

:func:`load_plan` reads a config the way ``sftlint plan`` does (settings, plugins, dialect
detection, the plan builder), so a run tests the same arithmetic users see in the linter;
:func:`lint_and_plan` adds the linter's findings on the same file, which ``sftlint run`` shows
before it trains. No training package is imported here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..lint.session import PlanError as SessionPlanError
from ..lint.session import Session

__all__ = ["PlanError", "format_finding", "lint_and_plan", "load_plan"]


class PlanError(SessionPlanError):
    """The config cannot be read into a plan; the message says why.

    ``unreadable`` is True when the file itself is broken (YAML that does not parse, settings in
    error, a finding that stops the plan), False when it reads fine but is not a training config.
    """

    def __init__(self, message: str, unreadable: bool = True) -> None:
        super().__init__(message)
        self.unreadable = unreadable


def _session(world_size: int, num_examples: int | None, overrides: dict[str, Any] | None) -> Session:
    from ..settings.resolver import SettingsError

    extra = dict(overrides or {})
    extra["world_size"] = world_size
    if num_examples is not None:
        extra["num_examples"] = num_examples
    try:
        return Session(None, extra)
    except SettingsError as exc:  # the message names the settings file, its line and the key
        raise PlanError(str(exc)) from None


def load_plan(config_path: Path | str, world_size: int = 1, num_examples: int | None = None,
              overrides: dict[str, Any] | None = None):
    """Return ``(config, plan)`` for ``config_path`` as the linter reads it.

    ``world_size`` and ``num_examples`` override settings the way ``--world-size`` and
    ``--num-examples`` do; ``overrides`` adds other settings (``dialect``, ...).
    """
    from ..plan.build import counting_packed_rows

    session = _session(world_size, num_examples, overrides)
    try:
        with counting_packed_rows():
            return session.plan(Path(config_path))
    except SessionPlanError as exc:
        raise PlanError(str(exc)) from None


def format_finding(finding) -> str:
    """``path:line:column: CODE message (severity)``, the linter's concise form."""
    where = f"{finding.filename}:{finding.location.row}:{finding.location.column}"
    return f"{where}: {finding.code} {finding.message} ({finding.severity})"


def lint_and_plan(config_path: Path | str, world_size: int = 1, num_examples: int | None = None,
                  overrides: dict[str, Any] | None = None):
    """``(config, plan, findings)``: the plan and the linter's findings on the same reading of the file."""
    from ..settings.resolver import SettingsError

    from ..plan.build import counting_packed_rows

    path = Path(config_path)
    session = _session(world_size, num_examples, overrides)
    try:
        with counting_packed_rows():
            config, plan = session.plan(path)
    except SessionPlanError as exc:
        unreadable = True
        if path.is_file():
            try:  # a file that parses but no dialect reads is skipped without findings
                result = session.lint(path)
                unreadable = bool(result.findings) or result.skipped is None
            except (SettingsError, OSError):
                pass
        raise PlanError(str(exc), unreadable=unreadable) from None
    try:
        findings = list(session.lint(path).findings)
    except SettingsError as exc:
        raise PlanError(str(exc)) from None
    return config, plan, findings
