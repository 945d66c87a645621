"""The ``sftlint`` command: check, plan, rules, rule.

Exit codes: 0 nothing found, 1 findings, 2 a file could not be read or parsed, or a usage or
settings error. No traceback ever reaches the user: anything unexpected becomes a one-line error.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Sequence

from .. import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    """A wrong command line or argument: printed as ``sftlint: error: ...`` and exit code 2."""


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter, sized without importing shutil (argparse builds one per argument)."""

    def __init__(self, prog: str, **kwargs) -> None:
        if kwargs.get("width") is None:
            try:
                columns = os.get_terminal_size(sys.stdout.fileno()).columns
            except (OSError, ValueError, AttributeError):
                columns = int(os.environ.get("COLUMNS", "80") or 80)
            kwargs["width"] = max(columns - 2, 40)
        super().__init__(prog, **kwargs)


def _count(text: str) -> int:
    """argparse type for counts: a whole number from 1 to below 10^12, said plainly otherwise."""
    from ..settings.bounds import parse_count

    try:
        return parse_count(text, "the value")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", metavar="FILE", type=Path, help="use this settings file instead of searching upward")
    p.add_argument("--world-size", type=_count, metavar="N", help="number of training processes (GPUs)")
    p.add_argument("--num-examples", type=_count, metavar="N", help="training examples, when the data cannot be read")
    p.add_argument("--dialect", metavar="NAME", help="read every file as this dialect")
    p.add_argument("-v", "--verbose", action="store_true", help="say which dialect was chosen and why")


#: Old names of the human-readable format, still accepted: every subcommand calls it ``full``.
_FORMAT_ALIASES = {"text": "full", "table": "full"}


def _format_name(text: str) -> str:
    return _FORMAT_ALIASES.get(text, text)


def _check_arguments(check: argparse.ArgumentParser) -> None:
    from ..output import FORMATS

    check.add_argument("paths", nargs="*", type=Path,
                       help="files or folders (default: .); '-' reads a config from standard input")
    check.add_argument("--output-format", choices=FORMATS, default=None, metavar="FORMAT",
                       help=f"one of {', '.join(FORMATS)}; default: the SFTLINT_OUTPUT_FORMAT environment "
                            "variable, else the settings' output-format, else full")
    check.add_argument("--select", metavar="CODES", help="comma-separated codes or prefixes to enable (replaces the settings')")
    check.add_argument("--extend-select", metavar="CODES", help="codes or prefixes to enable on top of the settings")
    check.add_argument("--ignore", metavar="CODES", help="codes or prefixes to disable (replaces the settings')")
    check.add_argument("--extend-ignore", metavar="CODES", help="codes or prefixes to disable on top of the settings")
    check.add_argument("--exclude", metavar="GLOBS", help="comma-separated globs not to lint (replaces the settings' exclude)")
    check.add_argument("--extend-exclude", metavar="GLOBS", help="globs not to lint, on top of the settings' exclude")
    check.add_argument("--force-exclude", action="store_true",
                       help="apply the excludes (and .gitignore) to files named on the command line too")
    check.add_argument("--no-respect-gitignore", dest="respect_gitignore", action="store_false", default=None,
                       help="lint files that .gitignore files ignore (default: skip them, as git does)")
    check.add_argument("--stdin-filename", metavar="PATH",
                       help="the path of the config read from standard input: settings, dialect and messages use it")
    check.add_argument("--statistics", action="store_true", help="count findings per rule instead of listing them")
    check.add_argument("--show-files", action="store_true", help="list the files that would be linted, then exit")
    check.add_argument("--show-settings", action="store_true",
                       help="print the settings used for the first path (and where they come from), then exit")
    check.add_argument("--fail-on", choices=("error", "warning", "info"), default=None, metavar="SEVERITY",
                       help="the lowest severity that fails the run (exit 1): error, warning or info; "
                            "default: the settings' fail-on, else warning (info findings are reported, "
                            "exit 0)")
    check.add_argument("--strict", action="store_true", help="every finding fails the run: --fail-on info")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings (not for unreadable files)")
    check.add_argument("--exit-non-zero-on-fix", action="store_true",
                       help="with --fix, exit 1 when a file was fixed, even if nothing is left")
    check.add_argument("-q", "--quiet", action="store_true", help="print findings only, no summary")
    check.add_argument("--fix", action="store_true", help="apply safe fixes, then report what is left")
    check.add_argument("--fix-only", action="store_true",
                       help="apply safe fixes and report nothing else (exit 0 unless a file cannot be read)")
    check.add_argument("--unsafe-fixes", action="store_true", help="also apply unsafe fixes")
    check.add_argument("--diff", action="store_true", help="show fixes as a diff; write nothing")
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                       help="colour the output: auto (on a terminal, unless NO_COLOR is set; FORCE_COLOR "
                            "forces it), always or never")
    _add_common(check)


def _plan_arguments(plan: argparse.ArgumentParser) -> None:
    plan.add_argument("path", type=Path, help="the training config")
    plan.add_argument("--output-format", type=_format_name, choices=("full", "json"), default="full",
                      help="full (a table, the default) or json")
    _add_common(plan)


def _rules_arguments(rules: argparse.ArgumentParser) -> None:
    rules.add_argument("--output-format", type=_format_name, choices=("full", "json"), default="full",
                       help="full (one line per rule, the default) or json")


