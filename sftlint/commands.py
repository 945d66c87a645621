"""The subcommands behind :mod:`sftlint.cli`, kept apart so ``--help`` stays instant."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from pathlib import Path

from . import heap
from .cli import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, UsageError
from .discovery import discover
from .engine import FileResult, error_finding
from .findings import Severity
from .safe_paths import is_dir, is_file
from .session import Session
from .settings import MAX_EXAMPLES, MAX_WORLD_SIZE, SettingsError, SettingsResolver


def _overrides(args) -> dict:
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


#: Whether a plugin failed to load or configure in this command: the run then exits 2, so a CI
#: job whose team rules did not run never passes silently.
_plugin_failed = False


def _warn(problem) -> None:
    global _plugin_failed
    _plugin_failed = True
    if problem.message.startswith("hook "):
        print(f"sftlint: error: plugin {problem.plugin!r}: {problem.message}", file=sys.stderr)
    else:
        print(f"sftlint: error: plugin {problem.plugin!r} was not loaded: {problem.message}", file=sys.stderr)


def _session(args) -> Session:
    """The run's session: settings from ``--config`` or found upward, command-line overrides."""
    try:
        return Session(args.config, _overrides(args), warn=_warn)
    except SettingsError as exc:  # --config names a folder or nothing
        raise UsageError(str(exc)) from None


def _settled(session: Session, anchor: Path) -> None:
    """Load the anchor's settings and plugins, then freeze the long-lived objects (start-up time)."""
    session.settings_for(anchor)  # codes and options in settings are checked now
    from .composer import event_parser

    event_parser()  # the YAML parser, too, lives as long as the process
    heap.settle()  # the long-lived objects (modules, rules, dialects, parser) exist now


def _use_color(args, stream=None) -> bool:
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


def _output_format(args, settings) -> str:
    """``--output-format``, else ``SFTLINT_OUTPUT_FORMAT``, else the settings' ``output-format``, else full."""
    from .output import FORMATS

    if args.output_format:
        return args.output_format
    from_env = os.environ.get(FORMAT_VARIABLE, "").strip()
    if from_env:
        if from_env not in FORMATS:
            raise UsageError(f"{FORMAT_VARIABLE}={from_env!r} is not an output format; use one of {', '.join(FORMATS)}")
        return from_env
    return settings.output_format or "full"


def _check_usage(args) -> bool:
    """Reject combinations that cannot work; return whether the config comes from standard input."""
    stdin = any(str(p) == "-" for p in args.paths)
    if stdin and len(args.paths) > 1:
        raise UsageError("'-' (standard input) cannot be combined with other paths")
    if args.stdin_filename and not stdin:
        raise UsageError("--stdin-filename names the config read from standard input: pass '-' as the path")
    if args.fix_only and args.diff:
        raise UsageError("--fix-only writes the fixes and --diff writes nothing: choose one")
    return stdin


def _read_as(path: Path, session: Session) -> str:
    """``--show-files -v``: how the file is read (its dialect), or why it is not linted."""
    result = session.lint(path)
    if result.skipped:
        return f": skipped: {result.skipped}"
    if result.choice is not None and result.choice.dialect is not None:
        return f": {result.choice.dialect.name} ({result.choice.how})"
    errors = [f.message for f in result.findings if f.code.startswith("E")]
    return f": not read: {errors[0]}" if errors else ""


