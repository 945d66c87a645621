"""LLaMA-Factory's start-up checks that a training config file alone can trip, read in the source
of release 0.9.5: ``src/llamafactory/hparams/parser.py`` (``get_train_args``) and the
``__post_init__`` of ``finetuning_args.py``, ``data_args.py`` and ``model_args.py``. The values
are read with the arguments' defaults (stage ``sft``, finetuning_type ``lora``, val_size 0)."""

from __future__ import annotations

import math

from ._checks import Check, lower

DEFAULTS = {"stage": "sft", "finetuning_type": "lora", "val_size": 0.0, "pref_loss": "sigmoid",
            "dpo_label_smoothing": 0.0, "mix_strategy": "concat", "reward_model_type": "lora", "max_steps": -1}


def g(data: dict, key: str):
    value = data.get(key)
    return DEFAULTS.get(key) if value is None else lower(value)


def _num(data: dict, key: str) -> float:
    value = g(data, key)
    try:
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0
    except OverflowError:
        return math.inf


def _items(value) -> list:
    """A list argument as LLaMA-Factory splits it: a comma-separated string, or a list."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",")]
    return list(value) if isinstance(value, (list, tuple)) else []


def _loggers(data: dict) -> list:
    """The named loggers of ``report_to`` ("all" names none: it means whatever is installed)."""
    return [lower(item) for item in _items(data.get("report_to")) if lower(item) not in ("all", "none")]


def _int(data: dict, key: str, default: int) -> int | None:
    value = data.get(key, default)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _smaller(data: dict, low: str, high: str, low_default: int, high_default: int) -> bool:
    low_value, high_value = _int(data, low, low_default), _int(data, high, high_default)
    return (data.get(low) is not None or data.get(high) is not None) and low_value is not None \
        and high_value is not None and high_value < low_value


def _probs_mismatch(data: dict, key: str) -> bool:
    probs = data.get("interleave_probs")
    names = data.get(key)
    return probs is not None and names is not None and g(data, "mix_strategy") != "concat" \
        and len(_items(names)) != len(_items(probs))


P = "hparams/parser.py get_train_args"
M = "ModelArguments.__post_init__"
F = "FinetuningArguments.__post_init__"
D = "DataArguments.__post_init__"

CHECKS = (
    Check(P, None, ("adapter_name_or_path", "finetuning_type"),
          lambda d: d.get("adapter_name_or_path") is not None and g(d, "finetuning_type") != "lora",
          "adapter_name_or_path is only valid for the LoRA method"),
    Check(P, None, ("pissa_init", "quantization_bit"),
          lambda d: d.get("quantization_bit") is not None and bool(d.get("pissa_init")),
          "PiSSA cannot be initialised on a quantized model (use scripts/pissa_init.py)"),
    Check(P, None, ("resize_vocab", "quantization_bit"),
          lambda d: d.get("quantization_bit") is not None and bool(d.get("resize_vocab")),
          "cannot resize the embedding layers of a quantized model"),
    Check(P, None, ("create_new_adapter", "quantization_bit"),
          lambda d: d.get("quantization_bit") is not None and d.get("adapter_name_or_path") is not None
          and bool(d.get("create_new_adapter")),
          "cannot create a new adapter upon a quantized model"),
    Check(P, None, ("quantization_bit", "finetuning_type"),
          lambda d: d.get("quantization_bit") is not None and g(d, "finetuning_type") not in ("lora", "oft"),
          "quantization is only compatible with the LoRA or OFT method"),
    Check(P, None, ("adapter_name_or_path", "quantization_bit"),
          lambda d: d.get("quantization_bit") is not None and len(_items(d.get("adapter_name_or_path"))) > 1,
          "a quantized model only accepts a single adapter (merge them first)"),
    Check(P, None, ("do_train", "stage"),
          lambda d: g(d, "stage") == "ppo" and not d.get("do_train"),
          "PPO training does not support evaluation (set `do_train: true`; evaluate with the sft stage)"),
    Check(P, None, ("shift_attn", "stage"),
          lambda d: g(d, "stage") == "ppo" and bool(d.get("shift_attn")),
          "PPO training is incompatible with S^2-Attn (`shift_attn`)"),
    Check(P, None, ("report_to", "stage"),
          lambda d: g(d, "stage") == "ppo" and any(x not in ("wandb", "tensorboard", "trackio") for x in _loggers(d)),
          "PPO only accepts the wandb, tensorboard or trackio loggers in `report_to`"),
    Check(P, None, ("predict_with_generate", "stage"),
          lambda d: g(d, "stage") != "sft" and bool(d.get("predict_with_generate")),
          "`predict_with_generate` is only for stage sft"),
    Check(P, None, ("neat_packing", "stage"),
          lambda d: g(d, "stage") != "sft" and bool(d.get("neat_packing")),
          "`neat_packing` is only for stage sft"),
    Check(P, None, ("train_on_prompt", "mask_history", "stage"),
          lambda d: g(d, "stage") != "sft" and bool(d.get("train_on_prompt") or d.get("mask_history")),
          "`train_on_prompt` and `mask_history` are only for stage sft"),
    Check(P, None, ("do_predict",),
          lambda d: g(d, "stage") == "sft" and bool(d.get("do_predict")) and not d.get("predict_with_generate"),
          "`do_predict` in stage sft needs `predict_with_generate: true` to save predictions"),
    Check(P, None, ("load_best_model_at_end", "stage"),
          lambda d: g(d, "stage") in ("rm", "ppo") and bool(d.get("load_best_model_at_end")),
          "the rm and ppo stages do not support `load_best_model_at_end`"),
    Check(P, None, ("streaming", "max_steps"),
          lambda d: bool(d.get("streaming")) and g(d, "max_steps") == -1,
          "streaming mode needs `max_steps`"),
    Check(P, None, ("do_train", "dataset"),
          lambda d: bool(d.get("do_train")) and d.get("dataset") is None,
          "training needs a `dataset`"),
    Check(P, None, ("do_eval", "do_predict", "predict_with_generate", "val_size", "eval_dataset"),
          lambda d: bool(d.get("do_eval") or d.get("do_predict") or d.get("predict_with_generate"))
          and d.get("eval_dataset") is None and _num(d, "val_size") < 1e-6,
          "evaluation or prediction needs an `eval_dataset` or `val_size` > 0"),
    Check(P, None, ("compute_accuracy", "predict_with_generate"),
          lambda d: bool(d.get("predict_with_generate")) and bool(d.get("compute_accuracy")),
          "`predict_with_generate` and `compute_accuracy` cannot be used together"),
    Check(P, None, ("quantization_device_map",),
          lambda d: bool(d.get("do_train")) and lower(d.get("quantization_device_map")) == "auto",
          "a quantized model cannot be trained with `quantization_device_map: auto`"),
    Check(P, None, ("deepspeed", "use_galore", "use_apollo"),
          lambda d: d.get("deepspeed") is not None and bool(d.get("use_galore") or d.get("use_apollo")),
          "GaLore and APOLLO do not work with DeepSpeed"),
    Check(P, None, ("fp8", "quantization_bit"),
          lambda d: bool(d.get("fp8")) and d.get("quantization_bit") is not None and not d.get("use_mca"),
          "FP8 training does not work with quantization"),
    Check(P, None, ("infer_backend",),
          lambda d: d.get("infer_backend") is not None and lower(d.get("infer_backend")) not in ("huggingface", "hf"),
          "vLLM/SGLang backends are only for the API, CLI and Web UI, not for training"),
    Check(F, None, ("stage", "reward_model"),
          lambda d: g(d, "stage") == "ppo" and d.get("reward_model") is None,
          "`reward_model` is necessary for PPO training"),
    Check(F, None, ("finetuning_type",),
          lambda d: d.get("finetuning_type") is not None and g(d, "finetuning_type") not in ("lora", "oft", "freeze", "full"),
          "`finetuning_type` must be one of lora, oft, freeze, full"),
    Check(F, None, ("ref_model_quantization_bit", "reward_model_quantization_bit"),
          lambda d: any(d.get(k) is not None and d.get(k) not in (4, 8)
                        for k in ("ref_model_quantization_bit", "reward_model_quantization_bit")),
          "`ref_model_quantization_bit` and `reward_model_quantization_bit` accept only 4 or 8"),
    Check(F, None, ("reward_model_type", "finetuning_type"),
          lambda d: g(d, "stage") == "ppo" and d.get("reward_model") is not None
          and g(d, "reward_model_type") in ("lora", "oft") and g(d, "finetuning_type") != g(d, "reward_model_type"),
          "a LoRA (or OFT) `reward_model_type` needs the same `finetuning_type` for PPO training"),
    Check(F, None, ("pissa_init", "stage"),
          lambda d: bool(d.get("pissa_init")) and (g(d, "stage") in ("ppo", "kto")
                                                   or (g(d, "stage") == "dpo" and g(d, "pref_loss") not in ("orpo", "simpo"))),
          "PiSSA cannot be used for this stage (ppo, kto, or dpo with a reference model)"),
    Check(F, None, ("dpo_label_smoothing", "pref_loss"),
          lambda d: g(d, "stage") == "dpo" and g(d, "pref_loss") != "sigmoid" and _num(d, "dpo_label_smoothing") > 1e-6,
          "`dpo_label_smoothing` is only valid for the sigmoid loss"),
    Check(F, None, ("use_llama_pro", "finetuning_type"),
          lambda d: bool(d.get("use_llama_pro")) and g(d, "finetuning_type") == "full",
          "`use_llama_pro` is only valid for freeze or LoRA training"),
    Check(F, None, ("use_galore", "use_apollo", "use_badam", "finetuning_type"),
          lambda d: g(d, "finetuning_type") == "lora" and bool(d.get("use_galore") or d.get("use_apollo") or d.get("use_badam")),
          "LoRA cannot be combined with GaLore, APOLLO or BAdam"),
    Check(F, None, ("use_galore", "use_apollo", "use_badam"),
          lambda d: sum(bool(d.get(k)) for k in ("use_galore", "use_apollo", "use_badam")) > 1,
          "GaLore, APOLLO and BAdam cannot be used together"),
    Check(F, None, ("loraplus_lr_ratio", "use_rslora", "use_dora", "pissa_init", "finetuning_type"),
          lambda d: g(d, "finetuning_type") != "lora"
          and any(d.get(k) for k in ("loraplus_lr_ratio", "use_rslora", "use_dora", "pissa_init")),
          "loraplus_lr_ratio, use_rslora, use_dora and pissa_init are only valid for LoRA training"),
    Check(D, None, ("val_size", "dataset"),
          lambda d: d.get("dataset") is None and _num(d, "val_size") > 1e-6,
          "`val_size` needs a `dataset` to split"),
    Check(D, None, ("val_size", "eval_dataset"),
          lambda d: d.get("eval_dataset") is not None and _num(d, "val_size") > 1e-6,
          "`val_size` cannot be used with `eval_dataset`"),
    Check(D, None, ("interleave_probs", "mix_strategy"),
          lambda d: d.get("interleave_probs") is not None and g(d, "mix_strategy") == "concat",
          "`interleave_probs` is only valid with an interleaved `mix_strategy`"),
    Check(D, None, ("interleave_probs", "dataset"),
          lambda d: _probs_mismatch(d, "dataset"),
          "`interleave_probs` needs one probability per dataset in `dataset`"),
    Check(D, None, ("interleave_probs", "eval_dataset"),
          lambda d: _probs_mismatch(d, "eval_dataset"),
          "`interleave_probs` needs one probability per dataset in `eval_dataset`"),
    Check(D, None, ("val_size", "streaming"),
          lambda d: bool(d.get("streaming")) and 1e-6 < _num(d, "val_size") < 1,
          "streaming mode needs a whole-number `val_size` (a count of examples, not a fraction)"),
    Check(D, None, ("max_samples", "streaming"),
          lambda d: bool(d.get("streaming")) and d.get("max_samples") is not None,
          "`max_samples` does not work with `streaming`"),
    Check(D, None, ("mask_history", "train_on_prompt"),
          lambda d: bool(d.get("mask_history")) and bool(d.get("train_on_prompt")),
          "`mask_history` does not work with `train_on_prompt`"),
    Check(M, None, ("model_name_or_path",),
          lambda d: d.get("model_name_or_path") is None,
          "`model_name_or_path` is required"),
    Check("ProcessorArguments.__post_init__", None, ("image_max_pixels", "image_min_pixels"),
          lambda d: _smaller(d, "image_min_pixels", "image_max_pixels", 32 * 32, 768 * 768),
          "`image_max_pixels` cannot be smaller than `image_min_pixels`"),
    Check("ProcessorArguments.__post_init__", None, ("video_max_pixels", "video_min_pixels"),
          lambda d: _smaller(d, "video_min_pixels", "video_max_pixels", 16 * 16, 256 * 256),
          "`video_max_pixels` cannot be smaller than `video_min_pixels`"),
    Check("ExportArguments.__post_init__", None, ("export_quantization_bit", "export_quantization_dataset"),
          lambda d: d.get("export_quantization_bit") is not None and d.get("export_quantization_dataset") is None,
          "`export_quantization_bit` needs an `export_quantization_dataset`"),
)
