"""Checks of transformers' ``TrainingArguments.__post_init__`` / ``_validate_args`` (5.17) and
TRL's ``ModelConfig.__post_init__`` (1.15) that a config file alone can trip. Values are read with
TrainingArguments' defaults (strategies ``steps`` for logging and saving, ``no`` for evaluation)."""

from __future__ import annotations

import math

from ._checks import Check, lower

DEFAULTS = {"logging_strategy": "steps", "save_strategy": "steps", "eval_strategy": "no",
            "lr_scheduler_type": "linear", "logging_steps": 500, "save_steps": 500, "dataloader_num_workers": 0}


def g(data: dict, key: str):
    value = data.get(key)
    if value is None and key == "eval_strategy":
        value = data.get("evaluation_strategy")
    return DEFAULTS.get(key) if value is None else lower(value)


def _number(value) -> float | None:
    """A finite number, or None (a value too large or infinite is another rule's finding)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _fractional_interval(data: dict, steps: str, strategy: str) -> bool:
    value = _number(g(data, steps))
    return g(data, strategy) == "steps" and value is not None and value > 1 and value != int(value)


#: accelerate's sharding strategies and wrap policies, which TrainingArguments checks ``fsdp`` against
FSDP_STRATEGIES = ("FULL_SHARD", "SHARD_GRAD_OP", "NO_SHARD", "HYBRID_SHARD", "HYBRID_SHARD_ZERO2")
FSDP_WRAP_POLICIES = ("TRANSFORMER_BASED_WRAP", "SIZE_BASED_WRAP", "NO_WRAP")


def _fsdp_items(data: dict) -> list:
    """The words of a legacy ``fsdp`` string or list ("full_shard auto_wrap")."""
    value = data.get("fsdp")
    if isinstance(value, str):
        return value.split()
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _fsdp_config(data: dict) -> dict | None:
    """``fsdp_config`` with the ``fsdp_`` prefix stripped as TrainingArguments does (None: a file path)."""
    value = data.get("fsdp_config")
    if value is None:
        return {}
    if not isinstance(value, dict):
        return None
    return {(k[5:] if isinstance(k, str) and k.startswith("fsdp_") else k): v for k, v in value.items()}


def _fsdp1_only_strategy(data: dict) -> bool:
    config = _fsdp_config(data)
    if config is None or str(config.get("version", 2)) != "2":
        return False
    return any(item.upper() in FSDP_STRATEGIES and item not in ("full_shard", "shard_grad_op")
               for item in _fsdp_items(data))


def _unknown_fsdp_option(data: dict) -> bool:
    return any(item.upper() not in FSDP_STRATEGIES and item not in ("offload", "auto_wrap") for item in _fsdp_items(data))


def _unknown_wrap_policy(data: dict) -> bool:
    config = _fsdp_config(data)
    return bool(data.get("fsdp")) and config is not None and "auto_wrap_policy" in config \
        and config["auto_wrap_policy"] not in FSDP_WRAP_POLICIES


TA = "TrainingArguments._validate_args"
FSDP = "TrainingArguments._process_fsdp_args"
TRANSFORMERS = (
    Check(TA, None, ("logging_steps",),
          lambda d: g(d, "logging_strategy") == "steps" and _number(g(d, "logging_steps")) == 0,
          "`logging_strategy: steps` needs a non-zero `logging_steps`"),
    Check(TA, None, ("eval_steps", "eval_strategy", "logging_steps"),
          lambda d: g(d, "eval_strategy") == "steps" and not _number(d.get("eval_steps"))
          and _number(g(d, "logging_steps")) == 0,
          "`eval_strategy: steps` needs a non-zero `eval_steps` (or `logging_steps`, which it falls back to)"),
    Check(TA, None, ("logging_steps",), lambda d: _fractional_interval(d, "logging_steps", "logging_strategy"),
          "`logging_steps` above 1 must be a whole number"),
    Check(TA, None, ("eval_steps",), lambda d: _fractional_interval(d, "eval_steps", "eval_strategy"),
          "`eval_steps` above 1 must be a whole number"),
    Check(TA, None, ("save_steps",), lambda d: _fractional_interval(d, "save_steps", "save_strategy"),
          "`save_steps` above 1 must be a whole number"),
    Check(TA, None, ("lr_scheduler_type", "eval_strategy"),
          lambda d: g(d, "lr_scheduler_type") in ("reduce_lr_on_plateau", "greedy") and g(d, "eval_strategy") == "no",
          "the reduce_lr_on_plateau and greedy schedules need an `eval_strategy` (they follow the evaluation loss)"),
    Check(TA, None, ("warmup_steps",), lambda d: (_number(d.get("warmup_steps")) or 0) < 0,
          "`warmup_steps` cannot be negative"),
    Check(TA, None, ("dataloader_prefetch_factor", "dataloader_num_workers"),
          lambda d: d.get("dataloader_prefetch_factor") is not None and _number(g(d, "dataloader_num_workers")) == 0,
          "`dataloader_prefetch_factor` needs `dataloader_num_workers` > 0"),
    Check(TA, None, ("bf16_full_eval", "fp16_full_eval"),
          lambda d: bool(d.get("fp16_full_eval")) and bool(d.get("bf16_full_eval")),
          "at most one of fp16_full_eval and bf16_full_eval can be on"),
    Check(FSDP, None, ("fsdp",), _fsdp1_only_strategy,
          "this `fsdp` sharding strategy exists only in FSDP1 (FSDP2, the default, has full_shard and shard_grad_op)"),
    Check(FSDP, None, ("fsdp",), _unknown_fsdp_option,
          "`fsdp` holds an option TrainingArguments does not know (a sharding strategy, offload or auto_wrap)"),
    Check(FSDP, None, ("fsdp_config",), _unknown_wrap_policy,
          "`fsdp_config.auto_wrap_policy` must be " + ", ".join(FSDP_WRAP_POLICIES)),
    Check(TA, None, ("torch_empty_cache_steps",),
          lambda d: d.get("torch_empty_cache_steps") is not None
          and not (isinstance(d.get("torch_empty_cache_steps"), int) and not isinstance(d.get("torch_empty_cache_steps"), bool)
                   and d["torch_empty_cache_steps"] > 0),
          "`torch_empty_cache_steps` must be a positive whole number"),
)
def _loss_types(data: dict) -> list:
    value = data.get("loss_type", "sigmoid")
    return [value] if isinstance(value, str) else list(value) if isinstance(value, list) else []


def _clip(data: dict, key: str, default):
    value = data.get(key, default)
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


ONLY_TRL = frozenset({"trl"})
GRPO = frozenset({"grpo"})
TRL = (
    Check("ModelConfig.__post_init__", None, ("load_in_4bit", "load_in_8bit"),
          lambda d: bool(d.get("load_in_8bit")) and bool(d.get("load_in_4bit")),
          "8-bit and 4-bit loading cannot both be on", ONLY_TRL),
    Check("DPOConfig.__post_init__", None, ("loss_weights", "loss_type"),
          lambda d: isinstance(d.get("loss_weights"), list) and len(d["loss_weights"]) != len(_loss_types(d)),
          "`loss_weights` needs one weight per `loss_type`", ONLY_TRL, frozenset({"dpo"})),
    Check("GRPOConfig.__post_init__ / RLOOConfig.__post_init__", None, ("auto_find_batch_size",),
          lambda d: bool(d.get("auto_find_batch_size")),
          "`auto_find_batch_size` is not supported: shrinking the batch would break the groups of completions",
          ONLY_TRL, frozenset({"grpo", "rloo"})),
    Check("GRPOConfig.__post_init__", None, ("log_completions_hub_repo", "log_completions"),
          lambda d: d.get("log_completions_hub_repo") is not None and not d.get("log_completions"),
          "`log_completions_hub_repo` needs `log_completions: true`", ONLY_TRL, GRPO),
    Check("GRPOConfig.__post_init__", None, ("vllm_importance_sampling_clip_min", "vllm_importance_sampling_clip_max"),
          lambda d: _clip(d, "vllm_importance_sampling_clip_min", None) is not None
          and _clip(d, "vllm_importance_sampling_clip_max", 3.0) is not None
          and _clip(d, "vllm_importance_sampling_clip_min", None) >= _clip(d, "vllm_importance_sampling_clip_max", 3.0),
          "`vllm_importance_sampling_clip_min` must be below `vllm_importance_sampling_clip_max`", ONLY_TRL, GRPO),
    Check("GRPOConfig.__post_init__", None, ("vllm_importance_sampling_mode",),
          lambda d: d.get("vllm_importance_sampling_correction", True) is not False
          and d.get("vllm_importance_sampling_mode") in ("token_truncate", "sequence_truncate")
          and d.get("vllm_importance_sampling_clip_min") is None
          and "vllm_importance_sampling_clip_max" in d and d["vllm_importance_sampling_clip_max"] is None,
          "a `*_truncate` importance-sampling mode needs a clip_min or clip_max", ONLY_TRL, GRPO),
)
