from __future__ import annotations

import functools

from sftlint import Applicability, Fix, FixAvailability, Rule, Severity, Violation
from sftlint.document import Scalar
from sftlint.lint.edits import format_scalar, set_value
from sftlint.lint.selection import is_selected
from sftlint.document.yaml_types import resolve_yaml12

from ._walk import entries

#: Kinds checked in every tool. Tools that validate every value against the schema (pydantic:
#: ``Dialect.validates_types``) have every key checked; the others build dataclasses, which check
#: nothing, so only keys that take numbers or booleans are checked for them.
SCALAR_KINDS = frozenset({"int", "float", "bool", "null"})

#: Strings a pydantic or argparse loader turns into a boolean.
BOOL_WORDS = {"true", "false", "yes", "no", "on", "off", "1", "0", "t", "f", "y", "n"}


#: The kind of a value of each plain type a loader builds (looked up before the isinstance chain,
#: which only subclasses need: every key of every file is asked about).
_KIND_OF_TYPE = {type(None): "null", bool: "bool", int: "int", float: "float", str: "str", list: "list", dict: "dict"}


def kind_of(value) -> str:
    kind = _KIND_OF_TYPE.get(type(value))
    if kind is not None:
        return kind
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "dict"
    return "any"


def accepts(kinds: tuple[str, ...], value, lenient: bool) -> bool:
    """Whether a key typed ``kinds`` takes ``value`` (as the tool's loader built it)."""
    kind = _KIND_OF_TYPE.get(type(value)) or kind_of(value)  # kind_of's first step, without the call
    if "any" in kinds or kind in kinds or kind in ("null", "any"):
        return True
    if kind == "int" and "float" in kinds:
        return True
    if kind == "float" and "int" in kinds and float(value).is_integer():
        return True
    if kind == "int" and "bool" in kinds and value in (0, 1):
        return True
    if kind == "bool" and "int" in kinds:  # bool is an int to Python and to pydantic's lax mode
        return True
    if kind == "str" and lenient and "bool" in kinds and value.strip().lower() in BOOL_WORDS:
        return True
    return False


@functools.lru_cache(maxsize=None)
def _scalar_kinds_only(kinds: tuple[str, ...]) -> bool:
    # the schemas hold a few dozen distinct kind tuples: answered once each, not once per key
    return set(kinds) <= SCALAR_KINDS


def describe(kinds: tuple[str, ...]) -> str:
    names = {"int": "a whole number", "float": "a number", "bool": "true or false", "str": "a string",
             "list": "a list", "dict": "a mapping"}
    shown = [names[k] for k in kinds if k in names]
    if "int" in kinds and "float" in kinds:
        shown.remove("a whole number")
    return " or ".join(shown) or "another kind of value"


class WrongValueType(Rule):
    """## What it does
    Reports values of a kind the key cannot hold, as the tool's loader reads them: a string where a
    number is expected, a list where a boolean is expected, a fraction where a count is expected.

    ## Why is this bad?
    Most tools pass values on without checking them. `TrainingArguments(save_steps="100")` is
    accepted and fails deep in the training loop; `packing: [true]` is a non-empty list, so it is
    truthy whatever it holds; `gradient_accumulation_steps: 2.5` breaks the step arithmetic.

    ## Example
    ```yaml
    save_steps: "100"
    ```

    ## Use instead
    ```yaml
    save_steps: 100
    ```

    ## Options
    None.

    ## Fix safety
    Unsafe: a quoted number where only numbers are accepted is unquoted. That is almost always the
    intent, but the file's author quoted it, so the change is left to `--unsafe-fixes`.

    ## References
    - Schemas: `sftlint/config/schemas_data/` (types of every key, from the tools' own annotations)
    - YAML 1.1 vs 1.2 scalars: `sftlint/document/yaml_types.py`
    """

    code = "KT003"
    name = "wrong-value-type"
    severity = Severity.ERROR
    fix_availability = FixAvailability.SOMETIMES

    def check(self, ctx):
        dialect = ctx.config.dialect
        schema = dialect.key_schema()
        if schema is None:
            return
        lenient = bool(dialect.coerces_numeric_strings)
        yields_to_ym001 = None  # asked when a value is refused (rarely), not for every file
        typed, sections, all_checked = schema.keys, schema.sections, dialect.validates_types
        for dotted, _key, node, _mapping in entries(ctx.document, schema):
            kinds = typed.get(dotted)
            if not kinds or "any" in kinds or dotted in sections:
                continue  # "any": every value is accepted, so the value need not be built
            if not all_checked and not _scalar_kinds_only(kinds):
                continue
            value = dialect.node_value(node)
            if accepts(kinds, value, lenient):
                continue
            if yields_to_ym001 is None:
                yields_to_ym001 = is_selected("YM001", ctx.settings, tuple(ctx.settings.ignored_for(ctx.document.path)))
            if yields_to_ym001 and _read_as_string_by_yaml11(node, kinds, lenient):
                continue  # YM001 reports it, with the exact cause and a fix: one finding, not two
            shown = node.text if isinstance(node, Scalar) else kind_of(value)
            fix = None
            if isinstance(node, Scalar) and node.style in ('"', "'") and {"int", "float"} & set(kinds):
                number = resolve_yaml12(node.text)
                if isinstance(number, (int, float)) and not isinstance(number, bool) and accepts(kinds, number, lenient):
                    text = format_scalar(number)
                    fix = Fix(Applicability.UNSAFE, f"Write {text} unquoted", (set_value(node, text),))
            what = f"the {kind_of(value)} {shown!r}" if isinstance(node, Scalar) else f"a {kind_of(value)}"
            yield Violation(
                f"'{dotted}' is {what} to {dialect.title}'s loader; it takes {describe(kinds)}",
                node, fix, data={"key": dotted, "expected": list(kinds), "found": kind_of(value)},
            )


def _read_as_string_by_yaml11(node, kinds, lenient: bool) -> bool:
    """A plain scalar such as ``2e-4``: a number in YAML 1.2, a string to a YAML 1.1 loader; the
    case YM001 (number-read-as-string) is about."""
    if not isinstance(node, Scalar) or node.style is not None or node.tag is not None:
        return False
    number = resolve_yaml12(node.text)
    return isinstance(number, (int, float)) and not isinstance(number, bool) and accepts(kinds, number, lenient)
