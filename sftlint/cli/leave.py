"""Ending the ``sftlint`` command's process without the interpreter's teardown, when that is safe.

At exit CPython frees every module, class and object one by one: about 3 ms of a one-file
``sftlint check`` (which takes a few tens), spent on memory the operating system takes back
anyway. mypy ends its runs with ``os._exit`` for the same reason. Skipping the teardown also
skips what could run in it, so it is skipped only when nothing can: no exit handler is registered
(``atexit``: logging, multiprocessing and the like register theirs on import), no other thread
runs (a normal exit would wait for it), and no plugin but sftlint's own was loaded (pluggy is
imported only for a third-party plugin; its code might count on the teardown). Otherwise the
process exits normally. Standard output and error are flushed first either way.

Only the console command calls :func:`leave`; ``main()`` returns its exit code to any caller.
"""

from __future__ import annotations

import atexit
import os
import sys
from typing import NoReturn


def leave(code: int) -> NoReturn:
    """Exit with ``code``: at once when :func:`nothing_runs_at_exit`, else through ``sys.exit``."""
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):  # a closed pipe: let the normal exit deal with it
        sys.exit(code)
    if nothing_runs_at_exit():
        os._exit(code)
    sys.exit(code)


def nothing_runs_at_exit() -> bool:
    """Whether a normal exit would run no code but the freeing of memory."""
    count = getattr(atexit, "_ncallbacks", None)  # CPython's; elsewhere, exit normally
    if count is None or count() != 0:
        return False
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        return False
    return "pluggy" not in sys.modules
