"""transformers' ``TrainingArguments`` defaults, as canonical fields.

Every tool that hands its config to the Trainer starts from these; a dialect lists only where its
tool differs (TRL's SFTConfig, LLaMA-Factory's own arguments).
"""

TRAINING_ARGUMENTS = {
    "learning_rate": 5e-5,
    "lr_scheduler_type": "linear",
    "warmup_steps": 0,
    "weight_decay": 0.0,
    "max_grad_norm": 1.0,
    "optim": "adamw_torch_fused",
    "per_device_train_batch_size": 8,
    "gradient_accumulation_steps": 1,
    "num_train_epochs": 3.0,
    "max_steps": -1,
    "save_strategy": "steps",
    "save_steps": 500,
    "eval_strategy": "no",
    "logging_steps": 500,
    "load_best_model_at_end": False,
    "bf16": False,
    "fp16": False,
    "gradient_checkpointing": False,
    "seed": 42,
}

#: ``IntervalStrategy``'s values (``logging_strategy``, ``eval_strategy``).
INTERVAL_STRATEGIES = ("no", "steps", "epoch")

#: The enum-like TrainingArguments fields (each key is written under its own name), whose values
#: are checked against transformers' table of accepted and removed values.
ENUM_KEYS = {name: name for name in ("optim", "lr_scheduler_type", "eval_strategy", "logging_strategy",
                                     "save_strategy", "hub_strategy")}
