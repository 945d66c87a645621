"""The facts about a file's top-level keys that recognising it asks for again and again.

Every dialect's detection, its ``abstain`` and the recognisers of other kinds of YAML look at the
same list of top-level keys: they are worked out once per file here, with nothing imported from
the dialects themselves, so that any module of the package can use them.
"""

from __future__ import annotations

from typing import NamedTuple

from ..document import Document, Mapping


class TopLevel(NamedTuple):
    """A file's top-level keys, worked out once."""

    #: The mapping these facts are about, and its number of entries then (a new document, or an
    #: edited one, gets new facts).
    root: Mapping
    size: int
    #: The top-level keys in file order, each once.
    keys: tuple[str, ...]
    key_set: frozenset[str]
    #: The keys that may be foreign: all but the ``_`` and ``x-`` ones that every tool tolerates.
    plain: tuple[str, ...]


# The facts of the last document asked about: recognising one file asks about it a dozen times,
# one file after another. Holding the root keeps it alive until the next file, which also makes
# ``is`` a safe identity test.
_last: TopLevel | None = None


def top_level(document: Document) -> TopLevel:
    """The :class:`TopLevel` facts of ``document``'s keys."""
    global _last
    root = document.root
    last = _last
    if last is not None and last.root is root and last.size == len(root.pairs):
        return last
    keys = tuple(dict.fromkeys(root.keys()))
    last = _last = TopLevel(root, len(root.pairs), keys, frozenset(keys),
                            tuple([k for k in keys if not k.startswith(("_", "x-"))]))
    return last


def top_level_keys(document: Document) -> list[str]:
    """The file's top-level keys in order, each once."""
    return list(top_level(document).keys)


def key_set(document: Document) -> frozenset[str]:
    """The file's top-level keys, as a set."""
    return top_level(document).key_set
