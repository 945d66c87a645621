"""TV003 against the real argument classes: for each config below, the rule reports exactly when
transformers 5.17's ``TrainingArguments`` (or TRL's ``ModelConfig``) raises building it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sftlint.document import parse_document
from sftlint.lint.engine import lint_document
from sftlint.plugin.loading import build_registry
from sftlint.settings.resolver import Settings

pytest.importorskip("transformers")
pytest.importorskip("trl")
pytestmark = pytest.mark.slow

CONFIGS = [
    {"logging_steps": 0}, {"logging_steps": 0, "logging_strategy": "epoch"}, {"logging_steps": 10.5},
    {"logging_steps": 0.5}, {"eval_steps": 10.5}, {"eval_steps": 10.5, "eval_strategy": "steps"},
    {"save_steps": 12.5}, {"save_steps": 12.5, "save_strategy": "epoch"}, {"save_steps": 0.25},
    {"lr_scheduler_type": "reduce_lr_on_plateau"}, {"lr_scheduler_type": "greedy"},
    {"lr_scheduler_type": "reduce_lr_on_plateau", "eval_strategy": "epoch"}, {"warmup_steps": -1},
    {"warmup_steps": 0.1}, {"dataloader_prefetch_factor": 2},
    {"dataloader_prefetch_factor": 2, "dataloader_num_workers": 2}, {"fp16_full_eval": True, "bf16_full_eval": True},
    {"fp16_full_eval": True}, {"torch_empty_cache_steps": 0}, {"torch_empty_cache_steps": 10}, {},
    {"eval_strategy": "steps", "logging_steps": 0, "logging_strategy": "epoch"},
    {"eval_strategy": "steps", "eval_steps": 5, "logging_steps": 0, "logging_strategy": "epoch"},
    {"fsdp": "full_shard auto_wrap"}, {"fsdp": "hybrid_shard auto_wrap"}, {"fsdp": "hybrid_shard", "fsdp_config": {"version": 1}},
    {"fsdp": "full_shard wrap"}, {"fsdp": ["shard_grad_op", "offload"]},
    {"fsdp": "full_shard", "fsdp_config": {"fsdp_auto_wrap_policy": "SIZE_BASED"}},
    {"fsdp": "full_shard", "fsdp_config": {"auto_wrap_policy": "NO_WRAP"}},
]
MODEL_CONFIGS = [{"load_in_4bit": True, "load_in_8bit": True}, {"load_in_4bit": True}, {}]
#: TRL trainer configs: the class, and settings (one that marks the trainer to sftlint comes first)
TRAINER_CONFIGS = [
    ["DPOConfig", {"beta": 0.1, "loss_type": ["sigmoid", "sft"], "loss_weights": [1.0]}],
    ["DPOConfig", {"beta": 0.1, "loss_type": ["sigmoid", "sft"], "loss_weights": [1.0, 0.5]}],
    ["DPOConfig", {"beta": 0.1, "loss_weights": [1.0, 0.5]}],
    ["GRPOConfig", {"num_generations": 4, "per_device_train_batch_size": 4, "auto_find_batch_size": True}],
    ["GRPOConfig", {"num_generations": 4, "per_device_train_batch_size": 4, "log_completions_hub_repo": "me/logs"}],
    ["GRPOConfig", {"num_generations": 4, "per_device_train_batch_size": 4, "log_completions_hub_repo": "me/logs",
                    "log_completions": True}],
    ["GRPOConfig", {"num_generations": 4, "per_device_train_batch_size": 4, "vllm_importance_sampling_clip_min": 3.0}],
    ["GRPOConfig", {"num_generations": 4, "per_device_train_batch_size": 4, "vllm_importance_sampling_clip_min": 0.5}],
    ["GRPOConfig", {"num_generations": 4, "per_device_train_batch_size": 4,
                    "vllm_importance_sampling_mode": "token_truncate", "vllm_importance_sampling_clip_max": None}],
    ["GRPOConfig", {"num_generations": 4, "per_device_train_batch_size": 4,
                    "vllm_importance_sampling_mode": "token_truncate", "vllm_importance_sampling_clip_max": None,
                    "vllm_importance_sampling_clip_min": None}],
    ["GRPOConfig", {"num_generations": 4, "per_device_train_batch_size": 4,
                    "vllm_importance_sampling_mode": "token_truncate"}],
]

PROBE = """
import json, sys, tempfile, warnings
warnings.simplefilter("ignore")
from transformers import TrainingArguments
from trl import ModelConfig
import trl
configs, model_configs, trainer_configs = json.load(sys.stdin)
out = {"args": [], "model": [], "trainer": []}
with tempfile.TemporaryDirectory() as d:
    for c in configs:
        try:
            TrainingArguments(output_dir=d, **c); out["args"].append(False)
        except ValueError:
            out["args"].append(True)
for c in model_configs:
    try:
        ModelConfig(**c); out["model"].append(False)
    except ValueError:
        out["model"].append(True)
with tempfile.TemporaryDirectory() as d:
    for name, c in trainer_configs:
        try:
            getattr(trl, name)(output_dir=d, use_cpu=True, **c); out["trainer"].append(False)
        except ValueError:
            out["trainer"].append(True)
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def real() -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE], input=json.dumps([CONFIGS, MODEL_CONFIGS, TRAINER_CONFIGS]), text=True,
                          capture_output=True, timeout=300, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _reported(dialect: str, head: str, values: dict) -> bool:
    text = f"# sftlint: dialect={dialect}\n{head}" + "".join(f"{k}: {json.dumps(v)}\n" for k, v in values.items())
    result = lint_document(parse_document(Path("config.yaml"), text), Settings(select=["TV003"]), build_registry())
    return any(f.code == "TV003" for f in result.findings)


def test_tv003_reports_exactly_what_training_arguments_refuse(real):
    disagree = [(c, r) for c, r in zip(CONFIGS, real["args"]) if _reported("hf", "output_dir: out\n", c) != r]
    assert not disagree, disagree
    assert any(real["args"]) and not all(real["args"])


def test_tv003_reports_exactly_what_trl_model_config_refuses(real):
    disagree = [(c, r) for c, r in zip(MODEL_CONFIGS, real["model"])
                if _reported("trl", "model_name_or_path: m\n", c) != r]
    assert not disagree, disagree
    assert real["model"][0] is True


def test_tv003_reports_exactly_what_trl_trainer_configs_refuse(real):
    disagree = [(c, r) for c, r in zip(TRAINER_CONFIGS, real["trainer"])
                if _reported("trl", "model_name_or_path: m\nuse_cpu: true\n", c[1]) != r]
    assert not disagree, disagree
    assert any(real["trainer"]) and not all(real["trainer"])
