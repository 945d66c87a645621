"""The memory estimate: the logits term with and without a loss that holds them a chunk at a time,
checked against the peaks a real H200 measured (bench/RESULTS.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sftlint.runner.memory import estimate_bytes
from sftlint.runner.plan_source import load_plan

MIB = 2**20
#: synthetic:1b: Llama-3.2-1B's body with a 32k vocabulary, embeddings tied.
SHAPE = {"model_type": "llama", "hidden_size": 2048, "intermediate_size": 8192, "num_hidden_layers": 16,
         "num_attention_heads": 32, "num_key_value_heads": 8, "vocab_size": 32768, "tie_word_embeddings": True}
#: The runner benchmark's config: QLoRA r=16 on every linear layer, batch 4 x 1024, checkpointing.
BENCH = """\
# sftlint: dialect=axolotl
base_model: ./model
adapter: qlora
load_in_4bit: true
lora_r: 16
lora_alpha: 32
lora_target_modules: [q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj]
sequence_len: 1024
micro_batch_size: 4
gradient_accumulation_steps: 1
max_steps: 35
learning_rate: 0.0002
optimizer: adamw_torch
bf16: true
gradient_checkpointing: true
"""
FULL_LOGITS = 4096 * 32768 * 10
CHUNKED_LOGITS = 256 * 32768 * 10  # 4096 tokens / ceil(32768 / 2048) = 256 rows at a time


def memory_of(tmp_path: Path, text: str, name: str = "train.yaml"):
    (tmp_path / "model").mkdir(exist_ok=True)
    (tmp_path / "model" / "config.json").write_text(json.dumps(SHAPE))
    path = tmp_path / name
    path.write_text(text)
    return load_plan(path, num_examples=1000)[1]


def test_a_plain_loss_holds_every_logit(tmp_path):
    plan = memory_of(tmp_path, BENCH)
    assert plan.memory["fused_loss"] is None
    assert plan.memory["logits_bytes"] == FULL_LOGITS
    assert plan.memory["chunked_logits"] == CHUNKED_LOGITS


@pytest.mark.parametrize("extra, name, fused", [
    ("plugins: [axolotl.integrations.cut_cross_entropy.CutCrossEntropyPlugin]\n", "train.yaml", "Cut Cross Entropy"),
    ("plugins: [axolotl.integrations.liger.LigerPlugin]\nliger_fused_linear_cross_entropy: true\n", "train.yaml",
     "Liger's fused linear cross-entropy"),
])
def test_axolotl_integrations_chunk_the_logits(tmp_path, extra, name, fused):
    plan = memory_of(tmp_path, BENCH + extra, name)
    assert plan.memory["fused_loss"] == fused
    assert plan.memory["logits_bytes"] == CHUNKED_LOGITS
    plain = memory_of(tmp_path, BENCH, "plain.yaml").memory
    assert plain["total_bytes"] - plan.memory["total_bytes"] == FULL_LOGITS - CHUNKED_LOGITS


@pytest.mark.parametrize("extra", [
    "cut_cross_entropy: true\n",  # the setting without the plugin does nothing
    "plugins: [axolotl.integrations.cut_cross_entropy.CutCrossEntropyPlugin]\ncut_cross_entropy: false\n",
    "plugins: [axolotl.integrations.liger.LigerPlugin]\nliger_rms_norm: true\n",
])
def test_switched_off_or_unloaded_integrations_do_not(tmp_path, extra):
    assert memory_of(tmp_path, BENCH + extra).memory["fused_loss"] is None


def test_trl_chunked_nll_and_liger_kernels(tmp_path):
    trl = ("# sftlint: dialect=trl\nmodel_name_or_path: ./model\nuse_peft: true\nload_in_4bit: true\n"
           "per_device_train_batch_size: 4\nmax_length: 1024\nmax_steps: 10\n")
    assert memory_of(tmp_path, trl).memory["fused_loss"] is None
    assert memory_of(tmp_path, trl + "loss_type: chunked_nll\n", "a.yaml").memory["fused_loss"] == "TRL's chunked_nll loss"
    liger = memory_of(tmp_path, trl + "use_liger_kernel: true\n", "b.yaml").memory
    assert liger["fused_loss"] == "Liger's fused linear cross-entropy" and liger["logits_bytes"] < FULL_LOGITS


def test_which_switch_fuses_the_loss_is_the_tool_s_convention(tmp_path):
    """A dialect names its own fused-loss switches (a plugin's tool too); the estimate asks it."""
    from sftlint import records
    from sftlint.dialects.trl import TRL
    from sftlint.plan.memory_estimate import fused_loss

    class FusingTool(TRL):
        name = "fusing-tool"
        liger_keys = ("fuse_the_loss",)

    (tmp_path / "f.yaml").write_text("# sftlint: dialect=trl\nmodel_name_or_path: ./model\nfuse_the_loss: true\n"
                                     "use_liger_kernel: true\n", encoding="utf-8")
    config, _ = load_plan(tmp_path / "f.yaml")
    assert fused_loss(config) == "Liger's fused linear cross-entropy"  # TRL's own switch
    mine = records.replace(config, dialect=FusingTool())
    assert mine.raw("fuse_the_loss") is True and fused_loss(mine) == "Liger's fused linear cross-entropy"
    assert fused_loss(records.replace(config, dialect=type("NoLiger", (TRL,), {"liger_keys": ()})())) is None


def test_the_unsloth_backend_counts_its_own_chunked_loss(tmp_path):
    plan = memory_of(tmp_path, BENCH)
    allocated = plan.memory["allocated_bytes"]
    assert estimate_bytes(plan, "hf") == estimate_bytes(plan) == allocated
    assert estimate_bytes(plan, "unsloth") == allocated - FULL_LOGITS + CHUNKED_LOGITS


def test_estimates_are_within_a_fifth_of_what_an_h200_measured(tmp_path):
    """Peaks of torch.cuda.max_memory_allocated for this config (bench/RESULTS.md, two runs alike)."""
    plan = memory_of(tmp_path, BENCH)
    measured = {"hf": 2373 * MIB, "unsloth": 1289 * MIB}
    for backend, peak in measured.items():
        assert 1.0 <= estimate_bytes(plan, backend) / peak <= 1.2, backend


def test_unsloth_configs_always_use_its_fused_loss(tmp_path):
    unsloth = ("model: ./model\ndata:\n  dataset: data.jsonl\ntraining:\n  training_type: lora\n  load_in_4bit: true\n"
               "  max_seq_length: 1024\n  batch_size: 4\n  max_steps: 10\nlora:\n  lora_r: 16\n")
    memory = memory_of(tmp_path, unsloth).memory
    assert memory["fused_loss"] == "Unsloth's fused cross-entropy"
    assert memory["logits_bytes"] == CHUNKED_LOGITS