def _lint_all(args, report, stdin: bool) -> tuple[int, tuple | None]:
    """Lint (and fix) every file; plugins run here, so standard output is standard error meanwhile
    and only the reporter (``report``) writes to the real one. Returns (exit code, None) when the
    run is over (an error, ``--show-files``, ``--show-settings``, standard input), else the results."""
    paths = args.paths or [Path(".")]
    anchor = Path(args.stdin_filename) if stdin and args.stdin_filename else paths[0]
    session = _session(args)
    try:
        _settled(session, anchor)
        if args.show_settings:
            return _show_settings(session.settings_for(anchor), anchor, report), None
        files, missing = ([], []) if stdin else discover(paths, session.resolver, force_exclude=args.force_exclude)
        fmt = _output_format(args, session.settings_for(anchor))
    except SettingsError as exc:
        print(f"sftlint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR, None
    if args.show_files:  # as ruff does: what would be linted, one per line, then stop
        for path in files:
            report.write(f"{path}{_read_as(path, session) if args.verbose else ''}\n")
        for path in missing:
            print(f"sftlint: error: {path}: no such file or folder", file=sys.stderr)
        return (EXIT_ERROR if missing else EXIT_CLEAN), None
    if stdin:
        return _check_stdin(args, anchor if args.stdin_filename else Path("-"), session, fmt, report), None
    results: list[FileResult] = []
    settings_error = False
    for path in missing:
        results.append(FileResult(path, [error_finding(path, "no such file or folder")]))
    linted: list[Path] = []
    for path in files:
        try:
            # settings errors are reported here, once, before any linting; this also loads the
            # plugins each settings names, before any worker process starts
            session.settings_for(path)
        except SettingsError as exc:
            print(f"sftlint: error: {exc}", file=sys.stderr)
            settings_error = True
            continue
        linted.append(path)
    fixed = 0
    if args.fix or args.fix_only or args.unsafe_fixes or args.diff:
        done, fix_exit, fixed = session.fix_many(linted, unsafe=args.unsafe_fixes, diff_only=args.diff, stream=report)
        results += done
    else:
        results += session.lint_many(linted)
        fix_exit = EXIT_CLEAN
    return EXIT_CLEAN, (results, fix_exit, settings_error, session, fmt, fixed)


def cmd_check(args) -> int:
    global _plugin_failed
    _plugin_failed = False
    stdin = _check_usage(args)
    report = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):
        status, linted = _lint_all(args, report, stdin)
    if linted is None:
        return status
    results, fix_exit, settings_error, session, fmt, fixed = linted
    errors = settings_error or _plugin_failed or any(f.is_error_code for r in results for f in r.findings)
    if args.diff:
        return EXIT_ERROR if errors else fix_exit
    if args.fix_only:  # as ruff's --fix-only: the fixes are the whole job; nothing else is reported
        from .output.concise import line

        for r in results:
            for f in r.findings:
                if f.is_error_code:
                    print(line(f), file=sys.stderr)
        if errors:
            return EXIT_ERROR
        return EXIT_FINDINGS if fixed and args.exit_non_zero_on_fix else EXIT_CLEAN
    return _report(args, fmt, results, session, errors, fixed, stream=report)


def _failing(results, resolver: SettingsResolver) -> list:
    """The findings at or above their file's failing severity (``fail-on``, ``--fail-on``, ``--strict``)."""
    out = []
    for r in results:
        threshold = resolver.for_path(r.path).fail_on
        out += [f for f in r.findings if f.severity >= threshold]
    return out


