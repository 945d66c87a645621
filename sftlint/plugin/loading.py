"""Loading plugins: the built-in families and third-party ones go through the same door.

Entry points in the ``sftlint`` group are loaded one by one, each in its own ``try``, so a broken
plugin is reported by name and every other rule still runs. The built-in families load first, then
third-party entry points by name, then plugins named in settings (``plugins = ["my_rules"]``,
imported by module name); a rule code or name is kept by the first plugin that claims it.

Nothing is imported from the working directory, neither entry points nor plugins named in
settings: linting a folder someone else wrote must not run a ``my_rules.py`` that happens to lie
in it. ``sys.path`` without the working directory is searched (so an installed package, or a folder
named in ``PYTHONPATH`` that is not the working directory, works), and the error for a plugin that
is not found says how to install it. After loading, :meth:`pluggy.PluginManager.check_pending`
rejects implementations of hooks that do not exist, naming their plugin.

A run whose plugins are all sftlint's own builds its registry on
:class:`~sftlint.plugin.builtin_manager.BuiltinManager`, which answers as pluggy would and spares
the command pluggy's import; any other plugin brings pluggy's manager in, for every plugin.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import TYPE_CHECKING, Any, Callable, Iterator

from . import hookspecs
from .builtin_manager import BuiltinManager
from .index import entry_points, load_reference, search_path
from ..records import field, record
from ..lint.rule import Rule, validate_rule

if TYPE_CHECKING:
    import pluggy

    from ..dialects.base import Dialect

GROUP = "sftlint"


@record
class PluginProblem:
    plugin: str
    message: str


@record
class Registry:
    """The loaded plugins: rules by code, dialects by name, and what failed to load."""

    manager: "pluggy.PluginManager | BuiltinManager"
    rules: dict[str, type[Rule]] = field(default_factory=dict)
    dialects: dict[str, "Dialect"] = field(default_factory=dict)
    problems: list[PluginProblem] = field(default_factory=list)
    #: rule code -> the plugin that provided it
    origins: dict[str, str] = field(default_factory=dict)
    #: plugin settings tables by name (``scaling`` for ``[tool.sftlint.scaling]``)
    tables: dict[str, Any] = field(default_factory=dict)
    #: id(settings) -> (settings, {per-file ignores: selected (code, rule) pairs}); the settings
    #: object is kept so that its id cannot be reused while the entry lives
    _selections: dict = field(default_factory=dict, repr=False, compare=False)

    def selected(self, settings, file_ignores: tuple[str, ...] = ()) -> list:
        """The (code, rule) pairs that run for a file under ``settings``, sorted by code; the same
        few settings serve every file, so each answer is computed once."""
        from ..lint.selection import is_selected

        entry = self._selections.get(id(settings))
        if entry is None or entry[0] is not settings:
            entry = self._selections[id(settings)] = (settings, {})
        cache = entry[1]
        if file_ignores not in cache:
            cache[file_ignores] = [(c, r) for c, r in sorted(self.rules.items())
                                   if is_selected(c, settings, file_ignores)]
        return cache[file_ignores]

    def rule(self, code_or_name: str) -> type[Rule] | None:
        found = self.rules.get(code_or_name.upper())
        if found is None:
            found = next((r for r in self.rules.values() if r.name == code_or_name), None)
        return found


def build_registry(extra_plugins: list[str] | tuple[str, ...] = (), *, use_pluggy: bool | None = None) -> Registry:
    """Load every plugin (entry points, then ``extra_plugins`` by module name) and collect its
    rules and dialects. Never raises for a bad plugin: see :attr:`Registry.problems`.

    ``use_pluggy``: None chooses pluggy's manager only when a plugin is not sftlint's own."""
    # built-in families first, so a third-party plugin cannot take their codes
    found = sorted(entry_points(GROUP), key=lambda ep: (not _is_builtin(ep[1]), ep[0]))
    if use_pluggy is None:
        use_pluggy = bool(extra_plugins) or not all(_is_builtin(value) for _, value in found)
    registry = Registry(_manager(use_pluggy))
    pm = registry.manager
    with _without_working_directory():
        seen: set[str] = set()
        for name, value in found:
            if name not in seen:
                seen.add(name)
                _register(registry, name, lambda value=value: load_reference(value))
        for name in extra_plugins:
            if not pm.has_plugin(name):
                _register(registry, name, lambda name=name: _import_plugin(name))
    _check_pending(registry)
    _collect(registry)
    return registry


def _is_builtin(reference: str) -> bool:
    """Whether an entry point names one of sftlint's own modules."""
    return reference.startswith("sftlint.")


