from __future__ import annotations

from sftlint import Applicability, Fix, FixAvailability, Rule, Severity, Violation
from sftlint.lint.edits import set_value

from ._fields import kinds_for
from ._scalars import yaml11_plain_scalars


#: YAML 1.1's boolean words (y, yes, on, true, n, no, off, false, each in three casings) are at
#: most five letters long and start with one of these.
BOOLEAN_INITIALS = frozenset("yYnNoOtTfF")


class Yaml11Boolean(Rule):
    """## What it does
    Finds plain `yes`, `no`, `on`, `off` (any case) in configs read by a YAML 1.1 loader, which
    makes them booleans, while YAML 1.2 tools (editors, schema checkers, ruamel.yaml) read strings.

    ## Why is this bad?
    For a key that takes a string the 1.1 reading is a bug: `save_strategy: no` reaches the trainer
    as `False`, not `"no"`, and fails or means something else. For a boolean key the value works
    but reads differently in every other tool that opens the file.

    ## Example
    ```yaml
    save_strategy: no
    packing: on
    ```

    ## Use instead
    ```yaml
    save_strategy: "no"
    packing: true
    ```

    ## Options
    None.

    ## Fix safety
    Safe where the key's type is known: a boolean key gets `true`/`false` (the value the tool
    already reads), a string key gets the word quoted (the value that was meant). No fix when the
    key's type is not known.

    ## References
    - YAML 1.1 boolean type: https://yaml.org/type/bool.html
    - PyYAML resolver: https://github.com/yaml/pyyaml/blob/main/lib/yaml/resolver.py
    """

    code = "YM002"
    name = "yaml11-boolean"
    severity = Severity.WARNING
    fix_availability = FixAvailability.SOMETIMES

    def check(self, ctx):
        dialect = ctx.config.dialect
        for key, scalar in yaml11_plain_scalars(ctx):
            text = scalar.text
            if len(text) > 5 or text[:1] not in BOOLEAN_INITIALS:
                continue  # not one of YAML 1.1's boolean words: the loaders agree, no need to resolve it
            v11, v12 = scalar.value11, scalar.value12
            if not isinstance(v11, bool) or isinstance(v12, bool):
                continue
            name = key.text if key is not None else None
            kinds = kinds_for(dialect, name)
            where = f"'{name}'" if name else "a list item"
            if kinds and "bool" in kinds:
                new, severity = ("true" if v11 else "false"), Severity.WARNING
                meaning = f"write `{new}`, which every YAML reader takes alike"
            elif kinds and "str" in kinds:
                new, severity = f'"{scalar.text}"', Severity.ERROR
                meaning = f"{name} takes a string: write `{new}`"
            else:
                new, severity = None, Severity.WARNING
                meaning = f"quote it if the word was meant, or write `{str(v11).lower()}`"
            fix = Fix(Applicability.SAFE, f"Write `{new}`", (set_value(scalar, new),)) if new else None
            yield Violation(
                f"{where}: `{scalar.text}` is the boolean {v11} to {dialect.title}'s YAML 1.1 loader but the "
                f"string \"{scalar.text}\" in YAML 1.2; {meaning}",
                scalar, fix, severity=severity,
            )
