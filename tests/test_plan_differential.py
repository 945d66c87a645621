"""The plan against transformers' real Trainer, on hundreds of random settings and on every case
where the two once differed.

``test_random_settings_match_the_trainer`` draws 300 settings (batch, accumulation, epochs
including fractions, ``max_steps`` including 0, every schedule with its kwargs, warmup as steps
and as a ratio, ``dataloader_drop_last``, every interval strategy with whole and fractional
intervals, ``eval_delay``, ``eval_on_start``, ``logging_first_step``) and compares total steps,
warmup, the lr of every step and the steps of every log, evaluation and checkpoint, or the
exception the Trainer raises. The draws are seeded: ``SFTLINT_DIFF_SEED=N`` starts them at another
seed, and a failure names the seeds that reproduce it. A model of four numbers keeps one run to
about 0.1 s on one core.
"""

from __future__ import annotations

import os

import pytest

pytest.importorskip("transformers")
pytestmark = pytest.mark.slow

import trainer_diff  # noqa: E402

CONFIGS_PER_RUN = 300


@pytest.fixture(scope="module", autouse=True)
def _prepared():
    trainer_diff.prepare()


def test_random_settings_match_the_trainer():
    base = int(os.environ.get("SFTLINT_DIFF_SEED", "0"))
    failures = []
    for seed in range(base, base + CONFIGS_PER_RUN):
        n, arguments = trainer_diff.random_case(seed)
        diffs = trainer_diff.compare(n, arguments, trainer_diff.run_trainer(n, arguments))
        if diffs:
            failures.append(f"seed {seed}: {n} examples, {arguments}: {'; '.join(diffs[:3])}")
    assert not failures, f"{len(failures)} of {CONFIGS_PER_RUN} differ:\n" + "\n".join(failures[:10])


# Each case once differed between the plan and the Trainer: (examples, TrainingArguments, what the Trainer does)
REGRESSIONS = {
    "drop-last-halves-the-batches": (9, dict(per_device_train_batch_size=8, num_train_epochs=3,
                                             dataloader_drop_last=True), {"steps": 3}),
    "drop-last-with-no-full-batch-raises": (5, dict(per_device_train_batch_size=8, dataloader_drop_last=True),
                                            {"raised": "ValueError"}),
    "drop-last-with-no-full-batch-and-max-steps-stops-at-0": (
        5, dict(per_device_train_batch_size=8, dataloader_drop_last=True, max_steps=4, save_strategy="epoch",
                logging_strategy="epoch"), {"steps": 0, "saved": [0], "logged": []}),
    "empty-run-evaluates-twice-at-step-0": (
        3, dict(per_device_train_batch_size=6, dataloader_drop_last=True, max_steps=8, eval_strategy="epoch",
                eval_on_start=True), {"steps": 0, "evaluated": [0, 0]}),
    "logging-first-step": (12, dict(per_device_train_batch_size=4, max_steps=3, logging_steps=2,
                                    logging_first_step=True), {"logged": [1, 2]}),
    "logging-first-step-without-a-strategy": (12, dict(per_device_train_batch_size=4, logging_strategy="no",
                                                       logging_first_step=True), {"logged": [1]}),
    "logging-strategy-epoch": (4, dict(per_device_train_batch_size=4, num_train_epochs=2, logging_strategy="epoch"),
                               {"logged": [1, 2]}),
    "logging-strategy-no": (8, dict(per_device_train_batch_size=4, logging_strategy="no", logging_steps=1),
                            {"logged": []}),
    "eval-on-start-with-epoch-strategy": (4, dict(per_device_train_batch_size=4, num_train_epochs=1,
                                                  eval_strategy="epoch", eval_on_start=True), {"evaluated": [0, 1]}),
    "eval-delay-in-epochs": (8, dict(per_device_train_batch_size=4, num_train_epochs=2, eval_strategy="epoch",
                                     eval_delay=2), {"evaluated": [4]}),
    "eval-delay-in-steps": (8, dict(per_device_train_batch_size=2, num_train_epochs=1, eval_strategy="steps",
                                    eval_steps=1, eval_delay=2), {"evaluated": [2, 3, 4]}),
    "eval-steps-0-falls-back-to-logging-steps": (16, dict(per_device_train_batch_size=4, num_train_epochs=1,
                                                          eval_strategy="steps", eval_steps=0, logging_steps=2),
                                                 {"evaluated": [2, 4]}),
    "max-steps-0-takes-one-step-at-lr-0": (8, dict(per_device_train_batch_size=4, max_steps=0, save_strategy="steps",
                                                   learning_rate=1e-3), {"steps": 1, "lrs": [0.0], "saved": [1]}),
    "max-steps-0-with-fractional-logging-divides-by-zero": (8, dict(per_device_train_batch_size=4, max_steps=0,
                                                                    logging_steps=0.5),
                                                            {"raised": "ZeroDivisionError"}),
    "polynomial-warmup-equal-to-total-divides-by-zero": (16, dict(per_device_train_batch_size=4, num_train_epochs=1,
                                                                  lr_scheduler_type="polynomial", warmup_steps=4),
                                                         {"raised": "ZeroDivisionError"}),
    "max-steps-0-runs-every-epoch-of-the-fraction": (8, dict(per_device_train_batch_size=4, max_steps=0,
                                                             num_train_epochs=0.5, lr_scheduler_type="cosine"),
                                                     {"steps": 1}),
}


@pytest.mark.parametrize("case", sorted(REGRESSIONS))
def test_regression_case(case):
    n, arguments, expected = REGRESSIONS[case]
    seen = trainer_diff.run_trainer(n, dict(arguments))
    for key, value in expected.items():
        assert seen.get(key) == value, f"the Trainer itself changed: {key} {seen.get(key)!r}, recorded {value!r}"
    assert trainer_diff.compare(n, dict(arguments), seen) == []
