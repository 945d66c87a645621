"""Plain transformers: a YAML or JSON file of ``TrainingArguments`` fields.

Scripts read such files with ``TrainingArguments(**yaml.safe_load(f))`` (YAML 1.1, nothing
converts ``"2e-4"`` back to a number; it fails only when the optimizer is built) or with
``HfArgumentParser.parse_json_file`` (JSON numbers). The defaults are TrainingArguments' own in
transformers 5. There are no adapter keys, so every weight trains.
"""

from __future__ import annotations

from ..document import Document
from .base import Detection, Dialect, key
from .evidence import known_keys as keys_of
from .top_level import top_level
from .objectives import training_arguments_objective
from .trainer_defaults import ENUM_KEYS, INTERVAL_STRATEGIES, TRAINING_ARGUMENTS

#: TrainingArguments fields that are also canonical fields, under the same names.
_SAME_NAME = (
    "learning_rate", "lr_scheduler_type", "warmup_steps", "weight_decay", "max_grad_norm", "optim",
    "per_device_train_batch_size", "gradient_accumulation_steps", "num_train_epochs", "max_steps",
    "save_strategy", "save_steps", "eval_strategy", "eval_steps", "logging_steps", "load_best_model_at_end",
    "bf16", "fp16", "gradient_checkpointing", "seed",
    "logging_strategy", "logging_first_step", "eval_delay", "eval_on_start", "dataloader_drop_last",
)

#: Keys that make a file look like a run's arguments rather than any other mapping.
CORE = frozenset({"output_dir", "learning_rate", "per_device_train_batch_size", "num_train_epochs",
                  "gradient_accumulation_steps", "max_steps", "warmup_steps", "lr_scheduler_type",
                  "logging_steps", "save_steps", "weight_decay"})


class HF(Dialect):
    name = "hf"
    title = "transformers TrainingArguments"
    yaml_version = "1.1"
    coerces_numeric_strings = False
    keys = (
        *(key(name, name) for name in _SAME_NAME),
        key("warmup_ratio", "warmup_ratio"),
        key("evaluation_strategy", "eval_strategy"),
    )
    defaults = {**TRAINING_ARGUMENTS, "finetuning_type": "full", "use_unsloth": False}
    known_keys = keys_of("hf")
    # conventions (see Dialect)
    rejects_unknown_keys = True
    unknown_key_effect = ("TrainingArguments(**config) stops with a TypeError (unexpected keyword argument), and "
                          "HfArgumentParser with a ValueError")
    scripts_add_keys = True
    rejects_unknown_values = True
    value_keys = {"transformers": ENUM_KEYS}
    closed_values = {"logging_strategy": INTERVAL_STRATEGIES}
    default_sources = ("transformers",)
    runs_trl_trainers = True

    def objective(self, config) -> tuple[str, str]:
        return training_arguments_objective(config)

    def detect(self, document: Document) -> Detection:
        """TrainingArguments keys are shared by every trainer, so this dialect scores by exclusion:
        a file counts as plain transformers when its keys are (nearly) all TrainingArguments fields
        and several of them describe a run."""
        keys = top_level(document).keys
        if not keys:
            return Detection(self.name, 0.0, ["no keys"])
        mine = [k for k in keys if k in self.known_keys]
        core = [k for k in mine if k in CORE]
        share = len(mine) / len(keys)
        score = round(share + 0.25 * min(len(core), 4), 2) if len(core) >= 2 else round(share * 0.5, 2)
        reasons = [f"{len(mine)} of {len(keys)} top-level keys are TrainingArguments fields"]
        if core:
            reasons.append(f"run settings {', '.join(core[:4])}")
        return Detection(self.name, score, reasons)
