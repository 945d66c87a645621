"""The hooks a sftlint plugin can implement.

Plugins are found through the ``sftlint`` entry-point group (the built-in rule families register
the same way) or named in settings (``plugins = ["my_rules"]``). Mark implementations with
:data:`sftlint.hookimpl`; hooks are called with keyword arguments only, and an implementation
may accept fewer arguments than the spec lists, so new arguments can be added compatibly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from .dialects.base import Dialect
    from .document import Document
    from .rule import Rule
    from .settings import Settings

hookspec = pluggy.HookspecMarker("sftlint")

# -------------------------------------------------------------------------------------------------
# Registration hooks: called once, when the plugin manager is set up.
# -------------------------------------------------------------------------------------------------


@hookspec
def sftlint_rules() -> "list[type[Rule]]":
    """Return the rule classes this plugin provides.

    Each class subclasses :class:`sftlint.Rule`, with a unique ``code`` (family prefix plus three
    digits), a kebab-case ``name`` and a docstring with the standard sections.

    :returns: A list of rule classes (import them lazily inside the hook to keep startup fast).
    """


@hookspec
def sftlint_dialects() -> "list[Dialect]":
    """Return dialect adapters (instances of :class:`sftlint.dialects.base.Dialect`).

    A dialect reads one tool's config format into the canonical model. Names must be unique.

    :returns: A list of dialect instances.
    """


# -------------------------------------------------------------------------------------------------
# Per-file hooks: called for each linted file.
# -------------------------------------------------------------------------------------------------


@hookspec(firstresult=True)
def sftlint_recognize_non_training(document: "Document") -> "str | None":
    """Say whether a file is a config of another kind (launcher, DeepSpeed, merge, inference).

    Stops at the first non-None result.

    :param document: The composed file.
    :returns: A short description such as ``"accelerate launcher config"``, or None when the
        file may be a training config.
    """


@hookspec
def sftlint_configure(settings: "Settings") -> None:
    """Called once settings for a project are loaded, before any file is linted.

    :param settings: The resolved settings; plugin options live in ``settings.rule_options``.
    """


@hookspec
def sftlint_plan_notes(plan: Any, config: Any) -> "list[str] | None":
    """Add notes to a training plan (shown by ``sftlint plan``).

    :param plan: The :class:`sftlint.plan.TrainingPlan` just built.
    :param config: The :class:`sftlint.canonical.TrainingConfig` it was built from.
    :returns: Lines of text, or None.
    """
