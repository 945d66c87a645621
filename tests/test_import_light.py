"""Linting never imports the training stack: `sftlint check` stays a millisecond-scale tool.

Run in a fresh interpreter (runpy, as `python -m sftlint` does) so that nothing the test
process imported itself can hide an import.
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("torch", "transformers", "trl", "peft", "bitsandbytes", "datasets", "accelerate", "unsloth")

PROBE = """
import json, runpy, sys
sys.argv = ["sftlint", *sys.argv[1:]]
try:
    runpy.run_module("sftlint", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    code = exc.code
else:
    code = None
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})
print("\\n" + json.dumps({{"exit": code, "heavy": heavy}}))
"""


def probe(args, cwd) -> dict:
    proc = subprocess.run([sys.executable, "-c", PROBE.format(heavy=set(HEAVY)), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_check_imports_no_training_library(write, tmp_path, hf_config):
    write("hf.yaml", hf_config)
    write("axolotl.yaml", """\
        base_model: meta-llama/Llama-3.2-1B
        adapter: qlora
        load_in_4bit: true
        lora_r: 16
        lora_alpha: 32
        learning_rate: 0.0002
        micro_batch_size: 2
        gradient_accumulation_steps: 4
        num_epochs: 1
        datasets:
          - path: data.jsonl
            type: alpaca
        """)
    result = probe(["check", "hf.yaml", "axolotl.yaml"], tmp_path)
    assert result["exit"] in (0, 1)
    assert result["heavy"] == []


def test_rules_and_plan_import_no_training_library(write, tmp_path, hf_config):
    write("hf.yaml", hf_config)
    assert probe(["rules"], tmp_path)["heavy"] == []
    assert probe(["plan", "hf.yaml", "--num-examples", "100"], tmp_path)["heavy"] == []


def test_check_imports_no_language_server_library(write, tmp_path, hf_config):
    """``sftlint server`` lives in an optional extra; linting never loads it."""
    write("hf.yaml", hf_config)
    proc = subprocess.run([sys.executable, "-c", PROBE.format(heavy={"pygls", "lsprotocol", "cattrs"}), "check",
                           "hf.yaml"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["exit"] in (0, 1) and result["heavy"] == []


def test_a_small_check_loads_no_worker_machinery(write, tmp_path, hf_config):
    """Worker processes pay off only for many files: a check of a few lints in its own process and
    never imports what the pool needs (each import is a cost of every one-file check)."""
    write("hf.yaml", hf_config)
    pool = {"multiprocessing", "pickle", "mmap", "sftlint.lint.forked"}
    code = PROBE.replace("m.split(\".\")[0] in", "m in").format(heavy=pool)
    proc = subprocess.run([sys.executable, "-c", code, "check", "hf.yaml"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["exit"] in (0, 1) and result["heavy"] == []
