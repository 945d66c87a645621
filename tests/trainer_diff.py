"""Random Trainer settings, run through transformers' real Trainer and compared with the plan.

The model is one weight vector whose loss costs microseconds, so the time goes to the Trainer's
own machinery, which stays real: ``TrainingArguments.__post_init__``, the dataloader (with
``dataloader_drop_last``), ``set_initial_training_values``, the training loop, the lr scheduler
and ``DefaultFlowCallback``. Two things are made cheap without changing when they happen: the
checkpoint write (``_save_checkpoint``) and the evaluation itself (``_evaluate``); each records
the step it was called at.

``random_case(seed)`` is deterministic, so a mismatch is reproduced by its seed alone; every
mismatch found becomes a named case in ``test_plan_differential.py``.
"""

from __future__ import annotations

import logging
import math
import random
import tempfile
from typing import Any

import torch
from torch import nn
from transformers import Trainer, TrainerCallback, TrainingArguments
from transformers.trainer_callback import PrinterCallback

from plan_configs import make_config
from sftlint.plan.build import build_plan
from sftlint.settings.resolver import Settings

SCHEDULERS = ("linear", "cosine", "cosine_with_restarts", "polynomial", "constant", "constant_with_warmup",
              "inverse_sqrt", "cosine_with_min_lr", "cosine_warmup_with_min_lr", "warmup_stable_decay")


