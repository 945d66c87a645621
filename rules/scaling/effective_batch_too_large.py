from __future__ import annotations

from sftlint import Rule, Severity, Violation
from sftlint.settings.options import Option

from .learning_rate_not_scaled import _parts


class EffectiveBatchTooLarge(Rule):
    """## What it does
    Reports a LoRA or QLoRA run whose effective batch size (per-device batch x gradient
    accumulation x GPUs) is larger than `max-effective-batch` (32).

    ## Why is this bad?
    Fine-tuning datasets are small: at an effective batch of 128, a 5,000-example dataset gives
    about 40 optimizer steps per epoch, too few for an adapter starting from zero to learn, and
    each step averages away the per-example signal that instruction tuning relies on. LoRA recipes
    use 8 to 32 (the QLoRA paper used 16 for models up to 33B). Large batches across many GPUs
    usually come from a per-device batch copied from a single-GPU config.

    ## Example
    ```yaml
    per_device_train_batch_size: 8
    gradient_accumulation_steps: 8   # x 2 GPUs = 128
    ```

    ## Use instead
    ```yaml
    per_device_train_batch_size: 4
    gradient_accumulation_steps: 2   # x 2 GPUs = 16
    ```

    ## Options
    - `max-effective-batch` (default `32`).

    Only supervised fine-tuning is checked: contrastive embedding training and preference
    training choose their batch for other reasons.

    ## Fix safety
    No fix: which of the three factors to lower is the user's choice.

    ## References
    - Dettmers et al., QLoRA (2023), Appendix B: batch size 16 (7B-33B), 32 (65B)
    - Unsloth, LoRA hyperparameters guide: effective batch size 16
    """

    code = "SC002"
    name = "effective-batch-too-large"
    severity = Severity.WARNING
    options = {"max-effective-batch": Option(32, int, "largest effective batch accepted", minimum=1, maximum=10**9)}
    objectives = frozenset({"sft"})
    methods = frozenset({"lora", "qlora"})

    def check(self, ctx):
        plan, config = ctx.plan, ctx.config
        limit = ctx.options["max-effective-batch"]
        batch = plan.effective_batch_size
        if not config.uses_adapter or not batch or batch <= limit:
            return
        inputs = [config.get(f) for f in ("per_device_train_batch_size", "gradient_accumulation_steps")]
        anchor = next((s for s in inputs if s is not None and s.in_file), None)
        steps = ""
        if plan.num_examples and plan.steps_per_epoch:
            steps = f"; {plan.num_examples} examples give {plan.steps_per_epoch} optimizer steps per epoch"
        yield Violation(
            f"effective batch {batch} ({_parts(plan)}) is above {limit} for LoRA{steps}",
            ctx.node_of(anchor),
            data={"effective_batch_size": batch, "per_device_batch_size": plan.per_device_batch_size,
                  "gradient_accumulation_steps": plan.gradient_accumulation_steps, "world_size": plan.world_size,
                  "max": limit},
        )
