"""Linting many files on every core, with workers that may die.

Files are independent, so a large run is split over forked worker processes, as ruff spreads
files over threads. Forking copies the loaded rules and settings for free; each worker sends back
only what reporting needs — findings, the skip reason, the dialect choice and the file's text for
source snippets — never the node tree, which would cost more to send than to rebuild. Small runs,
single-core machines and platforms without ``fork`` lint in the calling process.

A worker can die mid-file: the kernel's OOM killer sends it SIGKILL, a plugin calls ``os._exit``.
``multiprocessing.Pool`` then waits forever for the lost task. So the pool here is a small one of
its own: each worker gets a chunk of files and answers file by file, and the parent watches every
worker's pipe *and* its process at once. When a worker dies, the file it was on is reported as an
E999 finding saying how it died, the rest of its chunk goes to a fresh worker, and the run goes
on; a file that takes longer than :data:`FILE_SECONDS` is reported the same way after its worker
is killed. Nothing waits forever.
"""

from __future__ import annotations

import os
import signal
import time
from collections import deque
from pathlib import Path
from typing import Any, Callable

from .. import records
from .engine import FileResult, error_finding
from ..redact import remember

#: Below this many files, starting workers costs more than it saves.
MIN_FILES = 48
#: Files handed to a worker at a time: large enough to amortise the round trip.
CHUNK = 16
#: One file linting longer than this (a config lints in milliseconds) counts as hung.
FILE_SECONDS = 120.0

_lint_one: Callable[[Path], Any] | None = None
_paths: list[Path] = []


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


class FileTimeout(Exception):
    """Raised into the code linting a file in this process once it runs past :data:`FILE_SECONDS`."""


def within_time(lint_one: Callable[[Path], FileResult], path: Path) -> FileResult:
    """``lint_one(path)`` in this process, stopped after :data:`FILE_SECONDS` where the platform has
    interval timers: a rule caught in a loop then ends as its E900 finding (the engine catches
    what a rule raises) and the run goes on. Code stuck in one C call stops when that call returns."""
    import signal

    if not hasattr(signal, "setitimer"):
        return lint_one(path)

    def expired(signum, frame) -> None:  # fires again every FILE_SECONDS: a fix re-lints, pass after pass
        raise FileTimeout(f"linting {path} ran for more than {FILE_SECONDS:g} s and was stopped")

    try:
        previous = signal.signal(signal.SIGALRM, expired)
    except ValueError:  # not the main thread (a language server's worker, say): no timer there
        return lint_one(path)
    left, _ = signal.setitimer(signal.ITIMER_REAL, FILE_SECONDS, FILE_SECONDS)
    try:
        return lint_one(path)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if left:  # someone else's timer was running: give it back what it had left
            signal.setitimer(signal.ITIMER_REAL, left)


def _worker(conn) -> None:
    """A worker's loop: lint each file of each chunk received, answer one message per file.

    Standard output belongs to the parent's reporter: whatever a plugin prints here goes to
    standard error instead."""
    import sys

    sys.stdout.flush()
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    while True:
        try:
            chunk = conn.recv()
        except EOFError:
            return
        if chunk is None:
            return
        for index in chunk:
            path = _paths[index]
            try:
                answer = _lint_one(path)
                conn.send((index, answer))
            except Exception as exc:  # a result that cannot be sent (unpicklable plugin data, say)
                conn.send((index, FileResult(path, [error_finding(
                    path, f"sftlint could not pass this file's result between processes: {type(exc).__name__}",
                    code="E999", name="internal-error")])))


def _death(path: Path, exitcode: int | None, timed_out: bool) -> FileResult:
    if timed_out:
        why = f"linting this file took over {FILE_SECONDS:g} s; its worker process was stopped"
    elif exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        hint = " (the system's out-of-memory killer sends it)" if -exitcode == signal.SIGKILL else ""
        why = f"the worker process linting this file was killed by {name}{hint}"
    else:
        why = f"the worker process linting this file exited with status {exitcode} (a plugin calling exit?)"
    return FileResult(path, [error_finding(path, f"{why}; the other files were linted", code="E999",
                                           name="internal-error")])


