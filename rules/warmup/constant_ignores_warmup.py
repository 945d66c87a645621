from __future__ import annotations

from sftlint import Applicability, Fix, FixAvailability, Rule, Severity, Violation
from sftlint.document import Scalar
from sftlint.lint.edits import set_value
from sftlint.dialects.values import as_number

from ._common import dotted

#: Schedules whose factory the Trainer calls without the warmup (transformers ``get_scheduler``).
WITHOUT_WARMUP = {"constant": "constant_with_warmup", "reduce_lr_on_plateau": None}


class ConstantScheduleIgnoresWarmup(Rule):
    """## What it does
    Reports a warmup (`warmup_steps` or `warmup_ratio` above zero) together with
    `lr_scheduler_type: constant` or `reduce_lr_on_plateau`.

    ## Why is this bad?
    transformers' `get_scheduler` builds these two schedules without the warmup: `constant` starts
    at the full learning rate on step 1, and the warmup setting does nothing. A LoRA run that was
    meant to ease in starts at its peak rate, which is where loss spikes come from. The schedule
    with a warmup is `constant_with_warmup`. axolotl, LLaMA-Factory, TRL and Unsloth all hand
    the name to the same function.

    ## Example
    ```yaml
    lr_scheduler_type: constant
    warmup_steps: 100
    ```

    ## Use instead
    ```yaml
    lr_scheduler_type: constant_with_warmup
    warmup_steps: 100
    ```

    ## Options
    None.

    ## Fix safety
    Unsafe: switching to `constant_with_warmup` gives the run the warmup the file asks for, which
    changes the learning rate of the first steps. No fix for `reduce_lr_on_plateau`.

    ## References
    - transformers `optimization.get_scheduler` (5.17): `constant` and `reduce_lr_on_plateau` are
      built before, and without, `num_warmup_steps`
    - axolotl `core/trainers/mixins/scheduler.py`: other schedules go to the Trainer's own
    """

    code = "WS009"
    name = "constant-schedule-ignores-warmup"
    severity = Severity.WARNING
    fix_availability = FixAvailability.SOMETIMES

    def check(self, ctx):
        config = ctx.config
        schedule = config.get("lr_scheduler_type")
        if schedule is None or not schedule.in_file or not isinstance(schedule.value, str):
            return
        name = schedule.value.strip().lower()
        if name not in WITHOUT_WARMUP:
            return
        if config.has_key("deepspeed"):
            return  # a DeepSpeed config may bring its own scheduler
        warmup = None
        for field in ("warmup_steps", "warmup_ratio"):
            setting = config.get(field)
            value = as_number(setting.value) if setting is not None and setting.in_file else None
            if value is not None and value > 0:
                warmup = setting
                break
        if warmup is None:
            return
        replacement = WITHOUT_WARMUP[name]
        fix = None
        if replacement and isinstance(schedule.node, Scalar):
            q = schedule.node.style if schedule.node.style in ('"', "'") else ""
            fix = Fix(Applicability.UNSAFE, f"Use '{replacement}'", (set_value(schedule.node, f"{q}{replacement}{q}"),))
        advice = f": use '{replacement}' for a warmup" if replacement else ""
        yield Violation(
            f"'{dotted(warmup)}: {warmup.value:g}' does nothing with the '{name}' schedule, which starts at the full "
            f"learning rate{advice}",
            ctx.node_of(warmup), fix, data={"schedule": name},
        )
