"""``sftlint plan`` from the command line on real config files with local data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HF = """\
# sftlint: dialect=hf
# sftlint: num-examples=100
output_dir: out
learning_rate: 0.002
per_device_train_batch_size: 4
gradient_accumulation_steps: 3
num_train_epochs: 2
warmup_steps: 3
save_steps: 5
"""

TRL = """\
model_name_or_path: Qwen/Qwen2.5-0.5B
dataset_name: data/train.jsonl
learning_rate: 0.0002
per_device_train_batch_size: 4
gradient_accumulation_steps: 3
num_train_epochs: 2
warmup_steps: 0.1
lr_scheduler_type: cosine
use_peft: true
"""


def plan(path: Path, *extra: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sftlint", "plan", str(path), *extra], capture_output=True,
                          text=True, cwd=cwd, timeout=60)


@pytest.fixture
def project(tmp_path) -> Path:
    (tmp_path / "configs" / "data").mkdir(parents=True)
    rows = "".join(json.dumps({"text": f"example {i}"}) + "\n" for i in range(101))
    (tmp_path / "configs" / "data" / "train.jsonl").write_text(rows)
    (tmp_path / "configs" / "hf.yaml").write_text(HF)
    (tmp_path / "configs" / "trl.yaml").write_text(TRL)
    return tmp_path


def test_json_plan_of_an_hf_config_with_a_size_comment(project):
    done = plan(project / "configs" / "hf.yaml", "--output-format", "json", cwd=project)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["dialect"] == "hf"
    assert (out["world_size"], out["effective_batch_size"], out["num_examples"]) == (1, 12, 100)
    assert (out["steps_per_epoch"], out["total_steps"], out["warmup_steps"]) == (9, 18, 3)
    assert out["lr_schedule"][:4] == pytest.approx([0.0, 2e-3 / 3, 4e-3 / 3, 2e-3])
    assert len(out["lr_schedule"]) == 18
    assert out["save_steps"] == {"count": 4, "progression": {"first": 5, "last": 15, "every": 5}, "also": [18]}
    assert out["sources"]["num_examples"] == "100 (comment on line 2)"


def test_json_plan_counts_a_local_dataset_relative_to_the_config(project):
    """The data path is relative to the config's folder, not the folder sftlint runs in."""
    done = plan(project / "configs" / "trl.yaml", "--output-format", "json", "--world-size", "2", cwd=project)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["dialect"] == "trl" and out["num_examples"] == 101
    assert "train.jsonl" in out["num_examples_source"]
    # 101 rows, batch 4: 26 batches shared by 2 ranks -> 13 each -> 5 steps an epoch (GA 3) -> 10 steps
    assert (out["effective_batch_size"], out["steps_per_epoch"], out["total_steps"]) == (24, 5, 10)
    assert out["warmup_steps"] == 1  # ceil(0.1 x 10)
    assert out["sources"]["world_size"] == "2 (from --world-size)"
    assert out["lr_schedule"][0] == 0.0 and max(out["lr_schedule"]) == pytest.approx(2e-4)


def test_table_shows_inputs_derived_figures_and_the_curve(project):
    done = plan(project / "configs" / "hf.yaml", cwd=project)
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert "learning_rate                0.002 (set as 'learning_rate')" in text
    assert "total steps        18" in text
    assert "step 4 (peak)" in text and "step 18" in text


def test_unknown_dataset_size_gives_nulls_and_a_note(project):
    (project / "configs" / "hub.yaml").write_text(TRL.replace("data/train.jsonl", "tatsu-lab/alpaca"))
    done = plan(project / "configs" / "hub.yaml", "--output-format", "json", cwd=project)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["num_examples"] is None and out["total_steps"] is None and out["lr_schedule"] is None
    assert "Hub dataset" in out["num_examples_source"]
