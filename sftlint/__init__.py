"""sftlint: a linter for LoRA/QLoRA fine-tuning configs, and a runner that checks they train."""

import pluggy

__version__ = "0.1.0"

#: Marker for hook implementations in plugins: ``@sftlint.hookimpl``.
hookimpl = pluggy.HookimplMarker("sftlint")

__all__ = ["__version__", "hookimpl"]

from .findings import Applicability, Edit, Fix, FixAvailability, Severity  # noqa: E402
from .options import Option, SettingsTable  # noqa: E402
from .rule import Rule, RuleContext, Violation  # noqa: E402

__all__ += ["Applicability", "Edit", "Fix", "FixAvailability", "Option", "Rule", "RuleContext", "SettingsTable",
            "Severity", "Violation"]
