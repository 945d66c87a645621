"""The architecture table and MD001 against the real libraries: every model_type's layer names
equal those of a tiny model transformers builds for it, and MD001 is an error exactly where PEFT
refuses the targets."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sftlint.document import parse_document
from sftlint.lint.engine import lint_document
from sftlint.plugin.loading import build_registry
from sftlint.config.key_snapshots import load
from sftlint.settings.resolver import Settings

pytest.importorskip("transformers")
pytest.importorskip("peft")
pytestmark = pytest.mark.slow

PROBE = Path(__file__).with_name("architecture_probe.py")


CASES = [["q_proj", "v_proj"], ["c_attn"], ["c_attn", "q_proj"], ["c_fc", "c_proj"], ["gate_proj"], ["attn.c_attn"],
         ["wte"]]


@pytest.fixture(scope="module")
def probe() -> dict:
    request = {"model_types": sorted(load("architectures")["model_types"]), "gpt2_targets": CASES}
    done = subprocess.run([sys.executable, str(PROBE)], input=json.dumps(request), capture_output=True,
                          text=True, timeout=400, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_layer_names_are_those_transformers_builds(probe):
    table = load("architectures")["model_types"]
    real = probe["layers"]
    differ = {t: {"table": sorted(set(e["modules"]) | set(e["embeddings"])), "real": real[t]}
              for t, e in table.items() if sorted(set(e["modules"]) | set(e["embeddings"])) != real[t]}
    assert not differ, differ


def test_default_positions_are_the_configuration_classes_defaults(probe):
    table = load("architectures")["model_types"]
    differ = {t: (e.get("default_positions"), probe["positions"][t]) for t, e in table.items()
              if e.get("default_positions") != probe["positions"][t]}
    assert not differ, differ


def _md001(targets: list[str]) -> str | None:
    text = "# sftlint: dialect=axolotl\nbase_model: gpt2\nadapter: lora\nlora_target_modules: " + json.dumps(targets) + "\n"
    result = lint_document(parse_document(Path("config.yaml"), text), Settings(select=["MD001"]), build_registry())
    return next((f.severity.name.lower() for f in result.findings if f.code == "MD001"), None)


def test_md001_is_an_error_exactly_where_peft_refuses(probe):
    refused = probe["refused"]
    for targets in CASES:
        severity = _md001(targets)
        if refused[",".join(targets)]:
            assert severity == "error", (targets, severity)
        else:
            assert severity != "error", (targets, severity)
    assert any(refused.values()) and not all(refused.values())
