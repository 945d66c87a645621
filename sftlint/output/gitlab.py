"""GitLab code quality reports: a JSON list that GitLab shows in merge requests and pipelines.

Each finding becomes ``{description, check_name, fingerprint, severity, location}``; ``location``
gives the path relative to the repository root (the working directory, as in a CI job) and the
positions. GitLab's severities are info, minor, major, critical and blocker: sftlint's error,
warning and info map to major, minor and info.
"""

from __future__ import annotations

import json
from typing import TextIO

from .fingerprint import fingerprints, relative_path

_SEVERITY = {3: "major", 2: "minor", 1: "info"}


def report(results) -> list[dict]:
    prints = fingerprints(results)
    out = []
    for result in results:
        for f in result.findings:
            out.append({
                "description": f"{f.code} {f.message}",
                "check_name": f.code,
                "fingerprint": prints[id(f)],
                "severity": _SEVERITY[int(f.severity)],
                "location": {
                    "path": relative_path(f.filename),
                    "positions": {
                        "begin": {"line": f.location.row, "column": f.location.column},
                        "end": {"line": f.end_location.row, "column": f.end_location.column},
                    },
                },
            })
    return out


def render(results, stream: TextIO, *, color: bool = False, verbose: bool = False, registry=None) -> None:
    json.dump(report(results), stream, indent=2)
    stream.write("\n")
