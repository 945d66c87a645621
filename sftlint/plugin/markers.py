"""``@sftlint.hookimpl`` and ``@hookspec``: pluggy's markers, without importing pluggy.

A marker only records its options on the function, in the attribute pluggy reads
(``sftlint_impl`` and ``sftlint_spec``, as ``pluggy.HookimplMarker("sftlint")`` and
``pluggy.HookspecMarker("sftlint")`` would set them). Importing pluggy costs a one-file
``sftlint check`` about a tenth of its time (pluggy imports ``inspect``, which imports ``ast``, ``dis``
and ``tokenize``), and a run with only the built-in plugins never needs it: see
:mod:`sftlint.plugin.builtin_hooks`. A plugin marked with these markers, or with pluggy's own, is
recognised by pluggy exactly the same way.
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

PROJECT = "sftlint"
IMPL_ATTRIBUTE = PROJECT + "_impl"
SPEC_ATTRIBUTE = PROJECT + "_spec"

_F = TypeVar("_F", bound=Callable[..., Any])


def hookimpl(function: _F | None = None, *, hookwrapper: bool = False, optionalhook: bool = False,
             tryfirst: bool = False, trylast: bool = False, specname: str | None = None,
             wrapper: bool = False) -> Any:
    """Mark a hook implementation: ``@hookimpl`` or ``@hookimpl(tryfirst=True)``, as with pluggy."""
    opts = {"wrapper": wrapper, "hookwrapper": hookwrapper, "optionalhook": optionalhook,
            "tryfirst": tryfirst, "trylast": trylast, "specname": specname}

    def mark(func: _F) -> _F:
        setattr(func, IMPL_ATTRIBUTE, dict(opts))
        return func

    return mark if function is None else mark(function)


def hookspec(function: _F | None = None, *, firstresult: bool = False, historic: bool = False,
             warn_on_impl: Warning | None = None, warn_on_impl_args: dict[str, Warning] | None = None) -> Any:
    """Mark a hook specification: ``@hookspec`` or ``@hookspec(firstresult=True)``, as with pluggy."""
    if historic and firstresult:
        raise ValueError("cannot have a historic firstresult hook")
    opts = {"firstresult": firstresult, "historic": historic, "warn_on_impl": warn_on_impl,
            "warn_on_impl_args": warn_on_impl_args}

    def mark(func: _F) -> _F:
        setattr(func, SPEC_ATTRIBUTE, dict(opts))
        return func

    return mark if function is None else mark(function)
