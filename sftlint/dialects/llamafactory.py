"""LLaMA-Factory: flat YAML that fills transformers-style argument dataclasses.

``llamafactory-cli train x.yaml`` loads the file with ``OmegaConf.load``, whose PyYAML loader keeps
YAML 1.1 except for floats: it also reads ``2e-4`` as a float. The dict then goes through
``HfArgumentParser.parse_dict``, which does not convert strings, so a quoted ``"2e-4"`` stays a
string. Defaults are those of ``src/llamafactory/hparams/`` and transformers' TrainingArguments.

The newer format (``examples/v1/``: ``model``, ``micro_batch_size``, ``peft_config``,
``train_dataset``) is the same tool and the same loader, with other key names and defaults. It is
read by :class:`LlamaFactoryV1`, which carries the same dialect name so rules treat both alike
while fixes write the key names of the format the file is in.
"""

from __future__ import annotations

from typing import Any

from ..config.canonical import Origin, Setting
from ..document import Document, Scalar
from . import dataset_specs
from .base import Detection, Dialect, key
from .deriving import derive, replace_value
from .evidence import known_keys as keys_of, score_by_keys
from .top_level import key_set
from .objectives import llamafactory_objective
from .trainer_defaults import ENUM_KEYS, INTERVAL_STRATEGIES, TRAINING_ARGUMENTS

#: Keys only the newer format has; any of them makes a file a v1 config.
V1_MARKERS = frozenset({"peft_config", "train_dataset", "micro_batch_size", "model_class", "quant_config",
                        "dist_config", "kernel_config", "sample_backend", "enable_activation_checkpointing"})


def _bits(n: int):
    return lambda value: value == n if value is not None else False


def _not(value: Any) -> Any:
    return not value if isinstance(value, bool) else value


def is_v1(document: Document) -> bool:
    """A file in LLaMA-Factory's newer format (``examples/v1/``)."""
    return not V1_MARKERS.isdisjoint(key_set(document)) or (
        isinstance(document.root.get("model"), Scalar) and "model_name_or_path" not in document.root
    )


