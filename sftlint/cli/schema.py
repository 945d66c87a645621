"""``sftlint schema DIALECT``: the JSON Schema of a dialect's configs, for editors."""

from __future__ import annotations

import sys

from .common import quiet_registry
from .main import EXIT_CLEAN, UsageError


def cmd_schema(args) -> int:
    from ..output.json_schema import dialect_schema, render

    registry = quiet_registry(args)
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
