"""A rule's documentation as Markdown: the one text that ``sftlint rule CODE`` prints and that
docs/rules.md (``scripts/rule_docs.py``) shows for each rule."""

from __future__ import annotations

import enum
import json
from typing import Any

from .rule import Rule, doc_sections


def toml_value(value: Any) -> str:
    """``value`` as TOML writes it (tables inline), for docs and ``check --show-settings``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return json.dumps(str(value))
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in value.items()) + "}"
    return json.dumps(str(value))


_toml_value = toml_value


def option_defaults(rule: type[Rule]) -> str:
    """The rule's options with their defaults, as the settings table that sets them, each with
    what it accepts."""
    from ..settings.options import as_option

    lines = [f"[tool.sftlint.rules.{rule.code}]  # defaults"]
    for name, declared in rule.options.items():
        spec = as_option(declared)
        accepts = spec.describe()
        note = f"{spec.doc}; {accepts}" if spec.doc else accepts
        lines.append(f"{name} = {_toml_value(spec.default)}  # {note}")
    return "```toml\n" + "\n".join(lines) + "\n```"


def applies_to(rule: type[Rule]) -> str:
    """" Applies to: ..." for a rule limited to some objectives, methods or dialects; "" otherwise."""
    limits = []
    if getattr(rule, "objectives", None):
        limits.append(", ".join(sorted(rule.objectives)) + " runs")
    if getattr(rule, "methods", None):
        limits.append("method " + ", ".join(sorted(rule.methods)))
    if getattr(rule, "dialects", None):
        limits.append("dialect " + ", ".join(sorted(rule.dialects)))
    return f" Applies to: {'; '.join(limits)} (no opinion on other configs)." if limits else ""


def render_rule(rule: type[Rule], level: int = 1) -> str:
    """The rule's documentation: a ``name (CODE)`` heading at ``level``, its default severity and
    fix availability, then each docstring section one level below (the options' defaults added to
    ``Options``)."""
    head, sub = "#" * level, "#" * (level + 1)
    parts = [f"{head} {rule.name} ({rule.code})", "",
             f"Default severity: {rule.severity}. Fix: {rule.fix_availability.value}.{applies_to(rule)}", ""]
    for title, body in doc_sections(rule).items():
        if title == "Options" and rule.options:
            body = f"{body}\n\n{option_defaults(rule)}"
        parts += [f"{sub} {title}", body, ""]
    return "\n".join(parts)