class LlamaFactory(Dialect):
    name = "llamafactory"
    title = "LLaMA-Factory"
    yaml_version = "1.1"
    #: OmegaConf's loader reads exponent floats without a dot, which is what this flag models.
    coerces_numeric_strings = True
    keys = (
        key("model_name_or_path", "base_model"),
        key("trust_remote_code", "trust_remote_code"),
        key("finetuning_type", "finetuning_type"),
        key("quantization_bit", "load_in_4bit", _bits(4)),
        key("quantization_bit", "load_in_8bit", _bits(8)),
        key("quantization_type", "bnb_4bit_quant_type"),
        key("double_quantization", "bnb_4bit_use_double_quant"),
        key("compute_dtype", "bnb_4bit_compute_dtype"),
        key("lora_rank", "lora_r"),
        key("lora_alpha", "lora_alpha"),
        key("lora_dropout", "lora_dropout"),
        key("lora_target", "lora_target_modules"),
        key("use_rslora", "use_rslora"),
        key("use_dora", "use_dora"),
        key("learning_rate", "learning_rate"),
        key("lr_scheduler_type", "lr_scheduler_type"),
        key("warmup_steps", "warmup_steps"),
        key("warmup_ratio", "warmup_ratio"),
        key("weight_decay", "weight_decay"),
        key("max_grad_norm", "max_grad_norm"),
        key("optim", "optim"),
        key("per_device_train_batch_size", "per_device_train_batch_size"),
        key("gradient_accumulation_steps", "gradient_accumulation_steps"),
        key("num_train_epochs", "num_train_epochs"),
        key("max_steps", "max_steps"),
        key("save_strategy", "save_strategy"),
        key("save_steps", "save_steps"),
        key("eval_strategy", "eval_strategy"),
        key("evaluation_strategy", "eval_strategy"),
        key("eval_steps", "eval_steps"),
        key("logging_steps", "logging_steps"),
        *(key(name, name) for name in ("logging_strategy", "logging_first_step", "eval_delay", "eval_on_start",
                                       "dataloader_drop_last")),
        key("load_best_model_at_end", "load_best_model_at_end"),
        key("bf16", "bf16"),
        key("fp16", "fp16"),
        key("disable_gradient_checkpointing", "gradient_checkpointing", _not),
        key("cutoff_len", "max_seq_length"),
        key("packing", "packing"),
        key("seed", "seed"),
        key("max_samples", "max_samples"),
        key("val_size", "val_size"),
        key("use_unsloth", "use_unsloth"),
    )
    defaults = {
        **TRAINING_ARGUMENTS,
        # LLaMA-Factory's own arguments, and where it changes the Trainer's
        "finetuning_type": "lora",
        "load_in_4bit": False,
        "load_in_8bit": False,
        "bnb_4bit_quant_type": "nf4",
        "bnb_4bit_use_double_quant": True,
        "lora_r": 8,
        "lora_dropout": 0.0,
        "lora_target_modules": "all",
        "use_rslora": False,
        "use_dora": False,
        "gradient_checkpointing": True,
        "max_seq_length": 2048,
        "val_size": 0.0,
        "use_unsloth": False,
        "trust_remote_code": False,
    }
    known_keys = keys_of("llamafactory")
    # conventions (see Dialect)
    rejects_unknown_keys = True
    unknown_key_effect = "LLaMA-Factory stops with 'Some keys are not used by the HfArgumentParser'"
    rejects_unknown_values = True
    #: Chat templates are checked against LLaMA-Factory's own table.
    value_keys = {"transformers": ENUM_KEYS, "llamafactory": {"template": "template"}}
    #: It reads YAML with OmegaConf, whose loader raises on a duplicate key (``omegaconf/_yaml.py``).
    duplicate_key_error = "LLaMA-Factory's loader (OmegaConf) stops with 'found duplicate key {key}'"
    closed_values = {"finetuning_type": ("lora", "freeze", "full"), "stage": ("pt", "sft", "rm", "ppo", "dpo", "kto"),
                     "logging_strategy": INTERVAL_STRATEGIES}
    loader_4bit_defaults = {"bnb_4bit_quant_type": "nf4", "bnb_4bit_use_double_quant": True}
    default_sources = ("llamafactory", "transformers")
    max_samples_per_dataset = True
    own_packing = "llamafactory"
    #: Keys of which every LLaMA-Factory config has at least one (the newer format: its own markers).
    required_keys = frozenset({"stage", "finetuning_type", "template", "lora_target", "cutoff_len", "dataset_dir",
                               "model"}) | V1_MARKERS
    hallmarks = {"stage": 1.0, "finetuning_type": 1.0, "lora_target": 0.5, "template": 1.0, "dataset": 0.5,
                 "cutoff_len": 0.5, "model": 0.5, "peft_config": 1.0, "train_dataset": 1.0}

    def objective(self, config) -> tuple[str, str]:
        return llamafactory_objective(config)

    def detect(self, document: Document) -> Detection:
        detection = score_by_keys(self.name, self.title, document, self.hallmarks, self.known_keys)
        if is_v1(document) and detection.score > 0:
            detection.reasons.append("written in LLaMA-Factory's newer format (micro_batch_size, peft_config)")
        return detection

    def validated_by_trainer(self, document: Document) -> bool:
        """The newer format (``examples/v1/``) is not parsed into TrainingArguments."""
        return not is_v1(document)

    def fill_scheduler_kwargs(self, name: str, kwargs: dict[str, Any], warmup: int, total: int) -> dict[str, Any]:
        """``create_custom_scheduler``: warmup_stable_decay's missing steps filled in, a third of
        the steps after warmup at the peak and the rest decaying."""
        if name != "warmup_stable_decay":
            return kwargs
        remaining = total - warmup
        stable = remaining // 3
        filled = dict(kwargs)
        filled.setdefault("num_stable_steps", stable)
        filled.setdefault("num_decay_steps", remaining - stable)
        return filled

    def read(self, document: Document):
        if is_v1(document) and type(self) is LlamaFactory:
            return LlamaFactoryV1().read(document)
        return super().read(document)

    def derive(self, config) -> None:
        root = config.document.root
        if config.value("finetuning_type") == "lora" and not config.is_set("lora_alpha"):
            rank = config.value("lora_r")
            if isinstance(rank, int):
                derive(config, "lora_alpha", rank * 2, "LLaMA-Factory uses lora_rank x 2 when lora_alpha is unset")
        neat = root.get("neat_packing")
        if neat is not None and self.node_value(neat) is True and not config.value("packing"):
            if config.is_set("packing"):
                replace_value(config, "packing", True, "neat_packing turns packing on")
            else:
                derive(config, "packing", True, "neat_packing turns packing on")
        elif not config.is_set("packing"):
            stage = self.node_value(root.get("stage")) if root.get("stage") is not None else "sft"
            derive(config, "packing", stage == "pt", f"packing defaults on only for stage pt (stage is {stage})")
        dataset_dir = root.get("dataset_dir")
        folder = self.node_value(dataset_dir) if dataset_dir is not None else "data"
        specs = []
        for key_name, role in (("dataset", "train"), ("eval_dataset", "eval")):
            node = root.get(key_name)
            if node is None:
                continue
            for name in dataset_specs.split_names(self.node_value(node)):
                specs.append(dataset_specs.spec(None, role=role, name=name, dataset_dir=folder))
        if specs:
            entry = config.document.lookup(("dataset",)) or config.document.lookup(("eval_dataset",))
            _set_datasets(config, specs, entry)


