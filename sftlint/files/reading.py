"""Reading files a repository names, as a stranger may have written them: regular files only, a
bounded number of bytes, a bounded time, and no walk outside the project unless settings allow it.

A config can name ``/dev/zero``, ``/dev/urandom``, a FIFO or ``/`` as its dataset, and a folder
being linted can hold a ``*.yaml`` link to a device: reading such things without these bounds
grows memory without end, spins, blocks forever or walks the whole filesystem. Every read of
repository content goes through here, and each refusal comes back as a sentence to report.
"""

from __future__ import annotations

import io
import os
import stat
import time
from pathlib import Path
from typing import Iterator


class ReadRefused(OSError):
    """A path that is not read, and why (the message is written for the user)."""


def _describe_mode(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def open_regular(path: Path | str) -> io.FileIO:
    """Open ``path`` for reading only if it is a regular file (a link to one is fine).

    The file is opened without blocking, so a FIFO cannot stall the open, and checked again on the
    open descriptor, so a path swapped between the check and the open is still caught.
    """
    try:
        before = os.stat(path).st_mode
    except (OSError, ValueError) as exc:
        raise ReadRefused(f"cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    if not stat.S_ISREG(before):
        raise ReadRefused(f"{_describe_mode(before)}, not a regular file; not read")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise ReadRefused(f"cannot read: {exc.strerror or exc}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise ReadRefused(f"{_describe_mode(mode)}, not a regular file; not read")
    return io.FileIO(fd, "rb", closefd=True)


def read_bounded(path: Path | str, limit: int) -> bytes:
    """The bytes of a regular file; :class:`ReadRefused` when it holds more than ``limit``."""
    with open_regular(path) as fh:
        data = fh.readall() if limit < 0 else _read_upto(fh, limit + 1)
    if len(data) > limit:
        raise ReadRefused(f"over {_size(limit)}; not read")
    return data


def _read_upto(fh: io.FileIO, count: int) -> bytes:
    chunks, left = [], count
    while left > 0:
        chunk = fh.read(min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _size(n: int) -> str:
    return f"{n / 2**20:.0f} MiB" if n >= 2**20 else f"{n} bytes"


class Budget:
    """A limit on bytes and seconds shared by every read made for one config's plan."""

    def __init__(self, max_bytes: int, seconds: float) -> None:
        self.bytes_left = max_bytes
        self.deadline = time.monotonic() + seconds
        self.seconds = seconds

    def spend(self, count: int) -> None:
        self.bytes_left -= count
        if self.bytes_left < 0:
            raise ReadRefused("the data is larger than sftlint reads while linting; its size is unknown")
        if time.monotonic() > self.deadline:
            raise ReadRefused(f"reading the data took over {self.seconds:g} s; its size is unknown")


class _Metered(io.RawIOBase):
    """A raw stream that charges every byte read to a :class:`Budget`."""

    def __init__(self, raw: io.FileIO, budget: Budget) -> None:
        self._raw = raw
        self._budget = budget

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self._raw.readinto(buffer)
        self._budget.spend(n or 0)
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


def open_metered(path: Path | str, budget: Budget) -> io.BufferedReader:
    """A buffered binary reader over a regular file whose reads are charged to ``budget``."""
    return io.BufferedReader(_Metered(open_regular(path), budget), buffer_size=1 << 16)


def inside(path: Path | str, roots: list[Path]) -> bool:
    """Whether ``path``, with every link resolved, lies in one of ``roots`` (also resolved)."""
    real = os.path.realpath(path)
    for root in roots:
        base = os.path.realpath(root)
        if real == base or real.startswith(base.rstrip(os.sep) + os.sep):
            return True
    return False


def walk_files(folder: Path, max_files: int, budget: Budget | None = None) -> Iterator[Path]:
    """Regular files below ``folder``, hidden ones and linked folders left out, in a stable order;
    :class:`ReadRefused` past ``max_files`` entries or past the budget's time."""
    seen = 0
    for current, dirs, names in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            seen += 1
            if seen > max_files:
                raise ReadRefused(f"{folder} holds over {max_files} files; not counted while linting")
            if budget is not None:
                budget.spend(0)
            if name.startswith("."):
                continue
            path = Path(current, name)
            try:
                if stat.S_ISREG(os.stat(path).st_mode):
                    yield path
            except OSError:
                continue
