"""The validator checks as data: each one a condition on the config as the tool loads it (a plain
dict, as the tools' own validators see it), the tool's message, and where it comes from."""

from __future__ import annotations

from typing import Any, Callable, Iterable

from sftlint import Violation
from sftlint.records import record

from .._shared import per_file


@record(frozen=True)
class Check:
    """One start-up validation of a tool that a config file alone can trip."""

    #: the tool's validator (function or place in the source), for the rule's documentation
    source: str
    #: the first release of the tool that has it, where traced in its history (else None)
    since: str | None
    #: the keys the condition reads; the finding points at the first one the file sets
    keys: tuple[str, ...]
    condition: Callable[[dict], bool]
    #: what goes wrong, in the tool's own words where it has some
    message: str
    #: dialects the check applies to (empty: the rule's own)
    dialects: frozenset[str] = frozenset()
    #: what the run trains for (``config.objective``: "dpo", "grpo" ...) where the check belongs to
    #: one trainer's config class (empty: any)
    objectives: frozenset[str] = frozenset()
    #: for a check about one key among many: the keys it found, to point at and name in the message
    found: Callable[[dict], list[str]] | None = None


def truthy(data: dict, key: str) -> bool:
    return bool(data.get(key))


def lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def run(ctx, checks: Iterable[Check], tool: str, checked: str) -> Iterable[Violation]:
    """Violations for the checks ``ctx``'s config trips, one per check; ``checked`` is the release
    whose source the checks were read in (named when a check's first release is not known).

    The checks read the whole config as the tool's loader builds it; that value is built once per
    file (trainer-rejects runs two tables on it). The checks only read it."""
    config = ctx.config
    data = per_file(config, "loader's value", lambda: config.dialect.node_value(ctx.document.root))
    if not isinstance(data, dict):
        return
    for check in _applicable(checks, config.dialect, config.objective):
        try:
            tripped = check.condition(data)
        except (AttributeError, TypeError, ValueError, ArithmeticError):
            tripped = False  # a value of an unexpected kind or size: other rules report it
        if not tripped:
            continue
        node = None
        message = check.message
        keys = check.keys
        if check.found is not None:
            named = check.found(data)
            keys = tuple(named) + keys
            message = f"{message}: {', '.join(named)}" if named else message
        for key in keys:
            entry = ctx.document.lookup(tuple(key.split(".")))
            if entry is not None:
                node = entry[0]
                break
        release = f"{check.since}+" if check.since else checked
        yield Violation(f"{tool} {release} refuses this config: {message}", node,
                        data={"source": check.source, "since": check.since, "checked": checked})


_APPLICABLE: dict[tuple[int, int, str], tuple[object, object, list[Check]]] = {}


def _applicable(checks: Iterable[Check], dialect, objective: str) -> list[Check]:
    """The checks, in their order, that hold for ``dialect`` and ``objective``: worked out once per
    table, dialect and objective, not for each of a hundred checks in every file."""
    if not isinstance(objective, str):
        return [check for check in checks if _holds(check, dialect, objective)]
    key = (id(checks), id(dialect), objective)
    found = _APPLICABLE.get(key)
    if found is None or found[0] is not checks or found[1] is not dialect:  # both kept: their ids stay theirs
        if len(_APPLICABLE) >= 256:
            _APPLICABLE.clear()  # tables built afresh by each caller would otherwise pile up
        found = _APPLICABLE[key] = (checks, dialect, [check for check in checks if _holds(check, dialect, objective)])
    return found[2]


def _holds(check: Check, dialect, objective) -> bool:
    return (not check.dialects or dialect.answers_to(check.dialects)) and \
        (not check.objectives or objective in check.objectives)
