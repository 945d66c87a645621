"""TRL's command line: ``trl sft --config x.yaml``, one flat file of SFTConfig and ModelConfig fields.

TrlParser loads the file with PyYAML's ``safe_load`` and hands the values to argparse as defaults;
argparse applies each field's type to string defaults, so ``learning_rate: 2e-4`` (a string to
YAML 1.1) still arrives as a float. Defaults are SFTConfig's, which differ from TrainingArguments'
in ways that bite: lr 2e-5, logging every 10 steps, bf16 and gradient checkpointing on, and
``max_length`` 1024. LoRA is off unless ``use_peft: true``.
"""

from __future__ import annotations

from ..config.canonical import Origin, Setting
from ..document import Document
from . import dataset_specs
from .base import Detection, Dialect, key
from .deriving import derive
from .evidence import known_keys as keys_of, score_by_keys
from .top_level import key_set
from .hf import _SAME_NAME
from .objectives import trl_objective
from .trainer_defaults import ENUM_KEYS, INTERVAL_STRATEGIES, TRAINING_ARGUMENTS


def _peft(value):
    return "lora" if value is True else "full" if value is False else value


class TRL(Dialect):
    name = "trl"
    title = "TRL"
    yaml_version = "1.1"
    coerces_numeric_strings = True
    keys = (
        key("model_name_or_path", "base_model"),
        key("trust_remote_code", "trust_remote_code"),
        key("use_peft", "finetuning_type", _peft),
        key("load_in_4bit", "load_in_4bit"),
        key("load_in_8bit", "load_in_8bit"),
        key("bnb_4bit_quant_type", "bnb_4bit_quant_type"),
        key("use_bnb_nested_quant", "bnb_4bit_use_double_quant"),
        key("lora_r", "lora_r"),
        key("lora_alpha", "lora_alpha"),
        key("lora_dropout", "lora_dropout"),
        key("lora_target_modules", "lora_target_modules"),
        key("use_rslora", "use_rslora"),
        key("use_dora", "use_dora"),
        *(key(name, name) for name in _SAME_NAME),
        key("warmup_ratio", "warmup_ratio"),
        key("max_length", "max_seq_length"),
        key("packing", "packing"),
        key("loss_type", "loss_type"),
        key("datasets", "datasets", dataset_specs.from_mappings),
    )
    defaults = {
        **TRAINING_ARGUMENTS,
        # SFTConfig and ModelConfig where they differ from TrainingArguments
        "finetuning_type": "full",
        "trust_remote_code": False,
        "load_in_4bit": False,
        "load_in_8bit": False,
        "bnb_4bit_quant_type": "nf4",
        "bnb_4bit_use_double_quant": False,
        "lora_r": 16,
        "lora_alpha": 32,
        "lora_dropout": 0.05,
        "use_rslora": False,
        "use_dora": False,
        "learning_rate": 2e-5,
        "logging_steps": 10,
        "bf16": True,
        "gradient_checkpointing": True,
        "max_seq_length": 1024,
        "packing": False,
        "loss_type": "nll",
        "use_unsloth": False,
    }
    known_keys = keys_of("trl")
    # conventions (see Dialect)
    command = "trl sft"
    rejects_unknown_keys = True
    unknown_key_effect = ("`trl sft` passes it on to `accelerate launch`, which stops with 'unrecognized arguments' "
                          "(TrlParser scripts stop with 'Unknown arguments from config file')")
    scripts_add_keys = True
    rejects_unknown_values = True
    #: SFTConfig's enum-like keys are checked against TRL's own table (for SFT runs).
    value_keys = {"transformers": ENUM_KEYS,
                  "trl": {name: name for name in ("packing_strategy", "loss_type", "truncation_mode")}}
    closed_values = {"logging_strategy": INTERVAL_STRATEGIES}
    loader_4bit_defaults = {"bnb_4bit_quant_type": "nf4", "bnb_4bit_use_double_quant": False}
    default_sources = ("trl", "transformers")
    packs_with_trl = True
    runs_trl_trainers = True
    loss_bypasses_lm_head = True
    peft_default_targets = True
    target_parameters_key = "lora_target_parameters"
    #: TRL's preference and RL configs start from a learning rate of 1e-6, not SFTConfig's 2e-5.
    RL_LEARNING_RATE = 1e-6
    hallmarks = {"dataset_name": 1.0, "use_peft": 1.0, "model_name_or_path": 0.5, "env": 0.5}

    #: ModelConfig's own keys: a file with one of them is written for a script that parses
    #: ModelConfig with TrlParser (``trl sft`` or a recipe project's script built the same way).
    MODEL_CONFIG_MARKS = frozenset({"attn_implementation", "dtype", "torch_dtype", "use_peft", "use_bnb_nested_quant",
                                    "lora_target_modules", "load_in_4bit", "lora_task_type"})
    #: Recipe projects (alignment-handbook, open-r1) subclass TRL's ScriptArguments and configs to
    #: add a few arguments of their own (``dataset_mixture``, ``chat_template``, ``reward_funcs``):
    #: such a file is still read through TRL's classes, so more foreign keys are allowed than for
    #: a file that shows no sign of TrlParser.
    RECIPE_FOREIGN_SHARE = 0.25

    def objective(self, config) -> tuple[str, str]:
        return trl_objective(config)

    def detect(self, document: Document) -> Detection:
        return score_by_keys(self.name, self.title, document, self.hallmarks, self.known_keys)

    def objective_learning_rate(self, objective: str) -> tuple[float, str] | None:
        if objective in ("sft", "pretraining"):
            return None
        return self.RL_LEARNING_RATE, f"TRL's {objective} config default"

    def foreign_share(self, document: Document) -> float:
        if not self.MODEL_CONFIG_MARKS.isdisjoint(key_set(document)):
            return self.RECIPE_FOREIGN_SHARE
        return self.FOREIGN_SHARE

    def derive(self, config) -> None:
        root = config.document.root
        if config.is_set("fp16") and config.value("fp16") is True:
            derive(config, "bf16", False, "SFTConfig turns bf16 off when fp16 is on")
        if config.quantized_4bit:
            dtype = root.get("dtype") or root.get("torch_dtype")
            value = self.node_value(dtype) if dtype is not None else "float32"
            derive(config, "bnb_4bit_compute_dtype", value, "ModelConfig's dtype is the 4-bit compute dtype")
        name = root.get("dataset_name")
        if name is not None and not config.is_set("datasets"):
            split = root.get("dataset_train_split")
            entry = config.document.lookup(("dataset_name",))
            spec = dataset_specs.spec(
                self.node_value(name),
                self.node_value(split) if split is not None else "train",
                name=_value_or_none(self, root.get("dataset_config")),
            )
            config.set(Setting("datasets", [spec], Origin.FILE, ("dataset_name",), entry[0], entry[1]))


def _value_or_none(dialect, node):
    return dialect.node_value(node) if node is not None else None
