"""Linting many files on every core, with workers that may die.

Files are independent, so a large run is split over forked worker processes, as ruff spreads
files over threads. Forking copies the loaded rules and settings for free; each worker sends back
only what reporting needs — findings, the skip reason, the dialect choice and the file's text for
source snippets — never the node tree, which would cost more to send than to rebuild. Small runs,
single-core machines and platforms without ``fork`` lint in the calling process.

A worker can die mid-file: the kernel's OOM killer sends it SIGKILL, a plugin calls ``os._exit``.
``multiprocessing.Pool`` then waits forever for the lost task. So the pool here is a small one of
its own. Each worker is handed chunks of files (the next one queued while it works on the current,
so that it never waits for the parent) and answers once per chunk: a machine with few cores has the
parent compete with the workers for them, and it wakes once per chunk instead of once per file.
Before each file a worker writes the file's index into a small memory page it shares with the
parent, so the parent, which watches every worker's answer pipe (it ends when the worker does, see
:mod:`sftlint.lint.forked`), always knows which file a worker is on. When a worker dies, that file
is reported as an E999 finding saying how it died, the rest of its chunks (the files it had
finished too: their answers died with it) go to a fresh worker, and the run goes on. A worker that
dies between files (reading a chunk, or sending its answers) leaves no file to blame, so each file
of its chunk is tried again alone. A file that takes longer than :data:`FILE_SECONDS` is reported
as a death after its worker is killed. Nothing waits forever.
"""

from __future__ import annotations

import os
import signal
import time
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from .. import records
from .engine import FileResult, error_finding
from ..redact import remember

if TYPE_CHECKING:
    from .forked import Channel

#: Below this many files, starting workers costs more than it saves.
MIN_FILES = 48
#: The most files handed to a worker at a time (fewer near the end of a run, so that the workers
#: finish together): large enough to amortise the round trip.
CHUNK = 16
#: Chunks a worker holds at a time: the one it works on and the next, queued in its pipe.
AHEAD = 2
#: One file linting longer than this (a config lints in milliseconds) counts as hung.
FILE_SECONDS = 120.0

_lint_one: Callable[[Path], Any] | None = None
_paths: list[Path] = []


def workers_for(count: int) -> int:
    """How many processes to use for ``count`` files (1 means: lint in this process)."""
    if count < MIN_FILES:
        return 1
    if not hasattr(os, "fork"):
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
        document = records.replace(document, root=None, duplicates=[], _line_starts=[])
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


#: What a worker's progress page holds between files: reading its next chunk or sending answers.
BETWEEN_FILES = -1


def _worker(conn: Channel, progress: memoryview) -> None:
    """A worker's loop: lint each file of each chunk received, noting in ``progress`` which file
    it is on, and answer once per chunk with each file's pickled result.

    Standard output belongs to the parent's reporter: whatever a plugin prints here goes to
    standard error instead."""
    import pickle
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
        answers = []
        for index in chunk:
            progress[0] = index
            path = _paths[index]
            try:  # pickled one by one: a result that cannot be sent spoils only its own answer
                answers.append((index, pickle.dumps(_lint_one(path), pickle.HIGHEST_PROTOCOL)))
            except Exception as exc:  # unpicklable plugin data, say
                answers.append((index, pickle.dumps(FileResult(path, [error_finding(
                    path, f"sftlint could not pass this file's result between processes: {type(exc).__name__}",
                    code="E999", name="internal-error")]), pickle.HIGHEST_PROTOCOL)))
        progress[0] = BETWEEN_FILES
        try:
            conn.send(answers)
        except OSError:  # the parent has gone: nobody is left to answer
            return


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
    """A worker process, the chunks it holds (the one it works on first), and the page through
    which it says which file it is on."""

    def __init__(self) -> None:
        import mmap

        from .forked import Child  # only for runs spread over workers, as pickle and mmap

        self.page = mmap.mmap(-1, 8)  # anonymous and shared: the forked child writes, the parent reads
        self.progress = memoryview(self.page).cast("q")
        self.progress[0] = BETWEEN_FILES
        progress = self.progress
        self.child = Child(lambda channel: _worker(channel, progress))
        self.chunks: deque[list[int]] = deque()
        self.on = BETWEEN_FILES  # the file it was on when last looked at, and since when
        self.since = time.monotonic()

    def fileno(self) -> int:
        return self.child.fileno()

    def give(self, chunk: list[int]) -> None:
        if not self.chunks:
            self.since = time.monotonic()
        self.chunks.append(chunk)
        try:
            self.child.channel.send(chunk)
        except OSError:  # it has died: the end of its answer pipe says so
            pass

    def look(self, now: float) -> int:
        """The index of the file it is on (:data:`BETWEEN_FILES` between files); the clock that
        decides it hung restarts whenever that changes."""
        on = self.progress[0]
        if on != self.on:
            self.on, self.since = on, now
        return on

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.child.kill()
        self.child.close()
        self.progress.release()
        self.page.close()


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
    _lint_one, _paths = work, list(paths)  # inherited by the forked workers
    _load_shared_code()
    try:
        return _run_pool(jobs)
    except OSError:  # no processes to be had: do it here
        return [work(p) for p in paths]
    finally:
        _lint_one, _paths = None, []


