"""axolotl's config validators that a config file alone can trip, read in the source of commit
067b021c: ``src/axolotl/utils/schemas/validation.py``, ``peft.py`` and ``config.py``, and run
against the released axolotl 0.19.0's ``validate_config``. ``since`` is the first release with the
check, from the git history (the batch-size check took its present, looser form in 0.19.0)."""

from __future__ import annotations

from ._checks import Check, lower, truthy

#: Deprecated settings axolotl 0.19 refuses (``raise DeprecationWarning``) when set to a true value.
REFUSED_DEPRECATED = ("max_packed_sequence_len", "rope_scaling", "dpo_use_logits_to_keep", "dpo_generate_during_eval",
                      "dpo_norm_loss", "rpo_alpha", "s2_attention", "flash_attn_rms_norm")


def _sharegpt(data: dict) -> bool:
    for key in ("datasets", "test_datasets"):
        for ds in data.get(key) or ():
            kind = ds.get("type") if isinstance(ds, dict) else None
            if isinstance(kind, str) and kind.startswith("sharegpt"):
                return True
    return False


def _rl(data: dict) -> bool:
    rl = data.get("rl")
    return bool(rl) and lower(rl) not in ("false", "null", "none")


def _qlora(data: dict) -> bool:
    return lower(data.get("adapter")) == "qlora" and not data.get("merge_lora")


def _fsdp(data: dict, key: str):
    """An fsdp_config entry, written with or without the ``fsdp_`` prefix axolotl strips."""
    config = data.get("fsdp_config") or {}
    value = config.get(key)
    return config.get(f"fsdp_{key}") if value is None else value


def _lora_kernels(data: dict) -> bool:
    return any(data.get(k) for k in ("lora_mlp_kernel", "lora_qkv_kernel", "lora_o_kernel"))


