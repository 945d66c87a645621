"""What axolotl and LLaMA-Factory hand the Trainer, read from real-looking config files.

Each expectation follows the tool's own source (axolotl 067b021 ``core/builders/base.py``,
``utils/config/__init__.py``; LLaMA-Factory ff6d4d1 ``train/trainer_utils.py``)."""

from __future__ import annotations

import textwrap

import pytest

from sftlint.dialects.axolotl import Axolotl
from sftlint.dialects.llamafactory import LlamaFactory
from sftlint.document import parse_document
from sftlint.lint.engine import apply_hints
from sftlint.plan.build import build_plan
from sftlint.settings.resolver import Settings


def plan_of(dialect, text: str, tmp_path, examples: int):
    path = tmp_path / "train.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    settings = Settings(num_examples=examples)
    config = dialect.read(parse_document(path, path.read_text()))
    apply_hints(config, settings)
    return build_plan(config, settings)


AXOLOTL = """\
base_model: tiny
adapter: lora
micro_batch_size: 4
gradient_accumulation_steps: 1
num_epochs: 1
"""


def test_axolotl_raises_an_explicit_warmup_of_one_to_two(tmp_path):
    plan = plan_of(Axolotl(), AXOLOTL + "warmup_steps: 1\n", tmp_path, 40)
    assert plan.total_steps == 10 and plan.warmup_steps == 2
    assert plan.lr_schedule[1] == pytest.approx(plan.learning_rate / 2)


def test_axolotl_takes_warmup_from_its_own_count_when_max_steps_is_larger(tmp_path):
    # 400 examples, batch 4: axolotl counts 100 steps; max_steps 500 runs, warmup is int(0.1 x 100)
    plan = plan_of(Axolotl(), AXOLOTL + "max_steps: 500\nwarmup_ratio: 0.1\n", tmp_path, 400)
    assert plan.total_steps == 500 and plan.warmup_steps == 10
    assert plan.sources["logging_steps"].startswith("1 ")  # max(min(int(0.005 x 100), 10), 1)


def test_axolotl_takes_warmup_from_max_steps_when_that_is_smaller(tmp_path):
    # axolotl's prepare_datasets keeps min(its count, max_steps): 100 counted, 40 written -> int(0.1 x 40)
    plan = plan_of(Axolotl(), AXOLOTL + "max_steps: 40\nwarmup_ratio: 0.1\n", tmp_path, 400)
    assert plan.total_steps == 40 and plan.warmup_steps == 4


def test_axolotl_saves_and_evals_per_epoch_become_fractions_of_the_run(tmp_path):
    text = AXOLOTL + "num_epochs: 2\nsaves_per_epoch: 2\nevals_per_epoch: 4\nval_set_size: 0.1\n"
    plan = plan_of(Axolotl(), text.replace("num_epochs: 1\n", ""), tmp_path, 80)
    # 20 steps an epoch, 40 in all: save every ceil(40 x 1/4) = 10, evaluate every ceil(40 x 1/8) = 5
    assert plan.total_steps == 40
    assert plan.save_steps == [10, 20, 30, 40]
    assert plan.eval_steps == [0, 5, 10, 15, 20, 25, 30, 35, 40]  # eval_steps also turns on eval_on_start


def test_axolotl_eval_steps_without_a_strategy_turn_on_the_steps_strategy(tmp_path):
    plan = plan_of(Axolotl(), AXOLOTL + "eval_steps: 4\nval_set_size: 0.05\n", tmp_path, 40)
    assert plan.eval_steps == [0, 4, 8, 10]
    without_eval_data = plan_of(Axolotl(), AXOLOTL + "eval_steps: 4\n", tmp_path, 40)
    assert without_eval_data.eval_steps == []


def test_axolotl_qlora_defaults_to_double_quantisation(tmp_path):
    path = tmp_path / "q.yaml"
    path.write_text(AXOLOTL.replace("adapter: lora", "adapter: qlora") + "load_in_4bit: true\n")
    config = Axolotl().read(parse_document(path, path.read_text()))
    assert config.value("bnb_4bit_use_double_quant") is True


def test_llamafactory_fills_warmup_stable_decay_steps(tmp_path):
    text = """\
    stage: sft
    finetuning_type: lora
    per_device_train_batch_size: 1
    num_train_epochs: 1
    warmup_steps: 4
    lr_scheduler_type: warmup_stable_decay
    """
    plan = plan_of(LlamaFactory(), text, tmp_path, 20)
    # 20 steps, 4 of warmup: 16 remain, 5 stay at the peak and 11 decay (the first decay step is still the peak)
    assert plan.lr_scheduler_kwargs == {"num_stable_steps": 5, "num_decay_steps": 11}
    assert plan.lr_schedule[4:10] == [plan.learning_rate] * 6 and plan.lr_schedule[10] < plan.learning_rate
