"""The runner's verdicts without training: run folders that cannot mix runs, the checks that catch
divergence, the minimum of work before a verdict, and the judging of a folder that holds another
run's files. The training runs that exercise the same code are in test_runner_trust.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sftlint.plan.schedules import learning_rates
from sftlint.runner import checks
from sftlint.runner.recipe import DataFile, Recipe
from sftlint.runner.result import Check, RunResult, StepRecord
from sftlint.runner.run import judge, minimum_work
from sftlint.runner.run_folder import RunFolderError, check_folder, default_folder, prepare_folder
from sftlint.runner.smoke_plan import make_smoke_plan


def records(losses, lrs=None, norms=None):
    lrs = lrs or [1e-3] * len(losses)
    norms = norms or [None] * len(losses)
    return [StepRecord(i + 1, loss, lr, g) for i, (loss, lr, g) in enumerate(zip(losses, lrs, norms))]


def test_a_folder_with_an_earlier_run_is_refused_unless_overwrite_and_then_emptied(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "summary.json").write_text("{}")
    (run / "adapter").mkdir()
    (run / "adapter" / "weights.bin").write_text("x")
    with pytest.raises(RunFolderError, match="holds an earlier run.*--overwrite"):
        check_folder(run, overwrite=False)
    assert prepare_folder(run, overwrite=True) == run.resolve()
    assert list(run.iterdir()) == []


def test_a_folder_of_other_files_is_never_emptied(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(RunFolderError, match="not a run's \\(notes.txt\\)"):
        prepare_folder(tmp_path, overwrite=True)
    assert (tmp_path / "notes.txt").read_text() == "mine"
    prepare_folder(tmp_path / "new", overwrite=False)  # a new or empty folder is fine
    prepare_folder(tmp_path / "new", overwrite=False)


def test_default_folders_are_new_for_every_run(tmp_path):
    first = default_folder("a/b.yaml", "smoke", "hf", root=tmp_path)
    first.mkdir(parents=True)
    second = default_folder("a/b.yaml", "smoke", "hf", root=tmp_path)
    assert second != first and second.name.startswith(first.name) and not second.exists()


def _recipe(out: Path, run_id: str, mode: str = "smoke") -> Recipe:
    return Recipe(backend="hf", mode=mode, base_model="m", model_label="m", output_dir=str(out),
                  data_files=[DataFile("d.jsonl", "json")], max_rows=None, max_rows_each=None, val_size=None,
                  learning_rate=1e-3, lr_scheduler_type="linear", lr_scheduler_kwargs={}, warmup_steps=0,
                  per_device_train_batch_size=4, gradient_accumulation_steps=1, num_train_epochs=1.0, max_steps=3,
                  weight_decay=0.0, max_grad_norm=1.0, optim="adamw_torch", lora_r=8, lora_alpha=16.0,
                  lora_dropout=0.0, lora_target_modules="all-linear", use_rslora=False, use_dora=False,
                  load_in_4bit=False, load_in_8bit=False, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype="bfloat16",
                  bnb_4bit_use_double_quant=False, max_seq_length=64, gradient_checkpointing=False, bf16=False,
                  fp16=False, packing=False, seed=0, run_id=run_id)


def test_another_runs_files_are_never_read_as_this_runs(tmp_path):
    """Even if a folder still held an earlier run's report, the verdict reads only this run's."""
    old = {"run_id": "old", "global_step": 3, "adapter": {"passed": True}, "peak_memory_bytes": 1}
    (tmp_path / "worker.json").write_text(json.dumps(old))
    (tmp_path / "metrics.jsonl").write_text("".join(
        json.dumps({"run_id": "old", "step": s, "loss": 3.0 - s, "lr": 1e-3}) + "\n" for s in (1, 2, 3)))
    plan = make_smoke_plan(None, {"learning_rate": 1e-3, "lr_scheduler_type": "linear"}, 3)
    result = judge(tmp_path, "c.yaml", _recipe(tmp_path, "new"), plan, rc=1, log_tail="Traceback\nKeyError: 'x'")
    assert result.status == "not_started" and result.verdict == "could not start" and result.exit_code == 2
    assert result.steps == 0 and result.records == [] and result.checks == []
    assert result.cause.startswith("the training process exited with code 1 before it reported (Traceback | KeyError")
    assert json.loads((tmp_path / "summary.json").read_text())["status"] == "not_started"


def test_setup_errors_are_one_cause_and_exit_2(tmp_path):
    worker = {"run_id": "r", "error": {"type": "DataError", "phase": "data", "step": None, "oom": False,
                                       "message": "no trainable columns in ['a', 'b']: expected text, ..."}}
    (tmp_path / "worker.json").write_text(json.dumps(worker))
    result = judge(tmp_path, "c.yaml", _recipe(tmp_path, "r"), None, rc=1, log_tail="")
    assert result.cause == "loading the training data failed: no trainable columns in ['a', 'b']: expected text, ..."
    assert (result.verdict, result.exit_code, result.checks) == ("could not start", 2, [])


def test_lr_check_compares_exactly_where_the_plan_says_0():
    planned = learning_rates("linear", 1e-3, 2, 4)[0]  # 0, 5e-4, 1e-3, 5e-4
    off = checks.lr_schedule(records([1] * 4, [3e-7, 5e-4, 1e-3, 5e-4]), planned)
    assert off.passed is False
    assert off.message == ("step 1: lr 3e-07 used, plan 0 (the plan's lr is 0 here; absolute difference 3e-07); "
                           "1 of 4 steps differ")
    assert checks.lr_schedule(records([1] * 4, planned), planned).passed
    bad = checks.lr_schedule(records([1, 1], [1e-3, float("nan")]), None)
    assert bad.passed is False and bad.message.startswith("step 2: lr nan used")


def test_loss_blowup_against_the_first_steps():
    assert checks.loss_blowup(records([2.0, 1.9, 1.8, 1.7, 1.5])).passed
    blown = checks.loss_blowup(records([2.0, 1.9, 2.1, 3.0, 9.5]))
    assert blown.passed is False
    assert blown.message == ("the loss blew up: highest loss 9.5 at step 5, against 2 over the first 3 step(s) "
                             "(limit 4)")
    assert checks.loss_blowup(records([0.2, 0.2, 0.2, 1.0])).passed is True  # +0.8: under the 1.0 margin
    assert checks.loss_blowup(records([2.0])).passed is None


def test_grad_norm_blowup_against_the_first_steps():
    steady = records([6.2] * 6, norms=[1.2, 1.4, 1.3, 1.5, 2.5, 1.1])
    assert checks.grad_norm_blowup(steady).passed
    # lr 10 on the tiny model: the loss stays flat, the gradient norm runs away (measured values)
    runaway = records([6.25, 6.26, 6.30, 6.10, 6.06, 6.08, 6.08, 6.03],
                      norms=[0.785, 4.87, 0.105, 0.236, 0.930, 3.60, 10.5, 24.0])
    assert checks.loss_blowup(runaway).passed and checks.loss_falls(runaway).passed
    blown = checks.grad_norm_blowup(runaway)
    assert blown.passed is False
    assert blown.message.startswith("the gradients blew up: largest gradient norm 24 at step 8, 30.6x the median 0.785")
    assert checks.grad_norm_blowup(records([1.0, 1.0], norms=[1.0, float("inf")])).message == \
        "gradient norm is inf at step 2"
    assert checks.grad_norm_blowup(records([1.0, 1.0])).passed is None


def test_trainer_arguments_check_names_every_difference():
    plan = make_smoke_plan(None, {"learning_rate": 2e-4, "lr_scheduler_type": "cosine", "warmup_steps": 0.1,
                                  "per_device_train_batch_size": 4, "gradient_accumulation_steps": 2}, 10)
    facts = {"total_steps": 10, "warmup_steps": 1, "learning_rate": 2e-4, "lr_scheduler_type": "cosine",
             "per_device_train_batch_size": 4, "gradient_accumulation_steps": 2, "train_rows": 80}
    good = checks.trainer_arguments(facts, plan, "smoke")
    assert good.passed, good.message
    bad = checks.trainer_arguments({**facts, "warmup_steps": 0, "total_steps": 12}, plan, "smoke")
    assert bad.passed is False
    assert bad.message == ("the trainer was set up differently from the plan: optimizer steps 12 (plan 10); "
                           "warmup steps 0 (plan 1)")
    rows = checks.trainer_arguments({**facts, "train_rows": 96}, plan, "full")
    assert rows.passed is False and "training rows 96 (plan 80)" in rows.message
    # with TRL's packing the Trainer's rows are the packed sequences
    from sftlint.records import replace

    packed = replace(plan, packed_rows=30, packing={"tool": "trl", "exact": True, "rows": 30})
    assert checks.trainer_arguments({**facts, "train_rows": 30}, packed, "full").passed
    assert "packed training rows 80 (plan 30)" in checks.trainer_arguments(facts, packed, "full").message
    # another tool's packing is not what the runner trains: its rows are not compared
    other = replace(plan, packed_rows=30, packing={"tool": "llamafactory", "exact": True, "rows": 30})
    assert checks.trainer_arguments(facts, other, "full").passed


def test_a_run_too_short_or_unknown_is_not_checked():
    plan = make_smoke_plan(None, {"learning_rate": 1e-3}, 3)
    assert minimum_work(plan, records([3.0, 2.0, 1.0])) == []
    assert minimum_work(None, records([3.0, 2.0]))[0].startswith("the plan does not know how many steps")
    assert minimum_work(plan, records([3.0], [0.0])) == [
        "1 optimizer step: too few to see the loss move",
        "no optimizer step had a learning rate above 0: the adapter was never updated"]


def test_a_run_on_another_tools_packing_is_not_checked():
    from sftlint.records import replace

    plan = make_smoke_plan(None, {"learning_rate": 1e-3}, 3)
    lf = replace(plan, packing={"tool": "llamafactory", "exact": True, "rows": 40})
    assert minimum_work(lf, records([3.0, 2.0, 1.0]))[0].startswith(
        "the plan follows llamafactory's packing, but the runner packs with TRL's pack_dataset")
    assert minimum_work(replace(plan, packing={"tool": "trl", "exact": True}), records([3.0, 2.0, 1.0])) == []
    # a smoke run trains its own slice: the packing of the full run does not follow it
    assert make_smoke_plan(lf, {"learning_rate": 1e-3}, 3).packing == {}


def _result(**kw) -> RunResult:
    base = dict(config="c", backend="hf", mode="smoke", model="m", output_dir="o", planned_steps=2, steps=2,
                records=[], checks=[Check("steps", True, "")], tokens_per_second=None, peak_memory_bytes=None,
                memory_kind=None, estimated_memory_bytes=None)
    return RunResult(**{**base, **kw})


@pytest.mark.parametrize("kw, verdict, code", [
    ({}, "pass", 0),
    ({"checks": [Check("steps", False, "")]}, "FAIL", 1),
    ({"unchecked": ["no plan"]}, "not checked", 1),
    ({"unchecked": ["no plan"], "checks": [Check("steps", False, "")]}, "FAIL", 1),
    ({"status": "not_started", "cause": "x"}, "could not start", 2),
    ({"status": "interrupted", "cause": "x"}, "interrupted", 130),
])
def test_verdicts_and_exit_codes(kw, verdict, code):
    result = _result(**kw)
    assert (result.verdict, result.exit_code, result.passed) == (verdict, code, verdict == "pass")
    assert result.summary()["verdict"] == verdict


def test_weight_norm_blowup_against_the_norm_before_training():
    def run(norms, start=8.63):
        rows = records([6.2] * len(norms))
        for r, w in zip(rows, norms):
            r.weight_norm, r.initial_weight_norm = w, start
        return checks.weight_norm_blowup(rows)

    # measured on the tiny model, trl-sft example, 12 smoke steps: lr 2e-3, then lr 10
    assert run([8.645, 8.646, 8.686, 8.732, 8.781, 8.829, 8.867, 8.902, 8.924]).passed
    blown = run([8.629, 597.7, 1723.8, 2650.4], start=8.629)
    assert blown.passed is False
    assert blown.message == ("the weights ran away: trainable weights' norm 2650 at step 4, 307x its 8.629 before "
                             "training (limit 10x)")
    assert run([8.7, float("nan")]).message == "the trainable weights' norm is nan at step 2"
    assert checks.weight_norm_blowup(records([6.2, 6.1])).passed is None
