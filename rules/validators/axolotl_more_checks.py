"""More of axolotl's config validators that a config file alone can trip, read in the source of
the released axolotl 0.19.0 (``src/axolotl/utils/schemas/validation.py``, ``config.py``,
``peft.py``, ``datasets.py``, ``fsdp.py``, ``model.py``) and run against its ``validate_config``.
When each first appeared was not traced: the findings name 0.19, the release read.

Checks whose outcome depends on the order in which axolotl's own validators rewrite the config
(an ``fsdp_version`` given only inside ``fsdp_config``, a legacy attention flag) are written to
report only what every order refuses."""

from __future__ import annotations

import re

from ._checks import Check, lower, truthy

#: axolotl's legacy attention switches, in the order it prefers them, and what they stand for
LEGACY_ATTENTION = {"xformers_attention": "xformers", "sage_attention": "sage", "flex_attention": "flex_attention",
                    "flash_attention": "flash_attention_2", "sdp_attention": "sdpa", "eager_attention": "eager"}
ATTENTION = frozenset({"eager", "sdpa", "flash_attention_2", "flash_attention_3", "flash_attention_4",
                       "flash_attention_torch", "flex_attention", "xformers", "sage", "fp8"})
SHORT_ATTENTION = {"flash": "flash_attention_2", "flex": "flex_attention", "sdp": "sdpa"}
CROSS_ENTROPY = ("cut_cross_entropy", "chunked_cross_entropy", "liger_cross_entropy", "liger_fused_linear_cross_entropy")
CAUSAL_LM_METRICS = frozenset({"sacrebleu", "comet", "ter", "chrf", "perplexity"})
MISTRAL_COMMON_REFUSES = ("added_tokens_overrides", "special_tokens", "tokens", "chat_template", "processor_kwargs")
#: the inductor options axolotl 0.19.0 lets through ``torch_compile_options``
INDUCTOR_OPTIONS = frozenset({"coordinate_descent_tuning", "coordinate_descent_check_all_directions", "shape_padding",
                              "epilogue_fusion", "max_autotune_gemm", "fx_graph_cache", "assume_aligned_inputs",
                              "comprehensive_padding", "decompose_mem_bound_mm", "triton.cudagraphs"})
POLORA_UNTRAINED = ("lora_modules_to_save", "unfrozen_parameters", "peft_use_dora", "peft_trainable_token_indices",
                    "lisa_step_interval", "reward_model", "process_reward_model")
POLORA_IGNORED = ("loraplus_lr_ratio", "lr_groups", "embedding_lr", "embedding_lr_scale")


def _required_but_empty(data: dict) -> list[str]:
    """The top-level keys written empty (null) whose type in axolotl's schema does not take null."""
    if None not in data.values():
        return []  # nothing written empty (most files): no need to look the keys up
    from sftlint.config.key_snapshots import load

    fields = load("axolotl")["classes"]["AxolotlInputConfig"]
    empty = []
    for key, value in data.items():
        if value is not None:
            continue  # only an empty value is looked up
        kinds = fields.get(key, {}).get("type", ["any"]) if isinstance(key, str) else ["any"]
        if "null" not in kinds and "any" not in kinds:
            empty.append(key)
    return empty


def _section(data: dict, key: str) -> dict:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _fsdp(data: dict, key: str):
    """An fsdp_config entry, written with or without the ``fsdp_`` prefix axolotl strips."""
    config = _section(data, "fsdp_config")
    value = config.get(key)
    return config.get(f"fsdp_{key}") if value is None else value


def _fsdp_versions(data: dict) -> set[str]:
    """Every FSDP version the file states (top level and inside fsdp_config)."""
    config = _section(data, "fsdp_config")
    return {str(v) for v in (data.get("fsdp_version"), config.get("fsdp_version"), config.get("version")) if v}


def _fsdp_on(data: dict) -> bool:
    return bool(data.get("fsdp") or data.get("fsdp_config"))


def _fsdp1(data: dict) -> bool:
    """FSDP configured, and version 2 stated nowhere (axolotl's default is FSDP1)."""
    return _fsdp_on(data) and "2" not in _fsdp_versions(data)


def _fsdp2(data: dict) -> bool:
    """FSDP configured at version 2 wherever the version is stated, and stated somewhere."""
    versions = _fsdp_versions(data)
    return bool(data.get("fsdp_config")) and versions == {"2"}


def _attention(data: dict) -> str | None:
    """The attention backend axolotl settles on: attn_implementation, else the first legacy flag."""
    explicit = data.get("attn_implementation")
    if isinstance(explicit, str) and explicit:
        return explicit.split(":", 1)[0].split("@", 1)[0].strip()
    return next((impl for flag, impl in LEGACY_ATTENTION.items() if data.get(flag)), None)


