"""Which key the cursor is on, read from the text itself so it works on a buffer that does not
parse: the one being typed, where completion is wanted most.

A line ``  key: value`` (or ``"key": value`` in JSON) gives the key and where its value starts;
the keys it stands under are the nearest lines above with less indentation whose value is empty
(a block mapping follows) or ``{`` (a JSON object). Lines of a list item (``- key: v``) stand under
the list, which is reported so callers can decline to guess.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from lsprotocol import types

from .positions import Lines

_KEY = re.compile(r"""(?P<q>["']?)(?P<key>[A-Za-z_][\w.\-/]*)(?P=q)\s*:(?=\s|$)""")
_TYPING = re.compile(r"""["']?(?P<key>[A-Za-z_][\w.\-]*)?$""")


class KeyAt(NamedTuple):
    """What stands at the cursor: ``kind`` is "key" (on or typing a key) or "value" (after the colon)."""

    kind: str
    #: the keys above, outermost first, then this line's key (empty while it is being typed)
    path: tuple[str, ...]
    #: the text typed so far, from the start of the key or value to the cursor
    prefix: str
    #: 0-based character columns of the word to replace (key or value)
    start: int
    end: int
    #: whether the line, or a line above it, is an item of a list
    in_list: bool


def _split(line: str) -> tuple[int, str, bool]:
    """(indentation, the rest, whether it is a list item); ``- `` counts as indentation."""
    stripped = line.lstrip(" ")
    indent = len(line) - len(stripped)
    item = False
    while stripped.startswith("- "):
        item = True
        rest = stripped[2:].lstrip(" ")
        indent += len(stripped) - len(rest)
        stripped = rest
    return indent, stripped, item


def _value_end(line: str, start: int) -> int:
    """Where a value starting at ``start`` ends: before a comment or a JSON comma."""
    end = len(line)
    hash_at = line.find(" #", start - 1 if start else 0)
    if hash_at >= 0:
        end = hash_at
    text = line[start:end].rstrip()
    if text.endswith(","):
        text = text[:-1].rstrip()
    return start + len(text)


def parents(lines: Lines, row: int, indent: int) -> tuple[tuple[str, ...], bool]:
    """Keys of the block mappings (or JSON objects) holding a line at ``indent`` on ``row``."""
    path: list[str] = []
    in_list = False
    bound = indent
    for number in range(row - 1, -1, -1):
        if bound == 0:
            break
        line = lines.line(number)
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        own, rest, item = _split(line)
        if own >= bound:
            if item and own == bound:
                in_list = True
            continue
        match = _KEY.match(rest)
        if match is None:
            if rest.startswith("{") or rest.startswith("["):
                bound = own
                continue
            in_list = in_list or item or rest.startswith("-")
            bound = own
            continue
        after = rest[match.end():].split(" #", 1)[0].strip()
        if after in ("", "{", "|", ">"):
            path.append(match["key"])
        in_list = in_list or item
        bound = own
    return tuple(reversed(path)), in_list


def key_at(lines: Lines, position: types.Position) -> KeyAt | None:
    """The key or value the cursor is on or typing, or None (a comment, a list of scalars...)."""
    line = lines.line(position.line)
    column = lines.column(position)
    indent, rest, item = _split(line)
    if column < indent:
        return None
    comment = line.find("#")
    if comment >= 0 and (comment == 0 or line[comment - 1] in " \t") and column > comment:
        return None
    above, in_list = parents(lines, position.line, indent)
    in_list = in_list or item
    match = _KEY.match(rest)
    if match is not None:
        key_start = indent + match.start("key")
        key_end = indent + match.end("key")
        colon = indent + match.end()
        if column <= key_end or column < colon:
            return KeyAt("key", (*above, match["key"]), line[key_start:column], key_start, key_end, in_list)
        value_start = colon
        while value_start < len(line) and line[value_start] == " ":
            value_start += 1
        value_end = max(_value_end(line, value_start), value_start)
        start = value_start + (1 if line[value_start:value_start + 1] in ("'", '"') else 0)
        end = value_end - (1 if value_end > start and line[value_end - 1] in ("'", '"') else 0)
        end = max(end, start)
        prefix = line[start:min(column, end)] if column >= start else ""
        return KeyAt("value", (*above, match["key"]), prefix, start, end, in_list)
    typed = _TYPING.match(line[indent:column])
    if typed is None or line[column:].strip(" \"',") and not line[column:].lstrip().startswith("#"):
        return None
    start = column - len(typed["key"] or "")
    return KeyAt("key", (*above, typed["key"] or ""), typed["key"] or "", start, column, in_list)
