"""The GPU check's figures and verdicts, from the runs' raw records: pure arithmetic, no torch.

Every target becomes a verdict line with the number that decided it:

* ``PASS`` / ``FAIL``: the figure was measured and meets / misses its target;
* ``N/A``: the target does not apply here (on a CPU a peak resident set is not the allocator's
  peak, and step times on a shared CPU say nothing about a GPU), with the figure still shown;
* ``INCOMPLETE``: the figure was not measured (a run cut off by the step's time, or missing).

A run whose runner checks failed (adapter reload, steps, learning rate, loss) is a ``FAIL`` on
every device. :func:`exit_code` turns the lines into the script's exit status: 1 when anything
failed, 3 when nothing failed but something is missing, 0 otherwise.
"""

from __future__ import annotations

import statistics
import xml.etree.ElementTree as ET
from pathlib import Path

#: |estimate - peak| / peak at most this (the memory model's target).
MEMORY_TOLERANCE = 0.15
#: The runner's timed steps at most this much slower than the bare script's.
OVERHEAD_TARGET = 0.02
#: Unsloth against the hf backend on the largest model (bench/bench_runner.py's targets).
SPEED_TARGET = 1.5
MEMORY_RATIO_TARGET = 0.6
MIN_RUNS = 3
#: A lane's runs share a process. Memory still allocated before a run counts in its peak: a cache
#: the next run reuses (as a fresh process would allocate it too) is fair, but more than this share
#: of the peak means the previous run's model was not freed, and the figure is not this run's.
LEFTOVER_SHARE = 0.05

PASS, FAIL, NA, INCOMPLETE = "PASS", "FAIL", "N/A", "INCOMPLETE"


def verdict(step: str, what: str, status: str, message: str, value=None, target=None) -> dict:
    return {"step": step, "what": what, "status": status, "message": message, "value": value, "target": target}


def is_ok(record: dict) -> bool:
    return record.get("status") == "ok"


def failed_checks(record: dict) -> list[str]:
    return [f"{c['name']}: {c['message']}" for c in record.get("checks", []) if c.get("verdict") == "FAIL"]


def run_problem(step: str, what: str, record: dict | None) -> dict | None:
    """A verdict for a run that did not give figures (missing, cut off, error, failed checks), else None."""
    if record is None:
        return verdict(step, what, INCOMPLETE, "no figure: cut off by the step's time, or never started")
    status = record.get("status", "")
    if status.startswith("skipped"):
        return verdict(step, what, INCOMPLETE, status)
    if status.startswith("error"):
        return verdict(step, what, FAIL, status)
    if failed_checks(record) or record.get("passed") is False:
        return verdict(step, what, FAIL, "runner checks failed: " + "; ".join(failed_checks(record) or [status]))
    return None


def timed_seconds(record: dict, skip: int) -> float | None:
    times = [t for t in (record.get("step_seconds") or [])[skip:] if t is not None]
    return sum(times) if times else None


def spread(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)} \
        if values else {"median": None, "min": None, "max": None, "n": 0}


# ---------------------------------------------------------------- step 2: the memory model

def memory_rows(records: list[dict]) -> list[dict]:
    rows = []
    for r in records:
        if "id" not in r:
            continue
        peak, est = r.get("peak_memory_bytes"), r.get("estimated_memory_bytes")
        error = (est - peak) / peak if is_ok(r) and peak and est is not None else None
        rows.append({**{k: r.get(k) for k in ("id", "backend", "size", "seq_len", "batch", "gradient_checkpointing",
                                              "status", "peak_memory_bytes", "memory_kind", "max_reserved_bytes",
                                              "allocated_before_bytes", "wall_seconds")},
                     "estimated_memory_bytes": est, "estimate_error": error})
    return rows


