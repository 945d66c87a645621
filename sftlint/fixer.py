"""Applying fixes: lint, apply the fixes that do not overlap, re-lint, until nothing changes.

A fix is a set of text edits, so untouched bytes stay as they were. The loop stops after
:data:`MAX_PASSES` passes; a fix whose result does not parse is dropped and reported, never
written, and so is a file whose fixes do not converge. Files are written atomically (a temporary
file in the same folder, then a rename) and keep their permissions.
"""

from __future__ import annotations

import difflib
import os
import stat
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from .document import DocumentError, parse_document
from .edits import apply_edits
from .engine import FileResult, error_finding, lint_document
from .findings import Applicability, Finding
from .plugins import Registry
from .redact import redact_diff_line
from .settings import Settings, SettingsResolver

MAX_PASSES = 10


@dataclass
class FixOutcome:
    text: str
    applied: list[str] = field(default_factory=list)  # codes, one per applied fix
    problems: list[str] = field(default_factory=list)
    result: FileResult | None = None


def _wanted(finding: Finding, unsafe: bool) -> bool:
    return finding.fix is not None and (unsafe or finding.fix.applicability is Applicability.SAFE)


def fix_text(path: Path, text: str, settings: Settings, registry: Registry, unsafe: bool = False) -> FixOutcome:
    """Fix ``text`` (the content of ``path``) in memory and return the outcome."""
    outcome = FixOutcome(text)
    blocked: set[tuple[str, str]] = set()  # (code, message) of fixes that broke the file
    for _ in range(MAX_PASSES):
        try:
            document = parse_document(path, outcome.text)
        except DocumentError:
            break
        result = lint_document(document, settings, registry)
        outcome.result = result
        candidates = [f for f in result.findings if _wanted(f, unsafe) and (f.code, f.message) not in blocked]
        if not candidates:
            return outcome
        taken: list[tuple[int, int]] = []
        chosen: list[Finding] = []
        for finding in candidates:
            spans = [(e.start, e.end) for e in finding.fix.edits]
            if any(s < te and ts < e or (s == e == ts == te) for s, e in spans for ts, te in taken):
                continue  # overlaps a fix already chosen this pass; it gets its turn next pass
            taken.extend(spans)
            chosen.append(finding)
        new_text = apply_edits(outcome.text, [e for f in chosen for e in f.fix.edits])
        try:
            parse_document(path, new_text)
        except DocumentError as exc:
            # find the culprit(s): apply one by one and keep the ones that still parse
            new_text = outcome.text
            good: list[Finding] = []
            for finding in chosen:
                trial = apply_edits(new_text, list(finding.fix.edits))
                try:
                    parse_document(path, trial)
                except DocumentError:
                    blocked.add((finding.code, finding.message))
                    outcome.problems.append(
                        f"{path}:{finding.location.row}:{finding.location.column}: fix for {finding.code} dropped: "
                        f"the result would not parse ({exc.message})"
                    )
                    continue
                new_text = trial
                good.append(finding)
            chosen = good
        if new_text == outcome.text:
            return outcome
        outcome.text = new_text
        outcome.applied.extend(f.code for f in chosen)
    else:
        outcome.problems.append(f"{path}: fixes did not converge after {MAX_PASSES} passes; nothing was written")
        outcome.text = text
        outcome.applied = []
    return outcome


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one rename, keeping its permission bits."""
    mode = stat.S_IMODE(path.stat().st_mode)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".sftlint-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def apply_fixes(results: list[FileResult], resolver: SettingsResolver, registry: Registry, *, unsafe: bool,
                diff_only: bool, stream: TextIO) -> tuple[list[FileResult], int]:
    """Fix every linted file; with ``diff_only`` print a unified diff and write nothing.

    Returns the results to report (re-linted after fixing) and 1 when ``diff_only`` found changes.
    """
    out: list[FileResult] = []
    changed_any = False
    total_fixed = 0
    for result in results:
        if result.document is None or result.config is None or not any(_wanted(f, unsafe) for f in result.findings):
            out.append(result)
            continue
        path = result.path
        original = result.document.text
        outcome = fix_text(path, original, resolver.for_path(path), registry, unsafe)
        for problem in outcome.problems:
            print(f"sftlint: warning: {problem}", file=sys.stderr)
        if outcome.text == original:
            out.append(outcome.result or result)
            continue
        changed_any = True
        if diff_only:
            stream.writelines(redact_diff_line(line) for line in difflib.unified_diff(  # never print a credential
                original.splitlines(keepends=True), outcome.text.splitlines(keepends=True),
                fromfile=f"a/{path}", tofile=f"b/{path}"))
            out.append(result)
            continue
        try:
            write_atomic(path, outcome.text)
        except OSError as exc:
            result.findings.append(error_finding(path, f"cannot write fixes: {exc.strerror or exc}", code="E005",
                                                 name="write-failed"))
            out.append(result)
            continue
        total_fixed += len(outcome.applied)
        out.append(outcome.result or result)
    if total_fixed and not diff_only:
        print(f"Fixed {total_fixed} finding{'s' if total_fixed != 1 else ''}.", file=sys.stderr)
    return out, (1 if diff_only and changed_any else 0)
