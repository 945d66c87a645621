"""``path:line:col: CODE [severity] message``, one finding per line, like compilers print."""

from __future__ import annotations

from typing import TextIO

from .style import paint


def line(finding, color: bool = False) -> str:
    where = f"{finding.filename}:{finding.location.row}:{finding.location.column}:"
    fixable = " [*]" if finding.fix is not None else ""
    return (
        f"{paint(where, 'bold', color)} {paint(finding.code, _severity_style(finding), color)}"
        f"{fixable} {finding.message}"
    )


def _severity_style(finding) -> str:
    return {3: "red", 2: "yellow", 1: "cyan"}[int(finding.severity)]


def render(results, stream: TextIO, *, color: bool = False, verbose: bool = False, registry=None) -> None:
    for result in results:
        if verbose and result.skipped:
            stream.write(f"{result.path}: skipped: {result.skipped}\n")
        for finding in result.findings:
            stream.write(line(finding, color) + "\n")
