"""The plan a run is checked against comes from the linter itself, never from the trainer.

:func:`load_plan` reads a config the way ``sftlint plan`` does (settings, plugins, dialect
detection, the plan builder), so a run tests the same arithmetic users see in the linter. No
training package is imported here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..document import DocumentError, load_document
from ..engine import lint_document
from ..plugins import build_registry
from ..settings import SettingsError, SettingsResolver


class PlanError(ValueError):
    """The config cannot be read into a plan; the message says why."""


def load_plan(config_path: Path | str, world_size: int = 1, num_examples: int | None = None,
              overrides: dict[str, Any] | None = None):
    """Return ``(config, plan)`` for ``config_path`` as the linter reads it.

    ``world_size`` and ``num_examples`` override settings the way ``--world-size`` and
    ``--num-examples`` do; ``overrides`` adds other settings (``dialect``, ...).
    """
    path = Path(config_path)
    if not path.is_file():
        what = "is a folder; a run trains one config file" if path.is_dir() else "no such file"
        raise PlanError(f"{path}: {what}")
    extra = dict(overrides or {})
    extra["world_size"] = world_size
    if num_examples is not None:
        extra["num_examples"] = num_examples
    try:
        settings = SettingsResolver(None, extra).for_path(path)
    except SettingsError as exc:  # the message names the settings file, its line and the key
        raise PlanError(str(exc)) from None
    registry = build_registry(settings.plugins)
    try:
        document = load_document(path)
    except DocumentError as exc:
        raise PlanError(f"{path}:{exc.line}:{exc.column}: {exc.message}") from None
    result = lint_document(document, settings, registry)
    if result.config is None or result.plan is None:
        problems = "; ".join(p.message for p in registry.problems)
        reason = result.skipped or "; ".join(f.message for f in result.findings) or "no dialect recognised it"
        raise PlanError(f"{path}: no training plan: {reason}" + (f" (plugin problems: {problems})" if problems else ""))
    return result.config, result.plan