def _manager(use_pluggy: bool) -> Any:
    if not use_pluggy:
        return BuiltinManager(hookspecs)
    import pluggy

    pm = pluggy.PluginManager(GROUP)
    pm.add_hookspecs(hookspecs)
    return pm


@contextlib.contextmanager
def _without_working_directory() -> Iterator[None]:
    saved = list(sys.path)
    sys.path[:] = search_path()
    try:
        yield
    finally:
        sys.path[:] = saved


def _register(registry: Registry, name: str, load: Callable[[], Any]) -> None:
    pm = registry.manager
    try:
        plugin = load()
        if pm.is_registered(plugin):  # named twice (entry point and settings): once is enough
            return
        pm.register(plugin, name=name)
    except (Exception, SystemExit) as exc:  # a broken plugin must not stop the others, nor end the run
        registry.problems.append(PluginProblem(name, _describe(exc, name)))


def _describe(exc: BaseException, name: str) -> str:
    if isinstance(exc, SystemExit):
        return f"it called exit({exc.code!r}) while being imported (hook: import)"
    text = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, ModuleNotFoundError) and exc.name and name.startswith(exc.name):
        text += ("; plugins are imported from installed packages, never from the working directory: "
                 "install it (pip install -e PATH) or add its folder to PYTHONPATH")
        if os.path.exists(exc.name.replace(".", os.sep) + ".py") or os.path.isdir(exc.name.split(".")[0]):
            text += f" ({exc.name.split('.')[0]} in the working directory was not imported)"
    return text


def _import_plugin(name: str):
    """Import a plugin module named in settings (``sys.path`` is already without the cwd)."""
    import importlib

    return importlib.import_module(name)


class Registries:
    """The registry each settings file asks for: one per distinct ``plugins`` list, built once.

    A settings file in a subfolder may name plugins that the top-level one does not; the files it
    governs are linted, and its rule codes checked, with exactly those plugins loaded. Each
    registry is configured (``sftlint_configure``) with the settings that first asked for it.
    """

    def __init__(self, warn: Callable[[PluginProblem], None] = lambda problem: None) -> None:
        self._built: dict[tuple[str, ...], Registry] = {}
        self._warn = warn

    def for_settings(self, settings) -> Registry:
        wanted = tuple(settings.plugins)
        registry = self._built.get(wanted)
        if registry is None:
            registry = self._built[wanted] = build_registry(wanted)
            for problem in registry.problems:
                self._warn(problem)
            self._configure(registry, settings)
        return registry

    def _configure(self, registry: Registry, settings) -> None:
        """Call each plugin's ``sftlint_configure``; one that fails is named, with the hook."""
        from .calls import call_impls

        def report(plugin: str, why: str) -> None:
            problem = PluginProblem(plugin, f"hook sftlint_configure {why}")
            registry.problems.append(problem)
            self._warn(problem)

        call_impls(registry.manager.hook.sftlint_configure, {"settings": settings}, report)

    def combined(self) -> Registry | None:
        """One view of every rule loaded, for the output formats that describe rules (SARIF)."""
        registries = list(self._built.values())
        if len(registries) <= 1:
            return registries[0] if registries else None
        view = Registry(registries[0].manager)
        for registry in registries:
            for code, rule in registry.rules.items():
                view.rules.setdefault(code, rule)
                view.origins.setdefault(code, registry.origins.get(code, ""))
        return view


def _check_pending(registry: Registry) -> None:
    """Drop plugins implementing hooks that do not exist, reporting each by name."""
    pm = registry.manager
    if isinstance(pm, BuiltinManager):  # it refuses unknown hooks when registering
        return
    import pluggy

    while True:
        try:
            pm.check_pending()
            return
        except pluggy.PluginValidationError as exc:
            name = pm.get_name(exc.plugin) or repr(exc.plugin)
            registry.problems.append(PluginProblem(name, str(exc)))
            pm.unregister(exc.plugin)


