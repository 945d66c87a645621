"""What the plan says, in words: the first-line summary and the facts a hover adds to a key.

Every figure is read from the :class:`~sftlint.plan.model.TrainingPlan` that ``sftlint plan``
prints; when a figure is unknown the words say so and why (the plan's own reason), never a guess.
"""

from __future__ import annotations

from typing import Any

GIB = 1024 ** 3

#: Canonical fields that decide each kind of fact.
WARMUP = {"warmup_steps", "warmup_ratio"}
SCHEDULE = {"learning_rate", "lr_scheduler_type", "lr_scheduler_kwargs"}
BATCH = {"per_device_train_batch_size", "gradient_accumulation_steps", "world_size"}
LENGTH = {"num_train_epochs", "max_steps", "datasets", "val_size", "max_samples", "num_examples", "packing"}
EVENTS = {"save_steps": ("save_steps", "saves"), "save_strategy": ("save_steps", "saves"),
          "eval_steps": ("eval_steps", "evaluates"), "eval_strategy": ("eval_steps", "evaluates"),
          "logging_steps": ("logging_steps", "logs")}
MEMORY = {"base_model", "load_in_4bit", "load_in_8bit", "lora_r", "lora_target_modules", "max_seq_length",
          "gradient_checkpointing", "optim", "bf16", "fp16", "finetuning_type", "per_device_train_batch_size",
          "loss_type", "use_unsloth"}


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def peak(plan) -> tuple[float, int] | None:
    """(peak learning rate, the first step that reaches it), when the curve is known."""
    if not plan.lr_schedule:
        return None
    top = max(plan.lr_schedule)
    return top, plan.lr_schedule.index(top) + 1


def steps_unknown(plan) -> str:
    """Why the total number of steps is unknown, in the plan's words."""
    if plan.num_examples is None:
        source = plan.num_examples_source.removeprefix("unknown: ").removeprefix("unknown")
        return f"training examples unknown{': ' + source if source else ''} (add '# sftlint: num-examples=N')"
    return next((n for n in plan.notes if "step" in n), "see 'sftlint plan'")


def memory_gib(plan) -> float | None:
    memory = plan.memory or {}
    total = memory.get("total_bytes")
    return total / GIB if total else None


def summary_line(plan) -> str:
    """``369 steps · effective batch 16 · warmup 11 · ~14.2 GiB``, saying what is unknown and why."""
    parts = []
    if plan.total_steps is not None:
        parts.append(f"{plan.total_steps} steps")
    else:
        parts.append(f"steps unknown: {steps_unknown(plan)}")
    parts.append(f"effective batch {_num(plan.effective_batch_size) if plan.effective_batch_size else 'unknown'}")
    if plan.warmup_steps is not None:
        parts.append(f"warmup {plan.warmup_steps}")
    gib = memory_gib(plan)
    parts.append(f"~{gib:.1f} GiB" if gib is not None else "memory unknown (model shape unknown)")
    return " · ".join(parts)


def _events(plan, attribute: str, verb: str) -> str:
    steps = getattr(plan, attribute)
    if steps is None:
        return f"{verb} at steps unknown (total steps unknown: {steps_unknown(plan)})"
    if not steps:
        return f"never {verb.removesuffix('s')}s during the run" if verb != "logs" else "logs at no step"
    count = steps.count  # a StepSet: held compactly, counted without len()'s size limit
    shown = ", ".join(str(s) for s in steps.head(6)) + (f", ... ({count} in all)" if count > 6 else "")
    return f"{verb} at steps {shown}"


def field_facts(field: str, plan) -> list[str]:
    """Sentences about what ``field`` does to this run, from the plan."""
    out: list[str] = []
    total = plan.total_steps
    if field in WARMUP:
        if total is None:
            out.append(f"warmup {plan.warmup_steps if plan.warmup_steps is not None else 'unknown'}; "
                       f"total steps unknown: {steps_unknown(plan)}")
        else:
            top = peak(plan)
            text = f"{plan.warmup_steps} of {total} steps warm up"
            if top is not None:
                text += f"; peak lr {top[0]:g} at step {top[1]}"
            out.append(text)
    if field in SCHEDULE:
        top = peak(plan)
        if top is not None:
            curve = plan.lr_schedule
            out.append(f"{plan.lr_scheduler_type} schedule: lr {curve[0]:g} at step 1, peak {top[0]:g} at step "
                       f"{top[1]}, {curve[-1]:g} at step {len(curve)}")
        else:
            why = steps_unknown(plan) if total is None else next((n for n in plan.notes if "lr" in n or "schedul" in n),
                                                                 "see 'sftlint plan'")
            out.append(f"{plan.lr_scheduler_type or 'unknown'} schedule, peak lr "
                       f"{_num(plan.learning_rate) if plan.learning_rate is not None else 'unknown'}; curve unknown: {why}")
    if field in BATCH:
        if plan.effective_batch_size:
            out.append(f"effective batch {plan.effective_batch_size} = {plan.per_device_batch_size} per device × "
                       f"{plan.gradient_accumulation_steps} accumulation × {plan.world_size} "
                       f"process{'es' if plan.world_size != 1 else ''}")
        else:
            out.append("effective batch unknown")
    if field in LENGTH or field in BATCH:
        if total is None:
            out.append(f"total steps unknown: {steps_unknown(plan)}")
        else:
            text = f"{total} optimizer steps"
            if plan.steps_per_epoch is not None and plan.epochs_run is not None:
                text += f" ({plan.steps_per_epoch} per epoch × {plan.epochs_run:g} epochs)"
            if plan.num_examples is not None:
                text += f" over {plan.num_examples} examples ({plan.num_examples_source})"
            out.append(text)
            if plan.max_steps is not None and plan.max_steps > 0:
                out.append(f"max_steps {plan.max_steps} sets the length; the epochs setting is overridden")
    if field in EVENTS:
        attribute, verb = EVENTS[field]
        out.append(_events(plan, attribute, verb))
    if field in MEMORY:
        gib = memory_gib(plan)
        out.append(f"estimated peak GPU memory ~{gib:.1f} GiB per GPU" if gib is not None
                   else "peak GPU memory unknown: the model's shape is not known")
    return out
