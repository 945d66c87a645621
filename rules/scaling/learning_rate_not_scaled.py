from __future__ import annotations

from sftlint import Applicability, FixAvailability, Rule, Severity, Violation

from .._shared import fmt, key_name, number, set_field_fix
from .reference import ScalingSettingsError, load_reference


class LearningRateNotScaled(Rule):
    """## What it does
    Compares the learning rate with the one a reference run's rate scales to at this config's
    effective batch size (per-device batch x gradient accumulation x GPUs), by the linear rule
    (`lr x batch / reference batch`) or the square-root rule, and reports a difference larger
    than the tolerance. Nothing is checked until `[tool.sftlint.scaling]` names a reference.

    ## Why is this bad?
    A larger effective batch averages away gradient noise, so each step can take a larger step;
    keeping the learning rate of a run with four times fewer GPUs trains as if the rate were a
    quarter (linear rule) or half (square-root rule, common with Adam) of what worked before.

    ## Example
    ```toml
    [tool.sftlint.scaling]
    reference-batch-size = 16
    reference-learning-rate = 2e-4
    ```
    ```yaml
    per_device_train_batch_size: 8
    gradient_accumulation_steps: 8   # effective batch 64
    learning_rate: 2.0e-4
    ```

    ## Use instead
    ```yaml
    learning_rate: 8.0e-4   # 2e-4 x 64 / 16 (linear), or 4e-4 with rule = "sqrt"
    ```

    ## Options
    In `[tool.sftlint.scaling]`: `reference-batch-size` and `reference-learning-rate`, or
    `reference-config` (a config whose effective batch and learning rate are the reference, relative
    to the settings file); `rule` (`"linear"`, default, or `"sqrt"`); `tolerance` (default `0.25`:
    the relative difference allowed).

    ## Fix safety
    Unsafe: the fix sets the scaled learning rate, a change to the training run that scaling rules
    only approximate.

    ## References
    - Goyal et al., Accurate, Large Minibatch SGD (2017): the linear scaling rule
    - Malladi et al., On the SDEs and Scaling Rules for Adaptive Gradient Algorithms (2022): square
      root scaling for Adam
    """

    code = "SC001"
    name = "learning-rate-not-scaled"
    severity = Severity.WARNING
    fix_availability = FixAvailability.SOMETIMES

    def check(self, ctx):
        try:
            reference = load_reference(ctx)
        except ScalingSettingsError as exc:
            yield Violation(f"[tool.sftlint.scaling] cannot be used: {exc}", None)
            return
        if reference is None:
            return
        plan, config = ctx.plan, ctx.config
        lr = number(config.value("learning_rate"))
        batch = plan.effective_batch_size
        if lr is None or not batch:
            return
        expected = reference.expected(batch)
        if abs(lr / expected - 1) <= reference.tolerance:
            return
        target = float(f"{expected:.3g}")
        setting = config.get("learning_rate")
        fix = set_field_fix(config, "learning_rate", target, Applicability.UNSAFE,
                            f"Set '{key_name(config, setting, 'learning_rate')}' to {fmt(target)}")
        ratio = batch / reference.batch_size
        factor = f"{fmt(round(ratio, 4))}" if reference.rule == "linear" else f"sqrt({fmt(round(ratio, 4))})"
        yield Violation(
            f"learning rate {fmt(lr)} does not follow {reference.rule} scaling: effective batch {batch} "
            f"({_parts(plan)}) vs reference {reference.batch_size} at {fmt(reference.learning_rate)} gives "
            f"{fmt(reference.learning_rate)} x {factor} = {fmt(target)} "
            f"({fmt(round(100 * abs(lr / expected - 1)))}% off, tolerance {fmt(100 * reference.tolerance)}%)",
            ctx.node_of(setting) if setting is not None and setting.in_file else None,
            fix,
            data={"learning_rate": lr, "expected": expected, "effective_batch_size": batch,
                  "reference_batch_size": reference.batch_size, "reference_learning_rate": reference.learning_rate,
                  "rule": reference.rule},
        )


def _parts(plan) -> str:
    gpus = plan.world_size or 1
    return (f"batch {plan.per_device_batch_size} x GA {plan.gradient_accumulation_steps} x {gpus} "
            f"GPU{'s' if gpus != 1 else ''}")
