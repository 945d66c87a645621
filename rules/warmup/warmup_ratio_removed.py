from __future__ import annotations

from sftlint import Applicability, Fix, FixAvailability, Rule, Severity, Violation
from sftlint.lint.edits import rename_key
from sftlint.config.key_snapshots import shown_target, target_version

from ._common import dotted, warmup_in_file

#: First transformers release whose TrainingArguments has no ``warmup_ratio``.
REMOVED_IN = (5, 15)


class WarmupRatioRemoved(Rule):
    """## What it does
    Reports `warmup_ratio` in configs whose tool hands it straight to transformers'
    `TrainingArguments` (TRL, LLaMA-Factory, plain transformers) when the targeted transformers no
    longer has it. axolotl turns its own `warmup_ratio` into steps and is not affected.

    ## Why is this bad?
    transformers 5.0 deprecated `warmup_ratio` (announced for removal in 5.2) and 5.15 removed it:
    `TrainingArguments(warmup_ratio=...)` raises `TypeError` and LLaMA-Factory's parser rejects the
    key, so the job dies before training. Since 5.0, `warmup_steps` below 1 means a ratio.

    ## Example
    ```yaml
    warmup_ratio: 0.05
    ```

    ## Use instead
    ```yaml
    warmup_steps: 0.05
    ```

    ## Options
    None. The transformers release is the `target-transformers` setting; without it, the newest
    release that both the config's project (its pin of `transformers` in `pyproject.toml`,
    `requirements*.txt`, `setup.cfg` or `setup.py`) and the tool allow (LLaMA-Factory pins
    transformers <= 5.8, where the key still works with a deprecation warning), else the newest.

    ## Fix safety
    Safe: the key is renamed and the value kept, which transformers 5 reads as the same ratio
    (`ceil(ratio x total steps)`). No fix for a ratio of 1 or more (it would become a step count)
    or when `warmup_steps` is also set (WS003 reports that).

    ## References
    - transformers `TrainingArguments.get_warmup_steps`; the field list of releases 5.14 and 5.15
    """

    code = "WS004"
    name = "warmup-ratio-removed"
    severity = Severity.ERROR
    fix_availability = FixAvailability.SOMETIMES
    dialects = frozenset({"llamafactory", "trl", "hf"})

    def check(self, ctx):
        config = ctx.config
        ratio = warmup_in_file(config, "warmup_ratio")
        target = target_version(ctx.settings, "transformers", config.dialect.name, ctx.document.path)
        if ratio is None or target < REMOVED_IN or warmup_in_file(config, "warmup_steps") is not None:
            return
        fix = None
        if ratio.key is not None and 0 <= ratio.value < 1:
            fix = Fix(Applicability.SAFE, f"Rename to 'warmup_steps: {ratio.value:g}'",
                      (rename_key(ratio.key, "warmup_steps"),))
        shown = shown_target(ctx.settings, "transformers", config.dialect.name, ctx.document.path)
        yield Violation(
            f"'{dotted(ratio)}' was removed in transformers 5.15 and {config.dialect.title} passes it on "
            f"(targeting {shown}): the run stops with a TypeError; write 'warmup_steps: {ratio.value:g}' "
            "(below 1 it is a ratio)",
            ratio.key, fix,
        )
