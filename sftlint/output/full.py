"""The default format: each finding with its severity and the lines of the file around it."""

from __future__ import annotations

from typing import TextIO

from .concise import line
from .style import paint


def render(results, stream: TextIO, *, color: bool = False, verbose: bool = False) -> None:
    for result in results:
        if result.skipped:
            stream.write(f"{result.path}: skipped: {result.skipped}\n")
        if verbose and result.choice is not None and result.choice.dialect is not None:
            stream.write(f"{result.path}: dialect {result.choice.dialect.name}: {result.choice.how}\n")
            for det in result.choice.detections:
                if det.score > 0:
                    stream.write(f"    {det.dialect}: score {det.score:g} ({'; '.join(det.reasons)})\n")
        for finding in result.findings:
            stream.write(line(finding, color) + f" ({finding.severity})\n")
            doc = result.document
            if doc is not None and finding.location.row >= 1:
                row = finding.location.row
                gutter = len(str(row + 1))
                for number in range(max(1, row - 1), row + 2):
                    text = doc.line_text(number) if number <= len(doc._line_starts) else None
                    if text is None:
                        continue
                    marker = ">" if number == row else " "
                    stream.write(paint(f"  {marker} {number:>{gutter}} | ", "blue", color) + text.rstrip() + "\n")
                    if number == row:
                        width = max(1, (finding.end_location.column - finding.location.column)
                                    if finding.end_location.row == row else len(text) - finding.location.column + 1)
                        pad = " " * (finding.location.column - 1)
                        stream.write(paint(f"    {' ' * gutter} | ", "blue", color) + pad + paint("^" * width, "red", color) + "\n")
            if finding.fix is not None:
                stream.write(f"  help: {finding.fix.message}" + (" (unsafe fix)" if finding.fix.applicability.value == "unsafe" else "") + "\n")
            stream.write("\n")
