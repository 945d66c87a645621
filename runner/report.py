"""The run folder's human side: ``summary.json``, a text report, and a plot of loss and learning rate
against the plan's curve. matplotlib is optional (``sftlint[plot]``); without it the plot is
skipped with a note."""

from __future__ import annotations

import json
from pathlib import Path

from .checks import fmt_mib
from .result import RunResult


def write_summary(result: RunResult) -> Path:
    path = Path(result.output_dir) / "summary.json"
    path.write_text(json.dumps(result.summary(), indent=2) + "\n", encoding="utf-8")
    return path


def plot(result: RunResult) -> Path | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        result.notes.append("plot skipped: matplotlib is not installed (pip install 'sftlint[plot]')")
        return None
    steps = [r.step for r in result.records]
    fig, (ax_loss, ax_lr) = plt.subplots(2, 1, figsize=(7, 6), sharex=True)
    ax_loss.plot(steps, [r.loss for r in result.records], marker=".", label="loss")
    ax_loss.set_ylabel("loss")
    ax_loss.set_title(f"{Path(result.config).name}: {result.mode} run, {result.backend} backend")
    if result.plan_schedule:
        ax_lr.plot(range(1, len(result.plan_schedule) + 1), result.plan_schedule, color="0.6", lw=3, label="plan")
    ax_lr.plot(steps, [r.lr for r in result.records], marker=".", ls="none", label="used")
    ax_lr.set_ylabel("learning rate")
    ax_lr.set_xlabel("optimizer step")
    ax_lr.legend()
    fig.tight_layout()
    path = Path(result.output_dir) / "loss_lr.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def text_report(result: RunResult) -> str:
    s = result.summary()
    lines = [
        f"{result.config}: {result.mode} run, backend {result.backend}, model {result.model}",
        f"  steps {s['steps']} (plan {s['planned_steps'] if s['planned_steps'] is not None else 'unknown'}), "
        f"loss {_num(s['first_loss'])} -> {_num(s['last_loss'])}, "
        f"{_num(s['tokens_per_second'], '.0f')} tokens/s, peak {fmt_mib(s['peak_memory_bytes'], '-')} "
        f"(estimate {fmt_mib(s['estimated_memory_bytes'], '-')})",
    ]
    for c in result.checks:
        lines.append(f"  {c.verdict:<4} {c.name}: {c.message}")
    for why in result.unchecked:
        lines.append(f"  not checked: {why}")
    for note in result.notes:
        lines.append(f"  note: {note}")
    cause = f" ({result.cause})" if result.cause else ""
    lines.append(f"  {result.verdict}{cause}; results in {result.output_dir}")
    return "\n".join(lines) + "\n"


def _num(value, spec: str = ".4f") -> str:
    if value is None:
        return "-"
    return format(value, spec) if isinstance(value, (int, float)) else str(value)
