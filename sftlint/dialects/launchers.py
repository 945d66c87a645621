"""Recognising YAML and JSON files that sit beside training configs but are not training configs.

Example folders mix training configs with accelerate launcher configs, DeepSpeed and FSDP configs,
merge and export configs, inference and evaluation configs, dataset descriptions, special-token lists and cloud
launcher settings. Other training tools' configs are recognised by name too (torchtune recipes with
their ``_component_`` sections, Hydra and OmegaConf configs with ``_target_``, LitGPT, LLM Foundry,
nanotron, lm-evaluation-harness tasks, PEFT adapter configs), so that a file whose keys happen to
look like a supported tool's is not linted as one.
Linting those as training configs would report nonsense (no learning rate, unknown keys), so each
is recognised by the keys that define its format and skipped with a reason. A file that names a
model *and* training settings is never skipped here, whatever else it holds: the training keys win.
"""

from __future__ import annotations

from .. import hookimpl
from ..document import Document, Mapping, Scalar, Sequence
from .top_level import key_set

#: Keys that only a training run has; their presence means "lint this file".
TRAINING_KEYS = frozenset({
    "learning_rate", "num_train_epochs", "num_epochs", "per_device_train_batch_size", "micro_batch_size",
    "datasets", "dataset", "train_dataset", "dataset_name", "stage", "do_train", "training", "max_steps",
    "lora_r", "lora_rank", "adapter", "finetuning_type", "sequence_len", "cutoff_len",
})
#: Keys that name the model a run starts from.
MODEL_KEYS = frozenset({"base_model", "model_name_or_path", "model"})


def _keys(document: Document) -> frozenset[str]:
    return key_set(document)


def _is_true(document: Document, name: str) -> bool:
    node = document.root.get(name)
    return isinstance(node, Scalar) and node.text.lower() in ("true", "yes", "on")


def _accelerate(keys: frozenset[str]) -> bool:
    return bool({"compute_environment", "distributed_type"} & keys) or {"mixed_precision", "num_processes"} <= keys


def _deepspeed(keys: frozenset[str]) -> bool:
    return "zero_optimization" in keys or (
        bool({"train_micro_batch_size_per_gpu", "train_batch_size"} & keys) and not keys & MODEL_KEYS
    )


def _trainer_state(keys: frozenset[str]) -> bool:
    """``trainer_state.json``, which the Trainer writes into each checkpoint: its ``log_history``
    holds learning rates and its ``train_batch_size`` looks like DeepSpeed's, but it is a record of
    a run, not a config."""
    return {"log_history", "global_step"} <= keys


def _fsdp(keys: frozenset[str]) -> bool:
    return bool(keys) and ("fsdp_config" in keys or all(k.startswith("fsdp") for k in keys))


def _merge(document: Document, keys: frozenset[str]) -> bool:
    if {"merge_method", "slices"} & keys:
        return True  # mergekit
    if "models" in keys and not keys & TRAINING_KEYS:
        return True
    if "export_dir" in keys and not _is_true(document, "do_train"):
        return True  # LLaMA-Factory export (merge a LoRA adapter, quantise)
    peft = document.root.get("peft_config")
    return isinstance(peft, Mapping) and "export_dir" in peft and not keys & {"train_dataset", "learning_rate"}


def _evaluation(document: Document, keys: frozenset[str]) -> bool:
    """LLaMA-Factory prediction runs: ``do_predict`` without ``do_train`` trains nothing."""
    return "stage" in keys and not _is_true(document, "do_train") and (
        _is_true(document, "do_predict") or _is_true(document, "do_eval")
    )


def _inference(keys: frozenset[str]) -> bool:
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


def _cloud(keys: frozenset[str]) -> bool:
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


def _other_yaml(keys: frozenset[str]) -> str | None:
    if keys & MODEL_KEYS:
        return None
    for kind, marks in _OTHER_YAML:
        if any(mark <= keys for mark in marks):
            return kind
    return None


def _nested_markers(root, markers: frozenset[str]) -> set[str]:
    """Which of ``markers`` are keys of a mapping at most three levels down (one walk for all,
    level by level; a sequence is looked into as far as its first 20 items)."""
    found: set[str] = set()
    level = [root]
    for _depth in range(4):
        below = []
        # node classes are compared with ``is`` (no subclasses exist): no call for each of the
        # hundreds of entries a file has, and the keys read as they stand, with no lookup index
        for node in level:
            if node.__class__ is Mapping:
                for key, value in node.pairs:
                    if key.__class__ is Scalar and key.text in markers:
                        found.add(key.text)
                    if value.__class__ is Mapping or value.__class__ is Sequence:
                        below.append(value)
            elif node.__class__ is Sequence:
                below.extend([item for item in node.items[:20]
                              if item.__class__ is Mapping or item.__class__ is Sequence])
        level = below
    return found


