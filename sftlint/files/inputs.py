"""What linting one file read besides the file itself, so that a cached result can be trusted.

A finding depends on more than the config's bytes: the dataset it names (WS001 counts its rows),
the model's ``config.json`` (memory, MD rules), a reference config of the scaling rules, a folder's
listing. :func:`recording` collects every such path while a file is linted: files opened for
reading and folders listed (through a Python audit hook, so no reader can be forgotten), and paths
merely probed (:func:`note`, called where sftlint asks whether a dataset or model file exists, so a
file that appears later is noticed too). :func:`signatures` turns them into what changes when
their content does (size and modification time of a file, the names in a folder, or "missing").

Only ``pytest --sftlint`` records; the audit hook is installed on the first recording and does
nothing outside one.
"""

from __future__ import annotations

import os
import stat
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

#: One dict per recording: path -> whether it was listed (a folder's names matter) or only read or probed.
_stack: list[dict[str, bool]] = []
_hooked = False
#: Inside :func:`unrecorded`: folder listings are not recorded (the code notes what matters itself).
_quiet = 0
#: Folders whose files are code, not inputs: the interpreter's and sftlint's own.
_CODE_ROOTS: tuple[str, ...] = ()
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | getattr(os, "O_CREAT", 0) | getattr(os, "O_APPEND", 0)


def note(path: Path | str, listed: bool = False) -> None:
    """Record ``path`` (read, listed or looked for) if a recording is on."""
    if _stack:
        try:
            key = os.path.abspath(os.fspath(path))
        except (TypeError, ValueError):
            return
        _stack[-1][key] = _stack[-1].get(key, False) or listed


def recording_now() -> bool:
    """Whether a recording is on (callers may skip gathering paths to :func:`note` when not)."""
    return bool(_stack)


def _audit(event: str, args: tuple) -> None:
    if not _stack:
        return
    try:
        if event == "open":
            path, mode, flags = (tuple(args) + (None, None, None))[:3]
            if isinstance(path, int) or path is None:
                return
            if isinstance(mode, str) and any(c in mode for c in "wax+"):
                return
            if mode is None and isinstance(flags, int) and flags & _WRITE_FLAGS:
                return
            note(os.fsdecode(path))
        elif event in ("os.listdir", "os.scandir"):
            if _quiet or _by_the_import_system():
                return  # a lazy import scanning sys.path, not the lint reading a folder
            path = args[0] if args else "."
            if not isinstance(path, int):
                note(os.fsdecode(path) if path is not None else ".", listed=True)
    except Exception:  # an audit hook must never break the operation it watches
        pass


def _by_the_import_system() -> bool:
    """Whether the Python code that triggered the audit event is the import machinery.

    An import lists every folder on ``sys.path`` it searches (the current folder among them) and
    lists it again whenever that folder changes; recording those listings would tie a cached
    result to unrelated files appearing beside the config, depending on which import ran first.
    """
    frame = sys._getframe(2)  # 0: this function, 1: the audit hook, 2: the code that listed
    return frame.f_code.co_filename.startswith("<frozen importlib")


@contextmanager
def recording() -> Iterator[dict[str, bool]]:
    """Collect the paths read, listed or probed inside the ``with`` block."""
    global _hooked, _CODE_ROOTS
    if not _hooked:
        import sftlint

        roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.abspath(sftlint.__file__))}
        _CODE_ROOTS = tuple(os.path.abspath(r).rstrip(os.sep) + os.sep for r in roots)
        sys.addaudithook(_audit)
        _hooked = True
    seen: dict[str, bool] = {}
    _stack.append(seen)
    try:
        yield seen
    finally:
        _stack.pop()


@contextmanager
def unrecorded() -> Iterator[None]:
    """List folders inside the ``with`` block without recording the listings: for code that looks
    for a few names in a folder and notes those (or a glob of them) itself, so that unrelated files
    appearing in the folder, such as pytest's own cache folder, do not count as a change."""
    global _quiet
    _quiet += 1
    try:
        yield
    finally:
        _quiet -= 1


def _is_code(path: str) -> bool:
    if os.path.basename(path) == "setup.py":  # read for a project's pins (never imported): an input
        return False
    return path.endswith((".py", ".pyc", ".so", ".pth")) or path.startswith(_CODE_ROOTS)


def signature(path: str, listed: bool = False) -> list:
    """What changes when ``path``'s content does: ["file", size, mtime_ns], ["dir"] (with a hash of
    its names when it was ``listed``), ["other"] or ["missing"]; for a pattern whose last part has
    a ``*`` (``folder/requirements*.txt``), ["glob", a hash of the matching names and signatures]."""
    if "*" in os.path.basename(path):
        return _glob_signature(path)
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return ["missing"]
    if stat.S_ISREG(info.st_mode):
        return ["file", info.st_size, info.st_mtime_ns]
    if stat.S_ISDIR(info.st_mode):
        if not listed:
            return ["dir"]
        try:
            names = sorted(os.listdir(path))
        except OSError:
            return ["dir", None]
        import hashlib

        return ["dir", hashlib.sha256("\0".join(names).encode("utf-8", "surrogateescape")).hexdigest()]
    return ["other"]


def _glob_signature(pattern: str) -> list:
    import fnmatch
    import hashlib

    folder, name = os.path.split(pattern)
    try:
        with unrecorded():
            names = sorted(n for n in os.listdir(folder or ".") if fnmatch.fnmatchcase(n, name))
    except OSError:
        return ["glob", None]
    parts = [f"{n}\0{signature(os.path.join(folder, n))}" for n in names]
    return ["glob", hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()]


def signatures(seen: dict[str, bool], leave_out: tuple[str, ...] = ()) -> dict[str, list]:
    """``path -> signature`` for the recorded paths that are inputs (not code, not ``leave_out``)."""
    skip = {os.path.abspath(p) for p in leave_out}
    return {p: signature(p, seen[p]) for p in sorted(seen) if p not in skip and not _is_code(p)}


def unchanged(recorded: dict[str, list]) -> bool:
    """Whether every recorded input still has the signature it had."""
    return all(signature(path, len(sig) > 1 and sig[0] == "dir") == list(sig) for path, sig in recorded.items())
