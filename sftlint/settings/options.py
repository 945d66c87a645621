"""Typed options: what a rule option or a plugin's settings key accepts, checked when settings load.

A rule declares ``options = {"fix-fraction": Option(0.05, float, minimum=0, maximum=1, doc=...)}``
and a value from ``[tool.sftlint.rules.CODE]`` that is of the wrong type, out of range, not one of
the choices, infinite or NaN is a settings error with the file and line, before any config is
linted, as yamllint checks its rules' ``CONF``. A plain default (``{"cutoff": 0.8}``), as older
plugins write it, still works: its type is taken from the default, with no range.

A plugin may also own a settings table of its own, ``[tool.sftlint.NAME]``, by answering the
``sftlint_settings_tables`` hook with a :class:`SettingsTable`; its keys are :class:`Option` specs
too, parsed and checked in one place, and rules read the parsed values from ``settings.tables``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Callable

from ..records import field, record


class OptionError(ValueError):
    """A value an option does not accept; the message says what it accepts."""


_KIND_WORDS = {bool: "true or false", int: "a whole number", float: "a number", str: "a string",
               list: "a list", dict: "a table", Path: "a path to a file"}


@record(frozen=True)
class Option:
    """One option: its default, type (``bool``, ``int``, ``float``, ``str``, ``list``, ``Path``),
    bounds, choices and a one-line description for the documentation.

    ``Path`` values are written relative to the settings file; they are resolved against its folder
    and must name an existing file.
    """

    default: Any
    type: type
    doc: str = ""
    minimum: float | None = None
    maximum: float | None = None
    #: Whether ``minimum`` itself is excluded (``> 0`` rather than ``>= 0``).
    exclusive_minimum: bool = False
    choices: tuple = ()
    #: For lists: the type of each item.
    item_type: type | None = None

    def describe(self) -> str:
        """What the option accepts, in words: ``a number from 0 to 1``."""
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        what = _KIND_WORDS.get(self.type, self.type.__name__)
        if self.type is list and self.item_type is not None:
            what = f"a list of {_KIND_WORDS.get(self.item_type, self.item_type.__name__)}s"
        low, high = self.minimum, self.maximum
        if low is not None and high is not None:
            return f"{what} from {_num(low)}{' (excluded)' if self.exclusive_minimum else ''} to {_num(high)}"
        if low is not None:
            return f"{what} {'above' if self.exclusive_minimum else 'of at least'} {_num(low)}"
        if high is not None:
            return f"{what} of at most {_num(high)}"
        return what

    def parse(self, value: Any, folder: Path | None = None) -> Any:
        """The value to use, or :class:`OptionError` saying what is accepted."""
        wrong = OptionError(f"must be {self.describe()}, not {value!r}")
        if self.type is bool:
            if not isinstance(value, bool):
                raise wrong
            return value
        if self.type in (int, float):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise wrong
            if self.type is int and not isinstance(value, int):
                raise wrong
            if isinstance(value, float) and not math.isfinite(value):
                raise wrong
            if self.minimum is not None and (value < self.minimum or (self.exclusive_minimum and value == self.minimum)):
                raise wrong
            if self.maximum is not None and value > self.maximum:
                raise wrong
            value = float(value) if self.type is float else value
        elif self.type is str:
            if not isinstance(value, str):
                raise wrong
        elif self.type is list:
            if not isinstance(value, list) or (self.item_type is not None
                                               and not all(isinstance(v, self.item_type) for v in value)):
                raise wrong
        elif self.type is Path:
            if not isinstance(value, str) or not value.strip():
                raise wrong
            path = (folder or Path.cwd()) / value
            if not path.is_file():
                raise OptionError(f"{value!r} does not exist (paths are relative to the settings file)")
            return path
        elif not isinstance(value, self.type):
            raise wrong
        if self.choices and value not in self.choices:
            raise wrong
        return value


def _num(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def as_option(value: Any) -> Option:
    """An :class:`Option` for a declaration that may be a plain default (type taken from it)."""
    if isinstance(value, Option):
        return value
    if isinstance(value, bool):
        return Option(value, bool)
    if isinstance(value, float):
        return Option(value, float)
    if isinstance(value, (list, tuple)):
        return Option(list(value), list)
    if value is None:
        return Option(None, object)
    return Option(value, type(value))


def defaults(options: dict[str, Any]) -> dict[str, Any]:
    """Option name -> default, for declarations that mix :class:`Option` and plain defaults."""
    return {name: as_option(spec).default for name, spec in options.items()}


@record(frozen=True)
class SettingsTable:
    """A plugin's own table in settings, ``[tool.sftlint.NAME]``: its keys, and a check across them.

    ``check`` receives the parsed values (only the keys written) and returns a problem in words,
    or None when they fit together.
    """

    doc: str
    options: dict = field(default_factory=dict)
    check: Callable[[dict[str, Any]], str | None] | None = None
