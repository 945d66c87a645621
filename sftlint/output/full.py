"""The default format: each finding with its severity and the lines of the file around it.

The lines come from the document already read for linting, so what is shown is exactly what the
positions refer to; files that could not be read show the message alone.
"""

from __future__ import annotations

from typing import TextIO

from .concise import line
from ..redact import redact_line
from .style import paint


def _snippet(doc, finding, color: bool) -> list[str]:
    """The finding's line with one line of context each side, and a caret under its span."""
    row = finding.location.row
    last = len(doc._line_starts)
    if doc.text.endswith("\n"):
        last -= 1  # the "line" after the final newline is not a line of the file
    if not 1 <= row <= last:
        return []
    gutter = len(str(min(row + 1, last)))
    out = []
    for number in range(max(1, row - 1), min(row + 1, last) + 1):
        text = redact_line(doc.line_text(number).rstrip())  # credentials are never printed
        marker = ">" if number == row else " "
        out.append(paint(f"  {marker} {number:>{gutter}} | ", "blue", color) + text)
        if number == row:
            start = finding.location.column
            if finding.end_location.row == row:
                width = finding.end_location.column - start
            else:
                width = len(text) - start + 1
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
