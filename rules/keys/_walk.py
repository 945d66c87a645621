"""Walking a config's keys as its tool sees them: top-level keys, and ``section.key`` pairs in
tools whose configs are sectioned (Unsloth)."""

from __future__ import annotations

from typing import Iterator

from sftlint.document import Document, Mapping, Node, Scalar
from sftlint.lint.findings import Severity
from sftlint.config.key_snapshots import KeySchema

from .._shared import per_file


def entries(document: Document, schema: KeySchema) -> list[tuple[str, Scalar, Node, Mapping]]:
    """(dotted key, key node, value node, mapping holding it) for every key the schema governs,
    in file order; listed once per file and schema, for the three key rules that walk them."""
    return per_file(document, ("key entries", schema.sections), lambda: list(_entries(document.root, schema.sections)))


def _entries(root: Mapping, sections: frozenset[str]) -> Iterator[tuple[str, Scalar, Node, Mapping]]:
    for key, value in root.pairs:
        if not isinstance(key, Scalar):
            continue
        yield key.text, key, value, root
        if key.text in sections and isinstance(value, Mapping):
            for sub, subvalue in value.pairs:
                if isinstance(sub, Scalar):
                    yield f"{key.text}.{sub.text}", sub, subvalue, value


def severity_for(dialect) -> Severity:
    """An error where the tool stops on the key, a warning where it drops it."""
    return Severity.ERROR if dialect.rejects_unknown_keys else Severity.WARNING


def consequence(dialect) -> str:
    """What the tool does with a top-level key it does not know (each dialect says it, read in its
    tool's source: ``Dialect.unknown_key_effect``)."""
    if dialect.unknown_key_effect:
        return dialect.unknown_key_effect
    if dialect.rejects_unknown_keys:
        return f"{dialect.title} stops with an error on it"
    return f"{dialect.title} silently ignores it"
