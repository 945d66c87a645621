"""Position limits of the common models in the architecture table: each sourced id resolves to
its limit, MD002 fires past it and not at it, mirrors' copies resolve to the original without
false matches, and each source says the number the table holds (read from the publishers'
repositories when a folder of their git snapshots is given in SFTLINT_MIRRORS)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from sftlint.config.architectures import table_id
from sftlint.config.key_snapshots import load
from sftlint.document import parse_document
from sftlint.lint.engine import lint_document
from sftlint.plugin.loading import build_registry
from sftlint.settings.resolver import Settings

TABLE = load("architectures")
SOURCED = sorted(k for k, e in TABLE["models"].items() if "source" in e)


def _lint(text: str, dialect: str = "axolotl") -> list:
    document = parse_document(Path("config.yaml"), f"# sftlint: dialect={dialect}\n" + text)
    result = lint_document(document, Settings(select=["MD002"]), build_registry())
    return [f for f in result.findings if f.code == "MD002"]


def _axolotl(model: str, length: int) -> str:
    return f"base_model: {model}\nadapter: lora\nsequence_len: {length}\n"


def test_the_families_asked_for_are_sourced():
    for family in ("meta-llama/llama-3.1-8b", "meta-llama/llama-3.2-1b", "meta-llama/llama-3.3-70b-instruct",
                   "meta-llama/meta-llama-3-8b", "qwen/qwen2-7b-instruct", "qwen/qwen2.5-7b-instruct", "qwen/qwen2.5-coder-1.5b",
                   "google/gemma-2-9b", "google/gemma-3-1b-it", "tinyllama/tinyllama-1.1b-chat-v1.0",
                   "huggingfacetb/smollm2-1.7b-instruct", "mistralai/mistral-7b-instruct-v0.3", "qwen/qwen3-8b"):
        assert family in SOURCED, family


def test_every_source_names_a_repository_commit_and_path():
    sources = TABLE["sources"]
    for key in SOURCED:
        source = sources[TABLE["models"][key]["source"]]
        assert source["site"] in ("github.com", "huggingface.co")
        assert source["repo"].count("/") == 1 and len(source["commit"]) == 40 and source["path"], source
    assert set(sources) == {TABLE["models"][k]["source"] for k in SOURCED}, "a source no entry uses"


@pytest.mark.parametrize("model_id", SOURCED)
def test_each_sourced_id_resolves_to_its_limit_and_md002_follows_it(model_id):
    entry = TABLE["models"][model_id]
    limit = entry["max_positions"]
    # the Hub's spelling differs in case from the table's key; matching ignores case
    spelled = model_id.upper()
    assert table_id(spelled, TABLE) == model_id
    assert _lint(_axolotl(spelled, limit)) == [], "at the limit"
    above = _lint(_axolotl(spelled, limit + 1))
    assert len(above) == 1 and above[0].data["max_positions"] == limit, above
    assert above[0].data["source"] and TABLE["sources"][entry["source"]]["commit"][:12] in above[0].data["source"]


@pytest.mark.parametrize("model, original", [
    ("unsloth/Meta-Llama-3.1-8B-bnb-4bit", "meta-llama/meta-llama-3.1-8b"),
    ("unsloth/Meta-Llama-3.1-8B-Instruct-bnb-4bit", "meta-llama/meta-llama-3.1-8b-instruct"),
    ("unsloth/llama-3-8b-Instruct-bnb-4bit", "meta-llama/meta-llama-3-8b-instruct"),
    ("unsloth/Llama-3.2-1B-Instruct", "meta-llama/llama-3.2-1b-instruct"),
    ("unsloth/Qwen2.5-7B-Instruct-unsloth-bnb-4bit", "qwen/qwen2.5-7b-instruct"),
    ("unsloth/gemma-2-9b-bnb-4bit", "google/gemma-2-9b"),
    ("unsloth/Qwen3-8B", "qwen/qwen3-8b"),
    ("meta-llama/Llama-3.1-8B-bnb-4bit", "meta-llama/llama-3.1-8b"),
    ("NousResearch/Llama-3.2-1B", "meta-llama/llama-3.2-1b"),
])
def test_mirror_copies_resolve_to_the_original(model, original):
    assert table_id(model, TABLE) == original
    limit = TABLE["models"][original]["max_positions"]
    findings = _lint(_axolotl(model, limit * 2))
    assert len(findings) == 1 and f"as a copy of '{original}'" in findings[0].message
    assert _lint(_axolotl(model, limit)) == []


@pytest.mark.parametrize("model", [
    "unsloth/tinyllama-bnb-4bit",              # a name no listed model has
    "unsloth/Llama-3.2-1B-Instruct-GGUF",      # GGUF files are not what transformers loads
    "unsloth/mistral-7b-v0.3-bnb-4bit",        # the base v0.3 has no first-party limit here
    "someone/Llama-3.1-8B",                    # not a mirror: a fine-tune may have changed anything
    "NousResearch/Hermes-3-Llama-3.1-8B",      # a mirror's own fine-tune, under its own name
    "Qwen/Qwen2.5-Coder-7B-Instruct",          # README says 128k, reached only with YaRN: unknown
    "Qwen/Qwen2.5-Math-7B",
    "mistralai/Mistral-Nemo-Base-2407",
    "microsoft/Phi-4",
])
def test_unknown_ids_get_nothing(model):
    assert table_id(model, TABLE) is None
    assert _lint(_axolotl(model, 10_000_000)) == []


def test_a_name_two_publishers_share_stays_unknown():
    table = {"models": {"a/model-7b": {"model_type": "llama", "max_positions": 4096},
                        "b/model-7b": {"model_type": "llama", "max_positions": 8192},
                        "c/same-1b": {"model_type": "llama", "max_positions": 2048},
                        "d/same-1b": {"model_type": "llama", "max_positions": 2048}},
             "remote_code": {}, "mirrors": ["unsloth"], "quantized_suffixes": ["-bnb-4bit"]}
    assert table_id("unsloth/model-7b-bnb-4bit", table) is None
    assert table_id("unsloth/same-1b", table) in ("c/same-1b", "d/same-1b")  # copies that agree
    assert table_id("other/model-7b", table) is None


def _source_text(mirrors: Path, source: dict) -> str | None:
    git_dir = mirrors / source["repo"].replace("/", "+") / "repo"
    if not git_dir.is_dir():
        return None
    done = subprocess.run(["git", "--git-dir", str(git_dir), "show", f"{source['commit']}:{source['path']}"],
                          capture_output=True, text=True, timeout=60)
    return done.stdout if done.returncode == 0 else None


def _spellings(n: int) -> set[str]:
    return {str(n), f"{n:,}", f"{n:_}", f"{n // 1024}k", f"{n // 1024}K"}


def test_each_github_source_says_the_number_the_table_holds():
    """Reads each publisher's file at the recorded commit from a folder of git snapshots
    (``<owner>+<name>/repo``); skipped where none is given."""
    mirrors = Path(os.environ.get("SFTLINT_MIRRORS", "")) if os.environ.get("SFTLINT_MIRRORS") else None
    if mirrors is None or not mirrors.is_dir():
        pytest.skip("SFTLINT_MIRRORS names no folder of the publishers' git snapshots")
    checked, missing = 0, []
    for name, source in TABLE["sources"].items():
        if source["site"] != "github.com":
            continue
        text = _source_text(mirrors, source)
        if text is None:
            missing.append(name)
            continue
        limits = {TABLE["models"][k]["max_positions"] for k in SOURCED if TABLE["models"][k]["source"] == name}
        for limit in limits:
            assert any(s in text for s in _spellings(limit)), (name, limit)
        checked += 1
    assert checked, f"no source could be read: {missing}"
    print(json.dumps({"checked": checked, "not available": missing}))


@pytest.mark.parametrize("model", ["/", "unsloth/", "unsloth/-bnb-4bit", "-bnb-4bit", "UNSLOTH/META-", "a/b/c/gpt2",
                                   "./models/llama-3.1-8b", "C:\\models\\gpt2", "unsloth//gemma-2-9b"])
def test_odd_names_resolve_to_nothing_without_error(model):
    assert table_id(model, TABLE) is None


def test_a_local_model_folder_is_looked_for_once_per_config_and_recorded_for_every_rule(tmp_path, monkeypatch):
    """MD001, MD002 and MD003 all ask about the base model: its config.json (beside the config, then
    in the working directory) is looked for no more often than for one of them, recorded as an
    input, and an edited config.json counts on the next lint."""
    from sftlint.files import inputs

    project, work = tmp_path / "project", tmp_path / "work"
    (project / "model").mkdir(parents=True)
    (work / "cwd-model").mkdir(parents=True)
    monkeypatch.chdir(work)
    looks: list[str] = []
    real_stat = os.stat

    def counting_stat(path, *args, **kwargs):
        if os.fspath(path).endswith("config.json"):
            looks.append(os.path.abspath(path))
        return real_stat(path, *args, **kwargs)

    def lint(model: str, positions: int, select=("MD001", "MD002", "MD003")) -> tuple[list[str], dict]:
        for folder in (project / "model", work / "cwd-model"):
            (folder / "config.json").write_text(json.dumps({"model_type": "llama", "max_position_embeddings": positions}))
        document = parse_document(project / "config.yaml", "# sftlint: dialect=axolotl\n" + _axolotl(model, 2048)
                                  + "lora_target_modules: [q_proj, v_proj]\n")
        looks.clear()
        with monkeypatch.context() as patch, inputs.recording() as seen:
            patch.setattr(os, "stat", counting_stat)
            result = lint_document(document, Settings(select=list(select)), build_registry())
        return sorted(f.code for f in result.findings), seen

    codes, seen = lint("model", 1024)
    beside = str(project / "model" / "config.json")
    assert codes == ["MD002"] and beside in seen
    all_three = list(looks)
    lint("model", 1024, select=["MD002"])
    assert all_three == looks and beside in looks
    assert lint("model", 4096)[0] == []  # edited: read again
    codes, seen = lint("cwd-model", 1024)
    assert codes == ["MD002"] and str(work / "cwd-model" / "config.json") in seen
    assert str(project / "cwd-model" / "config.json") in seen  # looked for beside the config first
