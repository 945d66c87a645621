from __future__ import annotations

from sftlint import Applicability, FixAvailability, Rule, Severity, Violation
from sftlint.dialects.values import as_number

from sftlint.rules._shared import key_name, set_field_fix

from .interval_beyond_total import strategy


class LoadBestMismatch(Rule):
    """## What it does
    Reports `load_best_model_at_end: true` with save and evaluation schedules that transformers
    refuses: different save and eval strategies (unless `save_strategy: best`), or a `save_steps`
    that is not a multiple of `eval_steps`.

    ## Why is this bad?
    `TrainingArguments` raises `ValueError` when it is built: the best checkpoint can only be
    restored if a checkpoint is saved at every point where the metric is measured. The job dies
    after model download and dataset preparation.

    ## Example
    ```yaml
    load_best_model_at_end: true
    eval_strategy: steps
    eval_steps: 50
    save_steps: 120
    ```

    ## Use instead
    ```yaml
    load_best_model_at_end: true
    eval_strategy: steps
    eval_steps: 50
    save_steps: 100
    ```

    ## Options
    None.

    ## Fix safety
    Steps that are not a multiple: safe, `save_steps` becomes the nearest multiple of `eval_steps`.
    Mismatched strategies: unsafe, the eval strategy is set to the save strategy, which turns on
    (or changes) evaluation.

    ## References
    - transformers `TrainingArguments._validate_args` (load_best_model_at_end checks)
    """

    code = "WS008"
    name = "load-best-mismatch"
    severity = Severity.ERROR
    fix_availability = FixAvailability.SOMETIMES

    def check(self, ctx):
        config = ctx.config
        best = config.get("load_best_model_at_end")
        if best is None or not best.in_file or best.value is not True:
            return
        if config.dialect.derives_strategies and not (config.is_set("save_strategy") and config.is_set("eval_strategy")):
            return  # axolotl derives the strategies from evals_per_epoch / saves_per_epoch
        save = strategy(config, "save_strategy", "steps")
        evaluate = strategy(config, "eval_strategy", "no")
        if save == "best":
            return
        if save != evaluate:
            yield Violation(
                f"load_best_model_at_end needs matching strategies, but save_strategy is '{save}' and "
                f"eval_strategy is '{evaluate}': transformers raises ValueError",
                ctx.node_of(best), set_field_fix(config, "eval_strategy", save, Applicability.UNSAFE),
            )
            return
        if save != "steps":
            return
        save_steps = as_number(config.value("save_steps"))
        eval_steps = as_number(config.value("eval_steps")) or as_number(config.value("logging_steps"))
        if not save_steps or not eval_steps or save_steps < 1 or eval_steps < 1 or save_steps % eval_steps == 0:
            return
        target = max(1, round(save_steps / eval_steps)) * int(eval_steps)
        setting = config.get("save_steps")
        yield Violation(
            f"load_best_model_at_end needs save steps that are a multiple of eval steps: "
            f"{key_name(config, setting, 'save_steps')} {save_steps:g} is not a multiple of {eval_steps:g}: "
            "transformers raises ValueError",
            ctx.node_of(setting) or ctx.node_of(best),
            set_field_fix(config, "save_steps", target, Applicability.SAFE),
        )
