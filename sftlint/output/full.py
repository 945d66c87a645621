"""The default format: each finding with its severity and the lines of the file around it.

The lines come from the document already read for linting, so what is shown is exactly what the
positions refer to; files that could not be read show the message alone.
"""

from __future__ import annotations

from typing import TextIO

from ..redact import redact_line
from .concise import line
from .style import paint


def visible(text: str) -> str:
    """``text`` with control characters shown as escapes: a config must not drive the terminal
    (an ANSI sequence, a bell) through a printed snippet. Column positions are kept for tabs."""
    return "".join(c if c == "\t" or (c.isprintable() and c not in "\x85\u2028\u2029") else
                   f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}" for c in text)


def shown_offset(raw: str, shown: str, offset: int, end: bool = False) -> int:
    """Where ``offset`` of the line as written falls in the line as shown, after a credential was
    masked (or a control character escaped): the caret then underlines the mask, not the length
    of the secret it hides. Text before and after the changed part keeps its place."""
    if raw == shown:
        return offset
    prefix = 0
    while prefix < min(len(raw), len(shown)) and raw[prefix] == shown[prefix]:
        prefix += 1
    suffix = 0
    while (suffix < min(len(raw), len(shown)) - prefix
           and raw[len(raw) - 1 - suffix] == shown[len(shown) - 1 - suffix]):
        suffix += 1
    if offset <= prefix:
        return offset
    if offset >= len(raw) - suffix:
        return offset + len(shown) - len(raw)
    return len(shown) - suffix if end else prefix


def _snippet(doc, finding, color: bool) -> list[str]:
    """The finding's line with one line of context each side, and a caret under its span."""
    row = finding.location.row
    last = doc.line_count
    if not 1 <= row <= last:
        return []
    gutter = len(str(min(row + 1, last)))
    out = []
    for number in range(max(1, row - 1), min(row + 1, last) + 1):
        raw = doc.line_text(number).rstrip()
        text = visible(redact_line(raw))  # credentials are never printed
        marker = ">" if number == row else " "
        out.append(paint(f"  {marker} {number:>{gutter}} | ", "blue", color) + text)
        if number == row:
            end_column = finding.end_location.column if finding.end_location.row == row else len(raw) + 1
            first = shown_offset(raw, text, finding.location.column - 1)
            start = first + 1
            width = shown_offset(raw, text, end_column - 1, end=True) - first
            pad = " " * (start - 1)
            out.append(paint(f"    {' ' * gutter} | ", "blue", color) + pad + paint("^" * max(1, width), "red", color))
    return out


def render(results, stream: TextIO, *, color: bool = False, verbose: bool = False, registry=None) -> None:
    for result in results:
        if verbose and result.skipped:
            stream.write(f"{result.path}: skipped: {result.skipped}\n")
        if verbose and result.choice is not None and result.choice.dialect is not None:
            stream.write(f"{result.path}: dialect {result.choice.dialect.name}: {result.choice.how}\n")
            for det in result.choice.detections:
                if det.score > 0:
                    stream.write(f"    {det.dialect}: score {det.score:g} ({'; '.join(det.reasons)})\n")
        for finding in result.findings:
            stream.write(line(finding, color) + f" ({finding.severity})\n")
            if result.document is not None:
                for text in _snippet(result.document, finding, color):
                    stream.write(text + "\n")
            if finding.fix is not None:
                unsafe = " (unsafe fix)" if finding.fix.applicability.value == "unsafe" else ""
                stream.write(f"  help: {finding.fix.message}{unsafe}\n")
            stream.write("\n")
