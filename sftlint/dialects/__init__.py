"""Dialect adapters and choosing one for a file.

The choice, in order: a ``# sftlint: dialect=NAME`` comment in the file, the ``dialect`` setting,
then the adapter whose detection scores highest. ``--verbose`` prints the scores and reasons.
"""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING

from ..records import field, record
from .base import Detection, Dialect

if TYPE_CHECKING:
    from ..document import Document

#: A file must score at least this to count as a training config of some dialect.
MIN_SCORE = 1.0
#: The best dialect must lead the next by this much; closer than that, the file is skipped.
MARGIN = 0.25


class UnknownDialect(Exception):
    pass


def builtin_dialect(name: str | None) -> Dialect:
    """The built-in dialect called ``name``, for code that holds only a plan's dialect name (the
    runner's recipe) and follows its tool's conventions; any other name gets a plain
    :class:`Dialect`, which has no conventions of its own."""
    from .builtin import sftlint_dialects

    return next((d for d in sftlint_dialects() if d.name == name), None) or Dialect()


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
    # highest score first; reverse keeps the registry's order among equal scores, as a stable sort does
    detections = sorted([d.detect(document) for d in dialects.values()], key=attrgetter("score"), reverse=True)
    best = detections[0] if detections else None
    if best is None or best.score < MIN_SCORE:
        return DialectChoice(None, "no supported tool's keys found", detections)
    # A tool with enough evidence is still refused when evidence against it is stronger (its
    # abstain()): the next best is tried, and a near tie between two tools is no choice at all.
    accepted = []
    refusal = None
    for detection in detections:
        if detection.score < MIN_SCORE:
            break
        dialect = dialects[detection.dialect]
        why_not = dialect.abstain(document)
        if why_not:
            refusal = refusal or f"looks most like {dialect.title} (score {detection.score:g}), but {why_not}"
            detection.reasons.append(f"not chosen: {why_not}")
            continue
        accepted.append(detection)
    if not accepted:
        return DialectChoice(None, _own_arguments(document, dialects) or refusal or "no supported tool's keys found",
                             detections)
    chosen = accepted[0]
    dialect = dialects[chosen.dialect]
    runner_up = next((d for d in accepted[1:] if dialects[d.dialect].title != dialect.title), None)
    if runner_up is not None and chosen.score - runner_up.score < MARGIN:
        other = dialects[runner_up.dialect]
        return DialectChoice(
            None,
            f"as much {other.title} (score {runner_up.score:g}) as {dialect.title} (score {chosen.score:g}): "
            "set '# sftlint: dialect=NAME' to choose",
            detections,
        )
    return DialectChoice(dialect, f"detected from its keys (score {chosen.score:g})", detections)


def _own_arguments(document: "Document", dialects: dict[str, Dialect]) -> str | None:
    """'keys no supported tool has' when a refused file has several: the clearest reason to give."""
    from .evidence import foreign_keys
    from .top_level import top_level_keys

    known: frozenset[str] = frozenset()
    for dialect in dialects.values():
        known |= dialect.accepted_keys()
    foreign = foreign_keys(document, known)
    if len(foreign) < 3:
        return None
    shown = ", ".join(foreign[:4]) + (", ..." if len(foreign) > 4 else "")
    return (f"{len(foreign)} of {len(top_level_keys(document))} top-level keys ({shown}) are fields of no "
            "supported tool: a training script's own arguments, or another tool's config")


__all__ = ["Detection", "Dialect", "DialectChoice", "UnknownDialect", "choose_dialect"]
