"""A time limit on one lint, so that a plugin rule caught in a loop cannot freeze the editor.

The server lints on its one thread; a rule that never returns would leave every later request
unanswered. Where the platform has interval timers (Unix), :func:`time_limit` arms one around the
lint: when it fires, :class:`LintTimeout` is raised inside whatever Python code is running. The
engine catches a rule's exception per rule, so a looping rule becomes that rule's ``E900``
finding, named, and the other rules still run; a loop elsewhere becomes the file's ``E999``.
Code stuck inside one C call is only stopped when that call returns.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Iterator


class LintTimeout(Exception):
    """Raised into code that ran past the time limit."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    if seconds <= 0 or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum, frame) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        raise LintTimeout(f"ran for more than {seconds:g} s and was stopped (is it caught in a loop?)")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
