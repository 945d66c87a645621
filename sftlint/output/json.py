"""A JSON list of findings with ruff's field names, plus ``severity``."""

from __future__ import annotations

import json
from typing import TextIO


def finding_to_dict(finding, document=None) -> dict:
    fix = None
    if finding.fix is not None:
        edits = []
        for edit in finding.fix.edits:
            start = document.line_col(edit.start) if document is not None else (None, None)
            end = document.line_col(edit.end) if document is not None else (None, None)
            edits.append({
                "content": edit.content,
                "location": {"row": start[0], "column": start[1]},
                "end_location": {"row": end[0], "column": end[1]},
            })
        fix = {"applicability": finding.fix.applicability.value, "message": finding.fix.message, "edits": edits}
    return {
        "code": finding.code,
        "name": finding.name,
        "message": finding.message,
        "severity": str(finding.severity),
        "filename": finding.filename,
        "location": {"row": finding.location.row, "column": finding.location.column},
        "end_location": {"row": finding.end_location.row, "column": finding.end_location.column},
        "fix": fix,
        "url": finding.url,
    }


def all_dicts(results) -> list[dict]:
    return [finding_to_dict(f, r.document) for r in results for f in r.findings]


def render(results, stream: TextIO, *, color: bool = False, verbose: bool = False, registry=None) -> None:
    json.dump(all_dicts(results), stream, indent=2)
    stream.write("\n")
    if verbose:
        skip_notes(results)


def skip_notes(results) -> None:
    """``-v``: why each file was not linted, on standard error so that standard output stays JSON."""
    import sys

    for result in results:
        if result.skipped:
            print(f"{result.path}: skipped: {result.skipped}", file=sys.stderr)
