"""Findings as the editor's diagnostics: the same findings ``sftlint check`` prints, placed, and
masked as the command masks what it prints (a message never carries a credential out).

A finding's place is the node the rule pointed at; one that has no width (a parse error at a
single character, a finding about the whole file) is widened to the rest of its line so that the
editor has something to underline.
"""

from __future__ import annotations

from lsprotocol import types

from ..lint.findings import Finding, Severity
from ..redact import redact_text
from .positions import Lines

SOURCE = "sftlint"

_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}


def finding_range(finding: Finding, lines: Lines) -> types.Range:
    start = lines.at(finding.location.row, finding.location.column)
    end = lines.at(finding.end_location.row, finding.end_location.column)
    if (end.line, end.character) <= (start.line, start.character):
        line_start, text = lines.yaml_line(finding.location.row)
        end = max(lines.position(line_start + len(text)), start, key=lambda p: (p.line, p.character))
        if end.character == start.character and start.character > 0:  # at the end of a line: back one
            start = types.Position(start.line, start.character - 1)
    return types.Range(start, end)


def to_diagnostic(finding: Finding, lines: Lines) -> types.Diagnostic:
    fix = ""
    if finding.fix is not None:
        fix = " [fix]" if finding.fix.applicability.value == "safe" else " [unsafe fix]"
    return types.Diagnostic(
        range=finding_range(finding, lines),
        message=redact_text(finding.message) + fix,
        severity=_SEVERITY.get(finding.severity, types.DiagnosticSeverity.Warning),
        code=finding.code,
        code_description=types.CodeDescription(href=finding.url) if finding.url else None,
        source=SOURCE,
        data={"name": finding.name},
    )
