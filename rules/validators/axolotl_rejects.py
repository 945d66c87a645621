from __future__ import annotations

from functools import lru_cache

from sftlint import Rule, Severity

from ._checks import run


@lru_cache(maxsize=None)
def all_checks() -> tuple:
    """axolotl's checks, loaded with the first axolotl config: the tables are the largest modules
    of the rules, and a check of another tool's config never needs them."""
    from .axolotl_checks import CHECKS
    from .axolotl_more_checks import CHECKS as MORE_CHECKS

    return CHECKS + MORE_CHECKS


class AxolotlRejectsConfig(Rule):
    """## What it does
    Reports combinations of settings that axolotl's config validation refuses at start-up, such
    as `sample_packing: true` with `rl: dpo`, `adapter: qlora` without `load_in_4bit: true`, or a
    `type: sharegpt` dataset. Each check follows one of axolotl's own validators and names the
    first axolotl release that has it:

    - `sample_packing, rl` (since 0.4.0): sample packing does not work with RLHF training
    - `rl: kto` without `remove_unused_columns: false` (since 0.6.0)
    - `adapter: qlora` without `load_in_4bit: true`, or with `load_in_8bit` (since 0.1.0)
    - `datasets[].type: sharegpt...` (since 0.5.0): use `chat_template`
    - `batch_size` without `micro_batch_size` or `gradient_accumulation_steps` (this form since
      0.19.0); both `gradient_accumulation_steps` and `batch_size` (since 0.2.1)
    - `save_steps` with a `save_strategy` other than `steps` (since 0.4.0); `save_steps` with
      `saves_per_epoch` (since 0.4.0)
    - `eval_steps` with an `eval_strategy` other than `steps` (since 0.5.1); evaluation settings
      with `val_set_size: 0` and no `test_datasets` (since 0.4.0); `eval_steps` with
      `evals_per_epoch` (since 0.4.0); `evals_per_epoch` with an `eval_strategy` other than
      `steps` (since 0.5.1)
    - `val_set_size` with `test_datasets` (since 0.4.0)
    - `eval_table_size` with `sample_packing` unless `eval_sample_packing: false` (since 0.4.0)
    - `push_dataset_to_hub` without `hf_use_auth_token: true` (since 0.1.0)
    - both `noisy_embedding_alpha` and `neftune_noise_alpha` (since 0.4.0)
    - the removed `unsloth_*` switches (since 0.17.0): use `lora_*_kernel`
    - `lr_groups` with `loraplus_lr_ratio` (since 0.8.0); `peft_layers_pattern` without
      `peft_layers_to_transform` (since 0.5.0); `flash_attn_fuse_mlp` with LoRA (since 0.5.0)
    - `lora_*_kernel` with 8-bit LoRA (since 0.12.0) or with `trust_remote_code` (since 0.15.0)
    - `qat` with `load_in_4bit` (since 0.10.0)
    - `early_stopping_patience` without both `save_steps` and `eval_steps`, or with `eval_steps`
      not dividing `save_steps` (since 0.3.0); `save_strategy: best` without
      `metric_for_best_model` (since 0.16.0); FSDP2 with `cpu_ram_efficient_loading` and
      `load_in_4bit` (0.19.0)
    - deprecated settings it now refuses when set: `max_packed_sequence_len`, `rope_scaling`
      (now under `model_config`), `dpo_use_logits_to_keep`, `dpo_generate_during_eval`,
      `dpo_norm_loss`, `rpo_alpha`, `s2_attention`, `flash_attn_rms_norm` (0.19.0);
      `save_safetensors: false` (0.19.0, with transformers 5)

    And, read in 0.19.0 (when each first appeared was not traced, so the findings name 0.19):

    - a key whose type takes no null written empty (`output_dir:`, `sequence_len:`), and an
      empty `base_model`, `base_model_config` or `tokenizer_config`, which crashes a check
    - data: no `datasets` and no `pretraining_dataset`; `pretraining_dataset` or `streaming`
      without `max_steps`, or with `val_set_size`; several streaming datasets with packing;
      `dataset_exact_deduplication` with streaming or `skip_prepare_dataset`;
      `include_tokens_per_second` with `pretraining_dataset`; `chat_template: jinja` (top level
      or in a dataset) without `chat_template_jinja`
    - evaluation: `do_bench_eval` without an interval; `do_causal_lm_eval` with
      `eval_sample_packing`; unknown `eval_causal_lm_metrics`
    - attention: `attn_implementation` beside a legacy switch (`flash_attention: true` ...), a
      short or unknown backend name (`flash`), `gemma4_hybrid_attn_impl` off FA2, a misspelt
      `large_head_attention`, `scaling_softmax` without flex attention, context parallelism
      without FA2 or with packing and `micro_batch_size` > 1
    - adapters: merging a QLoRA adapter into a 4/8-bit or GPTQ model, QLoRA on GPTQ,
      `lora_dropout` with `lora_target_parameters`, `unfrozen_parameters` with
      `peft_layers_to_transform`, `use_onebitllms` with LoRA, `quantize_moe_experts` without its
      needs, an invalid regex in `lora_target_modules`, ReLoRA without `jagged_restart_steps`,
      an adapter, or with FSDP, DeepSpeed, `one_cycle` or fused modules
    - RL: `dpo_loss_type`/`dpo_loss_weights` mismatched or outside `rl: dpo`, the Liger DPO
      kernel with ipo, `rl: gdpo` with GRPO's aggregation, GRPO with `num_generations` < 2 or a
      generation batch not a multiple of it, GRPO + sequence parallel + Liger, `warmup_ratio`
      with SimPO, `rl: ebft` without its section or with its strided-mode conflicts, `beta` and
      `trl.beta` that differ, `eval_sample_packing` with kto
    - optimizers and parallelism: muon, flash_* , polora and q_galore_adamw8bit where they do not
      work; `batch_flattening: true` with packing; two cross-entropy patches at once; DeepSpeed
      with FSDP; `max_memory` with `gpu_memory_limit`; `model_quantization_config` with
      `load_in_*`; `deepcompile` without DeepSpeed; `cpu_offload_pin_memory: false` off FSDP2
      or without `offload_params`; FSDP2 with 4/8-bit DPO/KTO/ORPO/IPO; FSDP1 parameter offload
      with an 8-bit optimizer; FSDP2 with bitsandbytes' 8-bit AdamW; `SIZE_BASED_WRAP` without
      `min_num_params`; `fp32_norms` off FSDP2; `ple_cpu_offload` outside its setups;
      `cpu_ram_efficient_loading` with Mxfp4; `fp8_config` without `fp8`; FSDP float8
      all-gather off FSDP2
    - models: FSDP with a falcon `base_model`, gradient checkpointing with an mpt one (axolotl
      matches the name), `activation_offloading` or `selective_checkpointing` without gradient
      checkpointing (or with reentrant checkpointing), BetterTransformer with fp16/bf16,
      `revision_of_model` with GPTQ, `revision`/`trust_remote_code` in `processor_kwargs`,
      `torch_compile_options` without `torch_compile` or with an inductor option it does not allow,
      QAT with `load_in_8bit` or `peft` (and ternary QAT's activations), a misspelt
      `image_resize_algorithm`, `neftune_noise_alpha` <= 0, the old
      `pretrain_multipack_buffer_size` beside its new name, `use_reentrant: true` with
      `unfrozen_parameters`, mistral-common with tokenizer edits

    Validators that need the machine (GPU count, compute capability, installed packages), the
    content of a DeepSpeed file, or a plugin's registry are left out; docs/validators.md lists
    every validator and what covers it.

    ## Why is this bad?
    axolotl validates the whole file before it loads anything, and stops with a pydantic
    `ValidationError` naming one problem at a time; on a cluster that is a queued job lost per
    mistake. sftlint reports them all at once, before the launch.

    ## Example
    ```yaml
    rl: dpo
    sample_packing: true
    ```

    ## Use instead
    ```yaml
    rl: dpo
    sample_packing: false
    ```

    ## Options
    None.

    ## Fix safety
    No fix: which of the two settings is the mistake is the author's choice.

    ## References
    - axolotl `src/axolotl/utils/schemas/validation.py`, `peft.py` and `config.py` at commit
      067b021: the validators named in each finding; first releases from the git history
    - Checked against the released axolotl 0.19.0 (`axolotl.utils.config.validate_config`, in a
      separate environment, since it pins other transformers and TRL releases): one config per
      check, each refused by axolotl exactly where this rule reports it, and the valid ones
      accepted by both
    - `bench/validators/axolotl_cases.yaml`: 115 configs run through axolotl 0.19.0's
      `validate_config` (`check_real.py`); the answers are recorded and the test suite checks
      this rule reports exactly the refused ones
    """

    code = "TV001"
    name = "axolotl-rejects-config"
    severity = Severity.ERROR
    dialects = frozenset({"axolotl"})

    def check(self, ctx):
        yield from run(ctx, all_checks(), "axolotl", "0.19")
