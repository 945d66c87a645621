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

from typing import Any, Callable

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
        from .libyaml import c_parser

        CParser: Any = c_parser()
        if CParser is None:  # no C extension (PyPy, an unusual platform)
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


_event_kinds: tuple[type, ...] | None = None


def event_kinds() -> tuple[type, ...]:
    """The event classes the composer tells apart, imported on first use (both parsers make their
    events from ruamel's classes): scalar, mapping start and end, sequence start and end, alias,
    stream end."""
    global _event_kinds
    if _event_kinds is None:
        from .libyaml import event_classes

        events = event_classes()
        _event_kinds = (events.ScalarEvent, events.MappingStartEvent, events.MappingEndEvent,
                        events.SequenceStartEvent, events.SequenceEndEvent, events.AliasEvent,
                        events.StreamEndEvent)
    return _event_kinds


def _event_reader(text: str) -> Callable[[], Any]:
    """A function that returns the parser's next event for ``text`` (None once the stream is
    over): libyaml in C where installed, else ruamel's Python parser."""
    parser_class = event_parser()
    if parser_class is None:  # same events, slower
        from ruamel.yaml import YAML

        events = iter(YAML(typ="safe", pure=True).parse(text))
        return lambda: next(events, None)
    return parser_class(text).get_event  # a bound method: no generator frame per event


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


#: Builds a Mark from a (line, column, offset) tuple without NamedTuple's Python-level ``__new__``
#: (two marks per scalar make this the composer's commonest call).
_new_mark = tuple.__new__


def _mark(m) -> Mark:
    return _new_mark(Mark, (m.line + 1, m.column + 1, m.index))


def _tag(tag) -> str | None:
    """An event's tag as sftlint keeps it: None for none and for the standard ``!!`` tags."""
    tag = str(tag)
    if not tag or tag == "!" or tag.startswith(_STANDARD_TAG):
        return None
    return tag


def _alias_bomb(line: int, column: int) -> DocumentError:
    return DocumentError(
        f"aliases here expand to over {MAX_EXPANDED_NODES} values (an alias bomb); a config needs no such thing",
        line,
        column,
    )


def compose_documents(text: str) -> tuple[list[Node], list[Duplicate]]:
    """All top-level nodes of ``text`` (one per YAML document) and the duplicate keys found.

    Raises DocumentError for an alias bomb, too deep nesting or an unknown alias; the parser's own
    errors (ruamel's MarkedYAMLError) propagate to the caller, which words them for the user.
    """
    documents: list[Node] = []
    duplicates: list[Duplicate] = []
    anchors: dict[str, tuple[Node, int]] = {}
    stack: list[_Open] = []
    next_event = _event_reader(text)
    (ScalarEvent, MappingStartEvent, MappingEndEvent, SequenceStartEvent, SequenceEndEvent, AliasEvent,
     StreamEndEvent) = event_kinds()  # locals: the loop compares every event with them
    node: Node
    size: int

    while True:
        event = next_event()
        kind = type(event)  # classes compared by identity: cheaper than by name, once per event
        # Each value event makes (or, for an alias, finds) a node of expanded ``size``, placed below.
        if kind is ScalarEvent:
            m, e = event.start_mark, event.end_mark
            tag = event.ctag  # the raw tag: the ``tag`` property would convert it on every scalar
            node = Scalar(_new_mark(Mark, (m.line + 1, m.column + 1, m.index)),
                          _new_mark(Mark, (e.line + 1, e.column + 1, e.index)),
                          None if tag is None else _tag(tag), event.value, event.style or None)
            if event.anchor:
                anchors[event.anchor] = (node, 1)
            size = 1
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            m = event.start_mark
            if len(stack) >= MAX_DEPTH:
                raise DocumentError(
                    f"values are nested more than {MAX_DEPTH} levels deep; a config is a few levels",
                    m.line + 1,
                    m.column + 1,
                )
            start = _mark(m)
            tag = event.ctag
            tag = None if tag is None else _tag(tag)
            if kind is MappingStartEvent:
                opened = _Open(Mapping(start, start, tag, bool(event.flow_style)), {}, event.anchor or None)
            else:
                opened = _Open(Sequence(start, start, tag, bool(event.flow_style)), None, event.anchor or None)
            stack.append(opened)
            if opened.anchor:
                anchors[opened.anchor] = (opened.node, -1)  # size unknown until closed
            continue
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            opened = stack.pop()
            node = opened.node
            node.end = _mark(event.end_mark)
            if opened.merges:
                _apply_merges(node, opened.merges, opened.seen)
            size = opened.size
            if opened.anchor:
                anchors[opened.anchor] = (node, size)
        elif kind is AliasEvent:
            found = anchors.get(event.anchor)
            if found is None:
                m = event.start_mark
                raise DocumentError(
                    f"alias '*{event.anchor}' refers to no anchor '&{event.anchor}' defined before it",
                    m.line + 1,
                    m.column + 1,
                )
            node, size = found
            if size < 0:  # an alias to a collection still open: a recursive structure
                m = event.start_mark
                raise DocumentError(
                    f"alias '*{event.anchor}' refers to a value that contains it (a recursive structure)",
                    m.line + 1,
                    m.column + 1,
                )
        elif event is None or kind is StreamEndEvent:
            return documents, duplicates
        else:  # stream and document starts and ends
            continue

        # Place the node: a document of its own, an item of a sequence, or a mapping's key or value.
        if size > MAX_EXPANDED_NODES:
            m = event.start_mark
            raise _alias_bomb(m.line + 1, m.column + 1)
        if not stack:
            documents.append(node)
            continue
        parent = stack[-1]
        parent.size += size
        if parent.size > MAX_EXPANDED_NODES:
            raise _alias_bomb(parent.node.start.line, parent.node.start.column)
        container = parent.node
        if parent.seen is None:  # a sequence
            container.items.append(node)
        elif parent.key is None:
            parent.key = node
        else:
            key, parent.key = parent.key, None
            if isinstance(key, Scalar):
                name = key.text
                if name == "<<" and key.style is None:
                    parent.merges = (parent.merges or []) + [node]  # YAML merge key: applied at the end
                    continue
                container.pairs.append((key, node))
                first = parent.seen.get(name)
                if first is not None:
                    duplicates.append(Duplicate(name, first, key))
                parent.seen[name] = key
            else:
                container.pairs.append((key, node))


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