class _Worker:
    def __init__(self, ctx) -> None:
        parent, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker, args=(child,), daemon=True)
        self.process.start()
        child.close()
        self.conn = parent
        self.chunk: deque[int] = deque()
        self.since = time.monotonic()

    def give(self, chunk: list[int]) -> None:
        self.chunk = deque(chunk)
        self.since = time.monotonic()
        self.conn.send(chunk)

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def lint_paths(paths: list[Path], lint_one: Callable[[Path], FileResult]) -> list[FileResult]:
    """``lint_one`` applied to every path, in order, on as many cores as pays off; what comes back
    from a worker is :func:`slim`."""
    if workers_for(len(paths)) == 1:
        return [within_time(lint_one, p) for p in paths]
    return map_paths(paths, lambda path: slim(lint_one(path)))


def map_paths(paths: list[Path], work: Callable[[Path], Any]) -> list[Any]:
    """``work`` applied to every path, in order, on as many cores as pays off. What ``work``
    returns travels back from forked workers by pickling, so it should be small. A file whose
    worker died, hung or could not send its answer comes back as a :class:`FileResult` holding
    an E999 finding, whatever ``work`` returns otherwise."""
    global _lint_one, _paths
    jobs = workers_for(len(paths))
    if jobs == 1:
        return [within_time(work, p) for p in paths]
    import multiprocessing

    _lint_one, _paths = work, list(paths)  # inherited by the forked workers
    try:
        return _run_pool(multiprocessing.get_context("fork"), jobs)
    except OSError:  # no processes to be had: do it here
        return [work(p) for p in paths]
    finally:
        _lint_one, _paths = None, []


def _run_pool(ctx, jobs: int) -> list[FileResult]:
    from multiprocessing.connection import wait

    results: list[FileResult | None] = [None] * len(_paths)
    todo = deque(list(range(start, min(start + CHUNK, len(_paths)))) for start in range(0, len(_paths), CHUNK))
    workers: list[_Worker] = []
    try:
        for _ in range(min(jobs, len(todo))):
            worker = _Worker(ctx)
            workers.append(worker)
            worker.give(todo.popleft())
        while any(w.chunk for w in workers):
            busy = [w for w in workers if w.chunk]
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=1.0)
            now = time.monotonic()
            for worker in busy:
                dead = not worker.process.is_alive()  # asked first: all it sent is in the pipe now
                if dead or worker.conn in ready:
                    try:  # a worker that died may have answered first: read every answer it sent
                        while worker.chunk and worker.conn.poll():
                            index, result = worker.conn.recv()
                            results[index] = result
                            document = getattr(result, "document", None)  # a FileResult, or a
                            if document is None:  # fix report holding one
                                document = getattr(getattr(result, "result", None), "document", None)
                            if document is not None:  # this process prints them: mask here too
                                for _, value, source in document.secrets:
                                    remember(value, source)
                            if worker.chunk and worker.chunk[0] == index:
                                worker.chunk.popleft()
                            worker.since = now
                    except (EOFError, OSError):
                        pass  # it died while answering: its sentinel says so below
                died = dead and worker.chunk
                hung = worker.chunk and now - worker.since > FILE_SECONDS
                if died or hung:
                    lost = worker.chunk.popleft()
                    worker.stop(kill=True)
                    results[lost] = _death(_paths[lost], worker.process.exitcode if died else None, bool(hung))
                    if worker.chunk:
                        todo.appendleft(list(worker.chunk))
                    workers[workers.index(worker)] = worker = _Worker(ctx)
                if not worker.chunk and todo:
                    worker.give(todo.popleft())
    finally:
        for worker in workers:
            worker.stop(kill=worker.process.is_alive() and bool(worker.chunk))
    return [r if r is not None else _death(_paths[i], None, False) for i, r in enumerate(results)]
