from __future__ import annotations

from sftlint import Rule, Severity, Violation
from sftlint.dialects.values import as_number

from sftlint.rules._shared import key_name
from sftlint.settings.options import Option


class MaxStepsLength(Rule):
    """## What it does
    Notes a `max_steps` that stops before one full pass over the data, or that loops over it more
    than `max-epochs` times.

    ## Why is this bad?
    `max_steps` is often left over from a smoke test (`max_steps: 30`) and silently trains on a
    sliver of the dataset; or it is sized for a large dataset and, on a small one, repeats each
    example dozens of times, which overfits a LoRA adapter.

    ## Example
    ```yaml
    # 20000 examples, batch 2 x GA 4 = 2500 steps per epoch
    max_steps: 60
    ```

    ## Use instead
    ```yaml
    num_train_epochs: 1
    ```

    ## Options
    - `max-epochs` (default `20`): passes over the data above which the run is reported.

    ## Fix safety
    No fix: a short smoke run may be exactly what was meant.

    ## References
    - transformers `Trainer.set_initial_training_values`
    """

    code = "WS006"
    name = "max-steps-length"
    severity = Severity.INFO
    options = {"max-epochs": Option(20, float, "passes over the data above which the run is reported", minimum=0,
                                     exclusive_minimum=True, maximum=10**6)}

    def check(self, ctx):
        plan, config = ctx.plan, ctx.config
        setting = config.get("max_steps")
        steps = as_number(setting.value) if setting is not None and setting.in_file else None
        if not steps or steps <= 0 or not plan.steps_per_epoch or plan.epochs_run is None:
            return
        name = key_name(config, setting, "max_steps")
        seen = f"{plan.num_examples} examples, {plan.steps_per_epoch} steps per epoch"
        if steps < plan.steps_per_epoch:
            yield Violation(
                f"'{name}: {steps:g}' stops after {plan.epochs_run:.1%} of one epoch ({seen}): most of the "
                "data is never seen", ctx.node_of(setting), data={"epochs_run": plan.epochs_run},
            )
        elif plan.epochs_run > float(ctx.options["max-epochs"]):
            yield Violation(
                f"'{name}: {steps:g}' makes {plan.epochs_run:.3g} passes over the data ({seen}): each "
                "example is seen that many times", ctx.node_of(setting), data={"epochs_run": plan.epochs_run},
            )
