"""What a run trains for (``objective``) and how (``method``), read from each tool's own keys.

Hyperparameter ranges are published for one kind of run at a time (the QLoRA paper's learning rates
are those of supervised LoRA fine-tuning, not of DPO), so rules declare the objectives and methods
they hold for and the engine runs a rule only where both match. Each tool says what it trains in its
own way: LLaMA-Factory's ``stage`` (and ``pref_loss``), axolotl's ``rl`` (and reward-model or
pretraining keys), the TRL config class whose keys the file uses, ``finetuning_type``, ``adapter``,
``use_peft`` and ``load_in_4bit``. Where a file does not say, the tool's default holds (TRL's
``trl sft``, LLaMA-Factory's ``sft``), or the path names the trainer (``recipes/x/dpo/config.yaml``).
Each dialect's ``objective`` method reads its tool's way with the helpers below; a dialect without
one fine-tunes (``sft``).

Objectives: ``sft``, ``pretraining``, ``dpo``, ``orpo``, ``kto``, ``simpo``, ``cpo``, ``grpo``,
``rloo``, ``ppo``, ``reward``, and ``embedding`` (embedding models and BERT-like encoders, which are
not instruction-tuned). Methods: ``full``, ``lora``, ``qlora`` (``freeze`` trains part of the
weights in full precision and counts as ``full``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..config.canonical import Origin, Setting
from ..document import Scalar

if TYPE_CHECKING:
    from ..config.canonical import TrainingConfig

OBJECTIVES = ("sft", "pretraining", "dpo", "orpo", "kto", "simpo", "cpo", "grpo", "rloo", "ppo", "reward",
              "embedding")
METHODS = ("full", "lora", "qlora")

#: LLaMA-Factory ``stage`` values.
_LF_STAGES = {"pt": "pretraining", "sft": "sft", "rm": "reward", "ppo": "ppo", "dpo": "dpo", "kto": "kto"}
#: LLaMA-Factory ``pref_loss`` values that change the DPO stage's objective.
_LF_PREF_LOSS = {"orpo": "orpo", "simpo": "simpo"}
#: axolotl ``rl`` values (``RLType``) to objectives.
_AXOLOTL_RL = {"dpo": "dpo", "ipo": "dpo", "dpo_norm": "dpo", "kto": "kto", "orpo": "orpo", "simpo": "simpo",
               "grpo": "grpo", "gdpo": "grpo", "ebft": "grpo", "gkd": "sft"}
#: Words in a path or file name that name a trainer (``recipes/zephyr/dpo/config.yaml``).
_PATH_WORDS = {"sft": "sft", "dpo": "dpo", "orpo": "orpo", "kto": "kto", "simpo": "simpo", "cpo": "cpo",
               "grpo": "grpo", "rloo": "rloo", "ppo": "ppo", "rm": "reward", "reward": "reward", "pt": "pretraining",
               "pretrain": "pretraining", "pretraining": "pretraining", "ipo": "dpo"}
#: Embedding models, and encoders (BERT family) fine-tuned as classifiers.
_EMBEDDING_MODELS = ("embedding", "bge-", "minilm", "sentence-transformers/", "e5-", "gte-", "nomic-embed",
                     "modernbert", "roberta", "deberta", "bert-base", "bert-large", "distilbert")

#: Keys of TRL's config classes that only one trainer has, and the objective they mark (TRL 1.15).
TRL_CLASS_KEYS: dict[str, frozenset[str]] = {
    "grpo": frozenset({"num_generations", "max_completion_length", "reward_funcs", "reward_weights", "use_vllm",
                       "vllm_mode", "num_iterations", "epsilon", "epsilon_high", "scale_rewards",
                       "steps_per_generation", "generation_batch_size", "mask_truncated_completions",
                       "importance_sampling_level", "vllm_gpu_memory_utilization"}),
    "rloo": frozenset({"normalize_advantages", "reward_clip_range"}),
    "kto": frozenset({"desirable_weight", "undesirable_weight"}),
    "cpo": frozenset({"cpo_alpha", "simpo_gamma"}),
    "reward": frozenset({"center_rewards_coefficient"}),
    "dpo": frozenset({"precompute_ref_log_probs", "rpo_alpha", "ref_model_sync_steps", "f_divergence_type",
                      "ld_alpha", "use_weighting", "discopop_tau", "label_smoothing", "loss_weights",
                      "ref_model_mixup_alpha", "sync_ref_model", "max_prompt_length", "beta"}),
    "sft": frozenset({"packing", "dataset_text_field", "completion_only_loss", "assistant_only_loss",
                      "packing_strategy", "eval_packing"}),
}
#: Which class decides when a file has keys of several (GRPO shares ``beta`` with DPO, and so on).
_TRL_ORDER = ("rloo", "grpo", "kto", "cpo", "reward", "dpo", "sft")
#: DPO ``loss_type`` values that are other objectives.
_DPO_LOSSES = {"simpo": "simpo", "orpo": "orpo"}


def _text(document, name: str) -> str | None:
    node = document.root.get(name)
    if isinstance(node, Scalar) and node.text.strip() and node.text.lower() not in ("null", "~"):
        return node.text.strip().lower()
    return None


def _true(document, name: str) -> bool:
    return _text(document, name) in ("true", "yes", "on")


def _from_path(config: "TrainingConfig") -> str | None:
    """A trainer named by the file's folder or name (``dpo/config.yaml``, ``train_lora_dpo.yaml``)."""
    path = config.document.path
    parts = [p.lower() for p in (*path.parent.parts[-3:], path.stem)]
    for part in reversed(parts):
        for word in re.split(r"[^a-z0-9]+", part):
            if word in _PATH_WORDS:
                return _PATH_WORDS[word]
    return None


