"""What axolotl computes itself before it hands arguments to the Trainer.

axolotl counts the run itself, ``ceil(examples x epochs / (micro batch x accumulation x
processes))``, and passes ``max_steps = max_steps or that count``; the warmup (``warmup_ratio``
rounded *down*, or 3% capped at 100 when none is set) and the default logging interval
(``max(min(int(0.005 x count), 10), 1)``) come from the count (or ``max_steps`` when that is smaller: axolotl takes the smaller of
the two), and with ``sample_packing`` the count is that of its multipack sampler
(``plan/packing_axolotl.py``); a warmup of
exactly 1 becomes 2, even when written. ``saves_per_epoch`` and ``evals_per_epoch`` become the
fractions ``1 / (n x num_epochs)`` of the run; ``save_steps`` turns on the steps strategy and
saving each epoch is the default; evaluation needs ``val_set_size`` or ``test_datasets``, and then
``eval_steps`` (or any ``eval_strategy``) also turns on ``eval_on_start``. With ``sample_packing``
and ``eval_sample_packing: false`` it drops the last partial batch. Its preference trainers
(``rl:``) log the first step.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..document import Mapping
from .values import as_int, as_number

if TYPE_CHECKING:
    from ..config.canonical import TrainingConfig


def total_steps(num_examples: int, epochs: float, micro_batch: int, accumulation: int, world_size: int) -> int:
    return int(math.ceil(num_examples * epochs / (micro_batch * accumulation * world_size)))


def logging_steps(total: int) -> int:
    return max(min(int(0.005 * total), 10), 1)


def _raw(config: TrainingConfig, key: str) -> Any:
    """A top-level key of the file that no canonical field holds, read as axolotl reads it."""
    root = config.document.root if config.document is not None else None
    node = root.get(key) if isinstance(root, Mapping) else None
    return config.dialect.node_value(node) if node is not None else None


def trainer_arguments(config: TrainingConfig, inputs: Any, plan: Any, args: dict[str, Any]) -> None:
    """Change the ``TrainingArguments`` values in ``args`` the way axolotl builds them."""
    n, batch, accumulation, epochs = (plan.num_examples, plan.per_device_batch_size, plan.gradient_accumulation_steps,
                                      plan.num_train_epochs)
    count = None
    if n is not None and batch and accumulation and epochs is not None and not config.value("packing"):
        count = total_steps(n, epochs, batch, accumulation, plan.world_size)
    packed = bool(config.value("packing")) and plan.packing.get("tool") == "axolotl"
    if packed:
        count = plan.packing.get("steps")  # counted from its multipack sampler (plan/packing_axolotl.py)
    written = as_int(config.value("max_steps")) if config.is_set("max_steps") else None
    args["max_steps"] = written or count or -1
    if count is not None and not written:
        plan.notes.append(f"axolotl computes the run length itself and passes max_steps={count} " + (
            "(from its packing count)" if packed else "(ceil(examples x epochs / effective batch))"))
    elif count is not None and written and written != count:
        plan.notes.append(f"axolotl passes max_steps {written}; its warmup and logging defaults come from "
                          f"{min(count, written)} steps (the smaller of that and the {count} it computes from the data)")
    if count is not None and written:
        count = min(count, written)  # axolotl's own count is min(computed, max_steps)
    # warmup
    steps = as_number(config.value("warmup_steps")) if config.is_set("warmup_steps") else None
    ratio = as_number(config.value("warmup_ratio")) if config.is_set("warmup_ratio") else None
    warmup: float | int
    if steps is not None:
        warmup, how = steps, f"warmup_steps {steps:g}"
    elif ratio is not None:
        warmup, how = ((max(int(ratio * count), 0), f"axolotl: int(warmup_ratio {ratio:g} x {count} steps)")
                       if count else (ratio, f"warmup_ratio {ratio:g} of the run"))
    elif count:
        warmup, how = min(int(0.03 * count), 100), f"axolotl default: min(int(0.03 x {count} steps), 100)"
    else:
        warmup, how = 0.03, "axolotl default: 3% of the run"
    if warmup == 1:
        warmup, how = 2, how + ", raised from 1 to 2"
    args["warmup_steps"], args["warmup_ratio"] = warmup, None
    if steps is None or warmup != steps:
        plan.notes.append(f"warmup: {how}")
    inputs.sources["warmup_steps"] = f"{warmup:g} ({how})"
    # logging
    if not config.is_set("logging_steps"):
        args["logging_steps"] = logging_steps(count) if count else 500
        inputs.sources["logging_steps"] = (f"{args['logging_steps']} (axolotl: max(min(int(0.005 x steps), 10), 1))"
                                           if count else "500 (axolotl: the run length is unknown)")
    # checkpoints
    save_steps = config.value("save_steps") if config.is_set("save_steps") else None
    saves_per_epoch = as_number(_raw(config, "saves_per_epoch"))
    axolotl_epochs = epochs if epochs is not None else 1.0
    if saves_per_epoch and axolotl_epochs:
        fraction = 1.0 / (saves_per_epoch * axolotl_epochs)
        if fraction < 1.0:
            save_steps = fraction
            inputs.sources["save_steps"] = f"{fraction:g} (axolotl: 1 / (saves_per_epoch x num_epochs) of the run)"
    if save_steps:
        args["save_strategy"], args["save_steps"] = "steps", save_steps
    # evaluation
    val_size = as_number(config.value("val_size")) or 0
    has_eval = bool(val_size) or _raw(config, "test_datasets") is not None
    eval_steps = config.value("eval_steps") if config.is_set("eval_steps") else None
    evals_per_epoch = as_number(_raw(config, "evals_per_epoch"))
    if has_eval and evals_per_epoch and axolotl_epochs:
        fraction = 1.0 / (evals_per_epoch * axolotl_epochs)
        if fraction < 1.0:
            eval_steps = fraction
            inputs.sources["eval_steps"] = f"{fraction:g} (axolotl: 1 / (evals_per_epoch x num_epochs) of the run)"
    if not has_eval:
        args["eval_strategy"], args["eval_on_start"] = "no", False
    elif eval_steps:
        args["eval_strategy"], args["eval_steps"], args["eval_on_start"] = "steps", eval_steps, True
        plan.notes.append("axolotl: eval_steps turns on the steps strategy and an evaluation before the first step")
    elif config.is_set("eval_strategy"):
        args["eval_on_start"] = True
    # data
    if not config.is_set("dataloader_drop_last") and config.value("packing") \
            and _raw(config, "eval_sample_packing") is False:
        args["dataloader_drop_last"] = True
    if _raw(config, "rl"):
        args["logging_first_step"] = True
