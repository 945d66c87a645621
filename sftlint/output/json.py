"""A JSON list of findings with ruff's field names, plus ``severity``.

A file that was not linted (not a training config, a launcher, another tool's recipe...) is one
more record in the list, shaped like a finding so that a consumer reading every record still can:
``code`` is null (as ruff's records for files it cannot parse), ``name`` is ``"skipped"``,
``severity`` is ``"info"``, the position is 1:1 and ``skipped`` holds the reason. Only these
records have a ``skipped`` field.
"""

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


def skip_to_dict(result) -> dict:
    """The record of a file that was skipped, with the reason in ``skipped`` (and in ``message``)."""
    where = {"row": 1, "column": 1}
    return {
        "code": None,
        "name": "skipped",
        "message": f"skipped: {result.skipped}",
        "severity": "info",
        "filename": str(result.path),
        "location": where,
        "end_location": dict(where),
        "fix": None,
        "url": None,
        "skipped": result.skipped,
    }


def file_dicts(result) -> list[dict]:
    """The records of one file: its findings, or the record saying why it was skipped."""
    records = [finding_to_dict(f, result.document) for f in result.findings]
    if result.skipped and not result.findings:
        records.append(skip_to_dict(result))
    return records


def all_dicts(results) -> list[dict]:
    return [record for r in results for record in file_dicts(r)]


def render(results, stream: TextIO, *, color: bool = False, verbose: bool = False, registry=None) -> None:
    json.dump(all_dicts(results), stream, indent=2)
    stream.write("\n")
    if verbose:
        skip_notes(results)


def skip_notes(results) -> None:
    """``-v``: why each file was not linted, also on standard error, as before the records above."""
    import sys

    for result in results:
        if result.skipped:
            print(f"{result.path}: skipped: {result.skipped}", file=sys.stderr)
