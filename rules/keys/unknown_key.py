from __future__ import annotations

import difflib

from sftlint import Applicability, Fix, FixAvailability, Rule, Severity, Violation
from sftlint.edits import rename_key
from sftlint.schemas import for_dialect

from ._walk import consequence, entries, severity_for


class UnknownKey(Rule):
    """## What it does
    Reports keys that the tool's config schema does not have, with the closest known key when one
    is near (`lerning_rate` -> `learning_rate`).

    ## Why is this bad?
    A misspelt key is not an error in most tools: axolotl, Unsloth and `trl sft` ignore keys they
    do not know, so `lora_droput: 0.1` trains with no dropout and nothing says so. transformers'
    `TrainingArguments(**config)` and LLaMA-Factory stop with an error instead, after the imports.

    ## Example
    ```yaml
    lora_droput: 0.1
    ```

    ## Use instead
    ```yaml
    lora_dropout: 0.1
    ```

    ## Options
    - `cutoff` (default `0.8`): how similar (0-1, difflib ratio) a known key must be to suggest it.

    ## Fix safety
    Unsafe: renames the key to the suggestion, which is a guess at what was meant. Offered only when
    there is a suggestion and the file does not set that key already.

    ## References
    - Schemas: `sftlint/schemas_data/` (from axolotl `src/axolotl/utils/schemas/`, LLaMA-Factory
      `src/llamafactory/hparams/`, transformers `TrainingArguments`, TRL `SFTConfig`/`ModelConfig`/
      `ScriptArguments`, `unsloth_cli/config.py`)
    """

    code = "KT001"
    name = "unknown-key"
    severity = Severity.WARNING
    options = {"cutoff": 0.8}
    fix_availability = FixAvailability.SOMETIMES

    def check(self, ctx):
        dialect = ctx.config.dialect
        schema = for_dialect(dialect.name)
        if schema is None or dialect.name == "hf":  # plain scripts add arguments of their own
            return
        known = set(schema.keys) | set(getattr(dialect, "known_keys", ()) or ())
        for dotted, key, _value, mapping in entries(ctx.document.root, schema):
            if dotted in known or dotted in schema.removed or dotted.startswith(("_", ".", "x-")):
                continue
            prefix = dotted.rpartition(".")[0]
            siblings = [k for k in known if k.rpartition(".")[0] == prefix]
            last = dotted.rpartition(".")[2]
            close = difflib.get_close_matches(last, [k.rpartition(".")[2] for k in siblings], n=1,
                                              cutoff=float(ctx.options["cutoff"]))
            hint, fix = "", None
            if close:
                hint = f"; did you mean '{close[0]}'?"
                if close[0] not in mapping:
                    fix = Fix(Applicability.UNSAFE, f"Rename to '{close[0]}'", (rename_key(key, close[0]),))
            yield Violation(
                f"unknown key '{dotted}': {consequence(dialect)}{hint}",
                key, fix, severity=severity_for(dialect.name),
                data={"key": dotted, "suggestion": close[0] if close else None},
            )
