"""Stable identities for findings, so dashboards track one problem across commits.

GitLab code quality needs a ``fingerprint`` per finding and SARIF viewers match results through
``partialFingerprints``. Neither may change when unrelated lines are added above the finding, so
the line number is left out: the identity is the file, the rule, the message and the text of the
line the finding is on (its indentation ignored), plus a counter among findings that would
otherwise be the same.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def relative_path(filename: str, root: Path | None = None) -> str:
    """``filename`` relative to ``root`` (default: the working directory), with ``/``, where it is
    below it; else as given."""
    root = os.path.realpath(root or Path.cwd())
    absolute = os.path.realpath(filename)
    if absolute.startswith(root.rstrip(os.sep) + os.sep):
        return Path(os.path.relpath(absolute, root)).as_posix()
    return Path(filename).as_posix()


def fingerprints(results, root: Path | None = None) -> dict[int, str]:
    """``id(finding)`` -> a hex fingerprint, for every finding of ``results``."""
    out: dict[int, str] = {}
    seen: dict[str, int] = {}
    for result in results:
        for finding in result.findings:
            line = ""
            if result.document is not None:
                try:
                    from ..redact import redact_line  # a credential is never hashed into a report

                    line = redact_line(result.document.line_text(finding.location.row)).strip()
                except (IndexError, ValueError):
                    line = ""
            digest = hashlib.sha256()
            for part in (relative_path(finding.filename, root), finding.code, finding.message, line):
                digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
            base = digest.hexdigest()
            n = seen.get(base, 0)
            seen[base] = n + 1
            out[id(finding)] = base if n == 0 else hashlib.sha256(f"{base}:{n}".encode()).hexdigest()
    return out
