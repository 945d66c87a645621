"""``sftlint plan`` output: an aligned table for people, a JSON object for programs.

The table shows each input with where its value came from, the derived figures, and the
learning-rate curve in brief (first steps, the peak, last steps) so a zero-lr first step or a
warmup longer than the run is visible at a glance.
"""

from __future__ import annotations

from typing import Any

from .model import TrainingPlan
from .steps import StepSet

#: Steps of the curve shown at each end of the table.
CURVE_EDGE = 3


def _fmt(value: Any) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, StepSet):
        if not value:
            return "none"
        shown = ", ".join(str(v) for v in value.head(8))
        if value.every is not None and value.count > 8:
            shown += f", ... every {value.every} to {value.last}"
            if value.extra and value.extra[-1] > value.last:
                shown += ", " + ", ".join(str(v) for v in value.extra if v > value.last)
        return shown + (f" ({value.count} in all)" if value.count > 8 else "")
    if isinstance(value, list):
        if not value:
            return "none"
        shown = ", ".join(str(v) for v in value[:8])
        return shown + (f", ... ({len(value)} in all)" if len(value) > 8 else "")
    return str(value)


def _rows(rows: list[tuple[str, str]]) -> list[str]:
    width = max((len(k) for k, _ in rows), default=0)
    return [f"  {key:<{width}}  {value}" for key, value in rows]


def curve_summary(schedule: list[float]) -> list[tuple[str, str]]:
    """(label, lr) pairs: the first and last steps and where the peak is reached."""
    if not schedule:
        return []
    total = len(schedule)
    peak = max(schedule)
    peak_step = schedule.index(peak) + 1
    steps = sorted({*range(1, min(CURVE_EDGE, total) + 1), peak_step, *range(max(total - CURVE_EDGE + 1, 1), total + 1)})
    out, previous = [], 0
    for step in steps:
        if step - previous > 1:
            out.append(("...", ""))
        label = f"step {step}" + (" (peak)" if step == peak_step else "")
        out.append((label, f"{schedule[step - 1]:.6g}"))
        previous = step
    return out


def render_table(plan: TrainingPlan, config=None) -> str:
    title = f"Training plan ({plan.dialect})"
    if config is not None and getattr(config, "document", None) is not None:
        title = f"Training plan for {config.document.display_path} ({plan.dialect})"
    lines = [title, "", "Inputs"]
    lines += _rows([(name, text) for name, text in plan.sources.items()])
    lines += ["", "Derived"]
    derived = [
        ("effective batch", f"{_fmt(plan.effective_batch_size)} (per-device batch x accumulation x world size)"),
        ("training examples", plan.num_examples_source if plan.num_examples is None
         and plan.num_examples_source.startswith("unknown") else f"{_fmt(plan.num_examples)} ({plan.num_examples_source})"),
    ]
    if plan.eval_examples is not None:
        derived.append(("evaluation examples", _fmt(plan.eval_examples)))
    if plan.packed_rows is not None:
        spread = plan.packing.get("rows_range")
        derived.append(("packed sequences", f"{plan.packed_rows} (the Trainer's rows)" if not spread else
                        f"about {plan.packed_rows} (the Trainer's rows; a random packing: {spread[0]}-{spread[1]} "
                        "in the plan's repeats)"))
    steps_spread = plan.packing.get("steps_range")
    for d in plan.dataset_counts if len(plan.dataset_counts) > 1 else []:
        derived.append((f"  {d['dataset']}", f"{_fmt(d['rows'])} rows ({d['source']})"))
    derived += [
    ]
    derived += _objective_rows(plan)
    derived += [
        ("batches per epoch", f"{_fmt(plan.batches_per_epoch)} (per process)"),
        ("steps per epoch", _fmt(plan.steps_per_epoch)),
        ("total steps", _fmt(plan.total_steps) if not steps_spread or steps_spread[0] == steps_spread[1] else
         f"{_fmt(plan.total_steps)} (estimated; axolotl's random packing gave {steps_spread[0]}-{steps_spread[1]})"),
        ("epochs run", _fmt(plan.epochs_run)),
        ("warmup steps", _fmt(plan.warmup_steps)),
        ("save at steps", _fmt(plan.save_steps)),
        ("evaluate at steps", _fmt(plan.eval_steps)),
        ("log at steps", _fmt(plan.logging_steps)),
    ]
    lines += _rows(derived)
    lines += ["", f"Learning rate ({plan.lr_scheduler_type or 'unknown'} schedule, peak {_fmt(plan.learning_rate)})"]
    if plan.lr_schedule:
        lines += _rows(curve_summary(plan.lr_schedule))
    else:
        lines.append("  unknown (see notes)")
    lines += _memory_rows(plan.memory)
    if plan.trainer_errors:
        lines += ["", "The Trainer would stop with an error"]
        lines += [f"  - {error}" for error in plan.trainer_errors]
    if plan.notes:
        lines += ["", "Notes"]
        lines += [f"  - {note}" for note in plan.notes]
    return "\n".join(lines) + "\n"


def _objective_rows(plan: TrainingPlan) -> list[tuple[str, str]]:
    """What a step holds under a preference or RL objective."""
    shape = plan.objective_plan
    if not shape:
        return []
    rows = [("objective", f"{plan.objective}: each row is one of the {shape['rows']}")]
    if "pairs_per_step" in shape:
        rows.append(("pairs per step", _fmt(shape["pairs_per_step"])))
    if "examples_per_step" in shape:
        rows.append(("examples per step", _fmt(shape["examples_per_step"])))
    if "completions_per_step" in shape:
        rows += [
            ("completions per step", f"{_fmt(shape['completions_per_step'])} ({_fmt(shape['prompts_per_step'])} prompts "
                                     f"x {shape['num_generations']} generations)"),
            ("generation batch", f"{shape['generation_batch_size']} completions of "
                                 f"{shape['prompts_per_generation']} prompts, used for "
                                 f"{shape['steps_per_generation']} steps x {shape['num_iterations']} iterations"),
        ]
    return rows


def _memory_rows(memory: dict[str, Any] | None) -> list[str]:
    """The peak-memory estimate and its terms (see docs/memory.md for the formula)."""
    if not memory:
        return ["", "Peak GPU memory (estimate)", "  unknown: the base model's shape is not known (no local config.json, "
                "not in the built-in table)"]
    gib = 1024 ** 3
    rows = [(name.removesuffix("_bytes").replace("_", " "), f"{value / gib:.2f} GiB")
            for name, value in memory.items() if name.endswith("_bytes") and name not in ("total_bytes", "allocated_bytes")]
    if memory.get("fused_loss"):
        rows.append(("loss", f"{memory['fused_loss']}: logits are held a chunk at a time"))
    rows.append(("total", f"{memory['total_bytes'] / gib:.2f} GiB"))
    if "allocated_bytes" in memory:
        rows.append(("allocator peak", f"{memory['allocated_bytes'] / gib:.2f} GiB (total less CUDA context; "
                                       "compare with torch.cuda.max_memory_allocated)"))
    header = f"Peak GPU memory (estimate per GPU; model shape from {memory.get('model_source', '?')})"
    return ["", header] + _rows(rows)


def render_json(plan: TrainingPlan) -> dict[str, Any]:
    return plan.to_json()
