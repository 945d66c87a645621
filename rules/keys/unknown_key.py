from __future__ import annotations

import functools
import heapq

from sftlint import Applicability, Fix, FixAvailability, Rule, Severity, Violation
from sftlint.dialects.evidence import near_miss
from sftlint.lint.edits import rename_key
from sftlint.settings.options import Option

from ._walk import consequence, entries, severity_for


class UnknownKey(Rule):
    """## What it does
    Reports keys that the tool's config schema does not have, with the closest known key when one
    is near (`lerning_rate` -> `learning_rate`).

    ## Why is this bad?
    What the tool does with a key it does not know decides the severity, and the message says it:

    - axolotl drops it when it validates the config (a warning): `lora_droput: 0.1` trains with
      no dropout and nothing says so. Unsloth Studio ignores it too.
    - LLaMA-Factory stops with "Some keys are not used by the HfArgumentParser" (an error).
    - `trl sft --config` hands it to `accelerate launch`, which stops with "unrecognized
      arguments"; scripts built on `TrlParser` stop with "Unknown arguments from config file"
      (an error).
    - transformers: `TrainingArguments(**config)` raises a TypeError and `HfArgumentParser` a
      ValueError (an error), after minutes of imports and downloads.

    TRL and plain transformers configs are often read by a project's own script that adds argument
    classes of its own (the alignment-handbook's `dataset_mixture`, open-r1's `reward_funcs`), so
    for those two only a key one or two letters away from a known key (`lerning_rate`) is
    reported; a file with many keys that no TRL or transformers class has is not read as theirs.

    ## Example
    ```yaml
    lora_droput: 0.1
    ```

    ## Use instead
    ```yaml
    lora_dropout: 0.1
    ```

    ## Options
    - `cutoff` (default `0.8`): how similar (0-1, difflib ratio) a known key must be to suggest it
      (for TRL and transformers the suggestion is the key one or two edits away).

    ## Fix safety
    Unsafe: renames the key to the suggestion, which is a guess at what was meant. Offered only when
    there is a suggestion and the file does not set that key already.

    ## References
    - Schemas: `sftlint/config/schemas_data/` (from axolotl `src/axolotl/utils/schemas/`, LLaMA-Factory
      `src/llamafactory/hparams/`, transformers `TrainingArguments`, TRL's `SFTConfig`, `DPOConfig`,
      `ORPOConfig`, `KTOConfig`, `CPOConfig`, `GRPOConfig`, `RLOOConfig`, `RewardConfig`, `ModelConfig`
      and `ScriptArguments`, `unsloth_cli/config.py`)
    - What the tools do with unknown keys: transformers `HfArgumentParser.parse_dict`; TRL
      `TrlParser.parse_args_and_config` and `trl/cli/accelerate_launcher.py`; LLaMA-Factory
      `hparams/parser.py` `_parse_args`; axolotl `utils/config/__init__.py` `validate_config`
    """

    code = "KT001"
    name = "unknown-key"
    severity = Severity.WARNING
    options = {"cutoff": Option(0.8, float, "how close a key must be to a known one to be suggested", minimum=0,
                                 exclusive_minimum=True, maximum=1)}
    fix_availability = FixAvailability.SOMETIMES

    def check(self, ctx):
        dialect = ctx.config.dialect
        schema = dialect.key_schema()
        if schema is None:
            return
        known, by_prefix = _known_keys(dialect, schema)
        cutoff = float(ctx.options["cutoff"])
        for dotted, key, _value, mapping in entries(ctx.document, schema):
            if dotted in known or dotted in schema.removed or dotted.startswith(("_", ".", "x-")):
                continue
            prefix, _, last = dotted.rpartition(".")
            close = _close_match(last, by_prefix.get(prefix, ()), cutoff)
            if dialect.scripts_add_keys:
                # a key no typo away from a known one may be the script's own argument
                typo = near_miss(last, by_prefix.get(prefix, ()))
                if typo is None or typo in mapping:
                    continue
                close = [typo]
            hint, fix = "", None
            if close:
                hint = f"; did you mean '{close[0]}'?"
                if close[0] not in mapping:
                    fix = Fix(Applicability.UNSAFE, f"Rename to '{close[0]}'", (rename_key(key, close[0]),))
            yield Violation(
                f"unknown key '{dotted}': {consequence(dialect)}{hint}",
                key, fix, severity=severity_for(dialect),
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


_CLOSE: dict[tuple[int, str, float], tuple[object, list[str]]] = {}


def _close_match(word: str, candidates, cutoff: float) -> list[str]:
    """The known key difflib finds closest to ``word`` among the shortlist (a list of one, or empty).

    Remembered per candidate list, word and cutoff: the same unknown keys come back file after
    file, and each costs a dozen full difflib comparisons."""
    key = (id(candidates), word, cutoff)
    found = _CLOSE.get(key)
    if found is None or found[0] is not candidates:  # the list itself is kept, so its id stays its own
        import difflib  # only for files with unknown keys

        if len(_CLOSE) >= 4096:
            _CLOSE.clear()  # a long editor session meets many words: keep the memory bounded
        found = _CLOSE[key] = (candidates, difflib.get_close_matches(word, _within_reach(word, candidates, cutoff),
                                                                    n=1, cutoff=cutoff))
    return list(found[1])


#: How many candidates, ranked by shared letter pairs, difflib compares in full.
SHORTLIST = 12


def _within_reach(word: str, candidates, cutoff: float) -> list[str]:
    """The few candidates worth difflib's full comparison with ``word``.

    Lengths first: difflib's ratio is 2*M/(len(a)+len(b)) with M <= the shorter length, so a
    candidate much longer or shorter can never reach ``cutoff``. Then the candidates sharing the
    most letter pairs with ``word``: a typo keeps most of them, and comparing a dozen instead of
    every key a tool accepts keeps unknown-key checks cheap on large configs.
    """
    near, near_pairs = _near_in_length(candidates, len(word), cutoff)
    if len(near) <= SHORTLIST:
        return near
    pairs = _pairs(word)
    # the SHORTLIST with most pairs in common, ties in the candidates' order (what a stable sort by
    # that count gives), without sorting them all
    ranked = heapq.nsmallest(SHORTLIST, zip([-len(pairs & p) for p in near_pairs], range(len(near))))
    return [near[i] for _, i in ranked]


_NEAR: dict[tuple[int, int, float], tuple[object, list[str], list[frozenset[str]]]] = {}


def _near_in_length(candidates, n: int, cutoff: float) -> tuple[list[str], list[frozenset[str]]]:
    """The candidates whose length lets them reach ``cutoff`` against a word of length ``n``, in
    their order, and their letter pairs; remembered per candidate list and length, as unknown keys
    of one length recur."""
    key = (id(candidates), n, cutoff)
    found = _NEAR.get(key)
    if found is None or found[0] is not candidates:  # the list itself is kept, so its id stays its own
        if len(_NEAR) >= 4096:
            _NEAR.clear()  # a long editor session may meet many lengths and cutoffs: keep it bounded
        near = [c for c in candidates if 2 * min(n, len(c)) >= cutoff * (n + len(c))]
        found = _NEAR[key] = (candidates, near, [_pairs(c) for c in near])
    return found[1], found[2]


@functools.lru_cache(maxsize=4096)
def _pairs(word: str) -> frozenset[str]:
    return frozenset(word[i:i + 2] for i in range(len(word) - 1))
