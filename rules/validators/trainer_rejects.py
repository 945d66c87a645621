from __future__ import annotations

from sftlint import Rule, Severity

from ._checks import run
from .trainer_checks import TRANSFORMERS, TRL


class TrainerRejectsConfig(Rule):
    """## What it does
    Reports settings that transformers' `TrainingArguments` (5.17) or TRL's `ModelConfig` (1.15)
    refuse when they are built, in the tools that hand the file's keys to them unchanged
    (transformers, `trl sft`, LLaMA-Factory):

    - `logging_steps: 0` with the `steps` logging strategy
    - a fractional `logging_steps`, `eval_steps` or `save_steps` above 1 under the `steps`
      strategy (`10.5`)
    - `lr_scheduler_type: reduce_lr_on_plateau` or `greedy` without an `eval_strategy`
    - a negative `warmup_steps`
    - `dataloader_prefetch_factor` with `dataloader_num_workers: 0`
    - both `fp16_full_eval` and `bf16_full_eval`
    - a `torch_empty_cache_steps` that is not a positive whole number
    - `eval_strategy: steps` with neither `eval_steps` nor a non-zero `logging_steps`
    - a legacy `fsdp` string or list with an unknown word, or an FSDP1-only sharding strategy
      (`hybrid_shard`, `no_shard`) while `fsdp_config` keeps the default version 2; an
      `fsdp_config.auto_wrap_policy` accelerate does not have
    - TRL: both `load_in_4bit` and `load_in_8bit`; in a DPO config, `loss_weights` without one
      weight per `loss_type`; in a GRPO or RLOO config, `auto_find_batch_size`; in a GRPO config,
      `log_completions_hub_repo` without `log_completions`, a `vllm_importance_sampling_clip_min`
      not below the clip_max, or a `*_truncate` importance-sampling mode with both clips removed

    Related checks have their own rules: `bf16` with `fp16` (QL002), `load_best_model_at_end`
    with mismatched strategies (WS008), removed values (KT004) and keys (KT002), GRPO's batch
    arithmetic (WS011).

    ## Why is this bad?
    The arguments raise `ValueError` as they are built, after the imports and before any
    training, one problem at a time.

    ## Example
    ```yaml
    lr_scheduler_type: reduce_lr_on_plateau
    ```

    ## Use instead
    ```yaml
    lr_scheduler_type: reduce_lr_on_plateau
    eval_strategy: steps
    eval_steps: 100
    ```

    ## Options
    None.

    ## Fix safety
    No fix: which setting is the mistake is the author's choice.

    ## References
    - transformers 5.17 `TrainingArguments._validate_args` and `_process_fsdp_args`; TRL 1.15 `ModelConfig`,
      `DPOConfig`, `GRPOConfig` and `RLOOConfig.__post_init__` (the findings name these releases;
      when each check first appeared was not traced); checked against the real classes in
      `tests/test_validators_real.py`
    """

    code = "TV003"
    name = "trainer-rejects-config"
    severity = Severity.ERROR
    dialects = frozenset({"hf", "trl", "llamafactory"})

    def check(self, ctx):
        if not ctx.config.dialect.validated_by_trainer(ctx.document):
            return
        yield from run(ctx, TRANSFORMERS, "transformers", "5.17")
        yield from run(ctx, TRL, "TRL", "1.15")
