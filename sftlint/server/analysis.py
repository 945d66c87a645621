"""One linted version of an editor buffer: its text, what linting found, and where it stands.

The server keeps the latest analysis of each open document for code actions and diagnostics, and
the latest one that parsed for hover, completion and the plan summary: a buffer caught mid-edit
that does not parse still shows what the last good version of it would train like.
"""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from ..lint.engine import FileResult
from ..lint.findings import Finding
from ..records import field, record
from .diagnostics import finding_range, to_diagnostic
from .positions import Lines


@record
class Analysis:
    uri: str
    version: int | None
    path: Path
    lines: Lines
    result: FileResult
    diagnostics: list[types.Diagnostic] = field(default_factory=list)
    #: answers worked out once per version (the fix-all text, say)
    memo: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.lines.text

    @property
    def parsed(self) -> bool:
        return self.result.document is not None

    @property
    def is_training_config(self) -> bool:
        return self.result.config is not None

    def findings_at(self, start: types.Position, end: types.Position | None = None) -> list[Finding]:
        """The findings whose range touches ``start``..``end`` (one point when ``end`` is None)."""
        end = end or start
        out = []
        for finding in self.result.findings:
            r = finding_range(finding, self.lines)
            if (r.start.line, r.start.character) <= (end.line, end.character) and \
                    (start.line, start.character) <= (r.end.line, r.end.character):
                out.append(finding)
        return out


def analyse(uri: str, version: int | None, path: Path, text: str, result: FileResult, encoding: str,
            publish: bool = True) -> Analysis:
    lines = Lines(text, encoding)
    analysis = Analysis(uri, version, path, lines, result)
    if publish:
        analysis.diagnostics = [to_diagnostic(f, lines) for f in result.findings]
    return analysis
