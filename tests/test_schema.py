"""``sftlint schema``: the committed schemas are current, valid draft 2020-12, and agree with the
wrong-type rule on real configs (whatever a schema rejects, KT003 reports too)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from ruamel.yaml import YAML

from corpus import CORPUS
from sftlint.lint.engine import lint_file
from sftlint.plugin.loading import build_registry
from sftlint.output.json_schema import dialect_schema, render
from sftlint.settings.resolver import Settings

ROOT = Path(__file__).resolve().parents[1]
BUILTIN = ("axolotl", "hf", "llamafactory", "trl", "unsloth")


def configs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml", ".json")) if folder.is_dir() else []


@pytest.fixture(scope="module")
def registry():
    return build_registry()


@pytest.fixture(scope="module")
def validators(registry):
    return {name: Draft202012Validator(dialect_schema(d, registry.rules.values())) for name, d in registry.dialects.items()}


@pytest.mark.parametrize("name", BUILTIN)
def test_committed_schema_is_current_and_valid(name, registry):
    committed = (ROOT / "schemas" / f"{name}.json").read_text(encoding="utf-8")
    fresh = render(dialect_schema(registry.dialects[name], registry.rules.values()))
    assert committed == fresh, f"schemas/{name}.json is stale: sftlint schema --dialect {name} -o schemas/{name}.json"
    Draft202012Validator.check_schema(json.loads(committed))


def test_the_command_writes_the_committed_schema(cli, tmp_path):
    run = cli("schema", "--dialect", "hf", "-o", tmp_path / "hf.json")
    assert run.rc == 0
    assert (tmp_path / "hf.json").read_text(encoding="utf-8") == (ROOT / "schemas" / "hf.json").read_text(encoding="utf-8")
    assert cli("schema", "--dialect", "trl").out == (ROOT / "schemas" / "trl.json").read_text(encoding="utf-8")


def test_an_unknown_dialect_is_a_usage_error(cli):
    run = cli("schema", "--dialect", "nope")
    assert run.rc == 2
    assert "known: axolotl" in run.err


def test_an_unwritable_output_is_a_usage_error(cli, tmp_path):
    target = tmp_path / "missing-folder" / "hf.json"
    run = cli("schema", "--dialect", "hf", "-o", target)
    assert run.rc == 2
    assert f"cannot write {target}" in run.err and "internal error" not in run.err


def test_unknown_keys_and_unusual_values_pass_impossible_values_fail(validators):
    axolotl = validators["axolotl"]
    assert not list(axolotl.iter_errors({"a_key_of_next_release": 1, "learning_rate": 0.01, "lora_r": 8}))
    assert list(axolotl.iter_errors({"lora_r": "eight"}))
    assert list(axolotl.iter_errors({"lora_dropout": 1.5}))
    assert list(axolotl.iter_errors({"lora_r": 0}))
    assert not list(axolotl.iter_errors({"load_in_4bit": "yes"}))  # pydantic's lax mode takes it
    assert list(validators["hf"].iter_errors({"bf16": "yes"}))  # a dataclass keeps the string


FILES = configs(ROOT / "examples") + configs(CORPUS)


def test_real_configs_raise_no_schema_error_the_wrong_type_rule_does_not(registry, validators):
    """Each config is read as an editor reads it (YAML 1.2) and validated against its dialect's
    schema; the dialect is the one sftlint detects. Every schema error must be a KT003 finding."""
    validated = 0
    for path in FILES:
        result = lint_file(path, Settings(), registry)
        if result.config is None:
            continue  # not a training config
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else YAML(typ="safe", pure=True).load(text)
        reported = {f.data.get("key") for f in result.findings if f.code == "KT003"}
        for error in validators[result.choice.dialect.name].iter_errors(data):
            where = [str(p) for p in error.absolute_path]
            assert ".".join(where[:1]) in reported or ".".join(where[:2]) in reported, (path, where, error.message)
        validated += 1
    assert validated >= len(FILES) // 2
