from __future__ import annotations

import re

from sftlint import Applicability, Fix, FixAvailability, Rule, Severity, Violation
from sftlint.lint.edits import rename_key
from sftlint.config.key_snapshots import removed_in_target, shown_target

from ._walk import consequence, entries, severity_for

#: Removed keys a more specific rule reports (with the arithmetic behind it).
HANDLED_ELSEWHERE = {"warmup_ratio": "WS004"}


class RemovedKey(Rule):
    """## What it does
    Reports keys that the targeted release of the tool removed or renamed, such as
    `evaluation_strategy` (now `eval_strategy`) or TRL's `max_seq_length` (now `max_length`).

    ## Why is this bad?
    Tutorials keep the old names long after a release drops them. transformers 5 raises
    `TypeError` on `evaluation_strategy`; `trl sft` ignores an unknown `max_seq_length` and
    truncates at its default `max_length` of 1024 tokens; axolotl accepts its deprecated keys with
    a warning in the log (and rewrites some of them: `sequence_parallel_degree` to
    `context_parallel_size`, `flash_attention: true` to `attn_implementation:
    flash_attention_2`), and ignores keys it renamed (`relora_steps`, now `jagged_restart_steps`)
    without a word. A legacy attention switch that is off is not reported: axolotl drops it.

    ## Example
    ```yaml
    evaluation_strategy: steps
    ```

    ## Use instead
    ```yaml
    eval_strategy: steps
    ```

    ## Options
    None. The targeted releases are the `target-transformers` and `target-trl` settings; without
    them, the newest release that the config's project allows (the upper bound of its pin of
    `transformers`, `trl` or `axolotl` in `pyproject.toml`, `requirements*.txt`, `setup.cfg` or
    `setup.py`), else the newest release. A key removed after the release a project pins is still
    accepted there, and not reported (`trl==0.18.0` keeps `max_seq_length`).

    ## Fix safety
    Safe: the key is renamed to its replacement and the value is kept, which is what the
    replacement means. Unsafe for keys axolotl dropped for a new name (`relora_steps`): the new
    key keeps the number but not always the whole meaning (ReLoRA now also needs `relora: true`).
    No fix when the key was removed without a replacement, when the replacement is a setting
    rather than a key name (`attn_implementation: flash_attention_2` for `flash_attention: true`,
    two keys for `gc_steps`), or when the file already sets the replacement.

    ## References
    - `sftlint/config/schemas_data/transformers.json` and `trl.json` (`removed`), established by comparing
      the dataclass fields of successive releases
    - axolotl `src/axolotl/utils/schemas/deprecated.py`, and keys its schema dropped for a new
      name (`relora_steps` -> `jagged_restart_steps` in 0.12.0), which it then ignores
    - axolotl 0.19 `validation.py` `check_multipack_buffer_size`, `check_context_parallel_size`,
      `config.py` `migrate_gc_steps` and `normalize_attn_implementation`: the keys it still reads
      and rewrites to a newer spelling (`scripts/snapshot_schemas.py` `AXOLOTL_LEGACY`)
    """

    code = "KT002"
    name = "removed-key"
    severity = Severity.ERROR
    fix_availability = FixAvailability.SOMETIMES

    def check(self, ctx):
        dialect = ctx.config.dialect
        schema = dialect.key_schema()
        if schema is None:
            return
        for dotted, key, value, mapping in entries(ctx.document, schema):
            removal = schema.removed.get(dotted)
            if removal is None or dotted in HANDLED_ELSEWHERE:
                continue
            if removal.to and ": " in removal.to and not dialect.node_value(value):
                continue  # a switch replaced by a setting means nothing when off (axolotl drops it)
            if schema.knows(dotted) and removal.package != "axolotl":  # still accepted (an older key list)
                continue
            if not removed_in_target(removal, ctx.settings, dialect.name, ctx.document.path):
                continue
            since = f"{removal.package} {removal.since}" if removal.since else dialect.title
            if removal.package == "axolotl" and removal.since:
                what, effect, severity = f"renamed in axolotl {removal.since}", consequence(dialect), Severity.WARNING
            elif removal.package == "axolotl":
                what, effect, severity = "deprecated in axolotl", "it only warns and may drop it", Severity.WARNING
            else:
                what = f"removed in {since}"
                effect, severity = consequence(dialect), severity_for(dialect)
            fix = None
            if removal.to:
                effect += f"; use '{removal.to}'"
                if dotted.startswith("relora_") and removal.package == "axolotl":
                    effect += " (with 'relora: true' for ReLoRA)"
                if removal.to not in mapping and _is_key(removal.to):
                    # a key axolotl dropped may not mean quite the same under its new name
                    safety = Applicability.UNSAFE if removal.package == "axolotl" and removal.since else Applicability.SAFE
                    fix = Fix(safety, f"Rename to '{removal.to}'", (rename_key(key, removal.to),))
            if removal.since and not getattr(ctx.settings, f"target_{removal.package}", None):
                shown = shown_target(ctx.settings, removal.package, dialect.name, ctx.document.path)
                if shown.startswith("the newest"):  # no pin, no setting: say which release was judged
                    effect += f" (judged against {shown}; set target-{removal.package} if the project runs an older one)"
            yield Violation(
                f"'{dotted}' was {what}: {effect}",
                key, fix, severity=severity,
                data={"key": dotted, "replacement": removal.to, "since": removal.since},
            )


def _is_key(text: str) -> bool:
    """Whether a replacement is one key name (a fix can rename to it), not a description."""
    return re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", text) is not None
