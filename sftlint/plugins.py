"""Loading plugins: the built-in families and third-party ones go through the same door.

Entry points in the ``sftlint`` group are loaded one by one, each in its own ``try``, so a broken
plugin is reported by name and every other rule still runs. Plugins named in settings are imported
by module name; nothing is imported implicitly from the working directory.
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pluggy

from . import hookspecs
from .rule import Rule, validate_rule

if TYPE_CHECKING:
    from .dialects.base import Dialect

GROUP = "sftlint"


@dataclass
class PluginProblem:
    plugin: str
    message: str


@dataclass
class Registry:
    """The loaded plugins: rules by code, dialects by name, and what failed to load."""

    manager: pluggy.PluginManager
    rules: dict[str, type[Rule]] = field(default_factory=dict)
    dialects: dict[str, "Dialect"] = field(default_factory=dict)
    problems: list[PluginProblem] = field(default_factory=list)

    def rule(self, code_or_name: str) -> type[Rule] | None:
        found = self.rules.get(code_or_name.upper())
        if found is None:
            found = next((r for r in self.rules.values() if r.name == code_or_name), None)
        return found


def _entry_points():
    from importlib.metadata import entry_points

    return entry_points(group=GROUP)


def build_registry(extra_plugins: list[str] | tuple[str, ...] = ()) -> Registry:
    """Load every plugin and collect its rules and dialects."""
    pm = pluggy.PluginManager(GROUP)
    pm.add_hookspecs(hookspecs)
    registry = Registry(pm)
    seen: set[str] = set()
    for ep in sorted(_entry_points(), key=lambda e: e.name):
        if ep.name in seen:
            continue
        seen.add(ep.name)
        try:
            pm.register(ep.load(), name=ep.name)
        except Exception as exc:  # a broken plugin must not stop the others
            registry.problems.append(PluginProblem(ep.name, f"{type(exc).__name__}: {exc}"))
    for name in extra_plugins:
        if pm.has_plugin(name):
            continue
        try:
            pm.register(_import_plugin(name), name=name)
        except Exception as exc:
            registry.problems.append(PluginProblem(name, f"{type(exc).__name__}: {exc}"))
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        registry.problems.append(PluginProblem(getattr(exc, "plugin_name", "?") or "?", str(exc)))
    _collect(registry)
    return registry


def _import_plugin(name: str):
    """Import a plugin module by name without letting the working directory shadow packages."""
    saved = list(sys.path)
    sys.path[:] = [p for p in sys.path if p not in ("", ".")]
    try:
        return importlib.import_module(name)
    finally:
        sys.path[:] = saved


def _collect(registry: Registry) -> None:
    pm = registry.manager
    for plugin in pm.get_plugins():
        name = pm.get_name(plugin) or repr(plugin)
        for hook_name, target in (("sftlint_rules", registry.rules), ("sftlint_dialects", registry.dialects)):
            impls = [i for i in getattr(pm.hook, hook_name).get_hookimpls() if i.plugin is plugin]
            for impl in impls:
                try:
                    items = impl.function() or []
                except Exception as exc:
                    registry.problems.append(PluginProblem(name, f"{hook_name} failed: {type(exc).__name__}: {exc}"))
                    continue
                for item in items:
                    if hook_name == "sftlint_rules":
                        bad = validate_rule(item)
                        if bad:
                            registry.problems.extend(PluginProblem(name, b) for b in bad)
                            continue
                        if item.code in target and target[item.code] is not item:
                            registry.problems.append(PluginProblem(name, f"rule code {item.code} is already taken"))
                            continue
                        target[item.code] = item
                    else:
                        target[item.name] = item
