from __future__ import annotations

from sftlint import Applicability, Fix, FixAvailability, Rule, Severity, Violation
from sftlint.lint.edits import format_scalar, set_value

from ._fields import kinds_for
from ._scalars import yaml11_plain_scalars


class Yaml11Octal(Rule):
    """## What it does
    Finds plain numbers that a YAML 1.1 loader reads differently from a YAML 1.2 one: a leading zero
    (`010` is octal 8 in 1.1, decimal 10 in 1.2) and colon-separated digits (`1:30` is the
    sexagesimal number 90 in 1.1, a string in 1.2).

    ## Why is this bad?
    `save_steps: 010` saves every 8 steps, not 10; `seed: 0123` is 83. A time or ratio written as
    `1:30` silently becomes a number. Nothing fails, the run just uses another value.

    ## Example
    ```yaml
    logging_steps: 010
    ```

    ## Use instead
    ```yaml
    logging_steps: 10
    ```

    ## Options
    None.

    ## Fix safety
    Leading zeros: unsafe, the fix writes the decimal number that was most likely meant, which
    changes the value the tool reads. Colon-separated digits in a key that takes a string: safe,
    the text is quoted.

    ## References
    - YAML 1.1 int type: https://yaml.org/type/int.html
    - YAML 1.2 core schema: https://yaml.org/spec/1.2.2/#1032-tag-resolution
    """

    code = "YM003"
    name = "yaml11-octal"
    severity = Severity.WARNING
    fix_availability = FixAvailability.SOMETIMES

    def check(self, ctx):
        dialect = ctx.config.dialect
        for key, scalar in yaml11_plain_scalars(ctx):
            text = scalar.text
            if ":" not in text and "0" not in text:
                continue  # neither base 60 nor a leading zero: both loaders read it alike
            digits = text.lstrip("+-").replace("_", "")
            if ":" not in digits and not (len(digits) > 1 and digits.startswith("0") and digits.isdigit()):
                continue  # 500_000 and 0x10: the 1.1 reading is the number that was meant
            v11, v12 = scalar.value11, scalar.value12
            if not isinstance(v11, int) or isinstance(v11, bool) or v11 == v12:
                continue
            name = key.text if key is not None else None
            where = f"'{name}'" if name else "a list item"
            fix = None
            if isinstance(v12, int):
                text = format_scalar(v12)
                fix = Fix(Applicability.UNSAFE, f"Write `{text}`", (set_value(scalar, text),))
                detail = f"the octal number {v11} to {dialect.title}'s YAML 1.1 loader but {v12} in YAML 1.2"
            else:
                kinds = kinds_for(dialect, name)
                if kinds and "str" in kinds and "int" not in kinds:
                    fix = Fix(Applicability.SAFE, f'Write `"{scalar.text}"`', (set_value(scalar, f'"{scalar.text}"'),))
                detail = (f"the base-60 number {v11} to {dialect.title}'s YAML 1.1 loader but the string "
                          f"\"{scalar.text}\" in YAML 1.2")
            yield Violation(f"{where}: `{scalar.text}` is {detail}", scalar, fix)
