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
from collections import Counter
from pathlib import Path
from typing import TextIO

from ..document import Document, DocumentError, parse_document
from .edits import apply_edits
from .engine import FileResult, error_finding, lint_document, unreadable
from .findings import Applicability, Finding
from ..plugin.loading import Registry
from ..records import field, record
from ..redact import redact_diff_line
from ..settings.resolver import Settings

MAX_PASSES = 10


@record
class FixOutcome:
    text: str
    applied: list[str] = field(default_factory=list)  # codes, one per applied fix
    problems: list[str] = field(default_factory=list)
    #: the lint of the text as it ends up
    result: FileResult | None = None
    #: the lint of the text as it was given (the first pass)
    first: FileResult | None = None


def _wanted(finding: Finding, unsafe: bool) -> bool:
    return finding.fix is not None and (unsafe or finding.fix.applicability is Applicability.SAFE)


def _changes(text: str, finding: Finding) -> bool:
    """Whether the finding's fix changes anything (a fix that rewrites a value as it is does not)."""
    return any(text[e.start:e.end] != e.content for e in finding.fix.edits)


def _breakage(path: Path, before: Document, text: str) -> str | None:
    """Why ``text`` (``before`` with fixes applied) must not be written, or None when it is fine:
    it does not parse, or it repeats a key (loaders keep one value silently, ruamel.yaml refuses)."""
    try:
        after = parse_document(path, text)
    except DocumentError as exc:
        return f"the result would not parse ({exc.message})"
    places = {(path, value) for path, value, _ in before.secrets}
    for path, value, _ in after.secrets:
        if (path, value) not in places and any(value == v for _, v in places):
            return f"the result would move a credential to another key ('{path}')"
    old = Counter(d.key for d in before.duplicates)
    for dup in after.duplicates:
        if old[dup.key] > 0:
            old[dup.key] -= 1
            continue
        return f"the result would repeat the key '{dup.key}' (line {dup.second.start.line})"
    return None


def fix_text(path: Path, text: str, settings: Settings, registry: Registry, unsafe: bool = False, *,
             session=None, document: Document | None = None) -> FixOutcome:
    """Fix ``text`` (the content of ``path``) in memory and return the outcome.

    Each pass lints the current text and applies every wanted fix that does not overlap one already
    chosen; the next pass re-lints. A fix that breaks the file is dropped (and not retried); when
    the fixes still change the file after :data:`MAX_PASSES` passes, or bring back a text seen
    before, nothing is kept and ``outcome.text`` is ``text``.
    """
    outcome = FixOutcome(text)
    blocked: set[tuple[str, str]] = set()  # (code, message) of fixes that broke the file
    seen = {text}
    why_not = f"they still change it after {MAX_PASSES} passes"
    first: FileResult | None = None
    for pass_number in range(MAX_PASSES + 1):
        if document is None or pass_number > 0:
            try:
                document = parse_document(path, outcome.text)
            except DocumentError:
                return outcome  # only the original can fail here: a fixed text is checked before it is kept
        result = lint_document(document, settings, registry, session=session)
        outcome.result = result
        first = first or result
        outcome.first = first
        candidates = [f for f in result.findings if _wanted(f, unsafe) and (f.code, f.message) not in blocked
                      and _changes(outcome.text, f)]
        if not candidates:
            return outcome
        if pass_number == MAX_PASSES:
            break  # still something to fix after the last pass: does not converge
        taken: list[tuple[int, int]] = []
        chosen: list[Finding] = []
        for finding in candidates:
            spans = [(e.start, e.end) for e in finding.fix.edits]
            if any(s < te and ts < e or (s == e == ts == te) for s, e in spans for ts, te in taken):
                continue  # overlaps a fix already chosen this pass; it gets its turn next pass
            taken.extend(spans)
            chosen.append(finding)
        new_text = apply_edits(outcome.text, [e for f in chosen for e in f.fix.edits])
        if _breakage(path, document, new_text) is not None:
            # find the culprit(s): add the fixes one at a time (edits always apply to this pass's
            # text, whose offsets they were made for) and keep those that leave the file sound
            good: list[Finding] = []
            new_text = outcome.text
            for finding in chosen:
                trial = apply_edits(outcome.text, [e for f in [*good, finding] for e in f.fix.edits])
                why = _breakage(path, document, trial)
                if why is not None:
                    blocked.add((finding.code, finding.message))
                    outcome.problems.append(
                        f"{path}:{finding.location.row}:{finding.location.column}: fix for {finding.code} dropped: {why}"
                    )
                    continue
                new_text = trial
                good.append(finding)
            chosen = good
        if not chosen:
            continue  # every fix this pass was dropped: lint again without them
        if new_text in seen:  # the fixes undo one another: they would go round forever
            why_not = f"they undo one another (pass {pass_number + 1} brought back an earlier text)"
            break
        seen.add(new_text)
        outcome.text = new_text
        outcome.applied.extend(f.code for f in chosen)
    outcome.problems.append(f"{path}: fixes did not converge: {why_not}; nothing was written")
    outcome.text = text
    outcome.applied = []
    outcome.result = first  # the findings of the file as it is, not of a text that was thrown away
    return outcome


