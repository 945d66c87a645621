"""The runner benchmark (bench/bench_runner.py): its arithmetic, and one tiny end-to-end run on a CPU.

The figures decide whether the runner meets its targets on a GPU (overhead < 2% over a bare Unsloth
script, unsloth >= 1.5x hf tokens/s, <= 0.6x hf peak memory), so the ratios are checked here on
hand-made numbers, where a mistake cannot hide behind GPU noise.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "bench" / "bench_runner.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_runner", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_path_figures_leave_out_the_untimed_steps(bench):
    fig = bench.path_figures([5.0, 3.0, 0.5, 0.5, 1.0], tokens_per_step=1000, skip=2)
    assert fig["steps_recorded"] == 5 and fig["steps_timed"] == 3
    assert fig["timed_seconds"] == pytest.approx(2.0)
    assert fig["tokens_per_second"] == pytest.approx(3 * 1000 / 2.0)
    assert fig["median_step_seconds"] == pytest.approx(0.5)
    assert fig["all_steps_seconds"] == pytest.approx(10.0)


def test_path_figures_with_nothing_timed(bench):
    fig = bench.path_figures([1.0, 2.0], tokens_per_step=10, skip=2)
    assert fig["steps_timed"] == 0 and fig["tokens_per_second"] is None and fig["median_step_seconds"] is None


def test_ratios_and_verdicts(bench):
    paths = {
        "bare": {"timed_seconds": 10.0, "tokens_per_second": 4000.0, "peak_memory_bytes": 3_000},
        "unsloth": {"timed_seconds": 10.1, "tokens_per_second": 3960.0, "peak_memory_bytes": 3_000},
        "hf": {"timed_seconds": 20.0, "tokens_per_second": 2000.0, "peak_memory_bytes": 6_000},
    }
    r = bench.ratios(paths)
    assert r["runner_overhead"] == pytest.approx(0.01)
    assert r["unsloth_vs_hf_tokens_per_second"] == pytest.approx(1.98)
    assert r["unsloth_vs_hf_peak_memory"] == pytest.approx(0.5)
    assert bench.verdicts(r) == {"runner_overhead": True, "unsloth_vs_hf_tokens_per_second": True,
                                 "unsloth_vs_hf_peak_memory": True}
    paths["unsloth"].update(timed_seconds=10.3, tokens_per_second=2900.0, peak_memory_bytes=4_000)
    assert bench.verdicts(bench.ratios(paths)) == {"runner_overhead": False, "unsloth_vs_hf_tokens_per_second": False,
                                                   "unsloth_vs_hf_peak_memory": False}


def test_missing_or_failed_paths_give_no_ratio(bench):
    r = bench.ratios({"hf": {"timed_seconds": 2.0, "tokens_per_second": 100.0, "peak_memory_bytes": 0},
                      "unsloth": {"status": "timeout after 60 s"}})
    assert r == {"runner_overhead": None, "unsloth_vs_hf_tokens_per_second": None, "unsloth_vs_hf_peak_memory": None}
    assert set(bench.verdicts(r).values()) == {None}


def test_markdown_table_has_a_row_per_path_and_the_targets(bench):
    report = {
        "setup": {"model": "synthetic:tiny", "device": "cpu", "steps": 2, "skip": 1, "batch": 2, "accum": 1,
                  "seq_len": 32, "tokens_per_step": 64, "lora_r": 16},
        "estimated_memory_bytes": {"bare": 2 * 2**30, "unsloth": 2 * 2**30, "hf": 3 * 2**30},
        "paths": {"bare": {"status": "ok", "tokens_per_second": 100.0, "peak_memory_bytes": 2**30},
                  "hf": {"status": "timeout after 9 s"}},
        "notes": ["a note"],
    }
    report["ratios"] = bench.ratios(report["paths"])
    report["verdicts"] = bench.verdicts(report["ratios"])
    text = bench.markdown(report)
    assert "| bare | ok | 100 |" in text and "| 1,024 | 2,048 | 0.50 |" in text
    assert "| hf | timeout after 9 s |" in text and "| unsloth |" not in text
    assert "target < 2%): not measured" in text and "- note: a note" in text


def test_recipe_mismatches_name_the_differing_field(bench):
    args = SimpleNamespace(skip=1, steps=2, warmup=1, lr=2e-4, batch=2, accum=1, seq_len=32, lora_r=16)
    spec = bench.bare_spec(args, "/m", Path("/d.jsonl"), False, Path("/o"), "cpu")
    recipe = {"max_steps": 3, "warmup_steps": 1, "learning_rate": 2e-4, "lr_scheduler_type": "cosine",
              "per_device_train_batch_size": 2, "gradient_accumulation_steps": 1, "max_seq_length": 32,
              "lora_r": 16, "lora_alpha": 32.0, "optim": "adamw_torch", "load_in_4bit": True, "seed": 42,
              "bf16": False}
    assert bench.recipe_mismatches(recipe, spec) == []
    assert bench.recipe_mismatches({**recipe, "warmup_steps": 2}, spec) == ["warmup_steps: runner 2, bare 1"]


def test_rows_are_longer_than_the_sequence(bench):
    rows = bench.make_rows(3, 200, None)
    assert len(rows) == 3 and all(len(r["text"]) // 2 >= 200 for r in rows)


@pytest.mark.slow
def test_hf_path_end_to_end_on_cpu(tmp_path):
    pytest.importorskip("trl")
    out = tmp_path / "bench"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--model", "synthetic:tiny", "--device", "cpu", "--paths", "hf",
         "--steps", "2", "--skip", "1", "--warmup", "2", "--batch", "2", "--seq-len", "32", "--out", str(out)],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    report = json.loads((out / "bench-runner.json").read_text())
    hf = report["paths"]["hf"]
    assert hf["global_step"] == 3 and hf["steps_recorded"] == 3 and hf["steps_timed"] == 2
    assert hf["tokens_seen_per_step"] == [2 * 32]  # every row fills the sequence
    assert hf["tokens_per_second"] > 0 and hf["peak_memory_bytes"] > 0
    assert report["estimated_memory_bytes"]["hf"] > 0
    assert not any("recipe differs" in n for n in report["notes"])
    assert "| hf |" in (out / "bench-runner.md").read_text()


def test_a_repeated_path_keeps_its_fastest_run_and_lists_every_run(bench):
    fastest = bench.fastest

    first = {"status": "ok", "timed_seconds": 6.5, "tokens_per_second": 100.0}
    second = {"status": "ok", "timed_seconds": 5.8, "tokens_per_second": 112.0}
    kept = fastest(fastest(None, first), second)
    assert kept["timed_seconds"] == 5.8 and kept["tokens_per_second"] == 112.0
    assert kept["timed_seconds_runs"] == [6.5, 5.8]
    failed = {"status": "timeout", "timed_seconds": None}
    assert fastest(kept, failed)["timed_seconds"] == 5.8
    assert fastest(kept, failed)["timed_seconds_runs"] == [6.5, 5.8, None]
