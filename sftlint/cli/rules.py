"""``sftlint rules`` and ``sftlint rule CODE``: the rules in force, and one rule's documentation."""

from __future__ import annotations

import json
import sys

from .common import quiet_registry
from .main import EXIT_CLEAN, UsageError


def cmd_rules(args) -> int:
    from ..settings.options import defaults

    registry = quiet_registry(args)
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
    from ..lint.rule_docs import render_rule

    registry = quiet_registry(args)
    rule = registry.rule(args.code)
    if rule is None:
        from ..lint.error_codes import error_code

        rule = error_code(args.code)  # E001...: not rules, but explained the same way
    if rule is None:
        raise UsageError(f"unknown rule {args.code!r}; 'sftlint rules' lists them")
    print(render_rule(rule))
    return EXIT_CLEAN