class ChangedSinceRead(Exception):
    """The file on disk is no longer the text the fixes were made for."""


def _read_now(path: Path) -> str | None:
    from ..document import read_text

    try:
        return read_text(path)
    except DocumentError:
        return None


def write_fixed(path: Path, original: str, text: str) -> None:
    """Write ``text`` over ``path`` only if it still holds ``original`` (raise
    :class:`ChangedSinceRead` otherwise): another ``--fix`` run or an editor may have written it
    since it was read, and their change must not be silently overwritten.

    Concurrent sftlint runs take turns (a lock on the folder) between checking and writing. The
    file keeps its permission bits, owner and group, and its hard links: a file with other links
    is rewritten in place, since a rename would leave the other names on the old text.
    """
    import fcntl

    real = Path(os.path.realpath(path))
    folder_fd = os.open(real.parent, os.O_RDONLY)
    try:
        fcntl.flock(folder_fd, fcntl.LOCK_EX)
        if _read_now(real) != original:
            raise ChangedSinceRead(f"{path} changed since it was read")
        info = real.stat()
        if info.st_nlink > 1:
            _write_in_place(real, text)
        else:
            write_atomic(real, text, info)
    finally:
        os.close(folder_fd)  # releases the lock


def _with_bom(path: Path, text: str) -> str:
    with open(path, "rb") as fh:
        return ("\ufeff" if fh.read(3) == b"\xef\xbb\xbf" and not text.startswith("\ufeff") else "") + text


def _write_in_place(path: Path, text: str) -> None:
    data = _with_bom(path, text).encode("utf-8")
    with open(path, "r+b") as fh:
        fh.write(data)
        fh.truncate()
        fh.flush()
        os.fsync(fh.fileno())


def write_atomic(path: Path, text: str, info: os.stat_result | None = None) -> None:
    """Replace ``path`` with ``text`` in one rename, keeping its permission bits, owner and group.

    A symbolic link is followed (the file it points to is replaced, the link stays), and a UTF-8
    byte order mark that the file started with is kept. Where the owner cannot be kept (another
    user's file, writable to this one), the file is rewritten in place instead.
    """
    path = Path(os.path.realpath(path))
    info = info or path.stat()
    mode = stat.S_IMODE(info.st_mode)
    content = _with_bom(path, text)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".sftlint-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())  # the new bytes are on disk before the rename makes them the file
        os.chmod(tmp, mode)
        if (info.st_uid, info.st_gid) != (os.getuid(), os.getgid()):
            try:
                os.chown(tmp, info.st_uid, info.st_gid)
            except OSError:
                os.unlink(tmp)
                _write_in_place(path, text)
                return
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def patch_lines(text: str) -> list[str]:
    """``text`` cut into lines the way ``patch`` and ``diff`` cut it: at LF only, each line keeping
    its LF (a CR, NEL or U+2028 inside a line is content to them)."""
    lines = text.split("\n")
    out = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    return out


def unified_diff(path: Path, original: str, fixed: str) -> list[str]:
    """A unified diff that ``patch -p1`` applies: lines as ``patch`` counts them, and a last line
    without a line feed followed by ``\\ No newline at end of file``."""
    out = []
    for line in difflib.unified_diff(patch_lines(original), patch_lines(fixed),
                                     fromfile=f"a/{path}", tofile=f"b/{path}"):
        if line.endswith("\n"):
            out.append(line)
        else:
            out.append(line + "\n")
            out.append("\\ No newline at end of file\n")
    return out


