"""A forked child process, and the two pipes its parent talks to it through.

The worker pool (:mod:`sftlint.lint.parallel`) needs little of :mod:`multiprocessing`: fork a
child that runs one function, send it small messages, read its answers, learn how it ended.
``multiprocessing`` brings that and much more: importing it loads sockets, ``subprocess``,
``tempfile`` and the compression modules, and it registers an exit handler, which keeps the
command from skipping the interpreter's teardown (:mod:`sftlint.cli.leave`). Together that was
about a twentieth of a run over a few hundred files. So this module does the little that is
needed with :func:`os.fork` and :func:`os.pipe`, as ``multiprocessing``'s own fork start method
does underneath.

A message is a pickle preceded by its length. The child holds the only write end of its answer
pipe, so the parent reads end of file there once the child has ended, however it ended, and
:func:`os.waitpid` then says how. Each child closes the parent's ends of the pipes to every other
child, so that a child never keeps another one waiting: if the parent dies, every child reads end
of file on its task pipe and ends too.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import sys
import time
from typing import Any, Callable

_LENGTH = struct.Struct("!Q")
#: The parent's ends of the pipes to every child alive: a newly forked child closes them.
_parent_ends: set[int] = set()


class Channel:
    """One end of a pair of pipes: messages go out through one, come in through the other."""

    def __init__(self, incoming: int, outgoing: int) -> None:
        self.incoming = incoming
        self.outgoing = outgoing

    def send(self, obj: Any) -> None:
        """Send one message. Raises :class:`OSError` (a broken pipe) when the other side is gone."""
        data = pickle.dumps(obj, pickle.HIGHEST_PROTOCOL)
        view = memoryview(_LENGTH.pack(len(data)) + data)
        while view:
            view = view[os.write(self.outgoing, view):]

    def recv(self) -> Any:
        """The next message, waiting for it. Raises :class:`EOFError` when the other side has closed
        its end (or ended) before a whole message came."""
        (size,) = _LENGTH.unpack(self._read(_LENGTH.size))
        return pickle.loads(self._read(size))

    def ready(self, timeout: float = 0.0) -> bool:
        """Whether a message, or the end of the pipe, can be read without waiting."""
        return bool(select.select([self.incoming], [], [], timeout)[0])

    def _read(self, size: int) -> bytes:
        chunks, left = [], size
        while left:
            chunk = os.read(self.incoming, min(left, 1 << 20))
            if not chunk:
                raise EOFError("the other side closed the pipe")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        """Close both ends; again is harmless (a number closed twice could be another file's by then)."""
        for fd in (self.incoming, self.outgoing):
            if fd >= 0:
                _parent_ends.discard(fd)
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.incoming = self.outgoing = -1


class Child:
    """A forked process running ``target(channel)``; ``channel`` is the parent's end.

    The child ignores Ctrl-C (the parent gets it too, and stops its children); its exit status is
    0 when ``target`` returns, the code of a ``SystemExit`` it raises, and 1 for any other
    exception, whose traceback it prints to standard error.
    """

    def __init__(self, target: Callable[[Channel], None]) -> None:
        tasks_in, tasks_out = os.pipe()
        answers_in, answers_out = os.pipe()
        try:
            self.pid = os.fork()
        except OSError:  # no process to be had: leave no pipe behind
            for fd in (tasks_in, tasks_out, answers_in, answers_out):
                os.close(fd)
            raise
        if self.pid == 0:  # the child: never returns
            _run_child(target, Channel(tasks_in, answers_out), (tasks_out, answers_in))
        os.close(tasks_in)
        os.close(answers_out)
        self.channel = Channel(answers_in, tasks_out)
        _parent_ends.update((answers_in, tasks_out))
        self.exitcode: int | None = None

    def fileno(self) -> int:
        """What to wait on: readable once an answer, or the child's end, is there."""
        return self.channel.incoming

    def reap(self, wait: float) -> int | None:
        """The child's exit code (negative: the signal that ended it) once it has ended, waiting
        up to ``wait`` seconds for that; None while it still runs."""
        deadline = time.monotonic() + wait
        while self.exitcode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.exitcode = os.waitstatus_to_exitcode(status)
            elif time.monotonic() >= deadline:
                break
            else:
                time.sleep(0.001)
        return self.exitcode

    def kill(self) -> None:
        if self.exitcode is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.reap(wait=5.0)

    def close(self) -> None:
        """Close the parent's ends of the pipes (the child reads end of file and ends), and reap it."""
        self.channel.close()
        if self.reap(wait=5.0) is None:
            self.kill()


def _run_child(target: Callable[[Channel], None], channel: Channel, parent_ends: tuple[int, ...]) -> None:
    code = 1
    try:
        for fd in (*parent_ends, *_parent_ends):
            os.close(fd)
        _parent_ends.clear()
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        target(channel)
        code = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
