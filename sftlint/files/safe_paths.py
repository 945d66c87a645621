"""Asking what a path is without raising: a name too long for the filesystem, a loop of symbolic
links or a folder without permission is simply "not a file" here, and the caller reports it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .inputs import note


def kind(path: Path | str, follow: bool = True) -> str:
    """``"file"`` (a regular file), ``"dir"``, ``"other"`` (device, FIFO, socket), ``"link"`` (with
    ``follow=False``) or ``"missing"`` (also for paths the system refuses to look at).

    Every answer may change a finding, so the path is noted for ``pytest --sftlint``'s cache
    (:mod:`sftlint.files.inputs`; nothing happens outside a recording)."""
    note(path)
    try:
        mode = os.stat(path).st_mode if follow else os.lstat(path).st_mode
    except (OSError, ValueError):  # ValueError: a NUL byte in the name
        return "missing"
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISLNK(mode):
        return "link"
    return "other"


def is_file(path: Path | str) -> bool:
    return kind(path) == "file"


def is_dir(path: Path | str) -> bool:
    return kind(path) == "dir"
