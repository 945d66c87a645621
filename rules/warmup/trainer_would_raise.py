from __future__ import annotations

import re

from sftlint import Rule, Severity, Violation

#: Settings a message may name, most specific first: the finding points at the first one the file sets.
_SETTINGS = ("dataloader_drop_last", "num_generations", "generation_batch_size", "steps_per_generation",
             "lr_scheduler_type", "lr_scheduler_kwargs", "logging_steps", "eval_steps", "save_steps",
             "eval_strategy", "logging_strategy", "warmup_steps", "warmup_ratio", "max_steps",
             "per_device_train_batch_size", "gradient_accumulation_steps", "world_size")


class TrainerWouldRaise(Rule):
    """## What it does
    Reports settings with which the real Trainer (or the TRL trainer around it) stops with an
    exception, found by following its own step arithmetic before launch.

    ## Why is this bad?
    These runs load the model, tokenize the data, and then die: at start-up, at the first step,
    or after the last step when the checkpoint has not been written yet. Seen with transformers
    5.17 and TRL 1.15:

    - `dataloader_drop_last` with fewer examples than one batch per process, and no positive
      `max_steps`: the dataloader has no batch, and the Trainer raises `ValueError`;
    - `max_steps: 0` with a fractional `logging_steps` or `eval_steps`: the interval is a
      fraction of 0 steps, and the step check divides by zero;
    - `lr_scheduler_type: polynomial` with a warmup equal to the run: the schedule divides by zero
      after the last step;
    - `logging_steps: 0`, or a fractional interval above 1, which `TrainingArguments` refuses;
    - GRPO batch sizes that its start-up check rejects (the generation batch must divide into
      whole groups of `num_generations` completions).

    ## Example
    ```yaml
    # 9 examples, batch 16, one process
    per_device_train_batch_size: 16
    dataloader_drop_last: true
    ```

    ## Use instead
    ```yaml
    per_device_train_batch_size: 8
    dataloader_drop_last: true
    ```

    ## Options
    None.

    ## Fix safety
    No fix: which setting to change (the batch, the data, the interval) is the author's choice.

    ## References
    - transformers `Trainer.set_initial_training_values`, `DefaultFlowCallback`, `TrainingArguments.__post_init__`
    - transformers `optimization.get_polynomial_decay_schedule_with_warmup`
    - TRL `GRPOConfig.__post_init__`
    """

    code = "WS011"
    name = "trainer-would-raise"
    severity = Severity.ERROR

    def check(self, ctx):
        config = ctx.config
        for message in ctx.plan.trainer_errors:
            named = [name for name in _SETTINGS if re.search(rf"\b{name}\b", message)]
            setting = next((config.get(name) for name in named
                            if config.get(name) is not None and config.get(name).in_file), None)
            yield Violation(message, ctx.node_of(setting), data={"error": message})
