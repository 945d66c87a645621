"""``sftlint run``: train a config briefly or fully and check it against its plan."""

from __future__ import annotations

from . import heap


def cmd_run(args) -> int:
    """Training packages are imported here only: linting never pays for torch."""
    from ..runner.cli_support import run_command

    heap.settle()
    return run_command(args)