#: Keys that mark another tool's config wherever they stand near the top, and the tool, in the
#: order they are looked for.
_NESTED_MARKERS = (("_component_", "torchtune recipe"), ("_target_", "Hydra config"),
                   ("class_path", "LightningCLI config"))
_MARKER_KEYS = frozenset(marker for marker, _ in _NESTED_MARKERS)


#: Other tools' configs, by the keys that mark them: (what, keys that must all be there).
_OTHER_TOOLS = (
    ("LitGPT config", {"checkpoint_dir", "out_dir"}),
    ("LitGPT config", {"model_name", "out_dir", "train"}),
    ("LLM Foundry config", {"train_loader", "max_duration"}),
    ("LLM Foundry config", {"train_loader", "model", "tokenizer"}),
    ("LLM Foundry evaluation config", {"icl_tasks"}),
    ("LLM Foundry evaluation config", {"eval_gauntlet"}),
    ("nanotron config", {"general", "parallelism"}),
    ("nanotron config", {"checkpoints", "data_stages"}),
    ("lm-evaluation-harness task", {"task", "doc_to_text"}),
    ("lm-evaluation-harness task", {"task", "dataset_path"}),
    ("lm-evaluation-harness task", {"group", "task"}),
    ("PEFT adapter config", {"peft_type"}),
    ("Beaker experiment spec", {"tasks", "version"}),
    ("Beaker experiment spec", {"budget", "tasks"}),
    ("verl config", {"actor_rollout_ref"}),
    ("verl config", {"algorithm", "worker", "trainer"}),
    ("Ray runtime environment", {"working_dir", "env_vars"}),
    ("GitHub issue form", {"name", "description", "body"}),
    ("GitHub issue template config", {"blank_issues_enabled"}),
    ("GitHub Action", {"runs", "name"}),
    ("Dependabot config", {"updates", "version"}),
    ("Read the Docs config", {"build", "version"}),
    ("Codecov config", {"coverage"}),
)


#: What the recognisers name that is a training config, of a tool sftlint does not lint.
OTHER_TRAINING_TOOLS = frozenset({"torchtune recipe", "Hydra config", "LightningCLI config", "LitGPT config",
                                  "LLM Foundry config", "nanotron config", "verl config"})


def _other_tool(document: Document, keys: frozenset[str]) -> str | None:
    found = _nested_markers(document.root, _MARKER_KEYS)
    for marker, tool in _NESTED_MARKERS:
        if marker in found:
            return tool
    for kind, marks in _OTHER_TOOLS:
        if marks <= keys:
            return kind
    return None


def _old_llamafactory_run(document: Document, keys: frozenset[str]) -> str | None:
    """LLaMA-Factory configs that load a model (and an adapter) but train nothing.

    Older releases' ``examples/inference``, ``merge_lora`` and ``train_lora/*_eval.yaml`` files carry
    ``finetuning_type: lora`` beside ``adapter_name_or_path`` and ``template``; with no ``stage``
    and no ``do_train`` they chat, merge or evaluate (``llamafactory-cli chat|export|eval``).
    """
    if {"task", "n_shot"} <= keys or ({"task", "save_dir"} <= keys and "stage" not in keys):
        return "evaluation config"
    if "export_dir" in keys and not _is_true(document, "do_train"):
        return "merge config"
    if "stage" in keys or "do_train" in keys or keys & {"learning_rate", "num_train_epochs", "max_steps", "dataset"}:
        return None
    if "model_name_or_path" in keys and keys & {"adapter_name_or_path", "template", "infer_backend"}:
        return "inference config"
    return None


@hookimpl
def sftlint_recognize_non_training(document: Document) -> str | None:
    keys = _keys(document)
    if _evaluation(document, keys):
        return "evaluation config"
    other = _other_tool(document, keys) or _old_llamafactory_run(document, keys)
    if other:
        return other
    if keys & MODEL_KEYS and keys & (TRAINING_KEYS - {"dataset", "datasets"}):
        return None  # a model plus training settings: a training config, whatever else it holds
    if _accelerate(keys):
        return "accelerate launcher config"
    if _trainer_state(keys):
        return "Trainer state file, written by a run"
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
