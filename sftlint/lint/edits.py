"""Building fix edits on a document: set a value, rename a key, delete an entry, add an entry.

Every edit is a text replacement at node offsets, so all untouched bytes — comments, order,
quoting, blank lines — stay exactly as they were. The helpers handle block style (``key: value``
lines) and flow mappings (``{a: 1}``).
"""

from __future__ import annotations

import json
import math

from ..document import Document, Mapping, Node, Scalar, Sequence
from .findings import Edit

#: Characters that end a line for YAML (see :data:`sftlint.document.LINE_BREAK`).
_BREAK_CHARS = ("\n", "\r", "\x85", "\u2028", "\u2029")


def format_scalar(value) -> str:
    """A YAML plain scalar that every loader (1.1 and 1.2) reads back as ``value``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        if "e" in text or "E" in text:
            mantissa, _, exponent = text.lower().partition("e")
            if "." not in mantissa:
                mantissa += ".0"
            sign = "-" if exponent.startswith("-") else "+"
            text = f"{mantissa}e{sign}{exponent.lstrip('+-')}"
        elif "." not in text and "inf" not in text and "nan" not in text:
            text += ".0"
        return text
    text = str(value)
    from ..document.yaml_types import resolve_yaml11, resolve_yaml12

    if resolve_yaml11(text) == text and resolve_yaml12(text) == text and text.strip() == text and text and \
            text.isprintable() and not any(c in text for c in ":#{}[],&*!|>'\"%@`=") and \
            not text.startswith(("-", "?", "~")):
        return text
    # JSON's double-quoted strings are YAML double-quoted strings: line breaks, tabs and other
    # control characters become escapes that every loader reads back
    return json.dumps(text, ensure_ascii=False)


def set_value(node: Node, new_text: str) -> Edit:
    """Replace a scalar value's text (quotes included) with ``new_text``."""
    return Edit(node.start.offset, node.end.offset, new_text)


def rename_key(key: Scalar, new_name: str) -> Edit:
    """Rename a key in place, keeping its quoting (a JSON key stays a double-quoted string)."""
    if key.style == "'":
        return Edit(key.start.offset, key.end.offset, "'" + new_name.replace("'", "''") + "'")
    if key.style == '"':
        return Edit(key.start.offset, key.end.offset, json.dumps(new_name, ensure_ascii=False))
    return Edit(key.start.offset, key.end.offset, new_name)


def _last_line(node: Node) -> int:
    """The last line holding text of ``node``: a block collection ends where its last item does
    (the parser's end mark lies at the next key, after any comment lines in between), and a value
    whose end mark is at column 1 of a later line (a block scalar) ends on the line before."""
    if isinstance(node, Mapping) and not node.flow and node.pairs:
        key, value = node.pairs[-1]
        return max(_last_line(key), _last_line(value))
    if isinstance(node, Sequence) and not node.flow and node.items:
        return max(node.start.line, _last_line(node.items[-1]))
    if node.end.column == 1 and node.end.line > node.start.line:
        return node.end.line - 1
    return node.end.line


def delete_entry(document: Document, key: Node, value: Node) -> Edit:
    """Remove a ``key: value`` entry: whole lines in block style, the pair and a comma in flow."""
    text = document.text
    parent = _parent_mapping(document.root, key)
    if parent is not None and parent.flow:
        # whitespace here includes line breaks: a JSON object has one pair per line
        start, end = key.start.offset, max(value.end.offset, key.end.offset)
        rest = text[end:]
        stripped = rest.lstrip(" \t\r\n\x85\u2028\u2029")
        if stripped.startswith(","):  # not the last pair: take its comma and the space up to the next
            end += len(rest) - len(stripped) + 1
            while end < len(text) and text[end] in " \t\r\n\x85\u2028\u2029":
                end += 1
        else:  # the last pair: take the comma before it, and the space up to that comma
            before = text[:start].rstrip(" \t\r\n\x85\u2028\u2029")
            if before.endswith(","):
                start = len(before) - 1
        return Edit(start, end, "")
    start = document.line_start(key.start.line)
    end = document.line_start(max(key.end.line, _last_line(value)) + 1)
    if document.text[start:key.start.offset].strip():  # "- key: v" or "{": keep the prefix
        start = key.start.offset
        end = value.end.offset
    return Edit(start, end, "")


def insert_entry(document: Document, mapping: Mapping, key: str, value_text: str) -> Edit:
    """Add ``key: value_text`` to ``mapping``, after its last entry, matching its indentation."""
    if document.is_json:  # JSON wants its keys, and any string value, double-quoted
        key = json.dumps(key, ensure_ascii=False)
        try:
            json.loads(value_text)
        except ValueError:
            value_text = json.dumps(value_text, ensure_ascii=False)
    if mapping.flow or not mapping.pairs:
        if mapping.flow:
            return _insert_flow(document, mapping, key, value_text)
        # an empty block mapping has no entries to align with: add at the end of the file
        return _append_top_level(document, key, value_text)
    first_key = mapping.pairs[0][0]
    indent = " " * (first_key.start.column - 1)
    last_key, last_value = mapping.pairs[-1]
    insert_at = document.line_start(max(last_key.end.line, _last_line(last_value)) + 1)
    newline = document.newline
    line = f"{indent}{key}: {value_text}{newline}"
    if insert_at > 0 and document.text[insert_at - 1:insert_at] not in _BREAK_CHARS:
        line = newline + line
    return Edit(insert_at, insert_at, line)


def _insert_flow(document: Document, mapping: Mapping, key: str, value_text: str) -> Edit:
    """Add a pair to a flow mapping (a JSON object): after its last pair, on a line of its own
    with the same indentation when the pairs stand one per line."""
    if not mapping.pairs:
        close = mapping.end.offset - 1
        return Edit(close, close, f"{key}: {value_text}")
    last_key, last_value = mapping.pairs[-1]
    after = max(last_key.end.offset, last_value.end.offset)
    if last_key.start.line > mapping.start.line:  # one pair per line
        newline = document.newline
        indent = " " * (last_key.start.column - 1)
        return Edit(after, after, f",{newline}{indent}{key}: {value_text}")
    return Edit(after, after, f", {key}: {value_text}")


def _append_top_level(document: Document, key: str, value_text: str) -> Edit:
    end = len(document.text)
    newline = document.newline
    prefix = "" if document.text.endswith(_BREAK_CHARS) or not document.text else newline
    return Edit(end, end, f"{prefix}{key}: {value_text}{newline}")


def _parent_mapping(root: Node, key: Node) -> Mapping | None:
    stack: list[Node] = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, Mapping):
            for k, v in node.pairs:
                if k is key:
                    return node
                stack.append(v)
        elif hasattr(node, "items"):
            stack.extend(node.items)
    return None


def apply_edits(text: str, edits: list[Edit]) -> str:
    """Apply non-overlapping edits (any order) to ``text``."""
    out = text
    for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        out = out[: edit.start] + edit.content + out[edit.end :]
    return out
