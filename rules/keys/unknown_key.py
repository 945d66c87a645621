from __future__ import annotations

import functools

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
        known, by_prefix = _known_keys(dialect, schema)
        cutoff = float(ctx.options["cutoff"])
        for dotted, key, _value, mapping in entries(ctx.document.root, schema):
            if dotted in known or dotted in schema.removed or dotted.startswith(("_", ".", "x-")):
                continue
            prefix, _, last = dotted.rpartition(".")
            import difflib  # only for files with unknown keys

            close = difflib.get_close_matches(last, _within_reach(last, by_prefix.get(prefix, ()), cutoff), n=1,
                                              cutoff=cutoff)
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


_KNOWN: dict[tuple[str, int], tuple[frozenset[str], dict[str, list[str]]]] = {}


def _known_keys(dialect, schema) -> tuple[frozenset[str], dict[str, list[str]]]:
    """Every key the dialect accepts, and the last parts of those keys grouped by parent key.

    Built once per dialect and schema: a corpus run asks for it for every file.
    """
    cache_key = (dialect.name, id(schema))
    if cache_key not in _KNOWN:
        known = frozenset(schema.keys) | frozenset(getattr(dialect, "known_keys", ()) or ())
        by_prefix: dict[str, list[str]] = {}
        for k in sorted(known):
            prefix, _, last = k.rpartition(".")
            by_prefix.setdefault(prefix, []).append(last)
        _KNOWN[cache_key] = (known, by_prefix)
    return _KNOWN[cache_key]


#: How many candidates, ranked by shared letter pairs, difflib compares in full.
SHORTLIST = 12


def _within_reach(word: str, candidates, cutoff: float) -> list[str]:
    """The few candidates worth difflib's full comparison with ``word``.

    Lengths first: difflib's ratio is 2*M/(len(a)+len(b)) with M <= the shorter length, so a
    candidate much longer or shorter can never reach ``cutoff``. Then the candidates sharing the
    most letter pairs with ``word``: a typo keeps most of them, and comparing a dozen instead of
    every key a tool accepts keeps unknown-key checks cheap on large configs.
    """
    n = len(word)
    near = [c for c in candidates if 2 * min(n, len(c)) >= cutoff * (n + len(c))]
    if len(near) <= SHORTLIST:
        return near
    pairs = _pairs(word)
    return sorted(near, key=lambda c: -len(pairs & _pairs(c)))[:SHORTLIST]


@functools.lru_cache(maxsize=4096)
def _pairs(word: str) -> frozenset[str]:
    return frozenset(word[i:i + 2] for i in range(len(word) - 1))