def _report(args, fmt: str, results, session: Session, errors: bool, fixed: int,
            stream=None, fixed_in_summary: bool = False) -> int:
    """Render ``results``, print the summary, and return the exit code (``fixed``: findings the
    fixes removed; the fixer says so itself for files, the summary does for standard input)."""
    from .output import render

    stream = stream or sys.stdout
    findings = [f for r in results for f in r.findings]
    if args.statistics:  # counts per rule instead of the findings, as ruff does
        _statistics(findings, fmt, stream)
    else:
        render(fmt, results, stream, color=_use_color(args, stream), verbose=args.verbose, registry=session.combined_registry())
    failing = _failing(results, session.resolver)
    if not args.quiet and fmt in ("full", "concise"):
        _summary(results, findings, failing, fixed=fixed if fixed_in_summary else 0)
    if errors:
        return EXIT_ERROR
    if args.exit_zero:
        return EXIT_CLEAN
    if failing or (fixed and getattr(args, "exit_non_zero_on_fix", False)):
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _check_stdin(args, path: Path, session: Session, fmt: str, report) -> int:
    """Lint the config on standard input as ``path`` (``--stdin-filename``); with ``--fix`` the fixed
    text goes to standard output and the report to standard error, as ruff does, so an editor can
    pipe a buffer through sftlint."""
    from .engine import lint_text

    data = sys.stdin.buffer.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        result = FileResult(path, [error_finding(path, f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset "
                                                        f"{exc.start}); save the config as UTF-8")])
        return _report(args, fmt, [result], session, True, 0,
                       stream=sys.stderr if (args.fix or args.fix_only) else report)
    settings = session.settings_for(path)
    registry = session.registry_for(settings)
    if not (args.fix or args.fix_only or args.unsafe_fixes or args.diff):
        start = time.perf_counter()
        result = lint_text(path, text, settings, registry, session=session)
        result.seconds = time.perf_counter() - start
        errors = any(f.is_error_code for f in result.findings)
        return _report(args, fmt, [result], session, errors, 0, stream=report)
    from .fixer import fix_text, redacted_diff

    first = lint_text(path, text, settings, registry, session=session)
    outcome = None
    if any(f.is_error_code for f in first.findings):  # unreadable: the text goes back unchanged
        outcome_text, result = text, first
    else:
        outcome = fix_text(path, text, settings, registry, unsafe=args.unsafe_fixes, session=session)
        outcome_text, result = outcome.text, (outcome.result or first)
        for problem in outcome.problems:
            print(f"sftlint: warning: {problem}", file=sys.stderr)
    fixed = len(outcome.applied) if outcome_text != text else 0
    errors = any(f.is_error_code for f in result.findings)
    if args.diff:
        report.writelines(redacted_diff(path, text, outcome_text)[0])
        return EXIT_ERROR if errors else (EXIT_FINDINGS if outcome_text != text else EXIT_CLEAN)
    report.write(outcome_text)
    report.flush()
    if args.fix_only:
        if errors:
            return EXIT_ERROR
        return EXIT_FINDINGS if fixed and args.exit_non_zero_on_fix else EXIT_CLEAN
    return _report(args, fmt, [result], session, errors, fixed, stream=sys.stderr, fixed_in_summary=True)


def _show_settings(settings, anchor: Path, report) -> int:
    """``--show-settings``: the settings that hold for ``anchor``, and the file they come from."""
    from .rule_docs import toml_value

    report.write(f"# the settings for {anchor}\n")
    report.write(f"# from {settings.path if settings.path else 'built-in defaults (no settings file found)'}\n")
    if settings.overridden:
        report.write(f"# command-line options: {', '.join(sorted(k.replace('_', '-') for k in settings.overridden))}\n")
    names = ("select", "extend_select", "ignore", "extend_ignore", "per_file_ignores", "severity", "fail_on",
             "output_format", "exclude", "force_exclude", "respect_gitignore", "world_size", "num_examples",
             "dataset_sizes", "target_transformers", "target_trl", "dialect", "gpu_memory_gib", "plugins",
             "read_data_outside", "scaling", "rule_options")
    for name in names:
        if not hasattr(settings, name):
            continue
        value = getattr(settings, name)
        key = "rules" if name == "rule_options" else name.replace("_", "-")
        report.write((f"{key} = {toml_value(value)}" if value is not None else f"# {key}: not set") + "\n")
    for line in _target_lines(settings, anchor):
        report.write(f"# {line}\n")
    return EXIT_CLEAN


