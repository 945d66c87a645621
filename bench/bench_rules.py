"""Time the rules alone over a folder of configs, in one process: every file is read, recognised and
planned once, then each round runs every rule that applies to each file, as the engine does, with
one timer around the whole round (a timer per rule call would cost more than many rules do).

    PYTHONPATH=/path/to/checkout python bench/bench_rules.py /path/to/corpus --rounds 9 [--families]

The figure is the least CPU time (``time.process_time``) over the rounds, after one warm-up round,
less the least time of the same loop calling a rule that does nothing (the loop's own cost). What
the rules compute once per file and share is forgotten before each round, so each round pays for it
as a lint does. ``--families`` adds one line per rule family, timed the same way with only that
family's rules: shared work is then paid by every family that uses it, so these do not add up to the
total. To compare two versions, run the script with each checkout on ``PYTHONPATH`` in turn, several
times, alternating.
"""

from __future__ import annotations

import argparse
import gc
from pathlib import Path

from sftlint.files.discovery import discover
from sftlint.lint.rule import RuleContext
from sftlint.lint.session import Session
from timing import least  # bench/timing.py, beside this script

try:
    from sftlint.rules._shared import MEMO
except ImportError:  # a version whose rules share nothing per file
    MEMO = None


class _Nothing:
    def check(self, ctx):
        return ()


def contexts(folder: Path) -> list[tuple[object, object, list[tuple[str, type, RuleContext]]]]:
    """(document, config, [(code, rule, context)]) for every file read as a training config."""
    session = Session()
    files, _ = discover([folder], session.resolver)
    out = []
    for path in files:
        result = session.lint(path)
        if result.config is None or result.choice is None or result.choice.dialect is None:
            continue
        settings = session.settings_for(path)
        registry = session.registry_for(settings)
        runs = [(code, rule, RuleContext(result.document, result.config, result.plan, settings,
                                         settings.options_for(rule), session))
                for code, rule in registry.selected(settings, tuple(settings.ignored_for(path)))
                if rule.applies_to(result.config)]
        out.append((result.document, result.config, runs))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--families", action="store_true", help="also time each rule family alone")
    args = parser.parse_args()

    work = contexts(args.folder)
    gc.collect()
    gc.freeze()  # as the sftlint command does once it has loaded everything

    def round_of(keep=lambda code: True, nothing: bool = False):
        def run() -> None:
            for document, config, runs in work:
                if MEMO is not None:  # what the rules shared for this file is computed afresh
                    document.__dict__.pop(MEMO, None)
                    config.__dict__.pop(MEMO, None)
                for code, rule, ctx in runs:
                    if keep(code):
                        for _ in (_Nothing if nothing else rule)().check(ctx):
                            pass
        return run

    loop = least(round_of(nothing=True), args.rounds)
    total = least(round_of(), args.rounds) - loop
    calls = sum(len(runs) for _, _, runs in work)
    print(f"{len(work)} configs, {calls} rule checks; least CPU time of {args.rounds} rounds, less the loop's "
          f"{loop:.1f} ms:")
    print(f"  all rules          {total:7.1f} ms")
    if args.families:
        families = sorted({code.rstrip("0123456789") for _, _, runs in work for code, _, _ in runs})
        for family in families:
            alone = least(round_of(lambda code, f=family: code.rstrip("0123456789") == f), args.rounds)
            nothing = least(round_of(lambda code, f=family: code.rstrip("0123456789") == f, nothing=True), args.rounds)
            print(f"  {family:18s} {alone - nothing:7.1f} ms")


if __name__ == "__main__":
    main()
