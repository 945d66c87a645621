from __future__ import annotations

from sftlint import Rule, Severity, Violation
from sftlint.dialects.values import as_number

from .._shared import origin_phrase

#: (interval key, strategy key, the strategy that uses the interval): the Trainer reads the
#: interval only under that strategy.
INTERVALS = (
    ("eval_steps", "eval_strategy", "steps"),
    ("save_steps", "save_strategy", "steps"),
    ("logging_steps", "logging_strategy", "steps"),
)


class IntervalIgnoredByStrategy(Rule):
    """## What it does
    Reports `eval_steps`, `save_steps` or `logging_steps` written in a config whose matching
    strategy (`eval_strategy`, `save_strategy`, `logging_strategy`) is not `steps`, in the tools
    that pass these keys to transformers' `TrainingArguments` unchanged.

    ## Why is this bad?
    The Trainer reads an interval only under the `steps` strategy. `eval_steps: 50` with the
    default `eval_strategy: "no"` never evaluates; `save_steps: 200` with `save_strategy: epoch`
    saves once an epoch. Nothing warns: the run finishes without the evaluations or checkpoints
    the file seems to ask for.

    ## Example
    ```yaml
    eval_steps: 50          # eval_strategy is "no" by default
    ```

    ## Use instead
    ```yaml
    eval_strategy: steps
    eval_steps: 50
    ```

    ## Options
    None.

    ## Fix safety
    No fix: either the interval or the strategy is the mistake, and turning evaluation on needs an
    evaluation set.

    ## References
    - transformers `TrainingArguments` (5.17) and `DefaultFlowCallback.on_step_end`: intervals are
      used only with `IntervalStrategy.STEPS` / `SaveStrategy.STEPS`
    - LLaMA-Factory and `trl sft` pass these keys to `TrainingArguments` as written; axolotl and
      Unsloth Studio choose the strategy from the interval themselves, so they are not checked
    """

    code = "WS010"
    name = "interval-ignored-by-strategy"
    severity = Severity.WARNING
    dialects = frozenset({"hf", "trl", "llamafactory"})

    def check(self, ctx):
        config = ctx.config
        for interval, strategy_key, wanted in INTERVALS:
            entry = config.document.lookup((interval,))
            if entry is None:
                continue
            number = as_number(config.dialect.node_value(entry[1]))
            if number is None or number <= 0:
                continue
            setting = config.get(strategy_key)
            if setting is not None:
                strategy, where = setting.value, origin_phrase(config, setting, strategy_key)
            else:
                strategy = config.raw(strategy_key) if config.has_key(strategy_key) else "steps"
                where = ""
            if not isinstance(strategy, str) or strategy.strip().lower() == wanted:
                continue
            if strategy_key == "save_strategy" and strategy.strip().lower() == "best":
                continue  # saves follow evaluation; save_steps is indeed unused, but that is the point of "best"
            yield Violation(
                f"'{interval}: {number:g}' is ignored: '{strategy_key}' is '{strategy}'{where}, and the Trainer "
                f"uses the interval only with '{strategy_key}: {wanted}'",
                entry[0], data={"interval": interval, "strategy": strategy},
            )
