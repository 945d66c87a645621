"""The node tree a config is read into: mappings, sequences and scalars that know where they
stand in the file (1-based line and column, and the character offset fixes edit at).

Every plain scalar knows what a YAML 1.1 loader and a YAML 1.2 loader make of it
(:mod:`sftlint.document.yaml_types`).
"""

from __future__ import annotations

import math
from typing import Any, Iterator, NamedTuple, Union

from .yaml_types import resolve_yaml11, resolve_yaml12


class Mark(NamedTuple):
    """A place in the file: 1-based line and column, and the 0-based character offset."""

    line: int
    column: int
    offset: int


class DocumentError(Exception):
    """A file that cannot be linted: unreadable, not YAML, or not a mapping of settings."""

    def __init__(self, message: str, line: int = 1, column: int = 1, code: str = "E001") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.code = code


class Node:
    __slots__ = ("start", "end", "tag")

    def __init__(self, start: Mark, end: Mark, tag: str | None) -> None:
        self.start = start
        self.end = end
        self.tag = tag


_UNRESOLVED = object()


class Scalar(Node):
    """A scalar as written: ``text`` is its value before type resolution, ``style`` its quoting."""

    __slots__ = ("text", "style", "_v11", "_v12")

    def __init__(self, start: Mark, end: Mark, tag: str | None, text: str, style: str | None) -> None:
        # Slots set here directly, not through Node.__init__: one call less for every scalar of a file.
        self.start = start
        self.end = end
        self.tag = tag
        self.text = text
        self.style = style  # None for plain, '"' or "'" for quoted, '|' or '>' for block
        self._v11 = self._v12 = _UNRESOLVED

    @property
    def plain(self) -> bool:
        return self.style is None and self.tag is None

    @property
    def value12(self) -> Any:
        """The value a YAML 1.2 (core schema) loader gives this scalar."""
        value = self._v12
        if value is _UNRESOLVED:  # many rules ask; resolve once
            value = self._v12 = (resolve_yaml12(self.text) if self.style is None and self.tag is None
                                 else _tagged(self))
        return value

    @property
    def value11(self) -> Any:
        """The value PyYAML's ``safe_load`` (YAML 1.1) gives this scalar."""
        value = self._v11
        if value is _UNRESOLVED:
            value = self._v11 = (resolve_yaml11(self.text) if self.style is None and self.tag is None
                                 else _tagged(self))
        return value

    def __repr__(self) -> str:
        return f"Scalar({self.text!r} @ {self.start.line}:{self.start.column})"


class Mapping(Node):
    """A mapping; ``pairs`` keeps every entry in file order, duplicates included."""

    __slots__ = ("pairs", "flow", "_index", "_keys", "_indexed")

    def __init__(self, start: Mark, end: Mark, tag: str | None, flow: bool) -> None:
        super().__init__(start, end, tag)
        self.pairs: list[tuple[Node, Node]] = []
        self.flow = flow
        self._index: dict[str, tuple[Scalar, Node]] = {}
        self._keys: list[str] = []
        self._indexed = -1

    def _reindex(self) -> None:
        """Rules and dialects look keys up often: the index is built once per shape of the mapping."""
        entries = [(k.text, (k, v)) for k, v in self.pairs if isinstance(k, Scalar)]
        self._keys = [name for name, _ in entries]
        self._index = dict(entries)  # a repeated key: the last entry wins, as in every loader
        self._indexed = len(self.pairs)

    def entry(self, key: str) -> tuple[Scalar, Node] | None:
        """The last entry whose key is ``key`` (the one every loader keeps), or None."""
        if self._indexed != len(self.pairs):
            self._reindex()
        return self._index.get(key)

    def get(self, key: str) -> Node | None:
        found = self.entry(key)
        return found[1] if found else None

    def keys(self) -> list[str]:
        """Every key written as a scalar, in file order, repeated ones included."""
        if self._indexed != len(self.pairs):
            self._reindex()
        return list(self._keys)  # a copy: the caller may change it

    def __contains__(self, key: str) -> bool:
        return self.entry(key) is not None

    def __repr__(self) -> str:
        return f"Mapping({self.keys()!r} @ {self.start.line}:{self.start.column})"


class Sequence(Node):
    __slots__ = ("items", "flow")

    def __init__(self, start: Mark, end: Mark, tag: str | None, flow: bool) -> None:
        super().__init__(start, end, tag)
        self.items: list[Node] = []
        self.flow = flow


AnyNode = Union[Scalar, Mapping, Sequence]


def _tagged(scalar: Scalar) -> Any:
    tag = scalar.tag or ""
    if scalar.style is not None and not tag:
        return scalar.text
    kind = tag.rsplit(":", 1)[-1].lstrip("!")
    try:
        if kind == "int":
            if len(scalar.text) > 4300:  # Python's own limit on converting text to int
                return math.inf
            return int(scalar.text, 0)
        if kind == "float":
            return float(scalar.text)
        if kind == "bool":
            return resolve_yaml12(scalar.text.lower())
        if kind == "null":
            return None
    except ValueError:
        pass
    return scalar.text


class Duplicate(NamedTuple):
    """A key that appears twice in one mapping; loaders silently keep the last one."""

    key: str
    first: Scalar
    second: Scalar


def iter_scalars(node: Node, _seen: set[int] | None = None) -> Iterator[tuple[Scalar | None, Scalar]]:
    """Every scalar value under ``node`` with the key it stands under (None in sequences)."""
    seen = _seen if _seen is not None else set()
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, Mapping):
        for key, value in node.pairs:
            if isinstance(value, Scalar):
                yield (key if isinstance(key, Scalar) else None), value
            else:
                yield from iter_scalars(value, seen)
    elif isinstance(node, Sequence):
        for item in node.items:
            if isinstance(item, Scalar):
                yield None, item
            else:
                yield from iter_scalars(item, seen)
