"""What a plain YAML scalar means to a YAML 1.2 loader and to a YAML 1.1 loader.

Most trainers read their config with PyYAML's ``safe_load``, a YAML 1.1 loader, while editors,
ruamel.yaml and schema tools speak YAML 1.2. The two disagree on ordinary-looking values:
``2e-4`` is a float in 1.2 and the string ``"2e-4"`` in 1.1 (1.1 floats need a dot and a signed
exponent); ``on``/``yes`` are booleans only in 1.1; ``010`` is octal 8 in 1.1 and decimal 10 in 1.2.
The regular expressions below follow PyYAML's resolver and the YAML 1.2 core schema.
"""

from __future__ import annotations

import math
import re
from typing import Any

_YAML11_BOOL = {
    **dict.fromkeys(("yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
}
_YAML12_BOOL = {
    **dict.fromkeys(("true", "True", "TRUE"), True),
    **dict.fromkeys(("false", "False", "FALSE"), False),
}
_YAML11_NULL = {"", "~", "null", "Null", "NULL"}
_YAML12_NULL = _YAML11_NULL

_YAML11_INT = re.compile(
    r"""^(?:[-+]?0b[0-1_]+
    |[-+]?0[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+
    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$""",
    re.X,
)
_YAML11_FLOAT = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)
_YAML12_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_YAML12_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)


#: The characters a number can start with, in YAML 1.1 and 1.2 alike (a sign, a dot, a digit):
#: text starting otherwise is no number, and is not run through the patterns.
_NUMBER_START = frozenset("+-.0123456789")

#: Python refuses to convert integers longer than this (4,300 digits); a loader would fail on them,
#: and sftlint reads such a value as infinitely large, which every range check then reports.
_MAX_DIGITS = 4300


def _int(text: str, base: int = 10) -> Any:
    if len(text) > _MAX_DIGITS:
        return math.inf
    return int(text, base)


def _sexagesimal(text: str, cast) -> Any:
    sign = -1 if text.startswith("-") else 1
    total = 0
    for part in text.lstrip("+-").split(":"):
        total = total * 60 + cast(part)
    return sign * total


def resolve_yaml11(text: str) -> Any:
    """Return what PyYAML's ``safe_load`` makes of the plain scalar ``text``."""
    if text in _YAML11_NULL:
        return None
    if text in _YAML11_BOOL:
        return _YAML11_BOOL[text]
    if text[0] not in _NUMBER_START:  # not empty: that is null
        return text
    if _YAML11_INT.match(text):
        clean = text.replace("_", "")
        if ":" in clean:
            if len(clean) > _MAX_DIGITS:
                return math.inf
            return _sexagesimal(clean, int)
        sign = -1 if clean.startswith("-") else 1
        body = clean.lstrip("+-")
        if body == "0":
            return 0
        if body.startswith("0b"):
            return sign * _int(body[2:], 2)
        if body.startswith("0x"):
            return sign * _int(body[2:], 16)
        if body.startswith("0"):
            return sign * _int(body, 8)
        return sign * _int(body)
    if _YAML11_FLOAT.match(text):
        clean = text.replace("_", "").lower()
        if clean.endswith(".inf"):
            return -math.inf if clean.startswith("-") else math.inf
        if clean == ".nan":
            return math.nan
        if ":" in clean:
            if len(clean) > _MAX_DIGITS:
                return math.inf
            return _sexagesimal(clean, float)
        return float(clean)
    return text


def resolve_yaml12(text: str) -> Any:
    """Return what a YAML 1.2 core-schema loader (ruamel.yaml) makes of the plain scalar ``text``."""
    if text in _YAML12_NULL:
        return None
    if text in _YAML12_BOOL:
        return _YAML12_BOOL[text]
    if text[0] not in _NUMBER_START:  # not empty: that is null
        return text
    if _YAML12_INT.match(text):
        if text.startswith("0o"):
            return _int(text[2:], 8)
        if text.startswith("0x"):
            return _int(text[2:], 16)
        return -_int(text[1:]) if text.startswith("-") else _int(text.lstrip("+"))
    if _YAML12_FLOAT.match(text):
        lower = text.lower()
        if lower.endswith(".inf"):
            return -math.inf if lower.startswith("-") else math.inf
        if lower == ".nan":
            return math.nan
        return float(text)
    return text
