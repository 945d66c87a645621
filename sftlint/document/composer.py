"""Building sftlint's node tree straight from the YAML parser's events.

libyaml (through ruamel.yaml.clib's C parser) turns a file into events — mapping start, scalar,
alias, mapping end — in C. ruamel's own composer would then build its node objects and resolve
every scalar's tag in Python, which costs several times the parse itself; sftlint needs neither,
because :mod:`sftlint.document.yaml_types` resolves scalars lazily for the loader a dialect uses. So the
tree is built here, in one pass over the events: anchors map to the node already built (aliases
stay shared), duplicate keys are recorded, and two limits keep hostile input harmless — nesting
depth, and the *expanded* size of every node, which is what a loader's consumer pays for an alias
bomb when it walks or serialises the values.
"""

from __future__ import annotations

from typing import Any, Iterator

from .nodes import DocumentError, Duplicate, Mapping, Mark, Node, Scalar, Sequence

#: How many values the file may expand to through aliases before it counts as an alias bomb.
MAX_EXPANDED_NODES = 100_000
#: How deeply values may nest; configs use a few levels, a deeper file is an attack or an accident.
MAX_DEPTH = 100

_STANDARD_TAG = "tag:yaml.org,2002:"


_parser_class: type | None = None


def event_parser() -> type | None:
    """libyaml's event parser (ruamel.yaml.clib's ``CParser``), imported and adapted on first use;
    None where the C extension is missing."""
    global _parser_class
    if _parser_class is None:
        try:
            from _ruamel_yaml import CParser
        except ImportError:  # no C extension (PyPy, an unusual platform)
            return None

        class _Parser(CParser):
            # The C parser asks for tag resolution only when composing nodes, never for events;
            # these stubs satisfy the interface without ruamel's resolver machinery.
            def resolve(self, kind, value, implicit):  # pragma: no cover - not called for events
                return None

            def descend_resolver(self, *args):  # pragma: no cover
                pass

            def ascend_resolver(self, *args):  # pragma: no cover
                pass

        _parser_class = _Parser
    return _parser_class


def _event_source(text: str) -> Iterator[Any]:
    """The parser's events for ``text``: libyaml in C where installed, else ruamel's Python parser."""
    parser_class = event_parser()
    if parser_class is None:  # same events, slower
        from ruamel.yaml import YAML

        yield from YAML(typ="safe", pure=True).parse(text)
        return
    parser = parser_class(text)
    while True:
        event = parser.get_event()
        yield event
        if type(event).__name__ == "StreamEndEvent":
            return


class _Open:
    """A collection being built: its node, and for a mapping the key waiting for its value."""

    __slots__ = ("node", "size", "key", "seen", "merges", "anchor")

    def __init__(self, node: Node, seen: dict[str, Scalar] | None, anchor: str | None) -> None:
        self.node = node
        self.size = 1  # expanded size: this node plus everything under it, aliases counted again
        self.key: Node | None = None
        self.seen = seen
        self.merges: list[Node] | None = None
        self.anchor = anchor


def _mark(m) -> Mark:
    return Mark(m.line + 1, m.column + 1, m.index)


def _tag(event) -> str | None:
    tag = getattr(event, "tag", None)
    if not tag or tag == "!" or str(tag).startswith(_STANDARD_TAG):
        return None
    return str(tag)


