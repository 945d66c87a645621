"""Linting many files on every core.

Files are independent, so a large run is split over forked worker processes, as ruff spreads
files over threads. Forking copies the loaded rules and settings for free; each worker sends back
only what reporting needs — findings, the skip reason, the dialect choice and the file's text for
source snippets — never the node tree, which would cost more to send than to rebuild. Small runs,
single-core machines and platforms without ``fork`` lint in the calling process.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from . import records
from .engine import FileResult

#: Below this many files, starting workers costs more than it saves.
MIN_FILES = 48
#: Files handed to a worker at a time: large enough to amortise the round trip.
CHUNK = 16

_lint_one: Callable[[Path], FileResult] | None = None


def workers_for(count: int) -> int:
    """How many processes to use for ``count`` files (1 means: lint in this process)."""
    if count < MIN_FILES:
        return 1
    import multiprocessing  # only for runs large enough to spread: its import is not free

    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8, count // CHUNK))


def slim(result: FileResult) -> FileResult:
    """The parts of a result that reporting reads; the node tree, config and plan stay behind."""
    document = result.document
    if document is not None:
        document = records.replace(document, root=None, duplicates=[])
    return records.replace(result, document=document, config=None, plan=None)


def _run(path: Path) -> FileResult:
    return slim(_lint_one(path))


def lint_paths(paths: list[Path], lint_one: Callable[[Path], FileResult]) -> list[FileResult]:
    """``lint_one`` applied to every path, in order, on as many cores as pays off."""
    global _lint_one
    jobs = workers_for(len(paths))
    if jobs == 1:
        return [lint_one(p) for p in paths]
    import multiprocessing

    _lint_one = lint_one  # inherited by the forked workers
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            return pool.map(_run, paths, chunksize=CHUNK)
    except (OSError, multiprocessing.ProcessError):  # no processes to be had: do it here
        return [lint_one(p) for p in paths]
    finally:
        _lint_one = None
