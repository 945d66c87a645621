"""The verdicts on a run, each a sentence with the numbers that decided it.

They compare what the worker recorded with the plan the linter derived: the plan is the
expectation, the trainer the thing under test.
"""

from __future__ import annotations

import math

from .result import Check, StepRecord

#: The lr used at a step may differ from the plan's by this relative error (float rounding only).
LR_RTOL = 1e-6


def fmt_mib(n: int | None, missing: str = "unknown") -> str:
    """Bytes as whole MiB for messages and reports; ``missing`` when there is no figure."""
    return missing if n is None else f"{n / 2**20:.0f} MiB"


def finite_loss(records: list[StepRecord]) -> Check:
    if not records:
        return Check("finite_loss", False, "no loss was recorded")
    for r in records:
        if r.loss is None or not math.isfinite(r.loss):
            return Check("finite_loss", False, f"loss is {r.loss} at step {r.step} (lr {r.lr:.6g})"
                         if r.lr is not None else f"loss is {r.loss} at step {r.step}")
    return Check("finite_loss", True, f"all {len(records)} losses finite")


def loss_falls(records: list[StepRecord], window: int | None = None) -> Check:
    """Mean loss of the first ``window`` steps against the last ``window`` (a quarter of the run, 1-5)."""
    losses = [r.loss for r in records]
    if len(losses) < 2:
        return Check("loss_falls", None, f"{len(losses)} step(s): too few to compare")
    if not all(x is not None and math.isfinite(x) for x in losses):
        return Check("loss_falls", False, "not every loss is finite")
    k = window or max(1, min(5, len(losses) // 4))
    first, last = sum(losses[:k]) / k, sum(losses[-k:]) / k
    msg = f"mean loss of the first {k} steps {first:.4f}, of the last {k} {last:.4f} ({last - first:+.4f})"
    return Check("loss_falls", last < first, msg)


def step_count(actual: int, planned: int | None) -> Check:
    if planned is None:
        return Check("steps", None, f"{actual} optimizer steps; the plan has no step count to compare")
    return Check("steps", actual == planned, f"{actual} optimizer steps, plan {planned}")


def lr_schedule(records: list[StepRecord], planned: list[float] | None, rtol: float = LR_RTOL) -> Check:
    if planned is None:
        return Check("lr_schedule", None, "the plan has no learning-rate curve to compare")
    used = {r.step: r.lr for r in records}
    bad = []
    for step in range(1, len(planned) + 1):
        want, got = planned[step - 1], used.get(step)
        if got is None:
            continue
        err = abs(got - want) / abs(want) if want else abs(got)
        if err >= rtol:
            bad.append((step, got, want, err))
    compared = sum(1 for s in range(1, len(planned) + 1) if used.get(s) is not None)
    extra = sorted(s for s in used if s > len(planned))
    if bad:
        step, got, want, err = bad[0]
        return Check("lr_schedule", False, f"step {step}: lr {got:.6g} used, plan {want:.6g} (relative error "
                     f"{err:.2g}); {len(bad)} of {compared} steps differ")
    if compared == 0:
        return Check("lr_schedule", False, "no learning rate was recorded")
    tail = f"; {len(extra)} steps beyond the plan's {len(planned)}" if extra else ""
    return Check("lr_schedule", not extra, f"lr matches the plan at all {compared} steps (rtol {rtol:g}){tail}")


def adapter_roundtrip(adapter: dict | None) -> Check:
    if adapter is None:
        return Check("adapter_reload", False, "the adapter was not saved and reloaded")
    msg = (f"reloaded logits differ by at most {adapter['max_abs_diff']:.3g} (tolerance {adapter['tolerance']:.3g}; "
           f"the adapter moves logits by {adapter['adapter_effect']:.3g})")
    return Check("adapter_reload", bool(adapter["passed"]), msg)


def memory(peak: int | None, kind: str | None, estimate: int | None, error: dict | None) -> Check:
    est = f"plan estimate {fmt_mib(estimate)}" if estimate is not None else "the plan has no memory estimate"
    if error and error.get("oom"):
        return Check("memory", False, f"out of memory at step {error.get('step')}: {error['message'][:200]}; {est}")
    return Check("memory", True, f"peak {fmt_mib(peak)} ({kind or 'unknown'}); {est}")
