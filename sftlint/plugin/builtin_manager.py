"""A plugin manager for sftlint's own plugins alone, so that a plain run never imports pluggy.

When every plugin to load is one of sftlint's own (its entry points, and no ``plugins`` in the
settings), the registry is built on this manager instead of :class:`pluggy.PluginManager`. It
offers the part of pluggy's interface that sftlint calls (``hook.<name>.get_hookimpls()``,
calling a hook, ``register``, ``get_plugins`` ...) with pluggy's semantics for plain
implementations: implementations are listed in registration order, called last registered first,
with the arguments they name; a ``firstresult`` hook stops at the first answer that is not None.
It refuses what sftlint's own plugins never use (wrappers, ``tryfirst``/``trylast``, hooks that do
not exist), so it can never silently differ from pluggy: a run with any third-party plugin uses
pluggy itself, and a test builds the built-in registry both ways and compares them.

Why: importing pluggy (``inspect``, ``ast``, ``dis``, ``tokenize``) and letting it introspect every
implementation's signature was about a tenth of a one-file ``sftlint check``.
"""

from __future__ import annotations

from types import ModuleType, SimpleNamespace
from typing import Any

from .markers import IMPL_ATTRIBUTE, SPEC_ATTRIBUTE


class HookImpl:
    """One implementation: the attributes of pluggy's ``HookImpl`` that sftlint reads."""

    __slots__ = ("plugin", "plugin_name", "function", "argnames", "kwargnames")

    def __init__(self, plugin: Any, plugin_name: str, function: Any) -> None:
        self.plugin = plugin
        self.plugin_name = plugin_name
        self.function = function
        code = function.__code__
        names = code.co_varnames[:code.co_argcount]
        defaults = function.__defaults__ or ()
        # as pluggy: arguments with a default are passed only when the caller has them
        self.argnames = tuple(names[:len(names) - len(defaults)])
        self.kwargnames = tuple(names[len(names) - len(defaults):])


class HookCaller:
    """The implementations of one hook, and calling them as pluggy does."""

    def __init__(self, name: str, firstresult: bool, argnames: tuple[str, ...]) -> None:
        self.name = name
        self.firstresult = firstresult
        self.spec_argnames = argnames
        self._impls: list[HookImpl] = []

    def get_hookimpls(self) -> list[HookImpl]:
        return list(self._impls)

    def __call__(self, **kwargs: Any) -> Any:
        results = []
        for impl in reversed(self._impls):
            optional = {name: kwargs[name] for name in impl.kwargnames if name in kwargs}
            answer = impl.function(*[kwargs[name] for name in impl.argnames], **optional)
            if answer is not None:
                if self.firstresult:
                    return answer
                results.append(answer)
        return None if self.firstresult else results


class BuiltinManager:
    """Registers plugin modules whose hook implementations carry sftlint's markers."""

    def __init__(self, specs: ModuleType) -> None:
        self.project_name = "sftlint"
        self._plugins: dict[str, Any] = {}
        callers = {}
        for name in dir(specs):
            opts = getattr(getattr(specs, name), SPEC_ATTRIBUTE, None)
            if isinstance(opts, dict):
                code = getattr(specs, name).__code__
                callers[name] = HookCaller(name, bool(opts.get("firstresult")),
                                           code.co_varnames[:code.co_argcount])
        self.hook = SimpleNamespace(**callers)

    def register(self, plugin: Any, name: str) -> str:
        """Add ``plugin``'s marked functions to their hooks; raise ValueError for anything this
        manager does not handle (the caller reports it as the plugin's problem)."""
        if name in self._plugins:
            raise ValueError(f"plugin name {name!r} is already registered")
        impls = []
        for attribute in dir(plugin):
            function = getattr(plugin, attribute, None)
            opts = getattr(function, IMPL_ATTRIBUTE, None)
            if not isinstance(opts, dict):
                continue
            hook_name = opts.get("specname") or attribute
            caller = getattr(self.hook, hook_name, None)
            unsupported = [o for o in ("wrapper", "hookwrapper", "tryfirst", "trylast") if opts.get(o)]
            if caller is None:
                raise ValueError(f"unknown hook {hook_name!r} in plugin {name!r}")
            if unsupported or not hasattr(function, "__code__"):
                raise ValueError(f"hook {hook_name!r} of plugin {name!r} needs pluggy ({', '.join(unsupported)})")
            impl = HookImpl(plugin, name, function)
            extra = set(impl.argnames) - set(caller.spec_argnames)
            if extra:
                raise ValueError(f"hook {hook_name!r} of plugin {name!r} asks for unknown arguments {sorted(extra)}")
            impls.append((caller, impl))
        for caller, impl in impls:
            caller._impls.append(impl)
        self._plugins[name] = plugin
        return name

    def is_registered(self, plugin: Any) -> bool:
        return any(p is plugin for p in self._plugins.values())

    def has_plugin(self, name: str) -> bool:
        return name in self._plugins

    def get_name(self, plugin: Any) -> str | None:
        return next((n for n, p in self._plugins.items() if p is plugin), None)

    def get_plugins(self) -> set[Any]:
        return set(self._plugins.values())

    def list_name_plugin(self) -> list[tuple[str, Any]]:
        return list(self._plugins.items())

    def check_pending(self) -> None:
        """Nothing is ever pending: :meth:`register` refuses implementations of unknown hooks."""