def _target_lines(settings, anchor: Path) -> list[str]:
    """Where the releases that removed keys and values are judged against come from: a
    ``target-*`` setting, the pin of the project around ``anchor``, or nothing (the newest)."""
    from .project_pins import pins_for

    pins = pins_for(settings, anchor / "-" if is_dir(anchor) else anchor)
    project = f"the project at {pins.root}"
    lines = ["target releases (the removed keys and values of KT002, KT004, WS003 and WS004):"]
    for package in ("transformers", "trl", "axolotl", "llamafactory"):
        wanted = getattr(settings, f"target_{package}", None)
        pin = pins.pin(package)
        if wanted:
            how = f"{wanted}, from the target-{package} setting"
            if pin is not None:
                how += f" (which wins over {pin.describe(pins.root)})"
        elif pin is not None:
            how = f"{pin.bound}, from {pin.describe(pins.root)} ({project})"
        elif pins.root is None:
            how = ("the newest release (no project folder above it: none with .git, pyproject.toml, setup.py, "
                   "setup.cfg or requirements*.txt)")
        else:
            how = f"the newest release ({project} pins no upper bound)"
        lines.append(f"  {package}: {how}")
    return lines


def _statistics(findings, fmt: str = "full", stream=None) -> None:
    """One row per rule, most frequent first: count, code, ``[*]`` when every one is fixable (``[~]``
    when some are), name. The JSON formats get the same rows as objects, with ``fixable_count``, so a
    script never has to parse the table."""
    stream = stream or sys.stdout
    counts: dict[tuple[str, str], int] = {}
    fixable: dict[str, int] = {}
    for f in findings:
        counts[(f.code, f.name)] = counts.get((f.code, f.name), 0) + 1
        fixable[f.code] = fixable.get(f.code, 0) + (f.fix is not None)
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    objects = [{"code": code, "name": name, "count": n, "fixable": fixable[code] > 0, "fixable_count": fixable[code]}
               for (code, name), n in rows]
    if fmt in ("json", "sarif", "gitlab", "junit"):
        json.dump(objects, stream, indent=2)
        stream.write("\n")
        return
    if fmt == "json-lines":
        stream.writelines(json.dumps(obj) + "\n" for obj in objects)
        return
    for (code, name), n in rows:
        mark = "[*]" if fixable[code] == n else "[~]" if fixable[code] else "   "
        stream.write(f"{n:5d}  {code:<7} {mark} {name}\n")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _skipped_summary(results) -> str:
    """``; skipped: 1 accelerate launcher config, 1 DeepSpeed config``: the reasons themselves, so
    that a reader who cannot add ``-v`` (a pre-commit hook, a CI log) still knows why."""
    reasons: dict[str, int] = {}
    for r in results:
        if r.skipped:
            reason = r.skipped.removesuffix(", not a training config").removesuffix(", a tool sftlint does not lint")
            if reason.startswith("not read as a training config"):
                reason = "not read as any supported tool's config"
            elif reason.startswith("top level is"):
                reason = "list or single value, not settings"
            reasons[reason] = reasons.get(reason, 0) + 1
    if not reasons:
        return ""
    parts = [f"{n} {reason}" for reason, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))]
    return "; skipped: " + ", ".join(parts[:3]) + (", ..." if len(parts) > 3 else "")


def _summary(results, findings, failing, fixed: int = 0) -> None:
    """The closing lines on stderr: what was found where, what fails the run, what ``--fix`` repairs."""
    skipped = sum(1 for r in results if r.skipped)
    files = _plural(len(results) - skipped, "file") + _skipped_summary(results)
    if fixed:  # as ruff: what was found before fixing, and what is left
        print(f"Found {_plural(len(findings) + fixed, 'finding')} ({fixed} fixed, {len(findings)} remaining) "
              f"in {files}.", file=sys.stderr)
    elif findings:
        print(f"Found {_plural(len(findings), 'finding')} in {files}.", file=sys.stderr)
    if findings:
        quiet = len(findings) - len(failing)
        if quiet:
            failing_ids = {id(f) for f in failing}
            below = sorted({str(f.severity) for f in findings if id(f) not in failing_ids}, reverse=True)
            print(f"{quiet} of them ({'/'.join(below)}) below the failing severity: reported, not failing "
                  "(--strict fails on every finding).", file=sys.stderr)
    elif not fixed:
        print(f"All checks passed ({files}).", file=sys.stderr)
    safe = sum(1 for f in findings if f.fix is not None and f.fix.applicability.value == "safe")
    unsafe = sum(1 for f in findings if f.fix is not None and f.fix.applicability.value != "safe")
    if safe:
        more = f" ({unsafe} more with --unsafe-fixes)" if unsafe else ""
        print(f"[*] {safe} fixable with --fix{more}.", file=sys.stderr)
    elif unsafe:
        print(f"[*] {unsafe} fixable with --unsafe-fixes.", file=sys.stderr)


