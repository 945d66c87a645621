"""Building fix edits on a document: set a value, rename a key, delete an entry, add an entry.

Every edit is a text replacement at node offsets, so all untouched bytes — comments, order,
quoting, blank lines — stay exactly as they were. The helpers handle block style (``key: value``
lines) and flow mappings (``{a: 1}``).
"""

from __future__ import annotations

from .document import Document, Mapping, Node, Scalar
from .findings import Edit


def format_scalar(value) -> str:
    """A YAML plain scalar that every loader (1.1 and 1.2) reads back as ``value``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
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
    from .yaml_types import resolve_yaml11, resolve_yaml12

    if resolve_yaml11(text) == text and resolve_yaml12(text) == text and text.strip() == text and text and \
            not any(c in text for c in ":#{}[],&*!|>'\"%@`") and not text.startswith(("-", "?")):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def set_value(node: Node, new_text: str) -> Edit:
    """Replace a scalar value's text (quotes included) with ``new_text``."""
    return Edit(node.start.offset, node.end.offset, new_text)


def rename_key(key: Scalar, new_name: str) -> Edit:
    return Edit(key.start.offset, key.end.offset, new_name)


def delete_entry(document: Document, key: Node, value: Node) -> Edit:
    """Remove a ``key: value`` entry: whole lines in block style, the pair and a comma in flow."""
    text = document.text
    parent = _parent_mapping(document.root, key)
    if parent is not None and parent.flow:
        start, end = key.start.offset, value.end.offset
        rest = text[end:]
        stripped = rest.lstrip(" ")
        if stripped.startswith(","):
            end += len(rest) - len(stripped) + 1
            while end < len(text) and text[end] == " ":
                end += 1
        else:
            before = text[:start].rstrip(" ")
            if before.endswith(","):
                start = len(before) - 1
        return Edit(start, end, "")
    start = document.line_start(key.start.line)
    end_line = max(value.end.line, key.end.line)
    # a block value ends at the start of the next line (column 1): that line is not part of it
    if value.end.column == 1 and end_line > key.start.line:
        end = document.line_start(end_line)
    else:
        end = document.line_start(end_line + 1)
    if document.text[start:key.start.offset].strip():  # "- key: v" or "{": keep the prefix
        start = key.start.offset
        end = value.end.offset
    return Edit(start, end, "")


def insert_entry(document: Document, mapping: Mapping, key: str, value_text: str) -> Edit:
    """Add ``key: value_text`` to ``mapping``, after its last entry, matching its indentation."""
    if mapping.flow or not mapping.pairs:
        if mapping.flow:
            close = mapping.end.offset - 1
            sep = ", " if mapping.pairs else ""
            return Edit(close, close, f"{sep}{key}: {value_text}")
        # an empty block mapping has no entries to align with: add at the end of the file
        return _append_top_level(document, key, value_text)
    first_key = mapping.pairs[0][0]
    indent = " " * (first_key.start.column - 1)
    last_key, last_value = mapping.pairs[-1]
    end_line = max(last_value.end.line, last_key.end.line)
    if last_value.end.column == 1 and end_line > last_key.start.line:
        insert_at = document.line_start(end_line)
    else:
        insert_at = document.line_start(end_line + 1)
    line = f"{indent}{key}: {value_text}\n"
    if insert_at > 0 and document.text[insert_at - 1:insert_at] != "\n":
        line = "\n" + line
    return Edit(insert_at, insert_at, line)


def _append_top_level(document: Document, key: str, value_text: str) -> Edit:
    end = len(document.text)
    prefix = "" if document.text.endswith("\n") or not document.text else "\n"
    return Edit(end, end, f"{prefix}{key}: {value_text}\n")


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
