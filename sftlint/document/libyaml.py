"""libyaml's event parser from ruamel.yaml.clib, imported without initialising ``ruamel.yaml``.

The C parser (``_ruamel_yaml.CParser``) imports a dozen ``ruamel.yaml.*`` modules for its error,
token and event classes, and the first of them runs ``ruamel/yaml/__init__.py``, which loads the
whole library (the round-trip loader and dumper, ``main``, ``typing``, ``glob`` ...): about a
third of the parser's import, and sftlint uses none of it. So, when nothing has imported
``ruamel.yaml`` yet, its package module is created without running its ``__init__``, and runs it
the first time anyone asks it for an attribute it does not have (a module ``__getattr__``, PEP
562). Submodules import as usual; ``import ruamel.yaml`` elsewhere in the process gets the same
package, completed on first use, so other code never sees the difference.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

PACKAGE = "ruamel.yaml"


def c_parser() -> type | None:
    """``_ruamel_yaml.CParser``, or None where the C extension is missing (PyPy, an unusual platform)."""
    _defer()
    try:
        from _ruamel_yaml import CParser
    except ImportError:
        return None
    return CParser


def parser_errors() -> tuple[type[MarkedYAMLError], type[YAMLError]]:
    """ruamel's ``MarkedYAMLError`` and ``YAMLError``, which the parser raises."""
    _defer()
    from ruamel.yaml.error import MarkedYAMLError, YAMLError  # the submodule alone: never ``from ruamel.yaml import``

    return MarkedYAMLError, YAMLError


def event_classes() -> ModuleType:
    """ruamel's event classes (``ruamel.yaml.events``), which the parser's events are instances of."""
    _defer()
    return importlib.import_module("ruamel.yaml.events")  # the submodule alone, as above


def _defer() -> None:
    if PACKAGE not in sys.modules:
        _defer_package_init(PACKAGE)


def _defer_package_init(name: str) -> None:
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return
    package = importlib.util.module_from_spec(spec)  # __path__ and __spec__ set, __init__ not run
    loader = spec.loader

    def complete(attribute: str) -> Any:
        del package.__getattr__  # the package's own attributes answer from now on
        try:
            loader.exec_module(package)
        except BaseException:
            sys.modules.pop(name, None)  # as a failed import leaves it: absent
            raise
        return getattr(package, attribute)

    package.__getattr__ = complete  # type: ignore[method-assign]
    sys.modules[name] = package
    parent, _, child = name.rpartition(".")
    if parent in sys.modules:  # as the import system does: ``ruamel.yaml`` is an attribute of ``ruamel``
        setattr(sys.modules[parent], child, package)
