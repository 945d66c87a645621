"""sftlint: a linter for LoRA/QLoRA fine-tuning configs, and a runner that checks they train.

The names a plugin author needs (``Rule``, ``Option``, ``Fix`` ...) are importable from here; they
load on first use, so that importing one layer of sftlint never drags in the others.
"""

from typing import TYPE_CHECKING

from .plugin.markers import hookimpl  # ``@sftlint.hookimpl``: pluggy's marker, without importing pluggy

if TYPE_CHECKING:  # what type checkers and editors see; at run time __getattr__ loads them
    from .lint.findings import Applicability, Edit, Fix, FixAvailability, Severity
    from .lint.rule import Rule, RuleContext, Violation
    from .settings.options import Option, SettingsTable

__version__ = "0.1.0"

#: Public name -> the module that defines it.
_PUBLIC = {
    "Applicability": "sftlint.lint.findings",
    "Edit": "sftlint.lint.findings",
    "Fix": "sftlint.lint.findings",
    "FixAvailability": "sftlint.lint.findings",
    "Severity": "sftlint.lint.findings",
    "Option": "sftlint.settings.options",
    "SettingsTable": "sftlint.settings.options",
    "Rule": "sftlint.lint.rule",
    "RuleContext": "sftlint.lint.rule",
    "Violation": "sftlint.lint.rule",
}

__all__ = ["__version__", "hookimpl", "Applicability", "Edit", "Fix", "FixAvailability", "Option", "Rule",
           "RuleContext", "SettingsTable", "Severity", "Violation"]


def __getattr__(name: str):
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'sftlint' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
