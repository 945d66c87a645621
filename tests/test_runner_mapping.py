"""One mapping from the plan to the Trainer, checked against the real Trainer for every dialect.

Each test writes a config in a dialect's own keys, builds the recipe the runner would, and has the
worker build the real model (4-bit through bitsandbytes where asked), PEFT adapter and TRL
``SFTTrainer`` without training (``prepare_only``). What the Trainer was set up to do is read back
from it (its own ``set_initial_training_values`` and ``get_warmup_steps``, the rows it holds, the
adapter's and the quantisation's configs) and compared with the linter's plan.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from sftlint.runner import checks, worker
from sftlint.runner.plan_source import load_plan
from sftlint.runner.recipe import build_recipe, config_values
from sftlint.runner.smoke_plan import make_smoke_plan
from sftlint.runner.synthetic_data import write_jsonl
from sftlint.runner.synthetic_model import ensure_model

pytestmark = pytest.mark.slow
pytest.importorskip("trl")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> str:
    return str(ensure_model("synthetic:tiny", tmp_path_factory.mktemp("models")))


def trainer_setup(config_path: Path, tiny: str, out: Path, mode: str = "full", extra: dict | None = None):
    """(plan, facts): the plan the run is checked against and what the real Trainer was set up to do."""
    config, plan = load_plan(config_path)
    values = {**config_values(config), **(extra or {})}
    expected = plan if mode == "full" else make_smoke_plan(plan, values, 10)
    recipe = build_recipe(values, expected, mode=mode, backend="hf", base_model=tiny, model_label="synthetic:tiny",
                          output_dir=out, config_dir=config_path.parent, run_id="mapping", dialect=plan.dialect)
    recipe.prepare_only = True
    out.mkdir()
    assert worker.run(recipe.write(out / "recipe.json")) == 0, (out / "worker.json").read_text()
    facts = json.loads((out / "trainer_args.json").read_text())
    check = checks.trainer_arguments(facts, expected, mode)
    assert check.passed, check.message
    return expected, facts


def assert_schedule(plan, facts):
    """The figures the lr check depends on, one by one, so a failure names the figure."""
    assert facts["total_steps"] == plan.total_steps
    assert facts["warmup_steps"] == plan.warmup_steps
    assert facts["learning_rate"] == plan.learning_rate
    assert facts["lr_scheduler_type"] == plan.lr_scheduler_type
    assert facts["per_device_train_batch_size"] == plan.per_device_batch_size
    assert facts["gradient_accumulation_steps"] == plan.gradient_accumulation_steps


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_axolotl_qlora_with_warmup_ratio_and_a_validation_split(tiny, tmp_path):
    write_jsonl(tmp_path / "train.jsonl", 90)
    config = write(tmp_path / "axolotl.yml", """\
        base_model: meta-llama/Llama-3.2-1B
        adapter: qlora
        load_in_4bit: true
        lora_r: 4
        lora_alpha: 8
        lora_dropout: 0.1
        lora_target_linear: true
        datasets:
          - path: train.jsonl
            type: chat_template
        val_set_size: 0.1
        sequence_len: 128
        micro_batch_size: 2
        gradient_accumulation_steps: 3
        num_epochs: 2
        learning_rate: 0.0002
        lr_scheduler: cosine
        warmup_ratio: 0.1
        """)
    plan, facts = trainer_setup(config, tiny, tmp_path / "run")
    # 90 rows, 9 held out -> 81; axolotl: ceil(81 x 2 / 6) = 27 steps, warmup int(0.1 x 27) = 2
    assert (plan.num_examples, plan.total_steps, plan.warmup_steps) == (81, 27, 2)
    assert facts["train_rows"] == 81 and facts["max_steps_argument"] == 27 and facts["warmup_steps_argument"] == 2
    assert_schedule(plan, facts)
    assert facts["lora"]["r"] == 4 and facts["lora"]["lora_alpha"] == 8 and facts["lora"]["lora_dropout"] == 0.1
    assert len(facts["lora"]["target_modules"]) == 14  # every linear projection of both layers
    # axolotl's qlora loader quantises nf4 with double quantisation
    assert facts["quantization"]["load_in_4bit"] is True
    assert facts["quantization"]["bnb_4bit_quant_type"] == "nf4"
    assert facts["quantization"]["bnb_4bit_use_double_quant"] is True


def test_axolotl_smoke_run_with_sample_packing_keeps_the_warmup_ratio(tiny, tmp_path):
    write_jsonl(tmp_path / "train.jsonl", 40)
    config = write(tmp_path / "axolotl.yml", """\
        base_model: meta-llama/Llama-3.2-1B
        adapter: lora
        lora_target_linear: true
        datasets:
          - path: train.jsonl
            type: chat_template
        sample_packing: true
        micro_batch_size: 2
        gradient_accumulation_steps: 1
        num_epochs: 1
        learning_rate: 0.0002
        lr_scheduler: linear
        warmup_ratio: 0.1
        """)
    plan, facts = trainer_setup(config, tiny, tmp_path / "run", mode="smoke")
    assert plan.warmup_steps == 1 and facts["warmup_steps"] == 1  # 0.1 of 10 steps, not 0
    assert any(n.startswith("smoke run: 10 steps, warmup 1 (warmup_ratio 0.1") for n in plan.notes)
    assert_schedule(plan, facts)


def test_llamafactory_caps_each_dataset_then_holds_out_val_size(tiny, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    write_jsonl(data / "a.jsonl", 30)
    write_jsonl(data / "b.jsonl", 12, seed=1)
    (data / "dataset_info.json").write_text(json.dumps({"a": {"file_name": "a.jsonl", "formatting": "sharegpt"},
                                                        "b": {"file_name": "b.jsonl", "formatting": "sharegpt"}}))
    config = write(tmp_path / "lf.yaml", """\
        model_name_or_path: meta-llama/Llama-3.2-1B
        stage: sft
        do_train: true
        finetuning_type: lora
        quantization_bit: 4
        lora_rank: 8
        lora_target: all
        dataset: a,b
        dataset_dir: data
        template: llama3
        max_samples: 20
        val_size: 0.1
        cutoff_len: 128
        per_device_train_batch_size: 2
        gradient_accumulation_steps: 1
        num_train_epochs: 1.0
        learning_rate: 1.0e-4
        lr_scheduler_type: cosine
        warmup_ratio: 0.1
        """)
    plan, facts = trainer_setup(config, tiny, tmp_path / "run")
    # min(30, 20) + min(12, 20) = 32 rows; val_size 0.1 holds out ceil(3.2) = 4 -> 28 rows, 14 steps
    assert (plan.num_examples, plan.total_steps, plan.warmup_steps) == (28, 14, 2)
    assert facts["train_rows"] == 28 and facts["batches_per_epoch"] == 14
    assert facts["warmup_steps_argument"] == 0.1  # warmup_ratio reaches the Trainer, which rounds it up
    assert_schedule(plan, facts)
    assert facts["quantization"]["bnb_4bit_use_double_quant"] is True  # LLaMA-Factory's double_quantization


def test_trl_warmup_ratio_and_no_nested_quant(tiny, tmp_path):
    write_jsonl(tmp_path / "train.jsonl", 50)
    config = write(tmp_path / "trl.yaml", """\
        model_name_or_path: Qwen/Qwen2.5-0.5B
        use_peft: true
        load_in_4bit: true
        lora_r: 8
        lora_alpha: 16
        lora_target_modules: [q_proj, v_proj]
        datasets:
          - path: json
            data_files: train.jsonl
        max_length: 128
        per_device_train_batch_size: 4
        gradient_accumulation_steps: 2
        num_train_epochs: 2
        learning_rate: 2.0e-4
        lr_scheduler_type: linear
        warmup_ratio: 0.2
        """)
    plan, facts = trainer_setup(config, tiny, tmp_path / "run")
    # 50 rows / 4 = 13 batches, ceil(13 / 2) = 7 steps per epoch, 14 in all; warmup ceil(0.2 x 14) = 3
    assert (plan.total_steps, plan.warmup_steps) == (14, 3)
    assert facts["warmup_steps_argument"] == 0.2 and facts["max_steps_argument"] == -1
    assert_schedule(plan, facts)
    assert facts["lora"]["target_modules"] == ["q_proj", "v_proj"]
    assert facts["quantization"]["bnb_4bit_use_double_quant"] is False  # TRL: only with use_bnb_nested_quant


def test_full_run_drops_the_last_partial_batch_as_the_plan_does(tiny, tmp_path):
    write_jsonl(tmp_path / "train.jsonl", 50)
    config = write(tmp_path / "trl.yaml", """\
        model_name_or_path: Qwen/Qwen2.5-0.5B
        use_peft: true
        datasets:
          - path: json
            data_files: train.jsonl
        max_length: 128
        per_device_train_batch_size: 4
        gradient_accumulation_steps: 1
        num_train_epochs: 1
        learning_rate: 2.0e-4
        dataloader_drop_last: true
        """)
    plan, facts = trainer_setup(config, tiny, tmp_path / "run")
    # 50 rows in batches of 4: 12 full batches, the 2 rows left are dropped (13 steps without it)
    assert (plan.dataloader_drop_last, plan.batches_per_epoch, plan.total_steps) == (True, 12, 12)
    assert facts["dataloader_drop_last"] is True
    assert (facts["batches_per_epoch"], facts["total_steps"]) == (12, 12)
    assert_schedule(plan, facts)


def test_unsloth_studio_config(tiny, tmp_path):
    write_jsonl(tmp_path / "train.jsonl", 24)
    config = write(tmp_path / "unsloth.yaml", """\
        model: unsloth/Llama-3.2-1B-Instruct
        data:
          dataset: train.jsonl
        training:
          training_type: lora
          max_seq_length: 128
          batch_size: 2
          gradient_accumulation_steps: 2
          num_epochs: 3
          learning_rate: 2.0e-4
          lr_scheduler_type: linear
          warmup_steps: 2
        lora:
          lora_r: 8
          lora_alpha: 8
          target_modules: q_proj,k_proj
        """)
    plan, facts = trainer_setup(config, tiny, tmp_path / "run")
    assert (plan.total_steps, plan.warmup_steps) == (18, 2)  # 12 batches, 6 steps an epoch, 3 epochs
    assert_schedule(plan, facts)
    assert facts["lora"]["r"] == 8 and facts["lora"]["target_modules"] == ["k_proj", "q_proj"]


def test_training_arguments_file_with_warmup_ratio(tiny, tmp_path):
    """A plain TrainingArguments file: the script that reads it supplies data and adapter."""
    data = write_jsonl(tmp_path / "train.jsonl", 30)
    config = write(tmp_path / "args.yaml", """\
        # sftlint: dialect=hf
        # sftlint: num-examples=30
        output_dir: out
        learning_rate: 3.0e-4
        lr_scheduler_type: cosine
        warmup_ratio: 0.25
        per_device_train_batch_size: 4
        gradient_accumulation_steps: 1
        num_train_epochs: 1
        """)
    plan, facts = trainer_setup(config, tiny, tmp_path / "run",
                                extra={"finetuning_type": "lora", "datasets": [{"path": str(data)}]})
    assert (plan.total_steps, plan.warmup_steps) == (8, 2)  # ceil(30 / 4) = 8; ceil(0.25 x 8) = 2
    assert_schedule(plan, facts)
