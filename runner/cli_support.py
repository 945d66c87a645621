"""``sftlint run``: a checked training run from the command line.

The linter's findings on the config are printed first (to stderr); error findings stop the run
unless ``--allow-lint-errors``. Exit codes: 0 the run passed every check; 1 a check failed, the
config has lint errors, or the run could not be checked ("not checked": the plan does not know
the run, or the run made no update); 2 the run could not start (unreadable config, missing
packages, no local data, wrong data columns, a model that cannot be loaded, a run folder in use),
with one line saying why; 130 interrupted by Ctrl-C (the summary is still written).
"""

from __future__ import annotations

import json
import sys

from ..cli.main import EXIT_ERROR, EXIT_FINDINGS, UsageError


def _show_findings(lines: list[str]) -> None:
    for line in lines:
        print(line, file=sys.stderr)


def _print(result, output_format: str) -> None:
    from .report import text_report

    if output_format == "json":
        json.dump(result.summary(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(text_report(result))


def run_command(args) -> int:
    from .backends import BackendError
    from .plan_source import PlanError
    from .recipe import RecipeError
    from .run import LintErrors, RunInterrupted, run_config

    if args.steps < 1:
        raise UsageError("--steps must be at least 1")
    if args.world_size < 1:
        raise UsageError("--world-size must be at least 1")
    show_progress = sys.stdout.isatty() and args.output_format != "json"
    try:
        result = run_config(args.path, mode=args.mode, backend=args.backend, model=args.model, steps=args.steps,
                            output_dir=args.output_dir, world_size=args.world_size, num_examples=args.num_examples,
                            show_progress=show_progress, overwrite=args.overwrite,
                            allow_lint_errors=args.allow_lint_errors, show_findings=_show_findings)
    except LintErrors as exc:
        print(f"sftlint run: {exc}", file=sys.stderr)
        return EXIT_FINDINGS
    except RunInterrupted as stop:
        _print(stop.result, args.output_format)
        return stop.result.exit_code
    except (PlanError, RecipeError, BackendError, ValueError) as exc:
        print(f"sftlint run: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:  # a folder that cannot be made or written: the run folder, the model cache
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"sftlint run: error: {where}{exc.strerror or exc}; check the path and its permissions", file=sys.stderr)
        return EXIT_ERROR
    if result.status == "not_started":
        print(f"sftlint run: error: could not start: {result.cause}", file=sys.stderr)
        if args.output_format == "json":
            _print(result, "json")
        return result.exit_code
    _print(result, args.output_format)
    return result.exit_code