CHECKS = (
    Check("RLValidationMixin.check_sample_packing_w_rl", "0.4.0", ("sample_packing", "rl"),
          lambda d: truthy(d, "sample_packing") and _rl(d),
          "`sample_packing: true` does not work with RLHF training (rl)"),
    Check("RLValidationMixin.check_kto_config", "0.6.0", ("rl", "remove_unused_columns"),
          lambda d: lower(d.get("rl")) == "kto" and d.get("remove_unused_columns") is not False,
          "set `remove_unused_columns: false` when using kto"),
    Check("PeftConfig.validate_qlora", "0.1.0", ("adapter", "load_in_4bit"),
          lambda d: _qlora(d) and not d.get("load_in_8bit") and not d.get("gptq") and not d.get("load_in_4bit"),
          "`adapter: qlora` requires `load_in_4bit: true`"),
    Check("PeftConfig.validate_qlora", "0.1.0", ("load_in_8bit", "adapter"),
          lambda d: _qlora(d) and bool(d.get("load_in_8bit")),
          "`adapter: qlora` cannot load in 8 bits (`load_in_8bit`); QLoRA is 4-bit"),
    Check("DatasetValidationMixin.deprecate_sharegpt_datasets", "0.5.0", ("datasets", "test_datasets"),
          _sharegpt, "`type: sharegpt.*` datasets are no longer supported; use `type: chat_template`"),
    Check("TrainingValidationMixin.check_batch_size_fields", "0.19.0", ("batch_size",),
          lambda d: truthy(d, "batch_size") and not d.get("micro_batch_size") and not d.get("gradient_accumulation_steps"),
          "`batch_size` alone is not enough: set micro_batch_size or gradient_accumulation_steps too"),
    Check("TrainingValidationMixin.check_gas_bsz", "0.2.1", ("batch_size", "gradient_accumulation_steps"),
          lambda d: truthy(d, "gradient_accumulation_steps") and truthy(d, "batch_size"),
          "set only one of gradient_accumulation_steps or batch_size"),
    Check("TrainingValidationMixin.check_saves", "0.4.0", ("save_steps", "save_strategy"),
          lambda d: truthy(d, "save_strategy") and truthy(d, "save_steps") and d.get("save_strategy") != "steps",
          "`save_steps` needs `save_strategy: steps` (or no save_strategy)"),
    Check("TrainingValidationMixin.check_saves", "0.4.0", ("save_steps", "saves_per_epoch"),
          lambda d: truthy(d, "saves_per_epoch") and truthy(d, "save_steps"),
          "save_steps and saves_per_epoch are mutually exclusive"),
    Check("TrainingValidationMixin.check_evals", "0.5.1", ("eval_steps", "eval_strategy"),
          lambda d: truthy(d, "eval_strategy") and truthy(d, "eval_steps") and d.get("eval_strategy") != "steps",
          "`eval_steps` needs `eval_strategy: steps` (or no eval_strategy)"),
    Check("TrainingValidationMixin.check_evals", "0.4.0", ("eval_steps", "eval_strategy", "val_set_size"),
          lambda d: d.get("val_set_size") == 0 and (truthy(d, "eval_steps") or truthy(d, "eval_strategy"))
          and not d.get("test_datasets") and d.get("eval_strategy") != "no",
          "eval_steps and eval_strategy are not supported with `val_set_size: 0` and no test_datasets"),
    Check("TrainingValidationMixin.check_evals", "0.4.0", ("eval_steps", "evals_per_epoch"),
          lambda d: truthy(d, "evals_per_epoch") and truthy(d, "eval_steps"),
          "eval_steps and evals_per_epoch are mutually exclusive"),
    Check("TrainingValidationMixin.check_evals", "0.5.1", ("eval_strategy", "evals_per_epoch"),
          lambda d: truthy(d, "evals_per_epoch") and truthy(d, "eval_strategy") and d.get("eval_strategy") != "steps",
          "eval_strategy must be empty or `steps` with evals_per_epoch"),
    Check("DatasetValidationMixin.check_val_w_test_datasets", "0.4.0", ("val_set_size", "test_datasets"),
          lambda d: truthy(d, "test_datasets") and truthy(d, "val_set_size"),
          "a non-zero val_set_size cannot be used with test_datasets"),
    Check("DatasetValidationMixin.check_eval_packing", "0.4.0", ("eval_table_size", "sample_packing"),
          lambda d: truthy(d, "sample_packing") and truthy(d, "eval_table_size") and d.get("eval_sample_packing") is not False,
          "eval_table_size with sample_packing needs `eval_sample_packing: false`"),
    Check("DatasetValidationMixin.check_push_ds_auth", "0.1.0", ("push_dataset_to_hub", "hf_use_auth_token"),
          lambda d: truthy(d, "push_dataset_to_hub") and d.get("hf_use_auth_token") is not True,
          "push_dataset_to_hub requires `hf_use_auth_token: true`"),
    Check("TrainingValidationMixin.check_neftune", "0.4.0", ("noisy_embedding_alpha", "neftune_noise_alpha"),
          lambda d: truthy(d, "noisy_embedding_alpha") and truthy(d, "neftune_noise_alpha"),
          "noisy_embedding_alpha and neftune_noise_alpha are the same setting; keep neftune_noise_alpha"),
    Check("ModelCompatibilityValidationMixin (removed unsloth_* fields)", "0.17.0",
          ("unsloth_lora_mlp", "unsloth_lora_qkv", "unsloth_lora_o", "unsloth_rms_norm", "unsloth_rope",
           "unsloth_cross_entropy_loss"),
          lambda d: any(d.get(k) for k in ("unsloth_cross_entropy_loss", "unsloth_lora_mlp", "unsloth_lora_qkv",
                                           "unsloth_lora_o", "unsloth_rms_norm", "unsloth_rope")),
          "the unsloth_* switches have been removed; use lora_mlp_kernel, lora_qkv_kernel, lora_o_kernel"),
    Check("LoRAValidationMixin.check_lr_groups", "0.8.0", ("lr_groups", "loraplus_lr_ratio"),
          lambda d: truthy(d, "lr_groups") and truthy(d, "loraplus_lr_ratio"),
          "lr_groups and loraplus_lr_ratio cannot be used together"),
    Check("LoRAValidationMixin.check_peft_layers_pattern", "0.5.0", ("peft_layers_pattern",),
          lambda d: truthy(d, "peft_layers_pattern") and not d.get("peft_layers_to_transform"),
          "peft_layers_pattern requires peft_layers_to_transform"),
    Check("LoRAValidationMixin.check_fused_lora", "0.5.0", ("flash_attn_fuse_mlp", "adapter"),
          lambda d: lower(d.get("adapter")) in ("lora", "qlora") and truthy(d, "flash_attn_fuse_mlp"),
          "fused modules (flash_attn_fuse_mlp) are not supported with LoRA/QLoRA"),
    Check("LoRAValidationMixin.check_lora_kernels_8bit", "0.12.0", ("load_in_8bit", "lora_mlp_kernel"),
          lambda d: _lora_kernels(d) and lower(d.get("adapter")) == "lora" and truthy(d, "load_in_8bit"),
          "the LoRA kernels (lora_*_kernel) do not support 8-bit LoRA"),
    Check("LoRAValidationMixin.check_lora_kernels_trust_remote_code", "0.15.0", ("trust_remote_code",),
          lambda d: _lora_kernels(d) and truthy(d, "trust_remote_code"),
          "the LoRA kernels (lora_*_kernel) do not support trust_remote_code models"),
    Check("TrainingValidationMixin.check_early_stopping", "0.3.0", ("early_stopping_patience",),
          lambda d: truthy(d, "early_stopping_patience") and not (d.get("save_steps") and d.get("eval_steps")),
          "`early_stopping_patience` requires save_steps and eval_steps"),
    Check("TrainingValidationMixin.check_early_stopping", "0.3.0", ("early_stopping_patience", "save_steps"),
          lambda d: truthy(d, "early_stopping_patience") and isinstance(d.get("save_steps"), int)
          and isinstance(d.get("eval_steps"), int) and d["eval_steps"] > 0 and d["save_steps"] % d["eval_steps"] != 0,
          "`early_stopping_patience` requires eval_steps to divide save_steps evenly"),
    Check("AxolotlInputConfig.check_save_strategy_best_requires_metric (config.py)", "0.16.0", ("save_strategy",),
          lambda d: d.get("save_strategy") == "best" and not d.get("metric_for_best_model"),
          "`save_strategy: best` requires metric_for_best_model"),
    Check("FSDPValidationMixin.check_fsdp2_cpu_ram_efficient_loading_w_4bit", "0.19.0",
          ("fsdp_config", "load_in_4bit"),
          lambda d: isinstance(d.get("fsdp_config"), dict)
          and str(d.get("fsdp_version") or _fsdp(d, "fsdp_version") or _fsdp(d, "version")) == "2"
          and bool(_fsdp(d, "cpu_ram_efficient_loading")) and truthy(d, "load_in_4bit"),
          "FSDP2 does not support `cpu_ram_efficient_loading` with load_in_4bit"),
    Check("DeprecatedParameters (deprecated.py)", None, REFUSED_DEPRECATED,
          lambda d: any(d.get(k) for k in REFUSED_DEPRECATED) or d.get("rpo_alpha") is not None,
          "these settings are no longer supported and are refused when set: " + ", ".join(REFUSED_DEPRECATED)
          + " (rope_scaling now goes under model_config)"),
    Check("ModelInputConfig.validate_save_safetensors (model.py)", None, ("save_safetensors",),
          lambda d: d.get("save_safetensors") is False,
          "`save_safetensors: false` is not supported with transformers 5 (it always saves safetensors)"),
    Check("AxolotlInputConfig.check_qat (config.py)", "0.10.0", ("qat", "load_in_4bit"),
          lambda d: truthy(d, "qat") and truthy(d, "load_in_4bit"), "QAT and load_in_4bit cannot be used together"),
)