def cmd_plan(args) -> int:
    from .document import DocumentError, load_document
    from .engine import lint_document

    global _plugin_failed
    _plugin_failed = False
    session = _session(args)
    try:
        with contextlib.redirect_stdout(sys.stderr):  # what plugins print is not the plan
            _settled(session, args.path)
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
        with contextlib.redirect_stdout(sys.stderr):
            result = lint_document(document, settings, registry, session=session)
    except (Exception, SystemExit) as exc:  # as in check: one line saying what broke, never a traceback
        if os.environ.get("SFTLINT_DEBUG"):
            raise
        from .engine import FileResult, crashed

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
    from .plan.render import render_json, render_table

    if args.output_format == "json":
        json.dump(render_json(result.plan), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_table(result.plan, result.config))
    return EXIT_ERROR if broken or _plugin_failed else EXIT_CLEAN


def _quiet_registry(args=None):
    """The rules and dialects in force here (built-in, installed and named in the settings), with
    anything plugins print while loading sent to standard error."""
    with contextlib.redirect_stdout(sys.stderr):
        try:
            return Session(getattr(args, "config", None), warn=_warn).registry()
        except SettingsError as exc:
            raise UsageError(str(exc)) from None


def cmd_rules(args) -> int:
    from .options import defaults

    registry = _quiet_registry(args)
    rows = sorted(registry.rules.values(), key=lambda r: r.code)
    if args.output_format == "json":
        json.dump([
            {"code": r.code, "name": r.name, "severity": str(r.severity), "fix": r.fix_availability.value,
             "summary": r.summary(), "options": defaults(r.options)}
            for r in rows
        ], sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
        return EXIT_CLEAN
    for r in rows:
        fix = "[*]" if r.fix_availability.value != "none" else "   "
        print(f"{r.code:<7} {fix} {r.name:<40} {str(r.severity):<8} {r.summary()}")
    return EXIT_CLEAN


def cmd_rule(args) -> int:
    from .rule_docs import render_rule

    registry = _quiet_registry(args)
    rule = registry.rule(args.code)
    if rule is None:
        from .error_codes import error_code

        rule = error_code(args.code)  # E001...: not rules, but explained the same way
    if rule is None:
        raise UsageError(f"unknown rule {args.code!r}; 'sftlint rules' lists them")
    print(render_rule(rule))
    return EXIT_CLEAN


def cmd_schema(args) -> int:
    from .schema import dialect_schema, render

    registry = _quiet_registry(args)
    dialect = registry.dialects.get(args.dialect)
    if dialect is None:
        raise UsageError(f"unknown dialect {args.dialect!r} (known: {', '.join(sorted(registry.dialects))})")
    text = render(dialect_schema(dialect, registry.rules.values()))
    if args.output is None:
        sys.stdout.write(text)
    else:
        try:
            args.output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    return EXIT_CLEAN


def cmd_run(args) -> int:
    """Training packages are imported here only: linting never pays for torch."""
    from .runner.cli_support import run_command

    heap.settle()
    return run_command(args)


def cmd_server(args) -> int:
    """The language server; pygls is imported here only, so the linter never needs it."""
    try:
        import pygls  # noqa: F401
    except ImportError:
        raise UsageError("the language server needs pygls: pip install 'sftlint[server]'") from None
    from .server.app import serve

    return serve()
