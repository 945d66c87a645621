"""The subcommands behind :mod:`sftlint.cli`, kept apart so ``--help`` stays instant."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path

from . import heap
from .cli import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, UsageError
from .discovery import discover
from .engine import FileResult, error_finding, lint_file
from .plugins import Registries, Registry, build_registry
from .safe_paths import is_dir, is_file
from .settings import SettingsError, SettingsResolver


def _overrides(args) -> dict:
    out = {}
    if getattr(args, "world_size", None) is not None:
        if args.world_size < 1:
            raise UsageError("--world-size must be at least 1")
        out["world_size"] = args.world_size
    if getattr(args, "num_examples", None) is not None:
        if args.num_examples < 1:
            raise UsageError("--num-examples must be at least 1")
        out["num_examples"] = args.num_examples
    if getattr(args, "dialect", None):
        out["dialect"] = args.dialect
    for name in ("select", "ignore", "extend_select"):
        value = getattr(args, name, None)
        if value:
            out[name] = [c.strip().upper() for c in value.split(",") if c.strip()]
    return out


def _resolver(args) -> SettingsResolver:
    if args.config is not None and not is_file(args.config):
        raise UsageError(f"settings file {args.config} does not exist")
    return SettingsResolver(args.config, _overrides(args))


def _warn(problem) -> None:
    print(f"sftlint: warning: plugin {problem.plugin!r} was not loaded: {problem.message}", file=sys.stderr)


def _registries(resolver: SettingsResolver, anchor: Path) -> tuple[Registries, Registry]:
    """The registries for every settings file met, and the one for ``anchor``'s settings."""
    registries = Registries(_warn)
    anchored = registries.for_settings(resolver.for_path(anchor))
    resolver.bind(registries.for_settings, anchored)  # codes and options in settings are checked now
    from .composer import event_parser

    event_parser()  # the YAML parser, too, lives as long as the process
    heap.settle()  # the long-lived objects (modules, rules, dialects, parser) exist now
    return registries, anchored


def _use_color(args) -> bool:
    if args.color == "always":
        return True
    if args.color == "never" or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def _lint_all(args, report) -> tuple[int, tuple | None]:
    """Lint (and fix) every file; plugins run here, so standard output is standard error meanwhile
    and only the reporter (``report``) writes to the real one."""
    paths = args.paths or [Path(".")]
    resolver = _resolver(args)
    try:
        registries, _ = _registries(resolver, paths[0])
        files, missing = discover(paths, resolver, force_exclude=args.force_exclude)
    except SettingsError as exc:
        print(f"sftlint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR, None
    results: list[FileResult] = []
    settings_error = False
    for path in missing:
        results.append(FileResult(path, [error_finding(path, "no such file or folder")]))
    linted: list[Path] = []
    for path in files:
        try:
            # settings errors are reported here, once, before any linting; this also loads the
            # plugins each settings names, before any worker process starts
            registries.for_settings(resolver.for_path(path))
        except SettingsError as exc:
            print(f"sftlint: error: {exc}", file=sys.stderr)
            settings_error = True
            continue
        linted.append(path)
    if args.fix or args.unsafe_fixes or args.diff:
        from .fixer import apply_fixes

        # the fixer needs each file's full result (node tree, config) in this process
        results += [lint_file(path, settings, registries.for_settings(settings))
                    for path in linted for settings in (resolver.for_path(path),)]
        results, fix_exit = apply_fixes(results, resolver, registries.for_settings, unsafe=args.unsafe_fixes,
                                        diff_only=args.diff, stream=report)
    else:
        from .parallel import lint_paths

        def lint(path: Path) -> FileResult:
            settings = resolver.for_path(path)
            return lint_file(path, settings, registries.for_settings(settings))

        results += lint_paths(linted, lint)
        fix_exit = EXIT_CLEAN
    return EXIT_CLEAN, (results, fix_exit, settings_error, registries)


def cmd_check(args) -> int:
    from .output import render

    report = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):
        status, linted = _lint_all(args, report)
    if linted is None:
        return status
    results, fix_exit, settings_error, registries = linted
    if args.diff:
        errors = any(f.is_error_code for r in results for f in r.findings)
        return EXIT_ERROR if errors or settings_error else fix_exit
    fmt = args.output_format or "full"
    findings = [f for r in results for f in r.findings]
    if args.statistics:  # counts per rule instead of the findings, as ruff does
        _statistics(findings, fmt)
    else:
        render(fmt, results, sys.stdout, color=_use_color(args), verbose=args.verbose, registry=registries.combined())
    if not args.quiet and fmt in ("full", "concise"):
        _summary(results, findings, verbose=args.verbose)
    if settings_error or any(f.is_error_code for f in findings):
        return EXIT_ERROR
    if args.exit_zero:
        return EXIT_CLEAN
    return EXIT_FINDINGS if findings or fix_exit == EXIT_FINDINGS else EXIT_CLEAN


def _statistics(findings, fmt: str = "full") -> None:
    """One row per rule, most frequent first: count, code, ``[*]`` when any is fixable, name.

    The JSON formats get the same rows as objects, so a script never has to parse the table.
    """
    counts: dict[tuple[str, str], int] = {}
    fixable: dict[str, bool] = {}
    for f in findings:
        counts[(f.code, f.name)] = counts.get((f.code, f.name), 0) + 1
        fixable[f.code] = fixable.get(f.code, False) or f.fix is not None
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    objects = [{"code": code, "name": name, "count": n, "fixable": fixable[code]} for (code, name), n in rows]
    if fmt == "json":
        json.dump(objects, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    if fmt == "json-lines":
        sys.stdout.writelines(json.dumps(obj) + "\n" for obj in objects)
        return
    for (code, name), n in rows:
        print(f"{n:5d}  {code:<7} {'[*]' if fixable[code] else '   '} {name}")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _summary(results, findings, verbose: bool = False) -> None:
    """The closing line on stderr: what was found where, and what ``--fix`` would repair."""
    skipped = sum(1 for r in results if r.skipped)
    why = "" if verbose else " (-v says why)"  # with -v the reasons are already printed
    files = _plural(len(results) - skipped, "file") + (f", {skipped} skipped{why}" if skipped else "")
    if findings:
        print(f"Found {_plural(len(findings), 'finding')} in {files}.", file=sys.stderr)
    else:
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

    resolver = _resolver(args)
    try:
        settings = resolver.for_path(args.path)
        with contextlib.redirect_stdout(sys.stderr):  # what plugins print is not the plan
            _, registry = _registries(resolver, args.path)
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
    with contextlib.redirect_stdout(sys.stderr):
        result = lint_document(document, settings, registry)
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
    return EXIT_CLEAN


def _quiet_registry() -> Registry:
    """The registry, with anything plugins print while loading sent to standard error."""
    with contextlib.redirect_stdout(sys.stderr):
        return build_registry()


def cmd_rules(args) -> int:
    registry = _quiet_registry()
    rows = sorted(registry.rules.values(), key=lambda r: r.code)
    if args.output_format == "json":
        json.dump([
            {"code": r.code, "name": r.name, "severity": str(r.severity), "fix": r.fix_availability.value,
             "summary": r.summary(), "options": r.options}
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

    registry = _quiet_registry()
    rule = registry.rule(args.code)
    if rule is None:
        raise UsageError(f"unknown rule {args.code!r}; 'sftlint rules' lists them")
    print(render_rule(rule))
    return EXIT_CLEAN


def cmd_schema(args) -> int:
    from .schema import dialect_schema, render

    registry = _quiet_registry()
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