def redacted_diff(path: Path, original: str, fixed: str) -> tuple[list[str], list[int]]:
    """The unified diff of a fix with every credential masked, and the lines of the original file
    that were masked in it (a diff with masked lines no longer applies with ``patch``)."""
    lines: list[str] = []
    masked: list[int] = []
    old_line = None  # None until the first hunk: before it come the two file-name lines
    for line in unified_diff(path, original, fixed):
        if line.startswith("\\"):
            lines.append(line)
            continue
        shown = redact_diff_line(line) if old_line is not None else line  # never print a credential
        lines.append(shown)
        if line.startswith("@@"):
            old_line = int(line.split()[1][1:].split(",")[0])
        elif old_line is not None and not line.startswith("+"):
            if shown != line:
                masked.append(old_line)
            old_line += 1
    return lines, masked


@record
class FixReport:
    """What fixing one file produced, for the caller to print in order: the findings to report,
    a diff (with ``diff_only``), the masked lines of that diff, warnings, and how many fixes were
    written."""

    result: FileResult
    diff: list[str] = field(default_factory=list)
    masked: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    fixed: int = 0


def fix_path(session, path: Path, *, unsafe: bool, diff_only: bool) -> FixReport:
    """Fix one file (or only work out its diff); never raises for a problem with the file.

    The first pass of the fix loop is the file's lint, so a file is linted once when it has
    nothing to fix, and once per pass when it has.
    """
    from ..document import load_document

    settings = session.settings_for(path)
    registry = session.registry_for(settings)
    try:
        document = load_document(path)
    except DocumentError as exc:
        return FixReport(unreadable(path, exc, settings))
    original = document.text
    try:
        outcome = fix_text(path, original, settings, registry, unsafe, session=session, document=document)
    except Exception as exc:  # as in lint_file: a bug met in one file must not stop the others
        if os.environ.get("SFTLINT_DEBUG"):
            raise
        result = FileResult(path, [error_finding(
            path, f"sftlint crashed while fixing this file: {type(exc).__name__}: {exc}; nothing was written; "
            "please report this with the config (SFTLINT_DEBUG=1 shows a traceback)", code="E999",
            name="internal-error")])
        return FixReport(result)
    report = FixReport(outcome.result or FileResult(path), problems=list(outcome.problems))
    if outcome.text == original:
        return report
    if diff_only:
        report.diff, report.masked = redacted_diff(path, original, outcome.text)
        report.result = outcome.first or report.result  # the findings of the file as it is
        return report
    try:
        write_fixed(path, original, outcome.text)
    except ChangedSinceRead:
        report.problems.append(f"{path} changed since it was read (another process wrote it); its fixes were not "
                               "written: run again")
        report.result = outcome.first or report.result
        return report
    except OSError as exc:
        first = outcome.first or report.result
        first.findings.append(error_finding(path, f"cannot write fixes: {exc.strerror or exc}", code="E005",
                                            name="write-failed"))
        report.result = first
        return report
    report.fixed = len(outcome.applied)
    return report


def fix_paths(session, paths: list[Path], *, unsafe: bool, diff_only: bool,
              stream: TextIO) -> tuple[list[FileResult], int, int]:
    """Fix every file, on as many cores as pays off; with ``diff_only`` print a unified diff and
    write nothing. Warnings go to stderr, in the order of ``paths``.

    Returns the results to report (of the fixed files), 1 when ``diff_only`` found changes (else
    0), and how many findings the written fixes removed.
    """
    import time

    from .parallel import map_paths, slim

    def one(path: Path) -> FixReport:
        start = time.perf_counter()
        report = fix_path(session, path, unsafe=unsafe, diff_only=diff_only)
        report.result = slim(report.result)
        report.result.seconds = time.perf_counter() - start
        return report

    reports = [r if isinstance(r, FixReport) else FixReport(r) for r in map_paths(paths, one)]
    changed_any = False
    total_fixed = 0
    for report in reports:
        for problem in report.problems:
            print(f"sftlint: warning: {problem}", file=sys.stderr)
        if report.diff:
            changed_any = True
            stream.writelines(report.diff)
            if report.masked:
                where = f"line{'s' if len(report.masked) > 1 else ''} {', '.join(map(str, report.masked))}"
                print(f"sftlint: warning: {report.result.path}: the diff masks the credentials on {where}, so it "
                      "cannot be applied with patch; --fix applies it", file=sys.stderr)
        total_fixed += report.fixed
    if total_fixed and not diff_only:
        print(f"Fixed {total_fixed} finding{'s' if total_fixed != 1 else ''}.", file=sys.stderr)
    return [r.result for r in reports], (1 if diff_only and changed_any else 0), total_fixed