class LlamaFactoryV1(LlamaFactory):
    """LLaMA-Factory's newer format: nested plugin configs and its own defaults."""

    keys = (
        key("model", "base_model"),
        key("trust_remote_code", "trust_remote_code"),
        key("peft_config.name", "finetuning_type"),
        key("quant_config.quantization_bit", "load_in_4bit", _bits(4)),
        key("quant_config.quantization_bit", "load_in_8bit", _bits(8)),
        key("peft_config.r", "lora_r"),
        key("peft_config.lora_alpha", "lora_alpha"),
        key("peft_config.lora_dropout", "lora_dropout"),
        key("peft_config.target_modules", "lora_target_modules"),
        key("learning_rate", "learning_rate"),
        key("max_grad_norm", "max_grad_norm"),
        key("micro_batch_size", "per_device_train_batch_size"),
        key("num_train_epochs", "num_train_epochs"),
        key("max_steps", "max_steps"),
        key("save_steps", "save_steps"),
        key("logging_steps", "logging_steps"),
        key("bf16", "bf16"),
        key("enable_activation_checkpointing", "gradient_checkpointing"),
        key("cutoff_len", "max_seq_length"),
        key("seed", "seed"),
    )
    defaults = {
        "finetuning_type": "full",
        "load_in_4bit": False,
        "load_in_8bit": False,
        "learning_rate": 1e-4,
        "max_grad_norm": 1.0,
        "per_device_train_batch_size": 1,
        "gradient_accumulation_steps": 1,
        "num_train_epochs": 3,
        "max_steps": -1,
        "logging_steps": 1,
        "bf16": True,
        "gradient_checkpointing": True,
        "max_seq_length": 2048,
        "seed": 42,
        "use_unsloth": False,
        "trust_remote_code": False,
    }

    def derive(self, config) -> None:
        specs = []
        for key_name, role in (("train_dataset", "train"), ("eval_dataset", "eval")):
            node = config.document.root.get(key_name)
            value = self.node_value(node) if node is not None else None
            if not isinstance(value, str) or not value:
                continue
            if value.endswith((".yaml", ".yml")):
                specs.append(dataset_specs.spec(None, role=role, dataset_info=value))
            else:
                specs.append(dataset_specs.spec(value, role=role))
        if specs:
            entry = config.document.lookup(("train_dataset",)) or config.document.lookup(("eval_dataset",))
            _set_datasets(config, specs, entry)


def _set_datasets(config, specs, entry) -> None:
    """The dataset specs, placed on the key that names the datasets (rules point there)."""
    key_node, value_node = entry if entry else (None, None)
    path = (key_node.text,) if key_node is not None else None
    config.set(Setting("datasets", specs, Origin.FILE, path, key_node, value_node))
