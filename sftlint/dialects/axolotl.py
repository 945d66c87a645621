"""axolotl: one flat YAML file per run, validated by pydantic.

axolotl reads the file with PyYAML's ``safe_load`` (YAML 1.1, so ``2e-4`` is a string) and then
validates it with pydantic in lax mode, which turns numeric strings back into numbers (and
``learning_rate`` has its own validator that calls ``float``). Defaults are the schema's
(``src/axolotl/utils/schemas/``) or, where axolotl passes None on, transformers'.
"""

from __future__ import annotations

from typing import Any

from ..document import Document, Mapping, Sequence
from . import axolotl_run, dataset_specs
from .base import Detection, Dialect, key
from .deriving import derive
from .evidence import known_keys as keys_of, score_by_keys
from .top_level import top_level
from .objectives import axolotl_objective


def finetuning_type(adapter: Any) -> Any:
    """``adapter: lora`` and ``adapter: qlora`` train LoRA adapters; no adapter trains every weight."""
    if adapter in (None, ""):
        return "full"
    if isinstance(adapter, str) and adapter.lower() in ("lora", "qlora"):
        return "lora"
    return adapter


class Axolotl(Dialect):
    name = "axolotl"
    title = "axolotl"
    yaml_version = "1.1"
    coerces_numeric_strings = True
    keys = (
        key("base_model", "base_model"),
        key("trust_remote_code", "trust_remote_code"),
        key("adapter", "finetuning_type", finetuning_type),
        key("load_in_4bit", "load_in_4bit"),
        key("load_in_8bit", "load_in_8bit"),
        key("bnb_config_kwargs.bnb_4bit_quant_type", "bnb_4bit_quant_type"),
        key("bnb_config_kwargs.bnb_4bit_use_double_quant", "bnb_4bit_use_double_quant"),
        key("bnb_config_kwargs.bnb_4bit_compute_dtype", "bnb_4bit_compute_dtype"),
        key("lora_r", "lora_r"),
        key("lora_alpha", "lora_alpha"),
        key("lora_dropout", "lora_dropout"),
        key("lora_target_modules", "lora_target_modules"),
        key("peft_use_rslora", "use_rslora"),
        key("peft_use_dora", "use_dora"),
        key("learning_rate", "learning_rate"),
        key("lr_scheduler", "lr_scheduler_type"),
        key("warmup_steps", "warmup_steps"),
        key("warmup_ratio", "warmup_ratio"),
        key("weight_decay", "weight_decay"),
        key("max_grad_norm", "max_grad_norm"),
        key("optimizer", "optim"),
        key("micro_batch_size", "per_device_train_batch_size"),
        key("gradient_accumulation_steps", "gradient_accumulation_steps"),
        key("num_epochs", "num_train_epochs"),
        key("max_steps", "max_steps"),
        key("save_strategy", "save_strategy"),
        key("save_steps", "save_steps"),
        key("eval_strategy", "eval_strategy"),
        key("evaluation_strategy", "eval_strategy"),
        key("eval_steps", "eval_steps"),
        key("logging_steps", "logging_steps"),
        key("load_best_model_at_end", "load_best_model_at_end"),
        key("bf16", "bf16"),
        key("bfloat16", "bf16"),
        key("fp16", "fp16"),
        key("float16", "fp16"),
        key("gradient_checkpointing", "gradient_checkpointing"),
        key("sequence_len", "max_seq_length"),
        key("sample_packing", "packing"),
        key("dataloader_drop_last", "dataloader_drop_last"),
        key("seed", "seed"),
        key("datasets", "datasets", dataset_specs.from_mappings),
        key("val_set_size", "val_size"),
    )
    defaults = {
        "finetuning_type": "full",
        "load_in_4bit": False,
        "load_in_8bit": False,
        "per_device_train_batch_size": 1,
        "gradient_accumulation_steps": 1,
        "num_train_epochs": 1.0,
        "max_steps": -1,
        "weight_decay": 0.0,
        "max_grad_norm": 1.0,
        "optim": "adamw_torch_fused",
        "lr_scheduler_type": "cosine",
        "max_seq_length": 512,
        "packing": False,
        "val_size": 0.0,
        "gradient_checkpointing": False,
        "load_best_model_at_end": False,
        "seed": 42,
        "use_unsloth": False,
    }
    known_keys = keys_of("axolotl")
    #: axolotl's schema requires it.
    required_keys = frozenset({"base_model"})
    # conventions (see Dialect)
    unknown_key_effect = "axolotl's schema drops it when the config is validated, so it has no effect"
    validates_types = True
    value_keys = {"transformers": {"optimizer": "optim", "lr_scheduler": "lr_scheduler_type",
                                   "eval_strategy": "eval_strategy", "save_strategy": "save_strategy",
                                   "logging_strategy": "logging_strategy", "hub_strategy": "hub_strategy"}}
    closed_values = {"adapter": ("lora", "qlora")}
    loader_4bit_defaults = {"bnb_4bit_quant_type": "nf4", "bnb_4bit_use_double_quant": True}
    default_sources = ("axolotl",)
    computes_run_length = True
    own_packing = "axolotl"
    derives_strategies = True
    rejects_warmup_steps_and_ratio = True
    all_linear_key = "lora_target_linear"
    target_parameters_key = "lora_target_parameters"
    trl_section = "trl"
    #: Keys that mark an axolotl file even when other tools share them.
    hallmarks = {"base_model": 1.5, "micro_batch_size": 0.5, "adapter": 1.0, "sequence_len": 1.0,
                 "num_epochs": 0.5, "lr_scheduler": 0.5, "val_set_size": 0.5, "sample_packing": 0.5}

    def objective(self, config) -> tuple[str, str]:
        return axolotl_objective(config)

    def detect(self, document: Document) -> Detection:
        detection = score_by_keys(self.name, self.title, document, self.hallmarks, self.known_keys)
        datasets = document.root.get("datasets")
        if isinstance(datasets, Sequence) and any(
            isinstance(item, Mapping) and "type" in item for item in datasets.items
        ):
            detection.score = round(detection.score + 1.0, 2)
            detection.reasons.append("its datasets name a prompt 'type', as axolotl's do")
        return detection

    def adjust_trainer_arguments(self, config, inputs, plan, args) -> None:
        axolotl_run.trainer_arguments(config, inputs, plan, args)

    def runs_trl_grpo(self, config) -> bool:
        """``rl: grpo`` hands the ``trl:`` section to TRL's GRPOConfig; axolotl's other GRPO-like
        trainers (``ebft``, ``gdpo``) have configs of their own."""
        node = config.document.root.get("rl") if isinstance(config.document.root, Mapping) else None
        return node is not None and self.node_value(node) == "grpo"

    def integration_fused_loss(self, value_of) -> str | None:
        """axolotl's integrations act only when listed as plugins."""
        plugins = value_of("plugins")
        plugins = [str(p) for p in plugins] if isinstance(plugins, list) else []
        if any(p.endswith("CutCrossEntropyPlugin") for p in plugins) and value_of("cut_cross_entropy") is not False:
            return "Cut Cross Entropy"
        if any(p.endswith("LigerPlugin") for p in plugins) and value_of("liger_fused_linear_cross_entropy") is True:
            return "Liger's fused linear cross-entropy"
        return None

    def derive(self, config) -> None:
        adapter = config.value("finetuning_type")
        if config.is_set("finetuning_type") and _is_qlora(config):
            derive(config, "load_in_4bit", True, "adapter: qlora loads the base model in 4 bits")
            if not config.is_set("bnb_4bit_use_double_quant"):
                derive(config, "bnb_4bit_use_double_quant", True,
                       "axolotl's qlora loader sets bnb_4bit_use_double_quant=True")
        if adapter == "lora" and config.document.root.get("lora_target_linear") is not None:
            linear = self.node_value(config.document.root.get("lora_target_linear"))
            if linear is True:
                derive(config, "lora_target_modules", "all-linear", "lora_target_linear: true")
        root = config.document.root
        batch_size = root.get("batch_size")
        if batch_size is not None and not config.is_set("gradient_accumulation_steps"):
            total, micro = self.node_value(batch_size), config.value("per_device_train_batch_size")
            if isinstance(total, int) and isinstance(micro, int) and micro > 0:
                derive(config, "gradient_accumulation_steps", total // micro, "batch_size / micro_batch_size")
        if config.is_set("save_steps") and not config.is_set("save_strategy"):
            derive(config, "save_strategy", "steps", "save_steps is set")
        elif not config.is_set("save_strategy"):
            derive(config, "save_strategy", "epoch", "axolotl saves each epoch when save_steps is unset")
        if any([k.startswith("unsloth_") for k in top_level(config.document).keys]) and \
                any(k.startswith("unsloth_") and self.node_value(v) for k, v in _pairs(root)):  # most files have none
            derive(config, "use_unsloth", True, "an unsloth_* key is on")
        test = root.get("test_datasets")
        if test is not None:
            evals = dataset_specs.from_mappings(self.node_value(test), role="eval")
            current = config.get("datasets")
            if current is not None and isinstance(current.value, list):
                current.value = [*current.value, *evals]
            else:
                derive(config, "datasets", evals, "test_datasets")


def _is_qlora(config) -> bool:
    setting = config.get("finetuning_type")
    node = setting.node if setting else None
    return getattr(node, "text", "").lower() == "qlora"


def _pairs(root):
    for k, v in root.pairs:
        text = getattr(k, "text", None)
        if isinstance(text, str):
            yield text, v
