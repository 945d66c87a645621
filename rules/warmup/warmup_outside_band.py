from __future__ import annotations

import math

from sftlint import Applicability, Fix, FixAvailability, Rule, Severity, Violation
from sftlint.lint.edits import format_scalar, set_value
from sftlint.settings.options import Option

from ._common import dotted, warmup_in_file, why_total


class WarmupOutsideBand(Rule):
    """## What it does
    Reports a warmup shorter than `low-fraction` (3%) or longer than `high-fraction` (10%) of the
    run's real total steps (a warmup as long as the run is WS001's). A ratio written inside the
    band (`warmup_ratio: 0.1`) is inside it, even where rounding up to whole steps makes the warmup
    a little longer (38 steps of 375 is 10.1%).

    ## Why is this bad?
    LoRA recipes warm up over 3-10% of the steps. A warmup copied from a longer run eats most of a
    short one, which then trains at a fraction of its learning rate; no warmup at all lets the first
    updates of freshly initialised adapters hit the full learning rate.

    ## Example
    ```yaml
    # 1000 examples, batch 4 x GA 4 x 1 GPU, 2 epochs = 126 optimizer steps
    warmup_steps: 50
    ```

    ## Use instead
    ```yaml
    warmup_steps: 7   # 5% of 126 steps, rounded up
    ```

    ## Options
    - `low-fraction` (default `0.03`), `high-fraction` (default `0.10`): the band, as fractions of
      total steps.
    - `fix-fraction` (default `0.05`): the warmup the fix sets.
    - `min-total-steps` (default `50`): shorter runs (smoke tests) are not checked.

    ## Fix safety
    Safe. The key keeps its kind: a step count gets `ceil(fix-fraction x total steps)` (at least 1),
    a ratio (`warmup_ratio`, or `warmup_steps` below 1) gets `fix-fraction`. No finding when the
    fix would not change the warmup (runs of very few steps).

    ## References
    - transformers `TrainingArguments.get_warmup_steps` (`warmup_steps` < 1 is a ratio, rounded up)
    - Dettmers et al., QLoRA (2023), Appendix B and the released scripts: warmup ratio 0.03
    - Unsloth fine-tuning guide: warmup of 5-10% of steps
    """

    code = "WS002"
    name = "warmup-outside-band"
    severity = Severity.WARNING
    options = {
        "low-fraction": Option(0.03, float, "smallest warmup fraction of the total steps", minimum=0, maximum=1),
        "high-fraction": Option(0.10, float, "largest warmup fraction of the total steps", minimum=0, maximum=1),
        "fix-fraction": Option(0.05, float, "warmup fraction the fix writes", minimum=0, maximum=1),
        "min-total-steps": Option(50, int, "shorter runs are not checked", minimum=0, maximum=10**9),
    }
    #: The band is that of the supervised fine-tuning recipes cited below.
    objectives = frozenset({"sft"})
    fix_availability = FixAvailability.ALWAYS

    def check(self, ctx):
        plan, config = ctx.plan, ctx.config
        total, warmup = plan.total_steps, plan.warmup_steps
        if not total or warmup is None or warmup >= total or total < int(ctx.options["min-total-steps"]):
            return
        in_file = [s for s in (warmup_in_file(config, "warmup_steps"), warmup_in_file(config, "warmup_ratio")) if s]
        if len(in_file) != 1:  # none: the tool's default; both: WS003
            return
        setting = in_file[0]
        low, high, target_fraction = (float(ctx.options[k]) for k in ("low-fraction", "high-fraction", "fix-fraction"))
        fraction = warmup / total
        if low <= fraction <= high:
            return
        is_ratio = setting.field == "warmup_ratio" or float(setting.value) < 1
        if is_ratio and low <= float(setting.value) <= high:
            return  # written inside the band: the tool's rounding up to whole steps is not the author's
        target_steps = max(1, math.ceil(target_fraction * total))
        if target_steps == warmup:
            return
        new_text = format_scalar(target_fraction) if is_ratio else format_scalar(target_steps)
        side = "under" if fraction < low else "over"
        fix = None
        if setting.node is not None:
            fix = Fix(Applicability.SAFE, f"Set '{dotted(setting)}' to {new_text}", (set_value(setting.node, new_text),))
        yield Violation(
            f"warmup {warmup} steps is {fraction:.1%} of {total} total steps ({why_total(plan)}), {side} the "
            f"{low:.0%}-{high:.0%} band; {target_fraction:.0%} is {target_steps} steps",
            ctx.node_of(setting), fix,
            data={"warmup_steps": warmup, "total_steps": total, "fraction": fraction},
        )
