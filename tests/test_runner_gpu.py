"""QLoRA smoke runs on a GPU: an example config through both backends with the ~1B synthetic Llama in
4 bits, every runner check enforced. Skipped without CUDA (the ``gpu`` marker); run them with
``pytest -m gpu`` (``bench/gpu/run.sh`` does, on the GPU machine).

The CPU tests in test_runner_training.py train a 100k-parameter model in float32; only a GPU run
shows bitsandbytes' CUDA 4-bit kernels and paged 8-bit optimizer, Unsloth's fast path, bf16 and the
real ``torch.cuda.max_memory_allocated`` peak beside the plan's estimate.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

pytestmark = [pytest.mark.gpu, pytest.mark.smoke]

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
#: Where the synthetic model is built once for the whole test run; the conftest resets the cache per test, so
#: the value is taken at import (bench/gpu/run.sh sets it to the folder it prebuilt the model in).
SHARED_CACHE = os.environ.get("SFTLINT_CACHE_DIR")


@pytest.fixture(autouse=True)
def _shared_model_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("SFTLINT_CACHE_DIR", SHARED_CACHE or str(tmp_path_factory.getbasetemp() / "sftlint-gpu-cache"))


@pytest.mark.parametrize("backend", ["unsloth", "hf"])
def test_qlora_smoke_run_of_the_axolotl_example_passes_every_check(backend, tmp_path):
    pytest.importorskip("trl")
    if backend == "unsloth":
        pytest.importorskip("unsloth")
    from sftlint.runner.run import run_config

    result = run_config(EXAMPLES / "axolotl-qlora.yml", mode="smoke", backend=backend, model="synthetic:1b",
                        steps=10, output_dir=tmp_path / "run")
    assert result.passed, result.explain()
    assert all(c.passed for c in result.checks), result.explain()
    assert {c.name for c in result.checks} >= {"finite_loss", "loss_falls", "steps", "lr_schedule",
                                                "adapter_reload", "memory"}
    assert result.backend == backend and result.steps == result.planned_steps == 10
    assert result.memory_kind == "cuda max_memory_allocated" and result.peak_memory_bytes > 0
    worker = json.loads((tmp_path / "run" / "worker.json").read_text())
    recipe = json.loads((tmp_path / "run" / "recipe.json").read_text())
    assert recipe["load_in_4bit"] is True
    assert "cpu" not in worker["device"].lower()
    assert worker["adapter"]["adapter_effect"] > 0
