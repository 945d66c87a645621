"""Team policy rules for sftlint, shipped as a plugin: the ``TEAM`` family.

sftlint finds this module through the ``sftlint`` entry point in pyproject.toml and calls its
``sftlint_rules`` hook; from then on ``TEAM001`` is selected, ignored, suppressed and documented
exactly like a built-in rule.
"""

from __future__ import annotations

import sftlint


class SeedNotSet(sftlint.Rule):
    """## What it does
    Reports a training config that does not set `seed` itself (under the dialect's own key:
    `seed` in most tools, `training.random_seed` in Unsloth Studio).

    ## Why is this bad?
    Without a seed of its own a run takes the tool's default, which differs between tools and
    releases; two runs of the same config then cannot be compared, and a result cannot be
    reproduced when a reviewer asks for it. Our team compares runs, so every config pins its seed.

    ## Example
    ```yaml
    base_model: meta-llama/Llama-3.1-8B
    learning_rate: 0.0002
    ```

    ## Use instead
    ```yaml
    base_model: meta-llama/Llama-3.1-8B
    learning_rate: 0.0002
    seed: 42
    ```

    ## Options
    None.

    ## Fix safety
    No fix: which seed to use is the author's choice.

    ## References
    - transformers `TrainingArguments.seed` and `set_seed`
    """

    code = "TEAM001"
    name = "seed-not-set"
    severity = sftlint.Severity.WARNING

    def check(self, ctx):
        if not ctx.config.is_set("seed"):
            where = ctx.config.dialect.key_path("seed") or ("seed",)
            yield sftlint.Violation(f"the config does not set '{'.'.join(where)}'; our runs pin their seed")


@sftlint.hookimpl
def sftlint_rules():
    return [SeedNotSet]
