from __future__ import annotations

from sftlint import Applicability, FixAvailability, Rule, Severity, Violation
from sftlint.dialects.values import as_number

from sftlint.rules._shared import key_name, set_field_fix
from sftlint.settings.options import Option

from ._common import why_total

#: interval field -> (strategy field, default strategy when the tool gives none, what is missed)
INTERVALS = {
    "save_steps": ("save_strategy", "steps", "no checkpoint is saved before the final one"),
    "eval_steps": ("eval_strategy", "no", "the model is never evaluated during training"),
    "logging_steps": (None, "steps", "no training loss is logged before the end"),
}


def strategy(config, field: str | None, default: str) -> str:
    if field is None:
        return default
    value = config.value(field, default)
    value = getattr(value, "value", value)
    return str(value).lower() if value is not None else default


def _multiple_of_eval(config, target: int, total: int) -> int | None:
    """With ``load_best_model_at_end``, transformers wants ``save_steps`` to be a multiple of the
    eval interval (WS008): the largest such multiple up to ``target``, else the interval itself
    when it fits in the run, else None (no fix; WS008 and this rule would undo each other)."""
    best = config.get("load_best_model_at_end")
    if best is None or best.value is not True:
        return target
    every = as_number(config.value("eval_steps")) or as_number(config.value("logging_steps"))
    if not every or every < 1:
        return target
    every = int(every)
    if every <= target:
        return target // every * every
    return every if every <= total else None


class IntervalBeyondTotal(Rule):
    """## What it does
    Reports a `save_steps`, `eval_steps` or `logging_steps` larger than the run's total steps
    (when the matching strategy is `steps`).

    ## Why is this bad?
    The interval never comes round: no checkpoint to resume from if the job dies, no evaluation to
    catch overfitting, no loss curve. transformers still saves at the very last step, so the run
    looks fine until it crashes at 90%.

    ## Example
    ```yaml
    # 4000 examples, batch 4 x GA 4 x 1 GPU, 1 epoch = 250 optimizer steps
    save_steps: 500
    ```

    ## Use instead
    ```yaml
    save_steps: 125
    ```

    ## Options
    - `min-total-steps` (default `50`): shorter runs (smoke tests) are not checked.

    ## Fix safety
    The fix sets the interval inside the run: half the total steps for `save_steps` and
    `eval_steps`, a tenth for `logging_steps` (at least 1). With `load_best_model_at_end`,
    `save_steps` becomes a multiple of the eval interval (as WS008 requires), and there is no fix
    when no multiple fits in the run. Safe for `logging_steps`; unsafe for the others, since more
    checkpoints and evaluations cost disk and time.

    ## References
    - transformers `TrainingArguments` (`save_steps`, `eval_steps`, `logging_steps`); the final
      checkpoint: `Trainer._maybe_log_save_evaluate` / `DefaultFlowCallback`
    """

    code = "WS007"
    name = "interval-beyond-total"
    severity = Severity.WARNING
    options = {"min-total-steps": Option(50, int, "shorter runs are not checked", minimum=0, maximum=10**9)}
    fix_availability = FixAvailability.SOMETIMES

    def check(self, ctx):
        plan, config = ctx.plan, ctx.config
        total = plan.total_steps
        if not total or total < int(ctx.options["min-total-steps"]):
            return
        for field, (strategy_field, default, missed) in INTERVALS.items():
            setting = config.get(field)
            if setting is None or not setting.in_file:
                continue
            interval = as_number(setting.value)
            if interval is None or interval < 1 or interval <= total:
                continue
            if strategy(config, strategy_field, default) != "steps":
                continue
            target = max(1, total // 10) if field == "logging_steps" else max(1, total // 2)
            if field == "save_steps":
                target = _multiple_of_eval(config, target, total)
            safety = Applicability.SAFE if field == "logging_steps" else Applicability.UNSAFE
            yield Violation(
                f"'{key_name(config, setting, field)}: {interval:g}' is beyond the last of {total} steps "
                f"({why_total(plan)}): {missed}",
                ctx.node_of(setting), set_field_fix(config, field, target, safety) if target else None,
                data={"interval": interval, "total_steps": total},
            )
