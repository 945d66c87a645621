"""``sftlint run``: a checked training run from the command line.

Exit codes follow the linter's: 0 every check passed, 1 a check failed, 2 the run could not start
(unreadable config, missing packages, no local data).
"""

from __future__ import annotations

import json
import sys

from ..cli import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, UsageError


def run_command(args) -> int:
    from .backends import BackendError
    from .plan_source import PlanError
    from .recipe import RecipeError
    from .report import text_report
    from .run import run_config

    if args.steps < 1:
        raise UsageError("--steps must be at least 1")
    if args.world_size < 1:
        raise UsageError("--world-size must be at least 1")
    show_progress = sys.stdout.isatty() and args.output_format != "json"
    try:
        result = run_config(args.path, mode=args.mode, backend=args.backend, model=args.model, steps=args.steps,
                            output_dir=args.output_dir, world_size=args.world_size, num_examples=args.num_examples,
                            show_progress=show_progress)
    except (PlanError, RecipeError, BackendError, ValueError) as exc:
        print(f"sftlint run: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:  # a folder that cannot be made or written: the run folder, the model cache
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"sftlint run: error: {where}{exc.strerror or exc}; check the path and its permissions", file=sys.stderr)
        return EXIT_ERROR
    if args.output_format == "json":
        json.dump(result.summary(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(text_report(result))
    return EXIT_CLEAN if result.passed else EXIT_FINDINGS
