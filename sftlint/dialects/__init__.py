"""Dialect adapters and choosing one for a file.

The choice, in order: a ``# sftlint: dialect=NAME`` comment in the file, the ``dialect`` setting,
then the adapter whose detection scores highest. ``--verbose`` prints the scores and reasons.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..records import field, record
from .base import Detection, Dialect

if TYPE_CHECKING:
    from ..document import Document

#: A file must score at least this to count as a training config of some dialect.
MIN_SCORE = 1.0


class UnknownDialect(Exception):
    pass


@record
class DialectChoice:
    dialect: Dialect | None
    how: str
    detections: list[Detection] = field(default_factory=list)


def choose_dialect(document: "Document", dialects: dict[str, Dialect], setting: str | None = None) -> DialectChoice:
    """Pick the dialect for ``document``; raise :class:`UnknownDialect` for a bad override."""
    for line, name in document.directive_values("dialect"):
        if name not in dialects:
            raise UnknownDialect(
                f"line {line}: unknown dialect {name!r} in '# sftlint: dialect=' (known: {', '.join(sorted(dialects))})"
            )
        return DialectChoice(dialects[name], f"set by the comment on line {line}")
    if setting:
        if setting not in dialects:
            raise UnknownDialect(f"unknown dialect {setting!r} in settings (known: {', '.join(sorted(dialects))})")
        return DialectChoice(dialects[setting], "set in settings")
    detections = sorted((d.detect(document) for d in dialects.values()), key=lambda d: -d.score)
    best = detections[0] if detections else None
    if best is None or best.score < MIN_SCORE:
        return DialectChoice(None, "no dialect's keys found", detections)
    return DialectChoice(dialects[best.dialect], f"detected from its keys (score {best.score:g})", detections)


__all__ = ["Detection", "Dialect", "DialectChoice", "UnknownDialect", "choose_dialect"]
