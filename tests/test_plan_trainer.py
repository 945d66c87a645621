"""The plan against transformers' real Trainer: same step count, same warmup, same lr at every step.

Each case trains a tiny random Llama on CPU, records what the Trainer did, and checks the plan
built from the same settings. These are the tests that catch a plan drifting from the trainer
when transformers changes its arithmetic.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from plan_configs import make_config
from sftlint.plan.build import build_plan
from sftlint.settings.resolver import Settings

pytest.importorskip("transformers")
pytestmark = pytest.mark.slow

# (examples, trainer arguments) — each a different corner of the arithmetic or a different schedule
CASES = {
    "linear-warmup-two-epochs": (100, dict(per_device_train_batch_size=4, gradient_accumulation_steps=3,
                                           num_train_epochs=2, warmup_steps=3, learning_rate=2e-3)),
    "partial-accumulation-cosine-ratio": (101, dict(per_device_train_batch_size=4, gradient_accumulation_steps=3,
                                                    num_train_epochs=1, warmup_steps=0.2, lr_scheduler_type="cosine")),
    "fewer-batches-than-accumulation": (10, dict(per_device_train_batch_size=4, gradient_accumulation_steps=3,
                                                 num_train_epochs=1, warmup_steps=2,
                                                 lr_scheduler_type="constant_with_warmup")),
    "restarts-three-epochs": (100, dict(per_device_train_batch_size=8, gradient_accumulation_steps=4,
                                        num_train_epochs=3, warmup_steps=1, lr_scheduler_type="cosine_with_restarts",
                                        lr_scheduler_kwargs={"num_cycles": 2})),
    "fractional-epochs-polynomial": (96, dict(per_device_train_batch_size=4, gradient_accumulation_steps=3,
                                              num_train_epochs=1.5, warmup_steps=2, lr_scheduler_type="polynomial",
                                              lr_scheduler_kwargs={"power": 2.0, "lr_end": 1e-6})),
    "max-steps-cuts-epochs-inverse-sqrt": (20, dict(per_device_train_batch_size=2, num_train_epochs=3, max_steps=7,
                                                    warmup_steps=2, lr_scheduler_type="inverse_sqrt")),
    "max-steps-beyond-epochs-min-lr": (16, dict(per_device_train_batch_size=4, gradient_accumulation_steps=2,
                                                num_train_epochs=1, max_steps=9, warmup_steps=0.25,
                                                lr_scheduler_type="cosine_with_min_lr",
                                                lr_scheduler_kwargs={"min_lr_rate": 0.1})),
    "warmup-stable-decay": (40, dict(per_device_train_batch_size=4, num_train_epochs=1, warmup_steps=2,
                                     lr_scheduler_type="warmup_stable_decay",
                                     lr_scheduler_kwargs={"num_decay_steps": 3, "min_lr_ratio": 0.05})),
    "cosine-warmup-with-min-lr": (24, dict(per_device_train_batch_size=4, num_train_epochs=1, warmup_steps=2,
                                           lr_scheduler_type="cosine_warmup_with_min_lr",
                                           lr_scheduler_kwargs={"min_lr": 1e-5})),
    "constant-ignores-warmup": (12, dict(per_device_train_batch_size=4, num_train_epochs=2, warmup_steps=3,
                                         lr_scheduler_type="constant")),
}


def plan_for(num_examples: int, arguments: dict, world_size: int = 1):
    fields = {k: v for k, v in arguments.items()}
    fields.setdefault("learning_rate", 5e-5)
    config = make_config(num_examples=num_examples, world_size=world_size, **fields)
    return build_plan(config, Settings())


def assert_close(planned: list[float], used: list[float]) -> None:
    assert len(planned) == len(used)
    for step, (p, u) in enumerate(zip(planned, used), start=1):
        assert abs(p - u) <= 1e-6 * max(abs(u), 1e-12), f"step {step}: plan {p!r}, trainer {u!r}"


@pytest.mark.parametrize("case", sorted(CASES))
def test_plan_matches_the_trainer(case, tmp_path):
    from trainer_probe import run

    num_examples, arguments = CASES[case]
    trainer, seen = run(str(tmp_path), num_examples, **arguments)
    plan = plan_for(num_examples, arguments)

    assert plan.total_steps == trainer.state.global_step == trainer.state.max_steps
    assert plan.warmup_steps == trainer.args.get_warmup_steps(trainer.state.max_steps)
    assert plan.batches_per_epoch == len(trainer.get_train_dataloader())
    assert_close(plan.lr_schedule, seen.lrs)


def test_log_eval_and_save_steps_match_the_trainer(tmp_path):
    from trainer_probe import run

    arguments = dict(per_device_train_batch_size=4, gradient_accumulation_steps=2, num_train_epochs=2,
                     logging_steps=3, eval_strategy="steps", eval_steps=4, save_strategy="steps", save_steps=5,
                     save_only_model=True)
    trainer, seen = run(str(tmp_path), 30, eval_examples=4, **arguments)  # 8 batches: 4 steps an epoch, 8 in all
    plan = plan_for(30, arguments)

    assert plan.total_steps == 8
    assert plan.logging_steps == seen.logged == [3, 6]
    assert plan.eval_steps == seen.evaluated == [4, 8]
    assert plan.save_steps == seen.saved == [5, 8]  # and the last step, though 8 is no multiple of 5


def test_epoch_strategies_match_the_trainer(tmp_path):
    from trainer_probe import run

    arguments = dict(per_device_train_batch_size=4, num_train_epochs=2.5, eval_strategy="epoch",
                     save_strategy="epoch", save_only_model=True)
    trainer, seen = run(str(tmp_path), 12, eval_examples=4, **arguments)  # 3 steps an epoch, 8 in all
    plan = plan_for(12, arguments)

    assert plan.total_steps == trainer.state.global_step == 8
    assert plan.eval_steps == sorted(set(seen.evaluated)) == [3, 6, 8]
    assert plan.save_steps == sorted(set(seen.saved)) == [3, 6, 8]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _torchrun(tmp_path, num_examples: int, arguments: dict, eval_examples: int = 0) -> list[dict]:
    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent)) or shutil.which("torchrun")
    if torchrun is None:
        pytest.skip("torchrun is not installed")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(Path(__file__).parent)}
    done = subprocess.run(
        [torchrun, "--nproc-per-node=2", f"--master-port={_free_port()}", str(Path(__file__).parent / "trainer_probe.py"),
         str(tmp_path), str(num_examples), json.dumps(arguments), str(eval_examples)],
        capture_output=True, text=True, timeout=300, env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    reports = [json.loads(report.read_text()) for report in sorted(tmp_path.glob("rank-*.json"))]
    assert [report["rank"] for report in reports] == [0, 1]
    return reports


def test_two_processes_match_the_plan(tmp_path):
    """Two gloo processes under torchrun: each rank's steps and lrs are the plan's for world size 2."""
    arguments = dict(per_device_train_batch_size=2, gradient_accumulation_steps=2, num_train_epochs=3,
                     warmup_steps=2, learning_rate=1e-3, lr_scheduler_type="cosine")
    # 13 examples, 2 ranks: 7 batches of 2 shared out, 4 per rank (the short rank wraps around)
    reports = _torchrun(tmp_path, 13, arguments)
    plan = plan_for(13, arguments, world_size=2)

    assert plan.effective_batch_size == 8
    assert plan.batches_per_epoch == 4
    for report in reports:
        assert report["batches"] == plan.batches_per_epoch
        assert report["global_step"] == plan.total_steps == 6
        assert_close(plan.lr_schedule, report["lrs"])


def test_two_processes_drop_last_and_events_match_the_plan(tmp_path):
    """drop_last under two processes drops whole batches per rank; logs, evaluations and saves follow."""
    arguments = dict(per_device_train_batch_size=2, gradient_accumulation_steps=1, num_train_epochs=2,
                     dataloader_drop_last=True, warmup_steps=0.25, lr_scheduler_type="linear",
                     logging_steps=2, logging_first_step=True, eval_strategy="epoch", eval_on_start=True,
                     save_strategy="steps", save_steps=0.5, save_only_model=True)
    # 11 examples: 5 full batches of 2, 2 per rank (the fifth is dropped), 4 steps in all
    reports = _torchrun(tmp_path, 11, arguments, eval_examples=2)
    plan = plan_for(11, arguments, world_size=2)

    assert plan.batches_per_epoch == 2 and plan.total_steps == 4
    for report in reports:
        assert report["batches"] == plan.batches_per_epoch
        assert report["global_step"] == plan.total_steps
        assert_close(plan.lr_schedule, report["lrs"])
        assert plan.logging_steps == report["logged"] == [1, 2, 4]
        assert plan.eval_steps == report["evaluated"] == [0, 2, 4]
    assert plan.save_steps == reports[0]["saved"] == [2, 4]