def memory_verdicts(records: list[dict], expected_ids: list[str], device: str,
                    tolerance: float = MEMORY_TOLERANCE) -> list[dict]:
    by_id = {r["id"]: r for r in records if "id" in r}
    out = []
    for run_id in expected_ids:
        r = by_id.get(run_id)
        what = f"{run_id}: plan estimate vs peak allocated"
        problem = run_problem("memory", what, r)
        if problem:
            out.append(problem)
            continue
        peak, est = r.get("peak_memory_bytes"), r.get("estimated_memory_bytes")
        if est is None or not peak:
            out.append(verdict("memory", what, FAIL, f"no figure to compare: estimate {est}, peak {peak}"))
            continue
        error = (est - peak) / peak
        msg = f"estimate {est / 2**20:,.0f} MiB, peak {peak / 2**20:,.0f} MiB ({r.get('memory_kind')}): {error:+.1%}"
        before = r.get("allocated_before_bytes") or 0
        if device != "cuda":
            out.append(verdict("memory", what, NA, msg + " (a CPU's peak resident set is not the allocator's peak)",
                               error, f"within {tolerance:.0%}"))
        elif before > LEFTOVER_SHARE * peak:
            out.append(verdict("memory", what, FAIL, msg + f"; {before / 2**20:,.0f} MiB was still allocated from "
                               "the previous run, so the peak is not this run's alone", error))
        else:
            out.append(verdict("memory", what, PASS if abs(error) <= tolerance else FAIL, msg, error,
                               f"within {tolerance:.0%}"))
    return out


# ---------------------------------------------------------------- step 3: the runner's overhead

def overhead_figures(records: list[dict], skip: int) -> dict:
    """Timed seconds per run and path, the overhead of the medians and of each adjacent pair."""
    runs = [r for r in records if "id" in r and not r.get("warmup")]
    order = [(r["kind"], timed_seconds(r, skip) if is_ok(r) else None) for r in runs]
    bare = [t for k, t in order if k == "bare" and t]
    runner = [t for k, t in order if k == "runner" and t]
    pairs = []
    timed = [(k, t) for k, t in order if t]
    for i in range(0, len(timed) - 1, 2):
        (k1, t1), (k2, t2) = timed[i], timed[i + 1]
        if {k1, k2} == {"bare", "runner"}:
            r_t, b_t = (t1, t2) if k1 == "runner" else (t2, t1)
            pairs.append(r_t / b_t - 1.0)
    overhead = statistics.median(runner) / statistics.median(bare) - 1.0 if bare and runner else None
    return {"order": [k for k, _ in order], "bare_timed_seconds": bare, "runner_timed_seconds": runner,
            "overhead": overhead, "pair_overheads": pairs, "pair_spread": spread(pairs)}


def overhead_verdicts(records: list[dict], skip: int, device: str, runs: int = MIN_RUNS,
                      target: float = OVERHEAD_TARGET) -> list[dict]:
    out = []
    measured = [r for r in records if "id" in r and not r.get("warmup")]
    for r in (r for r in records if "id" in r):  # the warm-up's checks count too
        problem = run_problem("overhead", f"{r['id']}", r)
        if problem:
            out.append(problem)
    for r in measured:
        if is_ok(r) and r["kind"] == "runner" and r.get("tokens_per_step") not in ([r.get("expected_tokens")], None):
            out.append(verdict("overhead", r["id"], FAIL, f"tokens per step {r['tokens_per_step']}, expected "
                               f"{r.get('expected_tokens')}: the paths did not train the same tokens"))
    fig = overhead_figures(records, skip)
    n_bare, n_runner = len(fig["bare_timed_seconds"]), len(fig["runner_timed_seconds"])
    what = "runner vs bare Unsloth, timed step seconds (median of runs)"
    if n_bare < runs or n_runner < runs:
        out.append(verdict("overhead", what, INCOMPLETE, f"{n_runner} runner and {n_bare} bare runs timed; "
                           f"{runs} of each are needed"))
        return out
    s = fig["pair_spread"]
    msg = (f"overhead {fig['overhead']:+.2%} (runner {statistics.median(fig['runner_timed_seconds']):.2f} s, bare "
           f"{statistics.median(fig['bare_timed_seconds']):.2f} s, medians of {n_runner} and {n_bare}); adjacent "
           f"pairs {s['min']:+.2%} .. {s['max']:+.2%}")
    if device != "cuda":
        out.append(verdict("overhead", what, NA, msg + " (CPU step times)", fig["overhead"], f"< {target:.0%}"))
    else:
        out.append(verdict("overhead", what, PASS if fig["overhead"] < target else FAIL, msg, fig["overhead"],
                           f"< {target:.0%}"))
    return out


# ---------------------------------------------------------------- step 4: unsloth vs hf