def _collect(registry: Registry) -> None:
    """Call the registration hooks plugin by plugin, in registration order, so each problem is
    named by its plugin and the first plugin to claim a code keeps it."""
    pm = registry.manager
    for name, plugin in pm.list_name_plugin():
        if plugin is None:  # blocked
            continue
        # sftlint's own rules are held to validate_rule by the test suite (tests/test_rule_docs.py)
        # rather than at every start
        own = getattr(plugin, "__name__", "").startswith("sftlint.")
        for impl in pm.hook.sftlint_rules.get_hookimpls():
            if impl.plugin is plugin:
                for rule in _call(registry, name, impl):
                    _add_rule(registry, name, rule, validated=own)
        for impl in pm.hook.sftlint_dialects.get_hookimpls():
            if impl.plugin is plugin:
                for dialect in _call(registry, name, impl):
                    _add_dialect(registry, name, dialect)
        for impl in pm.hook.sftlint_settings_tables.get_hookimpls():
            if impl.plugin is plugin:
                answer = _call_one(registry, name, impl)
                for table_name, table in (answer or {}).items():
                    _add_table(registry, name, table_name, table)


def _call(registry: Registry, name: str, impl) -> list:
    try:
        answer = impl.function()
        if answer is None:
            return []
        if isinstance(answer, (str, bytes)) or not hasattr(answer, "__iter__"):
            raise TypeError(f"returned {type(answer).__name__}, not a list")
        return list(answer)
    except (Exception, SystemExit) as exc:
        from .calls import describe

        registry.problems.append(PluginProblem(name, f"{impl.function.__name__} failed: {describe(exc)}"))
        return []


def _call_one(registry: Registry, name: str, impl) -> Any:
    try:
        return impl.function()
    except Exception as exc:
        registry.problems.append(PluginProblem(name, f"{impl.function.__name__} failed: {type(exc).__name__}: {exc}"))
        return None


def _add_table(registry: Registry, plugin: str, name: Any, table: Any) -> None:
    from ..settings.options import SettingsTable
    from ..settings.resolver import KNOWN_KEYS

    if not isinstance(name, str) or not isinstance(table, SettingsTable):
        registry.problems.append(PluginProblem(plugin, f"settings table {name!r} is not a sftlint.SettingsTable"))
    elif name in KNOWN_KEYS or name in registry.tables:
        registry.problems.append(PluginProblem(plugin, f"settings table {name!r} is already taken"))
    else:
        registry.tables[name] = table


def _add_rule(registry: Registry, plugin: str, rule: Any, validated: bool = False) -> None:
    if not (isinstance(rule, type) and issubclass(rule, Rule)):
        registry.problems.append(PluginProblem(plugin, f"{rule!r} is not a subclass of sftlint.Rule"))
        return
    bad = [] if validated else validate_rule(rule)
    if bad:
        registry.problems.extend(PluginProblem(plugin, b) for b in bad)
        return
    same_name = next((r for r in registry.rules.values() if r.name == rule.name and r is not rule), None)
    if same_name is not None:
        registry.problems.append(PluginProblem(plugin, f"rule name {rule.name!r} is already taken by {same_name.code}"))
        return
    taken = registry.rules.get(rule.code)
    if taken is not None and taken is not rule:
        owner = registry.origins.get(rule.code, "?")
        registry.problems.append(PluginProblem(plugin, f"rule code {rule.code} is already taken by plugin {owner!r}"))
        return
    registry.rules[rule.code] = rule
    registry.origins[rule.code] = plugin


def _add_dialect(registry: Registry, plugin: str, dialect: Any) -> None:
    name = getattr(dialect, "name", None)
    if not isinstance(name, str) or not name:
        registry.problems.append(PluginProblem(plugin, f"dialect {dialect!r} has no name"))
    elif name in registry.dialects and registry.dialects[name] is not dialect:
        registry.problems.append(PluginProblem(plugin, f"dialect {name!r} is already taken"))
    else:
        registry.dialects[name] = dialect
