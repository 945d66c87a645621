"""``sftlint check``: lint (and fix) files, folders or standard input, and report as asked."""

from __future__ import annotations

import contextlib
import json
import sys
import time
from pathlib import Path

from ..files.discovery import discover
from ..files.safe_paths import is_dir
from ..lint.engine import FileResult, error_finding
from ..lint.session import Session
from ..settings.resolver import SettingsError, SettingsResolver
from .common import PluginProblems, output_format, session_for, settled, use_color
from .main import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, UsageError


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
    session = session_for(args)
    try:
        settled(session, anchor)
        if args.show_settings:
            return _show_settings(session.settings_for(anchor), anchor, report), None
        files, missing = ([], []) if stdin else discover(paths, session.resolver, force_exclude=args.force_exclude)
        fmt = output_format(args, session.settings_for(anchor))
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
    PluginProblems.failed = False
    stdin = _check_usage(args)
    report = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):
        status, linted = _lint_all(args, report, stdin)
    if linted is None:
        return status
    results, fix_exit, settings_error, session, fmt, fixed = linted
    errors = settings_error or PluginProblems.failed or any(f.is_error_code for r in results for f in r.findings)
    if args.diff:
        return EXIT_ERROR if errors else fix_exit
    if args.fix_only:  # as ruff's --fix-only: the fixes are the whole job; nothing else is reported
        from ..output.concise import line

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
    from ..output import render

    stream = stream or sys.stdout
    findings = [f for r in results for f in r.findings]
    if args.statistics:  # counts per rule instead of the findings, as ruff does
        _statistics(findings, fmt, stream)
    else:
        render(fmt, results, stream, color=use_color(args, stream), verbose=args.verbose, registry=session.combined_registry())
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
    from ..lint.engine import lint_text

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
    from ..lint.fixer import fix_text, redacted_diff

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
    from ..lint.rule_docs import toml_value

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
    from ..config.project_pins import pins_for

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
