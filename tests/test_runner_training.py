"""Real training runs of the tiny synthetic Llama on the CPU, through both backends, and the checks
that judge them: passing runs pass every check, broken ones fail with the step and the numbers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sftlint.plan.model import TrainingPlan
from sftlint.plan.schedules import learning_rates
from sftlint.runner.run import run_config, run_plan
from sftlint.runner.synthetic_data import write_jsonl

pytestmark = pytest.mark.slow
pytest.importorskip("trl")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


@pytest.fixture(autouse=True)
def _shared_model_cache(tmp_path_factory, monkeypatch):
    """One synthetic model for every test (the conftest gives each test its own XDG cache)."""
    monkeypatch.setenv("SFTLINT_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "sftlint-runner-cache"))


def qlora_values(data: Path, **overrides) -> dict:
    values = dict(
        finetuning_type="lora", learning_rate=2e-3, lr_scheduler_type="linear", warmup_steps=0.1,
        per_device_train_batch_size=4, gradient_accumulation_steps=2, lora_r=8, lora_alpha=16, lora_dropout=0.05,
        lora_target_modules="all-linear", load_in_4bit=True, bnb_4bit_quant_type="nf4",
        bnb_4bit_compute_dtype="bfloat16", bnb_4bit_use_double_quant=True, max_seq_length=128,
        gradient_checkpointing=True, bf16=True, seed=0, optim="paged_adamw_8bit", datasets=[{"path": str(data)}],
    )
    values.update(overrides)
    return values


def full_plan(total: int, lr: float, scheduler: str = "linear", warmup: int = 0, world_size: int = 1) -> TrainingPlan:
    schedule, _ = learning_rates(scheduler, lr, warmup, total)
    return TrainingPlan(
        dialect="test", world_size=world_size, per_device_batch_size=None, gradient_accumulation_steps=None,
        effective_batch_size=None, num_examples=None, num_examples_source="test", num_train_epochs=1.0,
        max_steps=None, steps_per_epoch=None, total_steps=total, epochs_run=None, warmup_steps=warmup,
        learning_rate=lr, lr_scheduler_type=scheduler, lr_schedule=schedule,
    )


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return write_jsonl(tmp_path_factory.mktemp("data") / "train.jsonl", 120)


def assert_all_passed(result):
    assert result.passed, result.explain()
    assert {c.name for c in result.checks} >= {"finite_loss", "loss_falls", "steps", "lr_schedule",
                                                "adapter_reload", "memory"}
    assert all(c.passed for c in result.checks if c.name != "memory"), result.explain()


def test_hf_qlora_smoke_run_passes_every_check(data, tmp_path):
    result = run_plan(qlora_values(data), None, mode="smoke", backend="hf", model="synthetic:tiny", steps=10,
                      output_dir=tmp_path / "run")
    assert_all_passed(result)
    assert result.steps == result.planned_steps == 10
    # warmup 0.1 of 10 steps is 1 step: the first update has lr 0, the second the peak
    assert [r.lr for r in result.records[:2]] == [0.0, 2e-3]
    worker = json.loads((tmp_path / "run" / "worker.json").read_text())
    assert worker["adapter"]["max_abs_diff"] == 0.0  # bit-identical after reload, even in 4-bit on CPU
    assert worker["adapter"]["adapter_effect"] > 0  # and the adapter did change the model
    lines = (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(line)["step"] for line in lines] == list(range(1, 11))
    assert {"loss", "lr", "grad_norm", "tokens_per_second", "memory_bytes"} <= set(json.loads(lines[0]))
    assert (tmp_path / "run" / "loss_lr.png").stat().st_size > 0
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["lr_matches_plan"] is True and summary["passed"] is True
    assert any("paged_adamw_8bit" in n for n in result.notes)


def test_unsloth_smoke_run_of_an_example_config(tmp_path):
    pytest.importorskip("unsloth")
    result = run_config(EXAMPLES / "unsloth-lora.yaml", mode="smoke", backend="unsloth", model="synthetic:tiny",
                        steps=8, output_dir=tmp_path / "run")
    assert_all_passed(result)
    assert result.backend == "unsloth" and result.steps == 8
    # the config warms up 5 of its 25 planned steps: 0.2 of 8 steps rounds up to 2
    assert result.records[0].lr == 0.0 and result.records[1].lr == pytest.approx(1e-4)
    # the precision note is read back from the trainer and the model Unsloth loaded, not assumed
    facts = json.loads((tmp_path / "run" / "trainer_args.json").read_text())
    used = "bf16" if facts["bf16"] else "fp16" if facts["fp16"] else "no"
    weights = "/".join(facts["frozen_weight_dtypes"])
    recipe = json.loads((tmp_path / "run" / "recipe.json").read_text())
    asked = "bf16" if recipe["bf16"] else "fp16" if recipe["fp16"] else "no"
    notes = [n for n in result.notes if "mixed precision" in n]
    assert notes == ([] if asked == used else [f"cpu: the config asks for {asked} mixed precision; trained with "
                                                 f"{used} mixed precision, frozen weights in {weights}"])


def test_wrong_plan_fails_the_lr_and_step_checks_with_numbers(data, tmp_path):
    values = qlora_values(data, load_in_4bit=False, max_steps=5, warmup_steps=0, learning_rate=1e-3)
    plan = full_plan(total=6, lr=1e-3, scheduler="linear")  # the trainer runs 5 steps: it decays faster
    result = run_plan(values, plan, mode="full", backend="hf", model="synthetic:tiny", output_dir=tmp_path / "run")
    assert not result.passed
    lr = result.check("lr_schedule")
    assert lr.passed is False
    assert lr.message.startswith("step 2: lr 0.0008 used, plan 0.000833333 (relative error 0.04)")
    assert "4 of 5 steps differ" in lr.message
    steps = result.check("steps")
    assert steps.passed is False and steps.message == "5 optimizer steps, plan 6"
    arguments = result.check("trainer_arguments")
    assert arguments.passed is False and "optimizer steps 5 (plan 6)" in arguments.message
    assert result.check("adapter_reload").passed


def test_nan_loss_fails_the_finite_check_at_its_step(data, tmp_path):
    # lr 1e6 only saturates a LoRA model (the loss freezes); 1e20 makes the weights overflow float32
    values = qlora_values(data, load_in_4bit=False, learning_rate=1e20, lr_scheduler_type="constant",
                          warmup_steps=0, max_grad_norm=0.0, per_device_train_batch_size=2,
                          gradient_accumulation_steps=1)
    result = run_plan(values, None, mode="smoke", backend="hf", model="synthetic:tiny", steps=6,
                      output_dir=tmp_path / "run")
    finite = result.check("finite_loss")
    assert finite.passed is False, finite.message
    assert finite.message == "loss is nan at step 2 (lr 1e+20)"  # the first update blows the weights up
    assert result.records[0].loss > 0 and all(r.loss != r.loss for r in result.records[1:])
    assert result.check("loss_falls").passed is False
    assert result.check("lr_schedule").passed  # the lr itself was as planned


def test_two_processes_with_gloo_make_the_world_size_2_step_count(tmp_path):
    data = write_jsonl(tmp_path / "train.jsonl", 32)
    values = qlora_values(data, load_in_4bit=False, per_device_train_batch_size=2, gradient_accumulation_steps=2,
                          num_train_epochs=1, max_steps=-1, warmup_steps=0, lr_scheduler_type="linear")
    # 32 rows over 2 ranks: 8 batches of 2 per rank, 2 per optimizer step -> 4 steps (8 on one process)
    plan = full_plan(total=4, lr=2e-3, world_size=2)
    result = run_plan(values, plan, mode="full", backend="hf", model="synthetic:tiny", world_size=2,
                      output_dir=tmp_path / "run")
    assert result.check("steps").passed, result.explain()
    assert result.steps == 4 and result.world_size == 2
    assert result.check("lr_schedule").passed, result.explain()
    command = (tmp_path / "run" / "command.txt").read_text()
    assert "torch.distributed.run --nproc-per-node 2" in command
    assert json.loads((tmp_path / "run" / "worker.json").read_text())["rank_count"] == 2


def test_cli_run_json_summary(tmp_path):
    out = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "sftlint", "run", str(EXAMPLES / "trl-sft.yaml"), "--mode", "smoke", "--backend", "hf",
         "--model", "synthetic:tiny", "--steps", "6", "--output-dir", str(out), "--output-format", "json"],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:] + proc.stdout
    summary = json.loads(proc.stdout)
    assert {"backend", "mode", "steps", "planned_steps", "first_loss", "last_loss", "lr_matches_plan",
            "tokens_per_second", "peak_memory_bytes", "estimated_memory_bytes", "checks"} <= set(summary)
    assert (summary["backend"], summary["mode"], summary["steps"], summary["planned_steps"]) == ("hf", "smoke", 6, 6)
    assert summary["lr_matches_plan"] is True and summary["last_loss"] < summary["first_loss"]
    assert all({"name", "passed", "message"} <= set(c) for c in summary["checks"])
    assert json.loads((out / "summary.json").read_text())["steps"] == 6
    assert not (tmp_path / "unsloth_compiled_cache").exists()