def _legacy_flags(data: dict) -> list[str]:
    return [flag for flag in LEGACY_ATTENTION if data.get(flag)]


def _bad_attention(data: dict) -> bool:
    value = data.get("attn_implementation")
    return isinstance(value, str) and bool(value) and value not in ATTENTION and "/" not in value


def _trl(data: dict) -> dict:
    return _section(data, "trl")


def _rl(data: dict):
    return lower(data.get("rl"))


def _gc_kwargs(data: dict) -> dict:
    return _section(data, "gradient_checkpointing_kwargs")


def _ints(*values) -> bool:
    return all(isinstance(v, int) and not isinstance(v, bool) for v in values)


def _grpo_batch_not_divisible(data: dict) -> bool:
    trl = _trl(data)
    generations = trl.get("num_generations")
    if _rl(data) != "grpo" or not isinstance(generations, int) or isinstance(generations, bool) or generations < 2:
        return False
    explicit = trl.get("generation_batch_size")
    if explicit is not None:
        return _ints(explicit) and explicit % generations != 0
    micro, accumulation = data.get("micro_batch_size") or 1, data.get("gradient_accumulation_steps") or 1
    return _ints(micro, accumulation) and (micro * accumulation) % generations != 0


def _bad_regex(data: dict) -> bool:
    targets = data.get("lora_target_modules")
    if not isinstance(targets, list):
        return False
    for pattern in targets:
        if isinstance(pattern, str):
            try:
                re.compile(pattern)
            except re.error:
                return True
    return False


def _dataset_jinja_missing(data: dict) -> bool:
    for key in ("datasets", "test_datasets"):
        for ds in data.get(key) or ():
            if isinstance(ds, dict) and ds.get("chat_template") == "jinja" and not ds.get("chat_template_jinja"):
                return True
    return False


def _cp(data: dict) -> int:
    value = data.get("context_parallel_size") or data.get("sequence_parallel_degree") or 1
    return value if _ints(value) else 1


def _selective(data: dict) -> bool:
    return bool(data.get("selective_checkpointing"))


def _ebft_strided(data: dict) -> bool:
    return _rl(data) == "ebft" and _section(data, "ebft").get("mode") == "strided"


