"""Time what the linter does to a composed document before its rules run, in one process, over a
folder of configs: recognising other kinds of YAML, choosing the dialect, reading the config into
the canonical model, the value checks, building the plan, and ``plan_document`` and
``lint_document`` as wholes.

    PYTHONPATH=/path/to/checkout python bench/bench_plan.py /path/to/corpus --rounds 9

Every round composes the documents afresh (not timed), as a run meets each file once, so the
first look at each value is counted where it happens. Each figure is the least CPU time
(``time.process_time``) over the rounds, after one warm-up round: on a shared machine the least is
the run the other jobs disturbed least. To compare two versions, run the script with each checkout
on ``PYTHONPATH`` in turn, several times, alternating.
"""

from __future__ import annotations

import argparse
import gc
import time
from pathlib import Path

from sftlint.dialects import UnknownDialect, choose_dialect
from sftlint.document import DocumentError, load_document
from sftlint.lint import engine
from sftlint.lint.session import Session
from sftlint.plan.build import build_plan

PHASES = ("other kinds", "choose_dialect", "read", "hints and ranges", "build_plan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()

    session = Session()
    files = sorted(p for p in args.folder.rglob("*") if p.suffix in (".yaml", ".yml", ".json") and p.is_file())
    settings = [(path, session.settings_for(path)) for path in files]

    def documents() -> list:
        gc.unfreeze()
        gc.collect()
        loaded = []
        for path, found in settings:
            try:
                loaded.append((load_document(path), found, session.registry_for(found)))
            except DocumentError:
                pass
        gc.freeze()  # as the command does once it has loaded everything: collections stay small
        return loaded

    def phases(loaded: list) -> dict[str, float]:
        spent = dict.fromkeys(PHASES, 0.0)
        clock = time.process_time
        for document, found, registry in loaded:
            result = engine.FileResult(document.path)
            start = clock()
            engine._non_training(document, registry, result)
            after_other = clock()
            try:
                choice = choose_dialect(document, registry.dialects, found.dialect)
            except UnknownDialect:
                continue
            after_choice = clock()
            spent["other kinds"] += after_other - start
            spent["choose_dialect"] += after_choice - after_other
            if choice.dialect is None:
                continue
            config = choice.dialect.read(document)
            after_read = clock()
            engine.apply_hints(config, found)
            engine.check_ranges(result, config)
            after_ranges = clock()
            build_plan(config, found, count_packed=False)
            spent["read"] += after_read - after_choice
            spent["hints and ranges"] += after_ranges - after_read
            spent["build_plan"] += clock() - after_ranges
        return spent

    def whole(work) -> float:
        loaded = documents()
        start = time.process_time()
        for document, found, registry in loaded:
            work(document, found, registry)
        return time.process_time() - start

    def plan(document, found, registry) -> None:
        engine.plan_document(document, found, registry)

    def lint(document, found, registry) -> None:
        engine.lint_document(document, found, registry, session=session)

    least: dict[str, float] = {}
    for round_ in range(args.rounds + 1):  # the first round warms caches and is not counted
        measured = {**phases(documents()), "plan_document": whole(plan), "lint_document": whole(lint)}
        if round_:
            least = {k: min(v, least.get(k, v)) for k, v in measured.items()}
    print(f"{len(files)} files, least CPU time of {args.rounds} rounds:")
    for name, seconds in least.items():
        print(f"  {name:18s} {seconds * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
