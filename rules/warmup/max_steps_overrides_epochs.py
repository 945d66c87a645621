from __future__ import annotations

from sftlint import Rule, Severity, Violation
from sftlint.dialects.values import as_number

from sftlint.rules._shared import key_name


class MaxStepsOverridesEpochs(Rule):
    """## What it does
    Reports a config that sets both a positive `max_steps` and `num_train_epochs` when the two
    disagree, and says how many passes over the data the run really makes.

    ## Why is this bad?
    A positive `max_steps` silently wins: `num_train_epochs: 3` with `max_steps: 100` on a dataset
    of 60 steps per epoch trains 1.67 epochs, not 3. The epochs line reads like a promise the run
    does not keep.

    ## Example
    ```yaml
    # 480 examples, batch 2 x GA 4 = 60 steps per epoch
    num_train_epochs: 3
    max_steps: 100
    ```

    ## Use instead
    ```yaml
    num_train_epochs: 3   # 180 steps
    ```

    ## Options
    None.

    ## Fix safety
    No fix: only the author knows which of the two was meant.

    ## References
    - transformers `Trainer.set_initial_training_values` (`max_steps > 0` overrides epochs)
    """

    code = "WS005"
    name = "max-steps-overrides-epochs"
    severity = Severity.WARNING

    def check(self, ctx):
        plan, config = ctx.plan, ctx.config
        max_steps, epochs = config.get("max_steps"), config.get("num_train_epochs")
        if not (max_steps and max_steps.in_file and epochs and epochs.in_file):
            return
        steps, wanted = as_number(max_steps.value), as_number(epochs.value)
        if not steps or steps <= 0 or not wanted or wanted <= 0 or plan.epochs_run is None:
            return
        if abs(plan.epochs_run - wanted) < 1e-9 or not plan.steps_per_epoch:
            return
        yield Violation(
            f"'{key_name(config, max_steps, 'max_steps')}: {steps:g}' overrides "
            f"'{key_name(config, epochs, 'num_train_epochs')}: {wanted:g}': the run makes {plan.epochs_run:.3g} "
            f"passes over the data ({plan.steps_per_epoch} steps per epoch), not {wanted:g}",
            ctx.node_of(max_steps),
            data={"epochs_run": plan.epochs_run, "num_train_epochs": wanted, "max_steps": steps},
        )