def _load_shared_code() -> None:
    """Import here, once, what every worker would otherwise import for itself on its first file:
    the YAML parser loads lazily (a one-file check needs it only once anyway), and what is loaded
    before the fork is shared by all workers."""
    from ..document.composer import event_kinds, event_parser

    event_parser()
    event_kinds()


class _Queue:
    """The files not yet handed out, in order, and those to be handed out one at a time because a
    worker died between files while holding them (reading its chunk or sending the answers)."""

    def __init__(self, count: int, jobs: int) -> None:
        self.files = deque(range(count))
        self.alone: deque[int] = deque()
        self.jobs = jobs

    def __bool__(self) -> bool:
        return bool(self.files or self.alone)

    def next_chunk(self) -> list[int]:
        """:data:`CHUNK` files while many are left, fewer towards the end, so that no worker is
        left with a long chunk while the others stand idle."""
        if self.alone:
            return [self.alone.popleft()]
        size = max(1, min(CHUNK, len(self.files) // (self.jobs * AHEAD)))
        return [self.files.popleft() for _ in range(min(size, len(self.files)))]

    def put_back(self, files: list[int]) -> None:
        self.files.extendleft(reversed(files))


def _take(results: list[Any], answers: list[tuple[int, bytes]]) -> None:
    """Unpickle a worker's answers into ``results`` and learn the credentials they mask."""
    import pickle

    for index, blob in answers:
        try:
            result = pickle.loads(blob)
        except Exception as exc:  # a plugin's class that cannot be rebuilt here, say
            result = FileResult(_paths[index], [error_finding(
                _paths[index], f"sftlint could not read this file's result back from its worker: {type(exc).__name__}",
                code="E999", name="internal-error")])
        results[index] = result
        document = getattr(result, "document", None)  # a FileResult, or a fix report holding one
        if document is None:
            document = getattr(getattr(result, "result", None), "document", None)
        if document is not None:  # this process prints them: mask here too
            for _, value, source in document.secrets:
                remember(value, source)


def _run_pool(jobs: int) -> list[Any]:
    import select

    results: list[Any] = [None] * len(_paths)
    queue = _Queue(len(_paths), jobs)
    workers: list[_Worker] = []
    try:
        for _ in range(min(jobs, len(_paths))):
            workers.append(_Worker())
        for _ in range(AHEAD):  # a first chunk to each, then the next
            for worker in workers:
                if queue:
                    worker.give(queue.next_chunk())
        while any(w.chunks for w in workers):
            busy = [w for w in workers if w.chunks]
            ready = select.select(busy, [], [], 1.0)[0]
            now = time.monotonic()
            for worker in busy:
                dead = False
                if worker in ready:
                    try:  # read every answer there is: a worker that died may have answered first
                        while worker.chunks and worker.child.channel.ready():
                            _take(results, worker.child.channel.recv())
                            worker.chunks.popleft()
                            worker.since = now
                    except EOFError:  # it has ended (it closed its pipe only by ending)
                        dead = True
                if worker.chunks:
                    worker.look(now)  # the clock restarts when it has moved on to another file
                    if dead or now - worker.since > FILE_SECONDS:
                        worker = _replace(workers, worker, queue, results, timed_out=not dead)
                while len(worker.chunks) < AHEAD and queue:
                    worker.give(queue.next_chunk())
    finally:
        for worker in workers:  # every idle worker reads the end of its task pipe: they end together
            if not worker.chunks:
                worker.child.channel.close()
        for worker in workers:
            worker.stop(kill=bool(worker.chunks))
    return [r if r is not None else _death(_paths[i], None, False) for i, r in enumerate(results)]


def _replace(workers: list[_Worker], worker: _Worker, queue: _Queue, results: list[Any],
             timed_out: bool) -> _Worker:
    """Stop a worker that died or hung, report the file it was on, put the rest of its files back
    at the front of the queue, and start a fresh worker in its place."""
    on = worker.progress[0]
    worker.stop(kill=True)
    exitcode = None if timed_out else worker.child.exitcode
    current = worker.chunks.popleft()
    queue.put_back([i for chunk in worker.chunks for i in chunk])
    if on in current:  # the files before it were done, but their answers died with the worker
        results[on] = _death(_paths[on], exitcode, timed_out)
        queue.put_back([i for i in current if i != on])
    elif len(current) == 1:  # alone, and it still died between files: its result is what kills
        results[current[0]] = _death(_paths[current[0]], exitcode, timed_out)
    else:  # between files, so no file to blame: each of them is tried alone
        queue.alone.extend(current)
    fresh = workers[workers.index(worker)] = _Worker()
    return fresh
