"""The plan a run is checked against comes from the linter itself, never from the trainer.

:func:`load_plan` reads a config the way ``sftlint plan`` does (settings, plugins, dialect
detection, the plan builder), so a run tests the same arithmetic users see in the linter. No
training package is imported here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..session import PlanError, Session

__all__ = ["PlanError", "load_plan"]


def load_plan(config_path: Path | str, world_size: int = 1, num_examples: int | None = None,
              overrides: dict[str, Any] | None = None):
    """Return ``(config, plan)`` for ``config_path`` as the linter reads it.

    ``world_size`` and ``num_examples`` override settings the way ``--world-size`` and
    ``--num-examples`` do; ``overrides`` adds other settings (``dialect``, ...).
    """
    from ..settings import SettingsError

    extra = dict(overrides or {})
    extra["world_size"] = world_size
    if num_examples is not None:
        extra["num_examples"] = num_examples
    try:
        session = Session(None, extra)
    except SettingsError as exc:
        raise PlanError(str(exc)) from None
    return session.plan(Path(config_path))