def trl_objective(config: "TrainingConfig") -> tuple[str, str]:
    keys = set(config.document.root.keys())
    for name in _TRL_ORDER:
        marks = sorted(keys & TRL_CLASS_KEYS[name])
        if name == "dpo" and marks == ["max_prompt_length"] and _from_path(config) not in (None, "dpo"):
            continue  # ORPO, KTO and CPO take a prompt length too: the folder names which
        if marks:
            objective = name
            if name in ("dpo", "cpo"):
                loss = _text(config.document, "loss_type")
                objective = _DPO_LOSSES.get(loss or "", objective)
                named = _from_path(config)
                if named in ("orpo", "simpo", "kto", "cpo") and objective == "dpo":
                    objective = named  # ORPOConfig has no key of its own beyond DPO's
            return objective, f"{_class_name(objective)} keys ({', '.join(marks[:3])})"
    named = _from_path(config)
    if named:
        return named, f"the path names the {named} trainer"
    return "sft", "no other trainer's keys: `trl sft`"


def _class_name(objective: str) -> str:
    return {"sft": "SFTConfig", "dpo": "DPOConfig", "orpo": "ORPOConfig", "kto": "KTOConfig", "cpo": "CPOConfig",
            "simpo": "CPOConfig/DPOConfig", "grpo": "GRPOConfig", "rloo": "RLOOConfig",
            "reward": "RewardConfig"}.get(objective, objective)


def llamafactory_objective(config: "TrainingConfig") -> tuple[str, str]:
    document = config.document
    stage = _text(document, "stage")
    if stage is not None:
        objective = _LF_STAGES.get(stage, stage)
        if objective == "dpo":
            objective = _LF_PREF_LOSS.get(_text(document, "pref_loss") or "", "dpo")
        return objective, f"stage: {stage}"
    named = _from_path(config) if _has_v1_marker(config) else None
    if named:
        return named, "the file and its dataset are named after the trainer"
    dataset = _text(document, "train_dataset")
    if dataset:
        for word in re.split(r"[^a-z0-9]+", dataset.rsplit("/", 1)[-1]):
            if word in _PATH_WORDS and word != "sft":
                return _PATH_WORDS[word], "the dataset is named after the trainer"
    return "sft", "LLaMA-Factory's default stage is sft"


def training_arguments_objective(config: "TrainingConfig") -> tuple[str, str]:
    """A plain TrainingArguments file: the trainer its path names, else SFT."""
    named = _from_path(config)
    return (named, "the path names the trainer") if named else ("sft", "TrainingArguments")


def _has_v1_marker(config) -> bool:
    from .llamafactory import is_v1

    return is_v1(config.document)


def axolotl_objective(config: "TrainingConfig") -> tuple[str, str]:
    document = config.document
    rl = _text(document, "rl")
    if rl not in (None, "false"):
        rl = rl.rsplit(".", 1)[-1]
        return _AXOLOTL_RL.get(rl, rl), f"rl: {rl}"
    if _true(document, "reward_model") or _true(document, "process_reward_model"):
        return "reward", "reward_model: true"
    if document.root.get("pretraining_dataset") is not None:
        return "pretraining", "pretraining_dataset"
    return "sft", "no rl, reward or pretraining keys"


def objective_of(config: "TrainingConfig") -> tuple[str, str]:
    """(objective, why) for a config read by its dialect: the dialect's answer, except that SFT of
    an embedding model or encoder is ``embedding``."""
    objective, why = config.dialect.objective(config)
    if objective == "sft":
        model = str(config.value("base_model") or "").lower()
        names = (model, config.document.path.name.lower())
        if any([fragment in n for fragment in _EMBEDDING_MODELS for n in names]):  # a list: no generator to resume
            return "embedding", "an embedding or encoder model"
    return objective, why


def method_of(config: "TrainingConfig") -> str:
    """``qlora`` (a 4-bit base model with an adapter), ``lora`` or ``full``."""
    if config.value("finetuning_type") == "lora":
        return "qlora" if config.quantized_4bit else "lora"
    return "full"


def set_objective_and_method(config: "TrainingConfig") -> None:
    objective, why = objective_of(config)
    config.set(Setting("objective", objective, Origin.DERIVED, note=why))
    config.set(Setting("method", method_of(config), Origin.DERIVED, note="from the adapter and quantisation keys"))
