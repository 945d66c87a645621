"""Forked children: what they send arrives whole, how they end is known, and none keeps another
waiting."""

from __future__ import annotations

import os
import signal
import sys
import time

import pytest

from sftlint.lint.forked import Child

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")


def echo(channel) -> None:
    while True:
        try:
            message = channel.recv()
        except EOFError:
            return
        channel.send(message)


def test_messages_larger_than_a_pipe_holds_arrive_whole_both_ways():
    child = Child(echo)
    try:
        big = {"text": "x" * 3_000_000, "numbers": list(range(50_000))}
        child.channel.send(big)  # the child echoes while the parent is still writing
        assert child.channel.recv() == big
        child.channel.send("small")
        assert child.channel.recv() == "small"
    finally:
        child.close()
    assert child.exitcode == 0  # closing its task pipe ended it


@pytest.mark.parametrize(("body", "code", "said"), [
    (lambda channel: None, 0, ""),
    (lambda channel: sys.exit(4), 4, ""),
    (lambda channel: sys.exit("stopped by a plugin"), 1, "stopped by a plugin"),
    (lambda channel: 1 / 0, 1, "ZeroDivisionError"),
    (lambda channel: os.kill(os.getpid(), signal.SIGKILL), -signal.SIGKILL, ""),
])
def test_the_parent_learns_how_a_child_ended(body, code, said, capfd):
    child = Child(body)
    with pytest.raises(EOFError):  # its answer pipe ends with it
        child.channel.recv()
    assert child.reap(wait=10.0) == code
    child.close()
    assert said in capfd.readouterr().err


def test_a_child_holds_no_pipe_of_another_so_each_ends_with_its_own():
    """The second child is forked while the first runs; it must not keep the first one's task pipe
    open, or the first would wait for tasks forever once the parent closes it."""
    first = Child(echo)
    second = Child(echo)
    try:
        first.channel.close()
        assert first.reap(wait=10.0) == 0
        second.channel.send("still here")
        assert second.channel.recv() == "still here"
    finally:
        second.close()


def test_a_hung_child_is_killed():
    child = Child(lambda channel: time.sleep(60))
    assert child.reap(wait=0.05) is None  # still running
    started = time.monotonic()
    child.kill()
    assert child.exitcode == -signal.SIGKILL and time.monotonic() - started < 10
    child.close()


def test_closing_twice_closes_nothing_else():
    """The second close must not close a file that has since been given the same number."""
    child = Child(echo)
    child.channel.close()
    reused = os.open(os.devnull, os.O_RDONLY)  # likely to get one of the numbers just freed
    try:
        child.close()
        os.fstat(reused)  # still open
    finally:
        os.close(reused)
    assert child.exitcode == 0
