"""KT004 against the tools themselves: over every accepted value of each enum-like setting, every
removed one and some misspellings, the rule reports exactly the values that transformers 5.17's
``TrainingArguments`` (or TRL's argument parser, for ``trl sft``) rejects."""

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
pytest.importorskip("trl")
pytestmark = pytest.mark.slow

PROBE = Path(__file__).with_name("values_probe.py")
MISSPELT = ["adamw", "AdamW_torch", "paged_adamw", "cosine_with_warmup", "linear_warmup", "step", "epochs",
            "bfd-split", "keep-start", "nll_loss", "none"]


def _pairs() -> list[tuple[str, str]]:
    values = load("values")
    pairs = []
    for table in (values["transformers"], values["trl"]):
        for field, accepted in table["accepted"].items():
            names = set(accepted) | set(table["removed"].get(field, {})) | set(MISSPELT)
            pairs += [(field, name) for name in sorted(names)]
    return pairs


@pytest.fixture(scope="module")
def real():
    pairs = _pairs()
    done = subprocess.run([sys.executable, str(PROBE)], input=json.dumps(pairs), capture_output=True, text=True,
                          timeout=300, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _reported(field: str, value: str, registry) -> bool:
    dialect, head = ("trl", "model_name_or_path: m\n") if field in ("packing_strategy", "loss_type",
                                                                  "truncation_mode") else ("hf", "output_dir: out\n")
    text = f"# sftlint: dialect={dialect}\n{head}{field}: {json.dumps(value)}\n"
    document = parse_document(Path("config.yaml"), text)
    settings = Settings(select=["KT004"])
    result = lint_document(document, settings, registry)
    return any(f.code == "KT004" for f in result.findings)


def test_rule_fires_exactly_where_the_real_tool_rejects(real):
    registry = build_registry()
    disagree = []
    for key, rejected in real.items():
        field, value = key.split("=", 1)
        if _reported(field, value, registry) != rejected:
            disagree.append(f"{key}: tool rejects={rejected}")
    assert not disagree, disagree
    assert sum(real.values()) >= len(MISSPELT) + 3  # the removed names and the misspellings were tried
    assert not all(real.values())