def compose_documents(text: str) -> tuple[list[Node], list[Duplicate]]:
    """All top-level nodes of ``text`` (one per YAML document) and the duplicate keys found.

    Raises DocumentError for an alias bomb, too deep nesting or an unknown alias; the parser's own
    errors (ruamel's MarkedYAMLError) propagate to the caller, which words them for the user.
    """
    documents: list[Node] = []
    duplicates: list[Duplicate] = []
    anchors: dict[str, tuple[Node, int]] = {}
    stack: list[_Open] = []

    def add(node: Node, size: int, start_mark) -> None:
        if size > MAX_EXPANDED_NODES:
            raise DocumentError(
                f"aliases here expand to over {MAX_EXPANDED_NODES} values (an alias bomb); "
                "a config needs no such thing",
                start_mark.line + 1,
                start_mark.column + 1,
            )
        if not stack:
            documents.append(node)
            return
        parent = stack[-1]
        parent.size += size
        if parent.size > MAX_EXPANDED_NODES:
            raise DocumentError(
                f"aliases here expand to over {MAX_EXPANDED_NODES} values (an alias bomb); "
                "a config needs no such thing",
                parent.node.start.line,
                parent.node.start.column,
            )
        container = parent.node
        if isinstance(container, Sequence):
            container.items.append(node)
        elif parent.key is None:
            parent.key = node
        else:
            key, parent.key = parent.key, None
            if isinstance(key, Scalar) and key.text == "<<" and key.style is None:
                parent.merges = (parent.merges or []) + [node]  # YAML merge key: applied at the end
                return
            container.pairs.append((key, node))
            if isinstance(key, Scalar):
                first = parent.seen.get(key.text)
                if first is not None:
                    duplicates.append(Duplicate(key.text, first, key))
                parent.seen[key.text] = key

    for event in _event_source(text):
        kind = type(event).__name__
        if kind == "ScalarEvent":
            node = Scalar(_mark(event.start_mark), _mark(event.end_mark), _tag(event), event.value,
                          event.style or None)
            if event.anchor:
                anchors[event.anchor] = (node, 1)
            add(node, 1, event.start_mark)
        elif kind in ("MappingStartEvent", "SequenceStartEvent"):
            if len(stack) >= MAX_DEPTH:
                raise DocumentError(
                    f"values are nested more than {MAX_DEPTH} levels deep; a config is a few levels",
                    event.start_mark.line + 1,
                    event.start_mark.column + 1,
                )
            flow = bool(getattr(event, "flow_style", False))
            cls = Mapping if kind == "MappingStartEvent" else Sequence
            node = cls(_mark(event.start_mark), _mark(event.start_mark), _tag(event), flow)
            opened = _Open(node, seen={} if cls is Mapping else None, anchor=event.anchor or None)
            stack.append(opened)
            if opened.anchor:
                anchors[opened.anchor] = (node, -1)  # size unknown until closed
        elif kind in ("MappingEndEvent", "SequenceEndEvent"):
            opened = stack.pop()
            node = opened.node
            node.end = _mark(event.end_mark)
            if opened.merges:
                _apply_merges(node, opened.merges, opened.seen)
            if opened.anchor:
                anchors[opened.anchor] = (node, opened.size)
            add(node, opened.size, event.start_mark)
        elif kind == "AliasEvent":
            found = anchors.get(event.anchor)
            if found is None:
                raise DocumentError(
                    f"alias '*{event.anchor}' refers to no anchor '&{event.anchor}' defined before it",
                    event.start_mark.line + 1,
                    event.start_mark.column + 1,
                )
            node, size = found
            if size < 0:  # an alias to a collection still open: a recursive structure
                raise DocumentError(
                    f"alias '*{event.anchor}' refers to a value that contains it (a recursive structure)",
                    event.start_mark.line + 1,
                    event.start_mark.column + 1,
                )
            add(node, size, event.start_mark)
    return documents, duplicates


def _apply_merges(mapping: Node, merges: list[Node], seen: dict[str, Scalar]) -> None:
    """``<<: *base`` adds the base mapping's entries that this mapping does not set itself."""
    sources: list[Node] = []
    for merged in merges:
        sources.extend(merged.items if isinstance(merged, Sequence) else [merged])
    for source in sources:
        if isinstance(source, Mapping):
            for key, value in source.pairs:
                if isinstance(key, Scalar) and key.text not in seen:
                    mapping.pairs.append((key, value))
                    seen[key.text] = key
