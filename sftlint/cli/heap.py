"""The garbage collector in the short-lived ``sftlint`` command.

A one-file check imports some 240 modules and builds the plugin registry: about 21,000 objects the
collector tracks, nearly all of which live until the process ends. CPython's collector walks every
tracked object in each full collection (about 3 ms here), several times while they are being created and once more at
exit, and finds nothing to free; that was a tenth of a one-file check. So the command follows the
recipe the :mod:`gc` documentation gives for a process that forks workers: collection is off while
the long-lived objects are made, they are then frozen (kept where the collector never looks again,
and shared by forked workers without being copied), and collection is on again for the linting
itself, whose garbage it frees as usual. When the command is done, everything is frozen once more,
so that the interpreter's last full collection at exit skips objects whose memory the operating
system takes back anyway (exit handlers still run and output is still flushed).

The little garbage made while starting (about 400 of those objects) is frozen with the rest and
never freed; the process ends soon anyway.

Only the console command calls :func:`start`; a program that imports sftlint keeps its own
collector settings, and :func:`settle` does nothing for it.
"""

from __future__ import annotations

import gc

_started = False


def start() -> None:
    """Switch collection off until :func:`settle` (the ``sftlint`` command's own process only)."""
    global _started
    if gc.isenabled():
        _started = True
        gc.disable()


def settle() -> None:
    """Freeze the objects made so far and switch collection back on, once, if :func:`start` did."""
    global _started
    if _started:
        _started = False
        gc.freeze()
        gc.enable()


def finish() -> None:
    """Freeze everything before the command's process exits, sparing the final full collection."""
    gc.freeze()
