"""The GPU check (bench/gpu/run.sh): its verdicts on hand-made figures, and its CPU dry run failing
loudly on a figure known to be wrong.

On a GPU machine the script is run once, in minutes that cannot be spent twice; a verdict that
printed a wrong figure and exited 0 would be read as a pass. So every target is checked here on
numbers where the right answer is known, and the dry run (the same script and code path, on
``synthetic:tiny``) is run end to end with a fault injected: one run trains a step fewer than its
plan, and the script must exit non-zero and name that run and the check.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GPU = ROOT / "bench" / "gpu"


@pytest.fixture(scope="module")
def figures():
    spec = importlib.util.spec_from_file_location("gpu_figures", GPU / "figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def memory_record(run_id="unsloth 1b seq 512 gc on", peak=1000 * 2**20, estimate=1100 * 2**20, **extra):
    return {"id": run_id, "kind": "runner", "backend": run_id.split()[0], "status": "ok", "passed": True,
            "checks": [{"name": "steps", "verdict": "pass", "message": "6 optimizer steps, plan 6"}],
            "peak_memory_bytes": peak, "estimated_memory_bytes": estimate, "memory_kind": "cuda max_memory_allocated",
            "allocated_before_bytes": 0, **extra}


def statuses(verdicts):
    return [v["status"] for v in verdicts]


def test_memory_estimate_within_15_percent_passes_and_beyond_fails(figures):
    ok = memory_record(estimate=1140 * 2**20)  # +14%
    high = memory_record("hf 3b seq 2048 gc off", estimate=1160 * 2**20)  # +16%
    low = memory_record("hf 3b seq 512 gc off", estimate=840 * 2**20)  # -16%
    verdicts = figures.memory_verdicts([ok, high, low], [ok["id"], high["id"], low["id"]], "cuda")
    assert statuses(verdicts) == ["PASS", "FAIL", "FAIL"]
    assert "+16.0%" in verdicts[1]["message"] and "-16.0%" in verdicts[2]["message"]
    assert figures.exit_code(verdicts) == 1


def test_memory_on_a_cpu_is_not_applicable_but_failed_checks_still_fail(figures):
    fine = memory_record(estimate=10 * 2**20)
    broken = memory_record("hf tiny seq 32 gc on", checks=[
        {"name": "adapter_reload", "verdict": "FAIL", "message": "reloaded logits differ by at most 0.5"}])
    verdicts = figures.memory_verdicts([fine, broken], [fine["id"], broken["id"]], "cpu")
    assert statuses(verdicts) == ["N/A", "FAIL"]
    assert "adapter_reload: reloaded logits differ" in verdicts[1]["message"]


def test_memory_runs_missing_cut_off_or_tainted(figures):
    cut = {"id": "hf 3b seq 2048 gc on", "status": "skipped: the step's time ran out"}
    tainted = memory_record(allocated_before_bytes=200 * 2**20)
    verdicts = figures.memory_verdicts([cut, tainted], [cut["id"], tainted["id"], "unsloth 3b seq 2048 gc on"], "cuda")
    assert statuses(verdicts) == ["INCOMPLETE", "FAIL", "INCOMPLETE"]
    assert "still allocated from the previous run" in verdicts[1]["message"]
    assert figures.exit_code([v for v in verdicts if v["status"] != "FAIL"]) == 3


def timed_run(kind, n, seconds, skip=2, steps=300):
    return {"id": f"{kind} {n}", "kind": kind, "backend": "unsloth", "status": "ok", "passed": True,
            "step_seconds": [9.0] * skip + [seconds / steps] * steps, "tokens_per_step": [512], "expected_tokens": 512}


def test_overhead_is_the_ratio_of_medians_with_the_spread_of_adjacent_pairs(figures):
    # bare, runner, runner, bare, bare, runner: each adjacent pair compared, untimed steps left out
    runs = [timed_run("bare", 1, 10.0), timed_run("runner", 1, 10.1), timed_run("runner", 2, 10.4),
            timed_run("bare", 2, 10.2), timed_run("bare", 3, 9.9), timed_run("runner", 3, 10.0)]
    fig = figures.overhead_figures(runs, skip=2)
    assert fig["overhead"] == pytest.approx(10.1 / 10.0 - 1)
    assert fig["pair_overheads"] == pytest.approx([0.01, 10.4 / 10.2 - 1, 10.0 / 9.9 - 1])
    verdicts = figures.overhead_verdicts(runs, 2, "cuda")
    assert statuses(verdicts) == ["PASS"]
    runs[5] = timed_run("runner", 3, 10.5)
    runs[1] = timed_run("runner", 1, 10.4)
    verdicts = figures.overhead_verdicts(runs, 2, "cuda")
    assert statuses(verdicts) == ["FAIL"] and "overhead +4.00%" in verdicts[0]["message"]


def test_overhead_needs_three_runs_of_each_and_the_same_tokens(figures):
    runs = [timed_run("bare", 1, 10.0), timed_run("runner", 1, 10.1), timed_run("runner", 2, 10.0),
            timed_run("bare", 2, 10.0)]
    assert statuses(figures.overhead_verdicts(runs, 2, "cuda")) == ["INCOMPLETE"]
    runs += [timed_run("bare", 3, 10.0), {**timed_run("runner", 3, 10.0), "tokens_per_step": [400]}]
    verdicts = figures.overhead_verdicts(runs, 2, "cuda")
    assert "FAIL" in statuses(verdicts) and figures.exit_code(verdicts) == 1


def speed_run(backend, n, tokens_per_second, peak):
    steps = 10
    return {"id": f"{backend} {n}", "kind": "runner", "backend": backend, "status": "ok", "passed": True,
            "step_seconds": [5.0] + [8192 / tokens_per_second] * steps, "tokens_per_step": [8192],
            "peak_memory_bytes": peak}


def test_speed_takes_medians_of_three_and_judges_both_ratios(figures):
    # a ratio clear of the 1.5x target: exactly on it, float rounding decides the verdict
    runs = [speed_run("unsloth", i, t, 6 * 2**30) for i, t in enumerate((31000, 32000, 29000))]
    runs += [speed_run("hf", i, t, 11 * 2**30) for i, t in enumerate((20000, 19000, 21000))]
    fig = figures.speed_figures(runs, skip=1)
    assert fig["unsloth"]["tokens_per_second"]["median"] == pytest.approx(31000)
    assert fig["tokens_per_second_ratio"] == pytest.approx(1.55)
    assert statuses(figures.speed_verdicts(runs, 1, "cuda")) == ["PASS", "PASS"]
    runs[0] = speed_run("unsloth", 0, 25000, 6 * 2**30)
    runs[2] = speed_run("unsloth", 2, 25000, 6 * 2**30)
    assert statuses(figures.speed_verdicts(runs, 1, "cuda")) == ["FAIL", "PASS"]
    assert statuses(figures.speed_verdicts(runs[:5], 1, "cuda")) == ["INCOMPLETE"]


def junit(path: Path, cases: dict[str, str]) -> Path:
    body = "".join(f'<testcase name="{name}">' + {"pass": "", "fail": "<failure message='x'/>",
                                                   "skip": "<skipped message='no CUDA'/>"}[what] + "</testcase>"
                   for name, what in cases.items())
    path.write_text(f"<testsuites><testsuite>{body}</testsuite></testsuites>", encoding="utf-8")
    return path


def test_gpu_tests_must_all_pass_and_none_skip_on_a_gpu(figures, tmp_path):
    both = {"test_qlora[unsloth]": "pass", "test_qlora[hf]": "pass"}
    assert statuses(figures.gpu_test_verdicts(junit(tmp_path / "a.xml", both), "cuda")) == ["PASS"]
    hf_fails = {**both, "test_qlora[hf]": "fail"}
    verdict = figures.gpu_test_verdicts(junit(tmp_path / "b.xml", hf_fails), "cuda")[0]
    assert verdict["status"] == "FAIL" and "test_qlora[hf]" in verdict["message"]
    skipped = {"test_qlora[unsloth]": "skip", "test_qlora[hf]": "skip"}
    assert statuses(figures.gpu_test_verdicts(junit(tmp_path / "c.xml", skipped), "cuda")) == ["FAIL"]
    assert statuses(figures.gpu_test_verdicts(junit(tmp_path / "c.xml", skipped), "cpu")) == ["N/A"]
    assert statuses(figures.gpu_test_verdicts(tmp_path / "none.xml", "cuda")) == ["INCOMPLETE"]


def test_the_gate_reads_every_report_and_sets_the_exit_status(tmp_path):
    junit(tmp_path / "gpu-tests.xml", {"test_qlora[unsloth]": "pass", "test_qlora[hf]": "pass"})
    fail = {"step": "memory", "what": "hf 3b seq 2048 gc off", "status": "FAIL", "message": "estimate +16.0%"}
    (tmp_path / "memory.json").write_text(json.dumps({"verdicts": [fail], "rows": []}))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    gate = [sys.executable, str(GPU / "steps.py"), "gate", str(tmp_path), "--device", "cuda"]
    proc = subprocess.run(gate + ["--steps-run", "gpu-tests,memory"], capture_output=True, text=True, env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "FAIL       memory    hf 3b seq 2048 gc off: estimate +16.0%" in proc.stdout
    assert "FAIL" in (tmp_path / "report.md").read_text()
    proc = subprocess.run(gate, capture_output=True, text=True, env=env)  # overhead and speed never ran
    assert proc.returncode == 1 and "INCOMPLETE overhead" in proc.stdout
    fail["status"] = "PASS"
    (tmp_path / "memory.json").write_text(json.dumps({"verdicts": [fail], "rows": []}))
    proc = subprocess.run(gate, capture_output=True, text=True, env=env)
    assert proc.returncode == 3 and "INCOMPLETE: some figures were not measured" in proc.stdout


@pytest.mark.slow
def test_the_cpu_dry_run_fails_loudly_when_a_run_disagrees_with_its_plan(tmp_path):
    pytest.importorskip("trl")
    pytest.importorskip("peft")
    out = tmp_path / "out"
    env = {**os.environ, "RUN_DEVICE": "cpu", "PY": sys.executable, "OUT": str(out), "RUN_WORK": str(tmp_path / "work"),
           "RUN_CACHE": str(tmp_path / "cache"), "RUN_STEPS": "memory", "RUN_FAULT": "one-step-short",
           "RUN_MEMORY_ARGS": "--backends hf --seq-lens 32 --parallel 1", "RUN_DEADLINE_S": "900"}
    proc = subprocess.run(["bash", str(GPU / "run.sh")], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1000)
    text = proc.stdout + proc.stderr
    assert proc.returncode == 1, text
    # the faulted run fails on the step check, by name; the other run is judged, not failed
    report = json.loads((out / "memory.json").read_text())
    faulted = [r["id"] for r in report["records"] if r.get("fault") == "one-step-short"]
    assert len(faulted) == 1 and faulted[0].startswith("hf tiny seq 32 gc o"), report["records"]
    other = ({"hf tiny seq 32 gc on", "hf tiny seq 32 gc off"} - set(faulted)).pop()
    failed = [line for line in text.splitlines() if line.startswith(f"FAIL       memory    {faulted[0]}: ")]
    assert failed and "runner checks failed: " in failed[0] and "steps: 5 optimizer steps, plan 6" in failed[0], text
    assert f"N/A        memory    {other}: plan estimate vs peak allocated" in text
    assert "gate: FAILED" in text
    assert {v["status"] for v in report["verdicts"]} == {"FAIL", "N/A"}
    assert "memory     FAILED (a figure or check)" in (out / "summary.txt").read_text()
    assert sorted(p.name for p in out.iterdir()) == ["memory.json", "report.md", "run.log", "runs.tgz", "summary.txt"]


def test_memory_lanes_start_only_where_their_estimates_fit(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(GPU))
    import steps

    lanes = steps.Lanes(tmp_path, deadline=0.0, parallel=12, fault=None, device="cuda", memory_budget=100)
    for name, reserve in (("3b-2048", 60), ("1b-2048", 50), ("0.5b-512", 30), ("1b-512", 10)):
        lanes.add(name, "hf", [], reserve)
    started = []
    while (lane := lanes._next()) is not None:
        started.append(lane["name"])
        lanes.running.append((lane, None))
    # the largest first, then whatever still fits beside it; the 1b-2048 lane waits for room
    assert started == ["3b-2048", "0.5b-512", "1b-512"]
    lanes.running = []
    assert lanes._next()["name"] == "1b-2048"  # with nothing running, the next lane starts whatever its size


def test_a_lane_that_dies_fails_its_runs_with_the_cause(tmp_path, monkeypatch, figures):
    monkeypatch.syspath_prepend(str(GPU))
    import time

    import steps

    lanes = steps.Lanes(tmp_path, deadline=time.time() + 120, parallel=1, fault=None, device="cpu")
    lanes.add("broken", "no-such-backend", [{"id": "no-such-backend tiny seq 32 gc on", "kind": "runner",
                                              "config": str(tmp_path / "none.yaml"), "steps": 2,
                                              "out": str(tmp_path / "run")}])
    seen = []
    lanes.run(seen.append)
    records = [r for r in seen[-1] if "id" in r]
    assert len(records) == 1 and records[0]["status"].startswith("error: the lane process exited with 1")
    assert "unknown backend 'no-such-backend'" in records[0]["status"]
    verdicts = figures.memory_verdicts(seen[-1], ["no-such-backend tiny seq 32 gc on"], "cpu")
    assert [v["status"] for v in verdicts] == ["FAIL"]
