"""Every learning-rate schedule against transformers' own scheduler objects, step by step."""

from __future__ import annotations

import warnings

import pytest

from sftlint.plan.schedules import learning_rates

torch = pytest.importorskip("torch")
optimization = pytest.importorskip("transformers.optimization")

SCHEDULES = [
    ("linear", {}),
    ("cosine", {}),
    ("cosine", {"num_cycles": 1.5}),
    ("cosine_with_restarts", {}),
    ("cosine_with_restarts", {"num_cycles": 3}),
    ("polynomial", {}),
    ("polynomial", {"power": 0.5, "lr_end": 1e-5}),
    ("constant", {}),
    ("constant_with_warmup", {}),
    ("inverse_sqrt", {}),
    ("inverse_sqrt", {"timescale": 5}),
    ("cosine_with_min_lr", {"min_lr_rate": 0.1}),
    ("cosine_with_min_lr", {"min_lr": 2e-4}),
    ("cosine_warmup_with_min_lr", {"min_lr_rate": 0.05}),
    ("cosine_warmup_with_min_lr", {"min_lr": 1e-4, "warmup_lr_rate": 0.2}),
    ("warmup_stable_decay", {"num_decay_steps": 3}),
    ("warmup_stable_decay", {"num_decay_steps": 4, "warmup_type": "cosine", "decay_type": "1-sqrt",
                             "min_lr_ratio": 0.1}),
    ("warmup_stable_decay", {"num_decay_steps": 2, "num_stable_steps": 2, "decay_type": "linear"}),
]
LR = 1e-3


def trainer_curve(name: str, warmup: int, total: int, kwargs: dict) -> list[float]:
    """The lr each optimizer step runs with, from transformers' scheduler on a real optimizer."""
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=LR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scheduler = optimization.get_scheduler(name, optimizer, num_warmup_steps=warmup, num_training_steps=total,
                                               scheduler_specific_kwargs=dict(kwargs))
        out = []
        for _ in range(total):
            out.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            scheduler.step()
    return out


@pytest.mark.parametrize(("name", "kwargs"), SCHEDULES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(SCHEDULES)])
def test_schedule_matches_transformers(name, kwargs):
    for total in (1, 2, 7, 20):
        for warmup in (0, 1, 3, 9):
            if name == "warmup_stable_decay" and warmup + kwargs["num_decay_steps"] > total:
                continue
            if name == "polynomial" and warmup >= total:
                continue  # transformers divides by zero there too
            expected = trainer_curve(name, warmup, total, kwargs)
            planned, why = learning_rates(name, LR, warmup, total, kwargs)
            assert why is None
            assert planned == pytest.approx(expected, rel=1e-9, abs=1e-15), (name, warmup, total)


def test_first_step_of_a_linear_warmup_has_lr_zero():
    planned, _ = learning_rates("linear", 2e-3, 3, 10)
    assert planned[:4] == pytest.approx([0.0, 2e-3 / 3, 4e-3 / 3, 2e-3])


@pytest.mark.parametrize(("name", "kwargs"), [
    ("cosine_with_min_lr", {}),
    ("cosine_with_min_lr", {"min_lr": 1e-5, "min_lr_rate": 0.1}),
    ("warmup_stable_decay", {}),
    ("polynomial", {"lr_end": 1.0}),
    ("cosine", {"not_an_argument": 1}),
])
def test_schedules_the_trainer_refuses_have_no_curve(name, kwargs):
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=LR)
    with pytest.raises((ValueError, TypeError)):
        optimization.get_scheduler(name, optimizer, num_warmup_steps=1, num_training_steps=10,
                                   scheduler_specific_kwargs=dict(kwargs))
    planned, why = learning_rates(name, LR, 1, 10, kwargs)
    assert planned is None and why


@pytest.mark.parametrize("name", ["reduce_lr_on_plateau", "greedy", "no_such_schedule"])
def test_adaptive_and_unknown_schedules_have_no_curve(name):
    planned, why = learning_rates(name, LR, 0, 10)
    assert planned is None and why
