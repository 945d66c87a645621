from __future__ import annotations

from sftlint import Applicability, Fix, FixAvailability, Rule, Severity, Violation
from sftlint.lint.edits import format_scalar, set_value
from ._scalars import yaml11_plain_scalars


def portable_number(text: str, value) -> str:
    """Rewrite a number so YAML 1.1 and 1.2 read it alike: `2e-4` -> `2.0e-4`, `1E5` -> `1.0e+5`."""
    mantissa, sep, exponent = text.lower().partition("e")
    if not sep or isinstance(value, int):
        return format_scalar(value)
    if "." not in mantissa:
        mantissa += ".0"
    if not exponent.startswith(("+", "-")):
        exponent = "+" + exponent
    return f"{mantissa}e{exponent}"


class NumberReadAsString(Rule):
    """## What it does
    Finds numbers such as `2e-4` that the tool's YAML 1.1 loader (PyYAML's `safe_load`) reads as
    the string `"2e-4"`, in tools that do not convert the string back to a number.

    ## Why is this bad?
    YAML 1.1 floats need a dot and a signed exponent. `learning_rate: 2e-4` reaches
    `TrainingArguments` as a string and the run fails only when the optimizer is built, minutes
    into the job, or a library compares the string and silently takes another branch.

    ## Example
    ```yaml
    learning_rate: 2e-4
    ```

    ## Use instead
    ```yaml
    learning_rate: 2.0e-4
    ```

    ## Options
    None.

    ## Fix safety
    Safe: the new text is read as the same number by YAML 1.1 and YAML 1.2 loaders.

    ## References
    - YAML 1.1 float type: https://yaml.org/type/float.html
    - PyYAML resolver: https://github.com/yaml/pyyaml/blob/main/lib/yaml/resolver.py
    """

    code = "YM001"
    name = "number-read-as-string"
    severity = Severity.ERROR
    fix_availability = FixAvailability.ALWAYS

    def check(self, ctx):
        dialect = ctx.config.dialect
        if dialect.coerces_numeric_strings:  # the tool turns the string back into the number
            return
        for key, scalar in yaml11_plain_scalars(ctx):
            v11, v12 = scalar.value11, scalar.value12
            if isinstance(v11, str) and isinstance(v12, (int, float)) and not isinstance(v12, bool):
                name = f"'{key.text}'" if key is not None else "a list item"
                new = portable_number(scalar.text, v12)
                yield Violation(
                    f"{name}: `{scalar.text}` is the string \"{scalar.text}\" to {dialect.title}'s YAML 1.1 "
                    f"loader, not the number {v12:g}; write `{new}`",
                    scalar,
                    Fix(Applicability.SAFE, f"Write `{new}`", (set_value(scalar, new),)),
                )