def speed_figures(records: list[dict], skip: int) -> dict:
    out = {}
    for backend in ("unsloth", "hf"):
        tps, peaks = [], []
        for r in records:
            if r.get("backend") != backend or "id" not in r or not is_ok(r):
                continue
            seconds = timed_seconds(r, skip)
            tokens = (r.get("tokens_per_step") or [None])[-1] or r.get("expected_tokens")
            timed = len((r.get("step_seconds") or [])[skip:])
            if seconds and tokens:
                tps.append(tokens * timed / seconds)
            peak = r.get("peak_memory_bytes")
            if peak and (r.get("allocated_before_bytes") or 0) <= LEFTOVER_SHARE * peak:  # this run's own peak
                peaks.append(peak)
        out[backend] = {"tokens_per_second": spread(tps), "peak_memory_bytes": spread(peaks)}
    u, h = out["unsloth"], out["hf"]

    def ratio(key):
        a, b = u[key]["median"], h[key]["median"]
        return a / b if a and b else None

    out["tokens_per_second_ratio"] = ratio("tokens_per_second")
    out["peak_memory_ratio"] = ratio("peak_memory_bytes")
    return out


def speed_verdicts(records: list[dict], skip: int, device: str, runs: int = MIN_RUNS) -> list[dict]:
    out = []
    for r in records:
        if "id" in r:
            problem = run_problem("speed", r["id"], r)
            if problem:
                out.append(problem)
    fig = speed_figures(records, skip)
    counts = {b: fig[b]["tokens_per_second"]["n"] for b in ("unsloth", "hf")}
    if min(counts.values()) < runs:
        out.append(verdict("speed", "unsloth vs hf on the largest model", INCOMPLETE,
                           f"timed runs: unsloth {counts['unsloth']}, hf {counts['hf']}; {runs} of each are needed"))
        return out
    t, m = fig["tokens_per_second_ratio"], fig["peak_memory_ratio"]
    tu, th = fig["unsloth"]["tokens_per_second"], fig["hf"]["tokens_per_second"]
    msgs = {
        "tokens/s": (t, t is not None and t >= SPEED_TARGET, f">= {SPEED_TARGET}x",
                     f"unsloth/hf tokens/s {t:.2f}x (unsloth {tu['median']:,.0f} [{tu['min']:,.0f}..{tu['max']:,.0f}], "
                     f"hf {th['median']:,.0f} [{th['min']:,.0f}..{th['max']:,.0f}], medians of {runs})"),
        "peak memory": (m, m is not None and m <= MEMORY_RATIO_TARGET, f"<= {MEMORY_RATIO_TARGET}x",
                        f"unsloth/hf peak memory {m:.2f}x"),
    }
    for name, (value, ok, target, msg) in msgs.items():
        status = NA if device != "cuda" else PASS if ok else FAIL
        out.append(verdict("speed", f"unsloth vs hf {name}", status, msg + (" (CPU)" if device != "cuda" else ""),
                           value, target))
    return out


# ---------------------------------------------------------------- step 1: pytest -m gpu

def gpu_test_verdicts(junit: Path, device: str, expected: int = 2) -> list[dict]:
    what = "pytest -m gpu (both backends, every check)"
    if not junit.is_file():
        return [verdict("gpu-tests", what, INCOMPLETE, f"no JUnit report at {junit.name}")]
    root = ET.parse(junit).getroot()
    cases = list(root.iter("testcase"))
    failed = [c.get("name") for c in cases if c.find("failure") is not None or c.find("error") is not None]
    skipped = [c.get("name") for c in cases if c.find("skipped") is not None]
    passed = len(cases) - len(failed) - len(skipped)
    msg = f"{passed} passed, {len(failed)} failed, {len(skipped)} skipped"
    if failed:
        return [verdict("gpu-tests", what, FAIL, msg + ": " + ", ".join(failed))]
    if device != "cuda":
        return [verdict("gpu-tests", what, NA, msg + " (no CUDA device: gpu-marked tests skip)")]
    if skipped or passed < expected:
        return [verdict("gpu-tests", what, FAIL, msg + f"; {expected} must pass and none may skip on a GPU")]
    return [verdict("gpu-tests", what, PASS, msg)]


# ---------------------------------------------------------------- all of it

def exit_code(verdicts: list[dict]) -> int:
    statuses = {v["status"] for v in verdicts}
    if FAIL in statuses:
        return 1
    if INCOMPLETE in statuses or not verdicts:
        return 3
    return 0


def verdict_lines(verdicts: list[dict]) -> list[str]:
    order = {FAIL: 0, INCOMPLETE: 1, NA: 2, PASS: 3}
    return [f"{v['status']:<10} {v['step']:<9} {v['what']}: {v['message']}"
            for v in sorted(verdicts, key=lambda v: order.get(v["status"], 9))]