V = "validation.py "
CHECKS = (
    # datasets
    Check(V + "DatasetValidationMixin.check_dataset_or_pretraining_dataset", None, ("base_model",),
          lambda d: d.get("datasets") is None and d.get("pretraining_dataset") is None,
          "either `datasets` or `pretraining_dataset` is required"),
    Check("datasets.py SFTDataset.check_chat_template_config", None, ("datasets", "test_datasets"),
          _dataset_jinja_missing, "a dataset with `chat_template: jinja` needs its `chat_template_jinja`"),
    Check(V + "ChatTemplateValidationMixin.check_chat_template_config", None, ("chat_template",),
          lambda d: d.get("chat_template") == "jinja" and not d.get("chat_template_jinja"),
          "`chat_template: jinja` needs `chat_template_jinja` (the template itself)"),
    Check(V + "PretrainingValidationMixin.check_pretraining_w_max_steps", None, ("pretraining_dataset", "max_steps"),
          lambda d: truthy(d, "pretraining_dataset") and not d.get("max_steps"),
          "`pretraining_dataset` (streamed) needs `max_steps`: the Trainer cannot know its length"),
    Check(V + "PretrainingValidationMixin.check_pretraining_w_val_set_size", None, ("val_set_size", "pretraining_dataset"),
          lambda d: truthy(d, "pretraining_dataset") and truthy(d, "val_set_size"),
          "`val_set_size` does not work with `pretraining_dataset`; use test_datasets"),
    Check(V + "PretrainingValidationMixin.check_streaming_w_val_set_size", None, ("val_set_size", "streaming"),
          lambda d: truthy(d, "streaming") and truthy(d, "val_set_size"),
          "`val_set_size` does not work with `streaming: true`; use test_datasets"),
    Check(V + "PretrainingValidationMixin.check_streaming_w_max_steps", None, ("streaming", "max_steps"),
          lambda d: truthy(d, "streaming") and not d.get("max_steps"),
          "`streaming: true` needs `max_steps`: the Trainer cannot know the length of a stream"),
    Check(V + "PretrainingValidationMixin.check_streaming_w_multiple_datasets", None, ("streaming", "sample_packing"),
          lambda d: truthy(d, "streaming") and truthy(d, "sample_packing") and isinstance(d.get("datasets"), list)
          and len(d["datasets"]) > 1,
          "sample packing of several streaming datasets is not supported"),
    Check(V + "TrainingValidationMixin.pretrain_with_tps", None, ("include_tokens_per_second", "pretraining_dataset"),
          lambda d: truthy(d, "pretraining_dataset") and truthy(d, "include_tokens_per_second"),
          "`pretraining_dataset` and `include_tokens_per_second` cannot be used together"),
    Check("config.py check_deduplication_with_streaming", None, ("dataset_exact_deduplication",),
          lambda d: truthy(d, "dataset_exact_deduplication") and (truthy(d, "streaming") or truthy(d, "pretraining_dataset")),
          "`dataset_exact_deduplication` is not available for streaming datasets"),
    Check("config.py check_deduplication_with_skip_prepare", None, ("dataset_exact_deduplication", "skip_prepare_dataset"),
          lambda d: truthy(d, "dataset_exact_deduplication") and truthy(d, "skip_prepare_dataset"),
          "`dataset_exact_deduplication` has no effect with `skip_prepare_dataset: true`"),
    Check("config.py AxolotlInputConfig field types", None, (), lambda d: bool(_required_but_empty(d)),
          "a key that takes no null is written empty (leave it out for the default, or give a value)",
          found=_required_but_empty),
    Check(V + "TrainingValidationMixin.check_tokenizer_use_mistral_common", None,
          ("base_model_config", "tokenizer_config", "base_model"),
          lambda d: d.get("tokenizer_use_mistral_common") is None
          and any(k in d and d[k] is None for k in ("base_model", "base_model_config", "tokenizer_config")),
          "an empty base_model, base_model_config or tokenizer_config crashes the mistral-common check "
          "(AttributeError): leave the key out"),
    # evaluation
    Check(V + "TrainingValidationMixin.check_evals", None, ("do_bench_eval",),
          lambda d: truthy(d, "do_bench_eval") and not (d.get("evals_per_epoch") or d.get("eval_steps")),
          "`do_bench_eval` needs evals_per_epoch or eval_steps"),
    Check(V + "TrainingValidationMixin.check_causal_lm_evals", None, ("do_causal_lm_eval", "eval_sample_packing"),
          lambda d: truthy(d, "do_causal_lm_eval") and truthy(d, "eval_sample_packing"),
          "`do_causal_lm_eval` needs `eval_sample_packing: false`"),
    Check(V + "TrainingValidationMixin.check_causal_lm_evals", None, ("eval_causal_lm_metrics",),
          lambda d: truthy(d, "eval_causal_lm_metrics") and (not isinstance(d["eval_causal_lm_metrics"], list)
                                                             or bool(set(d["eval_causal_lm_metrics"]) - CAUSAL_LM_METRICS)),
          "`eval_causal_lm_metrics` must be a list of " + ", ".join(sorted(CAUSAL_LM_METRICS))),
    # training
    Check(V + "TrainingValidationMixin.check_multipack_buffer_size", None,
          ("pretrain_multipack_buffer_size", "streaming_multipack_buffer_size"),
          lambda d: truthy(d, "pretrain_multipack_buffer_size") and truthy(d, "streaming_multipack_buffer_size"),
          "`pretrain_multipack_buffer_size` is the old name of `streaming_multipack_buffer_size`; set only the new one"),
    Check(V + "TrainingValidationMixin.check_fp8_config", None, ("fp8_config", "fp8"),
          lambda d: d.get("fp8_config") is not None and not d.get("fp8"),
          "`fp8_config` requires `fp8: true`"),
    Check(V + "TrainingValidationMixin.check_fp8_config", None, ("fp8_enable_fsdp_float8_all_gather",),
          lambda d: truthy(d, "fp8_enable_fsdp_float8_all_gather")
          and (_section(d, "fp8_config").get("recipe", "tensorwise") != "tensorwise" or "2" not in _fsdp_versions(d)),
          "`fp8_enable_fsdp_float8_all_gather` needs FSDP2 (`fsdp_version: 2`) and the tensorwise fp8 recipe"),
    Check(V + "TrainingValidationMixin.check_use_reentrant_mismatch", None,
          ("gradient_checkpointing_kwargs", "unfrozen_parameters"),
          lambda d: truthy(d, "unfrozen_parameters") and _gc_kwargs(d).get("use_reentrant") is True,
          "`use_reentrant` must be false with a partially frozen model (`unfrozen_parameters`)"),
    Check(V + "TrainingValidationMixin.check_mistral_common_incompatible_options", None,
          ("tokenizer_use_mistral_common",) + MISTRAL_COMMON_REFUSES,
          lambda d: d.get("tokenizer_use_mistral_common") is True and any(d.get(k) for k in MISTRAL_COMMON_REFUSES),
          "the mistral-common tokenizer does not support " + ", ".join(MISTRAL_COMMON_REFUSES)),
    Check(V + "ComplexValidationMixin.validate_neftune_noise_alpha", None, ("neftune_noise_alpha",),
          lambda d: isinstance(d.get("neftune_noise_alpha"), (int, float)) and not isinstance(d["neftune_noise_alpha"], bool)
          and d["neftune_noise_alpha"] <= 0,
          "`neftune_noise_alpha` must be > 0"),
    Check("config.py check_torch_compile_options_requires_compile", None, ("torch_compile_options", "torch_compile"),
          lambda d: d.get("torch_compile_options") is not None and not d.get("torch_compile"),
          "`torch_compile_options` needs `torch_compile: true` (or auto)"),
    Check("config.py validate_torch_compile_options", None, ("torch_compile_options",),
          lambda d: bool(set(_section(d, "torch_compile_options")) - INDUCTOR_OPTIONS),
          "`torch_compile_options` holds an inductor option axolotl does not allow (allowed: "
          + ", ".join(sorted(INDUCTOR_OPTIONS)) + ")"),
    Check("config.py check_qat_config", None, ("qat", "load_in_8bit", "peft"),
          lambda d: bool(d.get("qat")) and bool(d.get("load_in_8bit") or d.get("peft")),
          "QAT cannot be used with load_in_8bit or a `peft` section"),
    Check("config.py check_qat_config", None, ("qat",),
          lambda d: _section(d, "qat").get("weight_dtype") == "ternary"
          and _section(d, "qat").get("activation_dtype") not in (None, "int8"),
          "ternary QAT only supports `activation_dtype: int8`"),
    Check("multimodal.py MultiModalConfig.convert_image_resize_algorithm", None, ("image_resize_algorithm",),
          lambda d: isinstance(d.get("image_resize_algorithm"), str)
          and d["image_resize_algorithm"].lower() not in ("bilinear", "bicubic", "lanczos"),
          "`image_resize_algorithm` must be bilinear, bicubic or lanczos"),
    Check("config.py check_beta_and_trl_beta_match", None, ("beta", "trl"),
          lambda d: truthy(d, "beta") and bool(_trl(d).get("beta")) and d["beta"] != _trl(d)["beta"],
          "`beta` and `trl.beta` must match, or one of them be removed"),
    Check("config.py check_lora_target_modules_regex", None, ("lora_target_modules",), _bad_regex,
          "`lora_target_modules` holds a pattern that is not a valid regular expression"),
    # attention
    Check("config.py normalize_attn_implementation", None, ("attn_implementation",),
          lambda d: truthy(d, "attn_implementation") and bool(_legacy_flags(d)),
          "`attn_implementation` cannot be combined with the legacy attention switches ("
          + ", ".join(LEGACY_ATTENTION) + "); keep only attn_implementation"),
    Check("config.py validate_attn_implementation", None, ("attn_implementation",),
          lambda d: d.get("attn_implementation") in SHORT_ATTENTION,
          "short attention names are refused: write flash_attention_2, flex_attention or sdpa"),
    Check("config.py validate_attn_implementation", None, ("attn_implementation",),
          lambda d: _bad_attention(d) and d.get("attn_implementation") not in SHORT_ATTENTION,
          "`attn_implementation` is not a backend axolotl knows (" + ", ".join(sorted(ATTENTION))
          + ", or a kernel-hub path with a '/')"),
    Check("config.py normalize_attn_implementation", None, ("gemma4_hybrid_attn_impl", "attn_implementation"),
          lambda d: truthy(d, "gemma4_hybrid_attn_impl") and truthy(d, "attn_implementation")
          and d["attn_implementation"] != "flash_attention_2",
          "`gemma4_hybrid_attn_impl` requires `attn_implementation: flash_attention_2`"),
    Check("config.py validate_large_head_attention", None, ("large_head_attention",),
          lambda d: d.get("large_head_attention") is not None
          and str(d["large_head_attention"]).lower() not in ("auto", "sdpa", "triton_flash"),
          "`large_head_attention` must be auto, sdpa or triton_flash"),
    Check(V + "AttentionValidationMixin.check_scaling_softmax_requires_flex", None, ("scaling_softmax",),
          lambda d: truthy(d, "scaling_softmax") and _attention(d) != "flex_attention",
          "`scaling_softmax` requires `attn_implementation: flex_attention`"),
    Check(V + "ComplexValidationMixin.check_context_parallel_size", None,
          ("context_parallel_size", "sequence_parallel_degree", "attn_implementation"),
          lambda d: _cp(d) > 1 and not truthy(d, "use_glm_dsa_kernels") and _attention(d) != "flash_attention_2",
          "`context_parallel_size` > 1 (ring attention) requires `attn_implementation: flash_attention_2`"),
    Check(V + "ComplexValidationMixin.check_context_parallel_size", None, ("micro_batch_size", "context_parallel_size"),
          lambda d: _cp(d) > 1 and not truthy(d, "use_glm_dsa_kernels") and _attention(d) == "flash_attention_2"
          and truthy(d, "sample_packing") and _ints(d.get("micro_batch_size")) and d["micro_batch_size"] > 1,
          "context parallelism with sample packing needs `micro_batch_size: 1`"),
    # LoRA and adapters
    Check("peft.py LoraConfig.validate_qlora", None, ("merge_lora", "load_in_4bit", "load_in_8bit", "gptq"),
          lambda d: lower(d.get("adapter")) == "qlora" and truthy(d, "merge_lora")
          and any(d.get(k) for k in ("load_in_8bit", "load_in_4bit", "gptq")),
          "a QLoRA adapter cannot be merged into a model loaded in 4 or 8 bits or GPTQ; load it unquantized to merge"),
    Check("peft.py LoraConfig.validate_qlora", None, ("gptq", "adapter"),
          lambda d: lower(d.get("adapter")) == "qlora" and not d.get("merge_lora") and truthy(d, "gptq"),
          "`adapter: qlora` cannot load a GPTQ model"),
    Check("peft.py LoraConfig.validate_lora_target_parameters_dropout", None, ("lora_dropout", "lora_target_parameters"),
          lambda d: truthy(d, "lora_target_parameters") and truthy(d, "lora_dropout"),
          "`lora_dropout` must be 0 with `lora_target_parameters`"),
    Check(V + "LoRAValidationMixin.check_frozen", None, ("unfrozen_parameters", "peft_layers_to_transform"),
          lambda d: truthy(d, "adapter") and truthy(d, "peft_layers_to_transform") and truthy(d, "unfrozen_parameters"),
          "`unfrozen_parameters` cannot be used with `peft_layers_to_transform`"),
    Check(V + "LoRAValidationMixin.check_onebitllms_lora", None, ("use_onebitllms", "adapter"),
          lambda d: truthy(d, "use_onebitllms") and lower(d.get("adapter")) in ("lora", "qlora"),
          "LoRA/QLoRA is not supported with `use_onebitllms`"),
    Check("config.py check_quantize_moe_experts", None, ("quantize_moe_experts", "lora_target_linear"),
          lambda d: truthy(d, "quantize_moe_experts") and truthy(d, "lora_target_linear"),
          "`lora_target_linear` does not work with `quantize_moe_experts`; target experts with lora_target_parameters"),
    Check("config.py check_quantize_moe_experts", None, ("quantize_moe_experts", "adapter"),
          lambda d: truthy(d, "quantize_moe_experts") and not truthy(d, "lora_target_linear")
          and (lower(d.get("adapter")) not in ("lora", "qlora") or not (d.get("load_in_4bit") or d.get("load_in_8bit"))),
          "`quantize_moe_experts` requires a lora or qlora adapter and load_in_4bit or load_in_8bit"),
    Check(V + "ComplexValidationMixin.check_relora", None, ("relora", "jagged_restart_steps"),
          lambda d: truthy(d, "relora") and not d.get("jagged_restart_steps"),
          "`relora` needs `jagged_restart_steps`"),
    Check(V + "ComplexValidationMixin.check_relora", None, ("relora", "adapter", "fsdp", "fsdp_config", "deepspeed"),
          lambda d: truthy(d, "relora") and truthy(d, "jagged_restart_steps") and lower(d.get("adapter")) in ("lora", "qlora")
          and (_fsdp_on(d) or truthy(d, "deepspeed") or d.get("lr_scheduler") == "one_cycle" or truthy(d, "flash_attn_fuse_mlp")),
          "ReLoRA does not work with FSDP, DeepSpeed, the one_cycle scheduler or fused modules"),
    Check(V + "ComplexValidationMixin.check_relora", None, ("relora", "adapter"),
          lambda d: truthy(d, "relora") and truthy(d, "jagged_restart_steps") and not d.get("adapter"),
          "ReLoRA needs a LoRA or QLoRA adapter"),
    # RL
    Check(V + "RLValidationMixin.check_kto_config", None, ("eval_sample_packing", "rl"),
          lambda d: _rl(d) == "kto" and not d.get("sample_packing") and truthy(d, "eval_sample_packing"),
          "sample packing (eval_sample_packing) is not supported with kto"),
    Check(V + "RLValidationMixin.check_dpo", None, ("dpo_loss_weights", "dpo_loss_type"),
          lambda d: _rl(d) == "dpo" and d.get("dpo_loss_weights") is not None and d.get("dpo_loss_type") is None,
          "`dpo_loss_weights` requires `dpo_loss_type`"),
    Check(V + "RLValidationMixin.check_dpo", None, ("dpo_loss_weights", "dpo_loss_type"),
          lambda d: _rl(d) == "dpo" and isinstance(d.get("dpo_loss_type"), list) and isinstance(d.get("dpo_loss_weights"), list)
          and len(d["dpo_loss_type"]) != len(d["dpo_loss_weights"]),
          "`dpo_loss_type` and `dpo_loss_weights` must have the same length"),
    Check(V + "RLValidationMixin.check_dpo", None, ("dpo_loss_type", "dpo_loss_weights", "rl"),
          lambda d: _rl(d) != "dpo" and (d.get("dpo_loss_type") is not None or d.get("dpo_loss_weights") is not None),
          "`dpo_loss_type` and `dpo_loss_weights` are for `rl: dpo` only"),
    Check(V + "RLValidationMixin.check_dpo_use_liger_kernel", None, ("dpo_use_liger_kernel",),
          lambda d: truthy(d, "dpo_use_liger_kernel") and (_rl(d) == "ipo" or (
              isinstance(d.get("dpo_loss_type"), list) and bool(d["dpo_loss_type"]) and d["dpo_loss_type"][0] == "ipo")),
          "`dpo_use_liger_kernel` does not support the ipo loss"),
    Check(V + "RLValidationMixin.check_gdpo", None, ("trl", "rl"),
          lambda d: _rl(d) == "gdpo" and _trl(d).get("multi_objective_aggregation") == "sum_then_normalize",
          "`trl.multi_objective_aggregation: sum_then_normalize` is GRPO, but `rl: gdpo` was chosen"),
    Check(V + "RLValidationMixin.check_grpo_liger_sequence_parallel", None, ("context_parallel_size", "trl"),
          lambda d: _rl(d) == "grpo" and bool(_trl(d).get("use_liger_loss")) and _ints(d.get("context_parallel_size"))
          and d["context_parallel_size"] > 1,
          "GRPO with sequence parallelism and the Liger loss is not supported"),
    Check(V + "RLValidationMixin.check_grpo_batch_size_divisibility", None, ("trl",),
          lambda d: _rl(d) == "grpo" and _ints(_trl(d).get("num_generations")) and _trl(d)["num_generations"] < 2,
          "GRPO requires `trl.num_generations` >= 2"),
    Check(V + "RLValidationMixin.check_grpo_batch_size_divisibility", None,
          ("trl", "micro_batch_size", "gradient_accumulation_steps"), _grpo_batch_not_divisible,
          "GRPO: the generation batch (trl.generation_batch_size, else micro_batch_size x gradient_accumulation_steps) "
          "must be a multiple of `trl.num_generations`"),
    Check(V + "ComplexValidationMixin.check_simpo_warmup", None, ("warmup_ratio", "rl"),
          lambda d: _rl(d) == "simpo" and truthy(d, "warmup_ratio"),
          "`warmup_ratio` is not supported with `rl: simpo`; use warmup_steps"),
    Check(V + "EBFTValidationMixin.check_ebft_config_required", None, ("rl",),
          lambda d: _rl(d) == "ebft" and not d.get("ebft"),
          "`rl: ebft` needs an `ebft:` section"),
    Check(V + "EBFTValidationMixin.check_ebft_torch_compile", None, ("torch_compile", "gradient_checkpointing"),
          lambda d: _ebft_strided(d) and d.get("torch_compile") is True and truthy(d, "gradient_checkpointing"),
          "EBFT strided mode: `torch_compile: true` with gradient checkpointing fails; remove torch_compile"),
    Check(V + "EBFTValidationMixin.check_ebft_activation_offloading", None, ("activation_offloading",),
          lambda d: _ebft_strided(d) and d.get("activation_offloading") is True and _attention(d) == "flex_attention",
          "EBFT strided mode: `activation_offloading: true` does not work with flex attention"),
    # optimizers
    Check(V + "OptimizationValidationMixin.check_muon_deepspeed_fsdp", None, ("optimizer", "deepspeed", "fsdp_config"),
          lambda d: d.get("optimizer") == "muon" and (truthy(d, "deepspeed") or _fsdp1(d)),
          "the muon optimizer does not work with DeepSpeed, and with FSDP only at `fsdp_version: 2`"),
    Check(V + "OptimizationValidationMixin.check_flashoptim_deepspeed_fsdp", None, ("optimizer", "deepspeed", "fsdp_config"),
          lambda d: str(d.get("optimizer") or "").startswith("flash_") and (truthy(d, "deepspeed") or _fsdp1(d)),
          "the flash_* optimizers do not work with DeepSpeed, and with FSDP only at `fsdp_version: 2`"),
    Check(V + "OptimizationValidationMixin.check_polora", None, ("optimizer", "adapter"),
          lambda d: d.get("optimizer") == "polora" and lower(d.get("adapter")) not in ("lora", "qlora"),
          "the polora optimizer requires a lora or qlora adapter"),
    Check(V + "OptimizationValidationMixin.check_polora", None, ("optimizer",) + POLORA_UNTRAINED + POLORA_IGNORED,
          lambda d: d.get("optimizer") == "polora" and lower(d.get("adapter")) in ("lora", "qlora")
          and (truthy(d, "deepspeed") or (_ints(d.get("tensor_parallel_size")) and d["tensor_parallel_size"] > 1)
               or _fsdp1(d) or any(d.get(k) for k in POLORA_UNTRAINED + POLORA_IGNORED) or truthy(d, "relora_steps")),
          "the polora optimizer does not work with DeepSpeed, tensor parallelism, FSDP1, ReLoRA, per-group learning "
          "rates or parameters beside the LoRA factors"),
    Check(V + "OptimizationValidationMixin.check_qgalore", None, ("optimizer", "adapter"),
          lambda d: d.get("optimizer") == "q_galore_adamw8bit" and truthy(d, "adapter"),
          "q_galore_adamw8bit trains full-precision parameters and does not work with an adapter"),
    Check(V + "OptimizationValidationMixin.check_qgalore", None, ("optimizer", "deepspeed", "fsdp_config"),
          lambda d: d.get("optimizer") == "q_galore_adamw8bit" and not d.get("adapter")
          and (truthy(d, "deepspeed") or _fsdp1(d) or (_fsdp_on(d) and _fsdp(d, "use_orig_params") is not True)),
          "q_galore_adamw8bit does not work with DeepSpeed; with FSDP it needs version 2 and use_orig_params: true"),
    Check(V + "OptimizationValidationMixin.check_batch_flattening_fa", None, ("batch_flattening", "sample_packing"),
          lambda d: d.get("batch_flattening") is True and truthy(d, "sample_packing"),
          "`batch_flattening` does not work with `sample_packing`"),
    Check(V + "OptimizationValidationMixin.check_cross_entropy_conflicts", None, CROSS_ENTROPY,
          lambda d: sum(bool(d.get(k)) for k in CROSS_ENTROPY) > 1,
          "only one cross-entropy optimisation can be on (" + ", ".join(CROSS_ENTROPY) + ")"),
    # FSDP, DeepSpeed, memory
    Check(V + "SystemValidationMixin.check_fsdp_deepspeed", None, ("deepspeed", "fsdp"),
          lambda d: truthy(d, "deepspeed") and truthy(d, "fsdp"),
          "deepspeed and fsdp cannot be used together"),
    Check(V + "SystemValidationMixin.check_mem_mismatch", None, ("max_memory", "gpu_memory_limit"),
          lambda d: d.get("max_memory") is not None and d.get("gpu_memory_limit") is not None,
          "max_memory and gpu_memory_limit are mutually exclusive"),
    Check(V + "SystemValidationMixin.check_model_quantization_config_vs_bnb", None,
          ("model_quantization_config", "load_in_4bit", "load_in_8bit"),
          lambda d: truthy(d, "model_quantization_config") and bool(d.get("load_in_8bit") or d.get("load_in_4bit")),
          "model_quantization_config cannot be used with load_in_8bit or load_in_4bit"),
    Check(V + "OptimizationValidationMixin.check_deepcompile", None, ("deepcompile",),
          lambda d: truthy(d, "deepcompile") and not d.get("deepspeed"),
          "`deepcompile` is only supported with DeepSpeed"),
    Check(V + "OptimizationValidationMixin.check_fsdp2_cpu_offload_pin_memory", None, ("fsdp_config",),
          lambda d: _section(d, "fsdp_config").get("cpu_offload_pin_memory") is False
          and ("2" not in _fsdp_versions(d) or not _fsdp(d, "offload_params")),
          "disabling `cpu_offload_pin_memory` needs FSDP2 and `offload_params: true`"),
    Check(V + "OptimizationValidationMixin.check_fsdp2_base_model_quant_rl", None,
          ("fsdp_version", "load_in_4bit", "load_in_8bit"),
          lambda d: d.get("fsdp_version") == 2 and _rl(d) in ("dpo", "kto", "orpo", "ipo")
          and bool(d.get("load_in_8bit") or d.get("load_in_4bit")),
          "FSDP2 does not support load_in_8bit or load_in_4bit with dpo, kto, orpo or ipo"),
    Check(V + "OptimizationValidationMixin.check_fsdp_offload_w_8bit_optimizer", None, ("optimizer", "fsdp_config"),
          lambda d: _fsdp1(d) and bool(d.get("fsdp_config")) and "8bit" in str(d.get("optimizer") or "")
          and bool(_fsdp(d, "offload_params")),
          "FSDP1 parameter offload does not work with an 8-bit optimizer"),
    Check(V + "OptimizationValidationMixin.check_fsdp2_w_8bit_optimizer", None, ("optimizer", "fsdp_version"),
          lambda d: _fsdp2(d) and d.get("optimizer") in ("adamw_8bit", "adamw_bnb_8bit"),
          "FSDP2 does not work with the bitsandbytes 8-bit AdamW; use adamw_torch_8bit"),
    Check("fsdp.py FSDPConfig.validate_size_based_wrap", None, ("fsdp_config",),
          lambda d: _fsdp(d, "auto_wrap_policy") == "SIZE_BASED_WRAP" and _fsdp(d, "min_num_params") is None,
          "`fsdp_config.auto_wrap_policy: SIZE_BASED_WRAP` needs `min_num_params`"),
    Check("config.py check_fp32_norms", None, ("fp32_norms",),
          lambda d: truthy(d, "fp32_norms") and not _fsdp2(d),
          "`fp32_norms` requires FSDP2 (an fsdp_config with `fsdp_version: 2`)"),
    Check("config.py check_ple_cpu_offload", None, ("ple_cpu_offload",),
          lambda d: truthy(d, "ple_cpu_offload") and (
              d.get("fsdp_config") is not None or d.get("fsdp") is not None or truthy(d, "deepspeed")
              or not ((lower(d.get("adapter")) == "qlora" and d.get("load_in_4bit"))
                      or (lower(d.get("adapter")) == "lora" and d.get("load_in_8bit")))),
          "`ple_cpu_offload` needs qlora with load_in_4bit or lora with load_in_8bit, and neither FSDP nor DeepSpeed"),
    Check(V + "ModelCompatibilityValidationMixin.check_gpt_oss_fsdp_loading", None, ("fsdp_config", "model_quantization_config"),
          lambda d: d.get("model_quantization_config") == "Mxfp4Config"
          and _section(d, "fsdp_config").get("cpu_ram_efficient_loading") is True,
          "FSDP `cpu_ram_efficient_loading` is not supported with Mxfp4Config quantization"),
    # models and checkpointing
    Check(V + "ModelCompatibilityValidationMixin.check_falcon_fsdp", None, ("fsdp", "base_model"),
          lambda d: isinstance(d.get("base_model"), str) and "falcon" in d["base_model"].lower() and truthy(d, "fsdp"),
          "FSDP is not supported for falcon models (a base_model whose name contains 'falcon')"),
    Check(V + "ModelCompatibilityValidationMixin.check_mpt_checkpointing", None, ("gradient_checkpointing", "base_model"),
          lambda d: isinstance(d.get("base_model"), str) and "mpt" in d["base_model"].lower()
          and truthy(d, "gradient_checkpointing"),
          "gradient_checkpointing is not supported for MPT models (a base_model whose name contains 'mpt')"),
    Check(V + "ModelCompatibilityValidationMixin.check_activation_offloading_wo_gc", None,
          ("activation_offloading", "gradient_checkpointing"),
          lambda d: truthy(d, "activation_offloading") and not d.get("gradient_checkpointing"),
          "`activation_offloading` requires gradient_checkpointing"),
    Check(V + "ModelCompatibilityValidationMixin.check_selective_checkpointing", None,
          ("selective_checkpointing", "gradient_checkpointing"),
          lambda d: _selective(d) and not d.get("gradient_checkpointing"),
          "`selective_checkpointing` requires gradient_checkpointing"),
    Check(V + "ModelCompatibilityValidationMixin.check_selective_checkpointing", None,
          ("selective_checkpointing", "gradient_checkpointing_kwargs", "activation_offloading"),
          lambda d: _selective(d) and truthy(d, "gradient_checkpointing") and (
              bool(_gc_kwargs(d).get("use_reentrant"))
              or (truthy(d, "activation_offloading") and d.get("activation_offloading") != "hidden_states")),
          "`selective_checkpointing` needs non-reentrant checkpointing and activation_offloading off or hidden_states"),
    Check(V + "ModelCompatibilityValidationMixin.check_hidden_states_offloading", None,
          ("activation_offloading", "unfrozen_parameters"),
          lambda d: d.get("activation_offloading") == "hidden_states" and _gc_kwargs(d).get("use_reentrant") is True
          and truthy(d, "unfrozen_parameters") and truthy(d, "gradient_checkpointing"),
          "`activation_offloading: hidden_states` with reentrant checkpointing does not work with unfrozen_parameters"),
    Check(V + "ModelCompatibilityValidationMixin.check_better_transformers", None, ("flash_optimum", "bf16", "fp16"),
          lambda d: d.get("flash_optimum") is True and (d.get("fp16") is True or d.get("bf16") is True),
          "mixed precision (fp16/bf16) is not supported with BetterTransformer (`flash_optimum`)"),
    Check(V + "ModelCompatibilityValidationMixin.check_gptq_w_revision", None, ("revision_of_model", "gptq"),
          lambda d: truthy(d, "gptq") and truthy(d, "revision_of_model"),
          "`revision_of_model` is not supported for GPTQ models"),
    Check("model.py ModelInputConfig.reject_reserved_processor_kwargs", None, ("processor_kwargs",),
          lambda d: bool({"revision", "trust_remote_code"} & set(_section(d, "processor_kwargs"))),
          "`processor_kwargs` cannot hold revision or trust_remote_code; use the top-level keys"),
)
