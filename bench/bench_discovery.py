"""Time finding the configs of a folder and their settings, in one process, and count the path
system calls that finding them and linting them ask for.

    PYTHONPATH=/path/to/checkout python bench/bench_discovery.py /path/to/corpus --rounds 9

"discover + settings" is what ``sftlint check FOLDER`` does before it forks its workers: the
search of the folder, then the settings of every file found (a fresh session each round, so
nothing is remembered between rounds). Its figure is the least CPU time (``time.process_time``)
over the rounds, after one warm-up round: on a shared machine the least is the run the other jobs
disturbed least. The counts are of calls to ``os.stat``, ``os.lstat``, ``os.scandir``,
``os.getcwd`` and ``os.open`` (``os.path.exists``, ``realpath`` and ``pathlib`` go through them),
made by one search and by one lint of every file found, in a fresh process; they do not depend on
the load of the machine. To compare two versions, run the script with each checkout on
``PYTHONPATH`` in turn.
"""

from __future__ import annotations

import argparse
import collections
import os
import time
from pathlib import Path

COUNTED = ("stat", "lstat", "scandir", "getcwd", "open")


def counting(counts: collections.Counter):
    """Replace the counted ``os`` functions by ones that count their calls; returns the undo."""
    originals = {name: getattr(os, name) for name in COUNTED}

    def wrap(name, function):
        def counted(*args, **kwargs):
            counts[name] += 1
            return function(*args, **kwargs)
        return counted

    for name, function in originals.items():
        setattr(os, name, wrap(name, function))
    return lambda: [setattr(os, name, function) for name, function in originals.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()

    import sftlint.lint.parallel as parallel
    from sftlint.files.discovery import discover
    from sftlint.lint.session import Session

    parallel.MIN_FILES = 10**9  # one process: the lint's calls are counted here

    def search() -> tuple[Session, list[Path]]:
        session = Session()
        files, _ = discover([args.folder], session.resolver)
        for path in files:
            session.settings_for(path)
        return session, files

    found: collections.Counter = collections.Counter()
    undo = counting(found)
    session, files = search()
    undo()
    linted: collections.Counter = collections.Counter()
    undo = counting(linted)
    for path in files:
        parallel.slim(session.lint(path))
    undo()

    search()  # warm-up: imports and first-use caches out of the picture
    times = []
    for _ in range(args.rounds):
        start = time.process_time()
        search()
        times.append(time.process_time() - start)

    print(f"{len(files)} files under {args.folder}")
    print(f"discover + settings: {min(times) * 1000:.1f} ms (least CPU time of {args.rounds} rounds)")
    for what, counts in (("discover + settings", found), ("lint of every file", linted)):
        detail = ", ".join(f"{name} {counts[name]}" for name in COUNTED)
        print(f"path system calls, {what}: {sum(counts.values())} ({detail})")


if __name__ == "__main__":
    main()
