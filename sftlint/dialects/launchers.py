"""Recognising YAML and JSON files that sit beside training configs but are not training configs.

Example folders mix training configs with accelerate launcher configs, DeepSpeed and FSDP configs,
merge and export configs, inference and evaluation configs, dataset descriptions, special-token lists and cloud
launcher settings.
Linting those as training configs would report nonsense (no learning rate, unknown keys), so each
is recognised by the keys that define its format and skipped with a reason. A file that names a
model *and* training settings is never skipped here, whatever else it holds: the training keys win.
"""

from __future__ import annotations

from .. import hookimpl
from ..document import Document, Mapping, Scalar

#: Keys that only a training run has; their presence means "lint this file".
TRAINING_KEYS = frozenset({
    "learning_rate", "num_train_epochs", "num_epochs", "per_device_train_batch_size", "micro_batch_size",
    "datasets", "dataset", "train_dataset", "dataset_name", "stage", "do_train", "training", "max_steps",
    "lora_r", "lora_rank", "adapter", "finetuning_type", "sequence_len", "cutoff_len",
})
#: Keys that name the model a run starts from.
MODEL_KEYS = frozenset({"base_model", "model_name_or_path", "model"})


def _keys(document: Document) -> set[str]:
    return set(document.root.keys())


def _is_true(document: Document, name: str) -> bool:
    node = document.root.get(name)
    return isinstance(node, Scalar) and node.text.lower() in ("true", "yes", "on")


def _accelerate(keys: set[str]) -> bool:
    return bool({"compute_environment", "distributed_type"} & keys) or {"mixed_precision", "num_processes"} <= keys


def _deepspeed(keys: set[str]) -> bool:
    return "zero_optimization" in keys or (
        bool({"train_micro_batch_size_per_gpu", "train_batch_size"} & keys) and not keys & MODEL_KEYS
    )


def _fsdp(keys: set[str]) -> bool:
    return bool(keys) and ("fsdp_config" in keys or all(k.startswith("fsdp") for k in keys))


def _merge(document: Document, keys: set[str]) -> bool:
    if {"merge_method", "slices"} & keys:
        return True  # mergekit
    if "models" in keys and not keys & TRAINING_KEYS:
        return True
    if "export_dir" in keys and not _is_true(document, "do_train"):
        return True  # LLaMA-Factory export (merge a LoRA adapter, quantise)
    peft = document.root.get("peft_config")
    return isinstance(peft, Mapping) and "export_dir" in peft and not keys & {"train_dataset", "learning_rate"}


def _evaluation(document: Document, keys: set[str]) -> bool:
    """LLaMA-Factory prediction runs: ``do_predict`` without ``do_train`` trains nothing."""
    return "stage" in keys and not _is_true(document, "do_train") and (
        _is_true(document, "do_predict") or _is_true(document, "do_eval")
    )


def _inference(keys: set[str]) -> bool:
    if "infer_backend" in keys:
        return True  # LLaMA-Factory chat / API / batch inference
    return bool(keys & MODEL_KEYS) and "template" in keys and not keys & TRAINING_KEYS and "output_dir" not in keys


def _dataset_description(document: Document) -> bool:
    """LLaMA-Factory's dataset registries: every entry names where one dataset lives."""
    pairs = document.root.pairs
    if not pairs:
        return False
    for _, value in pairs:
        if not isinstance(value, Mapping):
            return False
        if not {"path", "file_name", "hf_hub_url", "ms_hub_url", "script_url", "om_hub_url"} & set(value.keys()):
            return False
    return True


def _special_tokens(document: Document) -> bool:
    """LLaMA-Factory's ``new_special_tokens_config``: token markup mapped to a description."""
    pairs = document.root.pairs
    return bool(pairs) and all(
        isinstance(k, Scalar) and k.text.startswith("<") and k.text.endswith(">") and isinstance(v, Scalar)
        for k, v in pairs
    )


def _cloud(keys: set[str]) -> bool:
    return not keys & MODEL_KEYS and ("provider" in keys or {"gpu", "gpu_count"} <= keys)


#: Other YAML that lives beside training configs in a repository, by the keys that mark it.
_OTHER_YAML = (
    ("GitHub Actions workflow", ({"jobs", "on"}, {"jobs", "name"})),
    ("GitLab CI config", ({"stages"}, {"include", "variables"})),
    ("Docker Compose file", ({"services"},)),
    ("Kubernetes manifest", ({"apiVersion", "kind"},)),
    ("pre-commit config", ({"repos"},)),
    ("conda environment", ({"dependencies", "channels"}, {"dependencies", "name"})),
    ("MkDocs config", ({"site_name"},)),
)


def _other_yaml(keys: set[str]) -> str | None:
    if keys & MODEL_KEYS:
        return None
    for kind, marks in _OTHER_YAML:
        if any(mark <= keys for mark in marks):
            return kind
    return None


@hookimpl
def sftlint_recognize_non_training(document: Document) -> str | None:
    keys = _keys(document)
    if _evaluation(document, keys):
        return "evaluation config"
    if keys & MODEL_KEYS and keys & (TRAINING_KEYS - {"dataset", "datasets"}):
        return None  # a model plus training settings: a training config, whatever else it holds
    if _accelerate(keys):
        return "accelerate launcher config"
    if _deepspeed(keys):
        return "DeepSpeed config"
    if _fsdp(keys):
        return "FSDP config"
    if _merge(document, keys):
        return "merge config"
    if _inference(keys):
        return "inference config"
    if _dataset_description(document):
        return "dataset config"
    if _special_tokens(document):
        return "special tokens config"
    if _cloud(keys):
        return "cloud launcher config"
    return _other_yaml(keys)