def _run_arguments(run: argparse.ArgumentParser) -> None:
    run.add_argument("path", type=Path, help="the training config")
    run.add_argument("--mode", choices=("smoke", "full"), default="smoke",
                     help="smoke: a few steps of the config's own hyperparameters (default); full: as written")
    run.add_argument("--backend", choices=("auto", "unsloth", "hf"), default="auto",
                     help="the training stack: auto (Unsloth where installed, the default), unsloth or hf")
    run.add_argument("--model", help="model path or id instead of the config's; synthetic:tiny or synthetic:1b build one")
    run.add_argument("--steps", type=_count, default=10, metavar="N", help="optimizer steps of a smoke run (default 10)")
    run.add_argument("--output-dir", type=Path, metavar="DIR", help="run folder (default .runs/<config>-<mode>-...)")
    run.add_argument("--output-format", type=_format_name, choices=("full", "json"), default="full",
                     help="full (a report, the default) or json (the run's summary)")
    run.add_argument("--world-size", type=_count, default=1, metavar="N", help="training processes (accelerate launch)")
    run.add_argument("--num-examples", type=_count, metavar="N", help="training examples, when the data cannot be counted")
    run.add_argument("--overwrite", action="store_true",
                     help="reuse --output-dir when it holds an earlier run, removing its contents first")
    run.add_argument("--allow-lint-errors", action="store_true",
                     help="train even when the linter finds errors in the config")


def _rule_arguments(rule: argparse.ArgumentParser) -> None:
    rule.add_argument("code", help="a rule code such as WS001 (or its name)")


def _server_arguments(server: argparse.ArgumentParser) -> None:
    # editors' LSP clients start servers with --stdio; stdio is the only transport, so it is accepted
    server.add_argument("--stdio", action="store_true", help=argparse.SUPPRESS)


def _schema_arguments(schema: argparse.ArgumentParser) -> None:
    schema.add_argument("--dialect", required=True, metavar="NAME", help="axolotl, llamafactory, trl, hf, unsloth, ...")
    schema.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here instead of to stdout")


#: Subcommands: help line and the function that adds their arguments.
COMMANDS = {
    "check": ("lint configs (files or folders)", _check_arguments),
    "plan": ("show what the trainer will do with a config", _plan_arguments),
    "rules": ("list the rules", _rules_arguments),
    "rule": ("explain one rule", _rule_arguments),
    "run": ("train a config briefly (smoke) or fully and check it against its plan", _run_arguments),
    "schema": ("write the JSON Schema of a dialect's configs, for editors", _schema_arguments),
    "server": ("run the language server for editors (stdio; needs sftlint[server])", _server_arguments),
}


#: The module of :mod:`sftlint.cli` that runs each subcommand (``cmd_<name>``), imported only when
#: that subcommand runs, so ``--help`` and ``check`` never load the others.
HANDLERS = {"check": "check", "plan": "plan", "rules": "rules", "rule": "rules", "run": "run", "schema": "schema",
            "server": "server"}


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; with ``argv`` naming a subcommand, only that one is built (startup time)."""
    parser = argparse.ArgumentParser(prog="sftlint", description="Lint LoRA/QLoRA fine-tuning configs.",
                                     formatter_class=_Formatter)
    parser.add_argument("--version", action="version", version=f"sftlint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    chosen = None if argv is None else next((a for a in argv if not a.startswith("-")), None)
    if chosen not in COMMANDS:
        chosen = None  # no or a mistyped subcommand: build them all, for the help and the error
    for name, (help_text, add_arguments) in COMMANDS.items():
        if chosen is None or chosen == name:
            add_arguments(sub.add_parser(name, help=help_text, formatter_class=_Formatter))
    parser.set_defaults(_subparsers=sub.choices)
    return parser


def run(own_process: bool = True) -> None:
    """The ``sftlint`` console command: :func:`main` in a process tuned to start and end fast.

    ``own_process=False`` (``python -m sftlint``, which another program may run through ``runpy``)
    ends with ``SystemExit`` as usual, never by ending the process itself."""
    from . import heap
    from .leave import leave

    heap.start()
    code = main()
    heap.finish()
    if own_process:
        leave(code)
    sys.exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; everything it writes to stdout and stderr passes the credential mask."""
    from ..redact import KNOWN, RedactingStream

    KNOWN.clear()  # one command, one set of credentials met
    argv = list(sys.argv[1:] if argv is None else argv)
    if "server" in argv[:1]:  # the language server speaks a framed protocol on stdout: no rewriting
        return _main(argv)
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = RedactingStream(out), RedactingStream(err)
    try:
        return _main(argv)
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed pipe: nothing more can be shown
                pass
        sys.stdout, sys.stderr = out, err


def _main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    try:
        args, unknown = parser.parse_known_args(argv)
        if unknown:  # said by the subcommand, with its usage, not by the top-level parser
            owner = args._subparsers.get(args.command, parser) if args.command else parser
            owner.error(f"unrecognized arguments: {' '.join(unknown)}")
    except SystemExit as exc:
        return EXIT_ERROR if exc.code not in (0, None) else EXIT_CLEAN
    if args.command is None:
        parser.print_help()
        return EXIT_ERROR
    try:
        from importlib import import_module

        module = import_module(f"{__package__}.{HANDLERS[args.command]}")
        return getattr(module, f"cmd_{args.command}")(args)
    except UsageError as exc:
        print(f"sftlint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except SystemExit as exc:  # a plugin or rule called exit(): never a silent pass
        print(f"sftlint: error: something called exit({exc.code!r}) while the command ran (a plugin?); "
              "the run was stopped", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR
    except Exception as exc:  # never show a traceback; say what broke and how to report it
        if os.environ.get("SFTLINT_DEBUG"):
            raise
        print(f"sftlint: internal error: {type(exc).__name__}: {exc} (set SFTLINT_DEBUG=1 for a traceback)", file=sys.stderr)
        return EXIT_ERROR
