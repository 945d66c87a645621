"""What the subcommands share: the run's session from the command line, colour and output format."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from ..lint.findings import Severity
from ..lint.session import Session
from ..settings.resolver import MAX_EXAMPLES, MAX_WORLD_SIZE, SettingsError
from . import heap
from .main import UsageError


def overrides(args) -> dict:
    out = {}
    if getattr(args, "world_size", None) is not None:
        if not 1 <= args.world_size <= MAX_WORLD_SIZE:
            raise UsageError(f"--world-size must be from 1 to {MAX_WORLD_SIZE:,}")
        out["world_size"] = args.world_size
    if getattr(args, "num_examples", None) is not None:
        if not 1 <= args.num_examples <= MAX_EXAMPLES:
            raise UsageError(f"--num-examples must be from 1 to {MAX_EXAMPLES:,}")
        out["num_examples"] = args.num_examples
    if getattr(args, "dialect", None):
        out["dialect"] = args.dialect
    for name in ("select", "ignore", "extend_select", "extend_ignore"):
        value = getattr(args, name, None)
        if value:
            out[name] = [c.strip().upper() for c in value.split(",") if c.strip()]
    for name in ("exclude", "extend_exclude"):
        value = getattr(args, name, None)
        if value:
            out[name] = [g.strip() for g in value.split(",") if g.strip()]
    if getattr(args, "respect_gitignore", None) is not None:
        out["respect_gitignore"] = args.respect_gitignore
    if getattr(args, "strict", False):
        out["fail_on"] = Severity.INFO
    elif getattr(args, "fail_on", None):
        out["fail_on"] = Severity.parse(args.fail_on)
    return out


class PluginProblems:
    """Whether a plugin failed to load or configure in this command: the run then exits 2, so a CI
    job whose team rules did not run never passes silently."""

    failed = False


def warn(problem) -> None:
    PluginProblems.failed = True
    if problem.message.startswith("hook "):
        print(f"sftlint: error: plugin {problem.plugin!r}: {problem.message}", file=sys.stderr)
    else:
        print(f"sftlint: error: plugin {problem.plugin!r} was not loaded: {problem.message}", file=sys.stderr)


def session_for(args) -> Session:
    """The run's session: settings from ``--config`` or found upward, command-line overrides."""
    try:
        return Session(args.config, overrides(args), warn=warn)
    except SettingsError as exc:  # --config names a folder or nothing
        raise UsageError(str(exc)) from None


def settled(session: Session, anchor: Path) -> None:
    """Load the anchor's settings and plugins, then freeze the long-lived objects (start-up time)."""
    session.settings_for(anchor)  # codes and options in settings are checked now
    from ..document.composer import event_parser

    event_parser()  # the YAML parser, too, lives as long as the process
    heap.settle()  # the long-lived objects (modules, rules, dialects, parser) exist now


def use_color(args, stream=None) -> bool:
    """``--color`` decides; on ``auto``, NO_COLOR turns colour off, FORCE_COLOR on (both when set to
    anything but an empty string, as no-color.org and force-color.org say), else a terminal does."""
    if args.color == "always":
        return True
    if args.color == "never" or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    stream = stream or sys.stdout
    return hasattr(stream, "isatty") and stream.isatty()


#: The environment variable that chooses ``check``'s output format when the command line does not.
FORMAT_VARIABLE = "SFTLINT_OUTPUT_FORMAT"


def output_format(args, settings) -> str:
    """``--output-format``, else ``SFTLINT_OUTPUT_FORMAT``, else the settings' ``output-format``, else full."""
    from ..output import FORMATS

    if args.output_format:
        return args.output_format
    from_env = os.environ.get(FORMAT_VARIABLE, "").strip()
    if from_env:
        if from_env not in FORMATS:
            raise UsageError(f"{FORMAT_VARIABLE}={from_env!r} is not an output format; use one of {', '.join(FORMATS)}")
        return from_env
    return settings.output_format or "full"


def quiet_registry(args=None):
    """The rules and dialects in force here (built-in, installed and named in the settings), with
    anything plugins print while loading sent to standard error."""
    with contextlib.redirect_stdout(sys.stderr):
        try:
            return Session(getattr(args, "config", None), warn=warn).registry()
        except SettingsError as exc:
            raise UsageError(str(exc)) from None
