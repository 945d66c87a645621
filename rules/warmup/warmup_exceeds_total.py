from __future__ import annotations

import math

from sftlint import Applicability, Fix, FixAvailability, Rule, Severity, Violation
from sftlint.lint.edits import format_scalar, set_value
from sftlint.settings.options import Option

from ._common import why_total as _why


class WarmupExceedsTotal(Rule):
    """## What it does
    Reports a warmup that is as long as, or longer than, the whole run: the learning rate never
    reaches its peak and the schedule never decays.

    ## Why is this bad?
    Warmup is counted in optimizer steps, and the real number of steps depends on the dataset
    size, the effective batch (per-device batch x gradient accumulation x GPUs) and the epochs.
    A `warmup_steps: 100` copied from a large run onto 200 examples trains the entire job at a
    fraction of the intended learning rate.

    ## Example
    ```yaml
    # 200 examples, batch 2 x GA 4 x 1 GPU, 1 epoch = 25 optimizer steps
    warmup_steps: 100
    ```

    ## Use instead
    ```yaml
    warmup_steps: 2   # 5% of 25 steps, rounded up
    ```

    ## Options
    - `fix-fraction` (default `0.05`): the warmup, as a fraction of total steps, that the fix sets.

    ## Fix safety
    Safe: only the warmup value changes, to `ceil(fix-fraction x total steps)` (at least 1).

    ## References
    - transformers `TrainingArguments.get_warmup_steps`
    - Unsloth fine-tuning guide: warmup of 5-10% of steps
    """

    code = "WS001"
    name = "warmup-exceeds-total-steps"
    severity = Severity.ERROR
    options = {"fix-fraction": Option(0.05, float, "warmup fraction the fix writes", minimum=0, maximum=1)}
    fix_availability = FixAvailability.SOMETIMES

    def check(self, ctx):
        plan = ctx.plan
        if not plan.total_steps or plan.warmup_steps is None or plan.warmup_steps < plan.total_steps:
            return
        config = ctx.config
        setting = next((s for s in (config.get("warmup_steps"), config.get("warmup_ratio")) if s and s.in_file), None)
        if setting is None:
            return
        target = max(1, math.ceil(float(ctx.options["fix-fraction"]) * plan.total_steps))
        value_text = format_scalar(target)
        if setting.field == "warmup_ratio":
            value_text = format_scalar(float(ctx.options["fix-fraction"]))
        fix = Fix(Applicability.SAFE, f"Set '{'.'.join(setting.key_path)}' to {value_text}",
                  (set_value(setting.node, value_text),)) if setting.node is not None else None
        yield Violation(
            f"warmup {plan.warmup_steps} steps >= {plan.total_steps} total steps ({_why(plan)}): "
            f"the learning rate never reaches its peak",
            ctx.node_of(setting),
            fix,
            data={"warmup_steps": plan.warmup_steps, "total_steps": plan.total_steps},
        )