class OneWeight(nn.Module):
    """A model of 4 numbers: the loss is a square, so forward and backward cost almost nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(4))

    def forward(self, x, labels=None):
        return {"loss": ((self.weight * x).sum(-1) ** 2).mean()}


class Seen(TrainerCallback):
    def __init__(self) -> None:
        self.lrs: list[float] = []
        self.logged: list[int] = []
        self.evaluated: list[int] = []
        self.saved: list[int] = []

    def on_step_begin(self, args, state, control, optimizer=None, **kwargs):
        self.lrs.append(optimizer.param_groups[0]["lr"])

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs and "loss" in logs:
            self.logged.append(state.global_step)

    def on_save(self, args, state, control, **kwargs):
        self.saved.append(state.global_step)


class RecordingTrainer(Trainer):
    """The real Trainer; a checkpoint write and an evaluation only record their step."""

    def _save_checkpoint(self, model, trial):
        return None

    def _evaluate(self, trial, ignore_keys_for_eval, skip_scheduler=False):
        self.seen.evaluated.append(self.state.global_step)
        metrics = {"eval_loss": 0.0}
        self.control = self.callback_handler.on_evaluate(self.args, self.state, self.control, metrics)
        return metrics


def rows(n: int) -> list[dict[str, Any]]:
    return [{"x": torch.full((4,), 0.01 * (i + 1))} for i in range(n)]


def run_trainer(num_examples: int, arguments: dict[str, Any]) -> dict[str, Any]:
    """What the Trainer did: steps, warmup, lrs and events, or the exception it raised."""
    torch.manual_seed(0)
    seen = Seen()
    with tempfile.TemporaryDirectory() as out:
        try:
            args = TrainingArguments(output_dir=out, use_cpu=True, report_to="none", disable_tqdm=True,
                                     dataloader_num_workers=0, seed=0, save_only_model=True, **arguments)
            trainer = RecordingTrainer(model=OneWeight(), args=args, train_dataset=rows(num_examples),
                                       eval_dataset=rows(1), callbacks=[seen])
            trainer.seen = seen
            trainer.remove_callback(PrinterCallback)
            trainer.train()
        except (ValueError, ZeroDivisionError, TypeError) as exc:
            return {"raised": type(exc).__name__, "message": str(exc)[:300]}
    return {"raised": None, "steps": trainer.state.global_step, "max_steps": trainer.state.max_steps,
            "warmup": args.get_warmup_steps(trainer.state.max_steps), "lrs": seen.lrs, "logged": seen.logged,
            "evaluated": seen.evaluated, "saved": seen.saved}


def plan_for(num_examples: int, arguments: dict[str, Any], world_size: int = 1):
    fields = dict(arguments)
    fields.setdefault("learning_rate", 5e-5)
    return build_plan(make_config(num_examples=num_examples, world_size=world_size, **fields), Settings())


def compare(num_examples: int, arguments: dict[str, Any], seen: dict[str, Any]) -> list[str]:
    """Every way the plan differs from what the Trainer did (empty when they agree)."""
    plan = plan_for(num_examples, arguments)
    if seen["raised"]:
        if not plan.trainer_errors:
            return [f"the Trainer raised {seen['raised']} ({seen['message']}); the plan expects none"]
        if not any(seen["raised"] in error for error in plan.trainer_errors):
            return [f"the Trainer raised {seen['raised']}; the plan expects {plan.trainer_errors}"]
        return []
    diffs = []
    if plan.trainer_errors:
        diffs.append(f"the plan expects {plan.trainer_errors}; the Trainer ran")
    if plan.total_steps != seen["steps"]:
        diffs.append(f"steps: plan {plan.total_steps}, Trainer {seen['steps']}")
    if seen["steps"] and plan.warmup_steps != seen["warmup"]:
        diffs.append(f"warmup: plan {plan.warmup_steps}, Trainer {seen['warmup']}")
    curve = plan.lr_schedule
    if curve is None or len(curve) != len(seen["lrs"]):
        diffs.append(f"lr curve: plan {None if curve is None else len(curve)} steps, Trainer {len(seen['lrs'])}")
    else:
        for step, (want, got) in enumerate(zip(curve, seen["lrs"]), start=1):
            if not math.isclose(want, got, rel_tol=1e-6, abs_tol=1e-15):
                diffs.append(f"lr at step {step}: plan {want!r}, Trainer {got!r}")
                break
    for name, key in (("logging_steps", "logged"), ("eval_steps", "evaluated"), ("save_steps", "saved")):
        planned = getattr(plan, name)
        # distinct steps: the one repeat seen, two evaluations at step 0 of an empty run, is a named case
        if planned is None or list(planned) != sorted(set(seen[key])):
            diffs.append(f"{name}: plan {None if planned is None else list(planned)}, Trainer {seen[key]}")
    return diffs


def random_case(seed: int) -> tuple[int, dict[str, Any]]:
    """(examples, TrainingArguments) drawn from the settings that move steps, lrs and events."""
    rnd = random.Random(seed)
    n = rnd.choice([rnd.randint(1, 12), rnd.randint(1, 40)])
    batch, accumulation = rnd.randint(1, 6), rnd.choice([1, 1, 2, 3, 4])
    args: dict[str, Any] = {"per_device_train_batch_size": batch, "gradient_accumulation_steps": accumulation,
                            "learning_rate": rnd.choice([1e-3, 2e-4, 5e-5])}
    args["num_train_epochs"] = rnd.choice([1, 2, 3, 0.5, 1.5, 2.25, 0.1])
    roll = rnd.random()
    if roll < 0.25:
        args["max_steps"] = rnd.randint(1, 25)
    elif roll < 0.3:
        args["max_steps"] = 0
    if rnd.random() < 0.25:
        args["dataloader_drop_last"] = True
    name = rnd.choice(SCHEDULERS)
    args["lr_scheduler_type"] = name
    kwargs = _scheduler_kwargs(rnd, name)
    if kwargs:
        args["lr_scheduler_kwargs"] = kwargs
    if rnd.random() < 0.5:
        args["warmup_steps"] = rnd.randint(0, 8)
    elif rnd.random() < 0.8:
        args["warmup_steps"] = rnd.choice([0.05, 0.1, 0.25, 0.5, 0.9])
    _intervals(rnd, args)
    return n, args


def _scheduler_kwargs(rnd: random.Random, name: str) -> dict[str, Any]:
    if name == "cosine" and rnd.random() < 0.5:
        return {"num_cycles": rnd.choice([0.25, 0.5, 1.5])}
    if name == "cosine_with_restarts":
        return {"num_cycles": rnd.randint(1, 3)}
    if name == "polynomial":
        return {"lr_end": rnd.choice([1e-7, 1e-6]), "power": rnd.choice([0.5, 1.0, 2.0])}
    if name == "inverse_sqrt" and rnd.random() < 0.5:
        return {"timescale": rnd.randint(1, 20)}
    if name == "cosine_with_min_lr":
        return {"min_lr_rate": 0.1} if rnd.random() < 0.5 else {"min_lr": 1e-6}
    if name == "cosine_warmup_with_min_lr":
        kwargs = {"min_lr_rate": rnd.choice([0.0, 0.1])}
        if rnd.random() < 0.5:
            kwargs["warmup_lr_rate"] = rnd.choice([0.0, 0.1])
        return kwargs
    if name == "warmup_stable_decay":
        kwargs = {"num_decay_steps": rnd.randint(0, 6), "min_lr_ratio": rnd.choice([0.0, 0.05]),
                  "warmup_type": rnd.choice(["linear", "cosine", "1-sqrt"]),
                  "decay_type": rnd.choice(["linear", "cosine", "1-sqrt"])}
        if rnd.random() < 0.5:
            kwargs["num_stable_steps"] = rnd.randint(0, 6)
        return kwargs
    return {}


def _intervals(rnd: random.Random, args: dict[str, Any]) -> None:
    def interval() -> float | int:
        return rnd.choice([rnd.randint(1, 7), rnd.randint(1, 7), rnd.choice([0.1, 0.25, 0.3, 0.5])])

    args["logging_strategy"] = rnd.choice(["steps", "steps", "epoch", "no"])
    args["logging_steps"] = interval()
    if rnd.random() < 0.3:
        args["logging_first_step"] = True
    args["eval_strategy"] = rnd.choice(["no", "steps", "steps", "epoch"])
    if args["eval_strategy"] == "steps":
        args["eval_steps"] = rnd.choice([interval(), interval(), None, 0])
        if args["eval_steps"] is None:
            del args["eval_steps"]
    if rnd.random() < 0.25:
        args["eval_delay"] = rnd.choice([1, 2, 3, 0.5, 1.5])
    if rnd.random() < 0.25:
        args["eval_on_start"] = True
    args["save_strategy"] = rnd.choice(["no", "steps", "steps", "epoch"])
    if args["save_strategy"] == "steps":
        args["save_steps"] = interval()


def prepare() -> None:
    """Quiet the Trainer's per-run warnings (empty epochs, no checkpoint), and move the objects the
    imports made out of the collector's reach: the Trainer calls ``gc.collect()`` at every
    ``train()``, which otherwise walks torch's and transformers' whole heap each time (1.6 s)."""
    import gc

    gc.collect()
    gc.freeze()
    for name in ("transformers.trainer", "transformers.training_args", "transformers.trainer_utils"):
        logging.getLogger(name).setLevel(logging.ERROR)
