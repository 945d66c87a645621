"""The hooks a sftlint plugin can implement, grouped by when they are called.

Writing a plugin
================
A plugin is a module (or any object) with functions marked ``@sftlint.hookimpl`` whose names are
hook names from this file. Make it known in one of two ways:

- an entry point in the ``sftlint`` group of the package that ships it (in pyproject.toml:
  ``[project.entry-points.sftlint]`` ``my_rules = "my_package.plugin"``). The built-in rule
  families and dialects are registered exactly this way;
- ``plugins = ["my_package.plugin"]`` in settings, for a module importable from an installed
  package or a ``PYTHONPATH`` folder. The working directory is never searched.

Hooks are called with keyword arguments only. An implementation may accept fewer arguments than
the spec lists (``def sftlint_plan_notes(plan): ...`` is fine), so arguments can be added to a
hook later without breaking existing plugins. An implementation of a hook that is not listed here
is an error naming the plugin; a plugin that fails to import, or whose hook raises, is reported
by name on stderr and every other plugin still runs.

Plugins are isolated: whatever a rule's ``check`` or a hook raises (``SystemExit`` from
``sys.exit`` included) or returns malformed (a violation whose node is no node of the document,
``data`` that is no dict, a severity that is no ``sftlint.Severity``, a fix edit outside the file, a
non-training verdict that is no string, plan notes that are no list of strings) becomes an
``E900`` finding naming the plugin and the hook; the rule's well-formed findings and every other
rule's are kept. A plugin that fails to import or to configure makes the run exit 2, so a CI job
whose team rules did not run never passes. What a plugin prints goes to stderr: stdout carries
the report only.

Keep plugins light to import: sftlint starts in tens of milliseconds, so import rule modules
inside ``sftlint_rules`` and never import torch, transformers or the like at module level.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .markers import hookspec

if TYPE_CHECKING:
    from ..dialects.base import Dialect
    from ..document import Document
    from ..settings.options import SettingsTable
    from ..lint.rule import Rule
    from ..settings.resolver import Settings

# Hook specifications carry :func:`~sftlint.plugin.markers.hookspec`; plugins mark their
# implementations with :data:`sftlint.hookimpl`.

# -------------------------------------------------------------------------------------------------
# Registration hooks: called once per plugin while the registry is built, before any settings or
# file is looked at. The answers are collected plugin by plugin, so a failure names its plugin.
# -------------------------------------------------------------------------------------------------


@hookspec
def sftlint_rules() -> "list[type[Rule]]":
    """Return the rule classes this plugin provides.

    Each class subclasses :class:`sftlint.Rule` and declares a ``code`` (a family prefix of one to
    four capital letters plus three digits, e.g. ``ACME001``), a kebab-case ``name`` unique among
    all rules, and a docstring with the sections ``What it does``, ``Why is this bad?``,
    ``Example``, ``Use instead``, ``Options``, ``Fix safety`` and ``References`` (each a
    ``## Heading``; ``sftlint rule CODE`` prints them). A class that breaks one of these, or takes a
    code already taken, is rejected by name and the plugin's other rules still load.

    :returns: A list of rule classes. Import the rule modules inside the hook, not at module level,
        so that ``sftlint --help`` does not pay for them.
    """


@hookspec
def sftlint_dialects() -> "list[Dialect]":
    """Return dialect adapters: readers of one training tool's config format.

    Each is an instance of :class:`sftlint.dialects.base.Dialect` whose ``name`` (used by
    ``# sftlint: dialect=NAME`` and the ``dialect`` setting) is unique among all plugins.
    Besides its keys and defaults, a dialect declares its tool's conventions, which the plan and
    the rules follow: how the tool counts the run and the warmup
    (``adjust_trainer_arguments``), what it does with unknown keys, duplicate keys and enum
    values, whether it packs like TRL or fuses the loss (the class attributes under "the tool's
    conventions" in ``Dialect``). A dialect that declares none is a tool that hands the file's
    values to transformers as written.

    :returns: A list of dialect instances.
    """


@hookspec
def sftlint_settings_tables() -> "dict[str, SettingsTable]":
    """Declare settings tables this plugin owns: ``[tool.sftlint.NAME]`` in pyproject.toml.

    Each :class:`sftlint.settings.options.SettingsTable` lists its keys as :class:`sftlint.settings.options.Option`
    specs (type, range, choices, description) and may check the keys against each other. The table
    is parsed and checked when the settings load, with the file and line of any problem, and rules
    read the parsed values from ``ctx.settings.tables[NAME]`` (only the keys written). A table that
    no loaded plugin declares is an unknown setting.

    :returns: Table name (kebab-case) -> its declaration.
    """


# -------------------------------------------------------------------------------------------------
# Configuration hooks: called once per registry, with the settings that asked for it (those of the
# first linted path, and those of any nested settings file naming other plugins), before the files
# those settings govern are linted.
# -------------------------------------------------------------------------------------------------


@hookspec
def sftlint_configure(settings: "Settings") -> None:
    """Read project settings before linting starts.

    Options of a plugin's rules live in ``settings.rule_options`` (from
    ``[tool.sftlint.rules.CODE]``) and are already checked against each rule's ``options``; a rule
    receives its merged options in :attr:`sftlint.RuleContext.options`, so most plugins need not
    implement this hook.

    :param settings: The resolved :class:`sftlint.settings.resolver.Settings`, command-line overrides
        applied.
    :returns: Nothing; the return value is ignored.
    """


# -------------------------------------------------------------------------------------------------
# Per-file hooks: called for each linted file, in the order listed.
# -------------------------------------------------------------------------------------------------


@hookspec(firstresult=True)
def sftlint_recognize_non_training(document: "Document") -> "str | None":
    """Tell whether a file is a config of another kind (launcher, DeepSpeed, merge, inference).

    Such a file is skipped rather than reported as an unknown training config. Not called when the
    dialect is forced by ``# sftlint: dialect=`` or the ``dialect`` setting.

    Stops at the first non-None result (``firstresult``): later plugins are not asked.

    :param document: The composed file: its text, node tree and ``# sftlint:`` comments.
    :returns: A short description such as ``"accelerate launcher config"``, or None when the
        file may be a training config.
    """


@hookspec
def sftlint_plan_notes(plan: Any, config: Any) -> "list[str] | None":
    """Add notes to a training plan (shown by ``sftlint plan``).

    :param plan: The :class:`sftlint.plan.TrainingPlan` just built.
    :param config: The :class:`sftlint.config.canonical.TrainingConfig` it was built from.
    :returns: Lines of text, or None to add nothing. The answers of all plugins are shown, in
        registration order.
    """
