"""Walking a config's keys as its tool sees them: top-level keys, and ``section.key`` pairs in
tools whose configs are sectioned (Unsloth)."""

from __future__ import annotations

from typing import Iterator

from sftlint.document import Mapping, Node, Scalar
from sftlint.findings import Severity
from sftlint.schemas import KeySchema

#: Tools that stop with an error on a key they do not accept; the others ignore it silently.
REJECTING = frozenset({"hf", "llamafactory"})


def entries(root: Mapping, schema: KeySchema) -> Iterator[tuple[str, Scalar, Node, Mapping]]:
    """(dotted key, key node, value node, mapping holding it) for every key the schema governs."""
    for key, value in root.pairs:
        if not isinstance(key, Scalar):
            continue
        yield key.text, key, value, root
        if key.text in schema.sections and isinstance(value, Mapping):
            for sub, subvalue in value.pairs:
                if isinstance(sub, Scalar):
                    yield f"{key.text}.{sub.text}", sub, subvalue, value


def severity_for(dialect_name: str) -> Severity:
    return Severity.ERROR if dialect_name in REJECTING else Severity.WARNING


def consequence(dialect) -> str:
    if dialect.name in REJECTING:
        return f"{dialect.title} stops with an error on it"
    return f"{dialect.title} silently ignores it"
