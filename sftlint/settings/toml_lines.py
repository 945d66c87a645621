"""Reading TOML: the reader itself, and the line a key is written on, so a settings error can
point at it.

``tomllib`` returns plain dicts without positions. Settings files are short and written by hand,
so a line-by-line scan that tracks the current ``[table]`` header and reads each ``key = ...``
line's (possibly dotted, possibly quoted) key is enough to find where a key was set. Multi-line
strings and arrays can fool it; then the answer is None and the message simply has no line.
"""

from __future__ import annotations

import re

_PART = r"""(?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_\-]+)"""
_DOTTED = rf"{_PART}(?:\s*\.\s*{_PART})*"
# Patterns, not compiled ones: ``re`` compiles each on first use (only for an error message's
# line), so importing this module for ``toml_module`` costs a settings-free check nothing.
_HEADER = rf"^\s*\[\[?\s*(?P<key>{_DOTTED})\s*\]\]?\s*(?:#.*)?$"
_ASSIGN = rf"^\s*(?P<key>{_DOTTED})\s*="
_TOKEN = r""""((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_\-]+)"""


def split_key(dotted: str) -> tuple[str, ...]:
    """``tool."sftlint".rules`` -> ``("tool", "sftlint", "rules")``."""
    return tuple(a or b or c for a, b, c in re.findall(_TOKEN, dotted))


def key_line(text: str, path: tuple[str, ...]) -> int | None:
    """The 1-based line where the key at ``path`` (from the document root) is set, or None.

    An exact ``key = value`` or ``[table]`` match wins; failing that, the line of the nearest
    enclosing key (an inline table such as ``WS001 = {foo = 1}`` holds its keys on its own line).
    """
    current: tuple[str, ...] = ()
    enclosing: tuple[int, int] | None = None  # (depth matched, line)
    for number, line in enumerate(text.splitlines(), start=1):
        header = re.match(_HEADER, line)
        if header:
            current = split_key(header["key"])
            if current == path:
                return number
            continue
        assign = re.match(_ASSIGN, line)
        if not assign:
            continue
        full = current + split_key(assign["key"])
        if full == path:
            return number
        if len(full) < len(path) and path[: len(full)] == full and (enclosing is None or len(full) > enclosing[0]):
            enclosing = (len(full), number)
    return enclosing[1] if enclosing else None


def toml_module():
    """The TOML reader: the standard library's ``tomllib`` (3.11+), else ``tomli``, its backport.

    Imported only when a settings file exists; ``tomli`` is a dependency where ``tomllib`` is
    missing, so the code keeps running on Python 3.10 (``tests/test_packaging.py`` checks it).
    """
    try:
        import tomllib  # novermin: tomli below on 3.10
    except ModuleNotFoundError:
        import tomli as tomllib
    return tomllib
