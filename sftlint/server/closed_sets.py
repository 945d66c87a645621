"""Values that form a closed set, offered as completions: the names the tools accept.

Taken from transformers 5.17 (``SchedulerType``, ``OptimizerNames``, ``SaveStrategy``,
``IntervalStrategy``), bitsandbytes' quantisation types and the dialects' own switches; a test
compares the transformers lists with the installed release. Keyed by canonical field (the value
passes to the Trainer unchanged); where a tool reads words of its own, its dialect lists them
(``Dialect.closed_values``).
"""

from __future__ import annotations

from ..dialects.trainer_defaults import INTERVAL_STRATEGIES

SCHEDULERS = ("linear", "cosine", "cosine_with_restarts", "polynomial", "constant", "constant_with_warmup",
              "inverse_sqrt", "reduce_lr_on_plateau", "cosine_with_min_lr", "cosine_warmup_with_min_lr",
              "warmup_stable_decay", "greedy")
OPTIMIZERS = ("adamw_torch", "adamw_torch_fused", "adamw_torch_xla", "adamw_torch_npu_fused", "adafactor",
              "adamw_anyprecision", "adamw_torch_4bit", "adamw_torch_8bit", "ademamix", "sgd", "adagrad",
              "adamw_bnb_8bit", "adamw_8bit", "ademamix_8bit", "lion_8bit", "lion_32bit", "paged_adamw_32bit",
              "paged_adamw_8bit", "paged_ademamix_32bit", "paged_ademamix_8bit", "paged_lion_32bit",
              "paged_lion_8bit", "rmsprop", "rmsprop_bnb", "rmsprop_bnb_8bit", "rmsprop_bnb_32bit", "galore_adamw",
              "galore_adamw_8bit", "galore_adafactor", "galore_adamw_layerwise", "galore_adamw_8bit_layerwise",
              "galore_adafactor_layerwise", "lomo", "adalomo", "grokadamw", "schedule_free_radam",
              "schedule_free_adamw", "schedule_free_sgd", "apollo_adamw", "apollo_adamw_layerwise", "stable_adamw")
SAVE_STRATEGIES = ("no", "steps", "epoch", "best")

#: canonical field -> accepted values
BY_FIELD: dict[str, tuple[str, ...]] = {
    "lr_scheduler_type": SCHEDULERS,
    "optim": OPTIMIZERS,
    "save_strategy": SAVE_STRATEGIES,
    "eval_strategy": INTERVAL_STRATEGIES,
    "bnb_4bit_quant_type": ("nf4", "fp4"),
    "bnb_4bit_compute_dtype": ("bfloat16", "float16", "float32"),
}


def values_for(dialect, dotted_key: str, field: str | None) -> tuple[str, ...]:
    """The closed set of values for a key of ``dialect`` (empty when the set is open)."""
    own = dialect.closed_values.get(dotted_key)
    if own:
        return own
    return BY_FIELD.get(field or "", ())
