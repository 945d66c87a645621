"""``sftlint plan``: what the trainer will do with one config, as a table or JSON."""

from __future__ import annotations

import contextlib
import json
import os
import sys

from ..files.safe_paths import is_dir, is_file
from ..settings.resolver import SettingsError
from .common import PluginProblems, session_for, settled
from .main import EXIT_CLEAN, EXIT_ERROR, UsageError


def cmd_plan(args) -> int:
    from ..document import DocumentError, load_document
    from ..lint.engine import lint_document

    PluginProblems.failed = False
    session = session_for(args)
    try:
        with contextlib.redirect_stdout(sys.stderr):  # what plugins print is not the plan
            settled(session, args.path)
            settings = session.settings_for(args.path)
            registry = session.registry_for(settings)
    except SettingsError as exc:
        print(f"sftlint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if not is_file(args.path):
        what = "is a folder; plan reads one config file" if is_dir(args.path) else "no such file"
        raise UsageError(f"{args.path}: {what}")
    try:
        document = load_document(args.path)
    except DocumentError as exc:
        print(f"{args.path}:{exc.line}:{exc.column}: {exc.code} {exc.message}", file=sys.stderr)
        return EXIT_ERROR
    try:
        from ..plan.build import counting_packed_rows

        with contextlib.redirect_stdout(sys.stderr), counting_packed_rows():
            result = lint_document(document, settings, registry, session=session)
    except (Exception, SystemExit) as exc:  # as in check: one line saying what broke, never a traceback
        if os.environ.get("SFTLINT_DEBUG"):
            raise
        from ..lint.engine import FileResult, crashed

        finding = crashed(FileResult(args.path), exc).findings[-1]
        print(f"{args.path}:1:1: {finding.code} {finding.message}", file=sys.stderr)
        return EXIT_ERROR
    broken = [f for f in result.findings if f.code in ("E900", "E999")]
    for f in broken:  # a plugin that failed is said, and the exit status says so too
        print(f"{args.path}:{f.location.row}:{f.location.column}: {f.code} {f.message}", file=sys.stderr)
    if result.plan is None:
        reason = result.skipped or "; ".join(f.message for f in result.findings) or "no plan"
        print(f"{args.path}: no training plan: {reason}", file=sys.stderr)
        return EXIT_ERROR
    from ..plan.render import render_json, render_table

    if args.output_format == "json":
        json.dump(render_json(result.plan), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_table(result.plan, result.config))
    return EXIT_ERROR if broken or PluginProblems.failed else EXIT_CLEAN
