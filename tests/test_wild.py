"""Configs as they are found in public projects, each read as its own tool or skipped with the right
reason: torchtune recipes, Hydra configs, recipes for scripts built on TRL's parser, a project's own
script arguments, older LLaMA-Factory merge/inference/evaluation files, and non-SFT objectives.

The files in ``tests/data/wild/`` are written for these tests; each reproduces a shape met in the
wild set (``bench/wild/``), which this test keeps from regressing without the fetched projects.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sftlint.lint.engine import lint_file
from sftlint.plugin.loading import build_registry
from sftlint.settings.resolver import Settings

DATA = Path(__file__).parent / "data" / "wild"

#: file -> (dialect or None, words the skip reason holds, objective, method)
EXPECTED = {
    "torchtune_lora.yaml": (None, "torchtune recipe, a tool sftlint does not lint", None, None),
    "hydra_target.yaml": (None, "Hydra config", None, None),
    "llm_foundry.yaml": (None, "LLM Foundry config", None, None),
    "lm_eval_task.yaml": (None, "lm-evaluation-harness task", None, None),
    "own_script_args.yaml": (None, "a training script's own arguments", None, None),
    "llamafactory_old_merge.yaml": (None, "merge config, not a training config", None, None),
    "llamafactory_old_inference.yaml": (None, "inference config, not a training config", None, None),
    "llamafactory_old_eval.yaml": (None, "evaluation config, not a training config", None, None),
    "spectrum_fragment.yaml": (None, "not read as a training config", None, None),
    "handbook_dpo_full.yaml": ("trl", None, "dpo", "full"),
    "handbook_sft_qlora.yaml": ("trl", None, "sft", "qlora"),
    "openr1_grpo.yaml": ("trl", None, "grpo", "full"),
    "llamafactory_dpo.yaml": ("llamafactory", None, "dpo", "lora"),
    "axolotl_kto.yaml": ("axolotl", None, "kto", "lora"),
    "trl_typo.yaml": ("trl", None, "sft", "lora"),
    "hf_typo.yaml": ("hf", None, "sft", "full"),
}


@pytest.fixture(scope="module")
def registry():
    return build_registry()


def test_every_sample_is_listed():
    assert sorted(p.name for p in DATA.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_read_as_its_tool_or_skipped_with_the_reason(name, registry):
    dialect, reason, objective, method = EXPECTED[name]
    result = lint_file(DATA / name, Settings(), registry)
    assert not [f for f in result.findings if f.code.startswith("E")], result.findings
    if dialect is None:
        assert result.skipped is not None and reason in result.skipped, result.skipped
        assert not result.findings  # no opinion on a file it does not read
    else:
        assert result.skipped is None, result.skipped
        assert result.choice.dialect.name == dialect, [(d.dialect, d.score, d.reasons) for d in result.choice.detections]
        assert (result.config.objective, result.config.method) == (objective, method)


def codes(result) -> list[str]:
    return sorted(f.code for f in result.findings)


def test_published_dpo_rate_is_not_held_to_the_sft_band(registry):
    """5e-7 is a DPO learning rate; the SFT ranges have no opinion on it (HP001), nor on DPO keys."""
    result = lint_file(DATA / "handbook_dpo_full.yaml", Settings(), registry)
    assert "HP001" not in codes(result) and "KT001" not in codes(result), result.findings


def test_recipe_keys_of_every_trl_trainer_are_known(registry):
    for name in ("handbook_dpo_full.yaml", "handbook_sft_qlora.yaml", "openr1_grpo.yaml"):
        result = lint_file(DATA / name, Settings(), registry)
        assert "KT001" not in codes(result), (name, [f.message for f in result.findings])


def test_lora_band_still_applies_to_sft(registry, tmp_path):
    path = tmp_path / "sft.yaml"
    path.write_text((DATA / "handbook_sft_qlora.yaml").read_text().replace("2.0e-4", "5.0e-6"))
    result = lint_file(path, Settings(), registry)
    assert "HP001" in codes(result)
    assert any("QLoRA range" in f.message for f in result.findings if f.code == "HP001")


@pytest.mark.parametrize("name, typo, fix", [("hf_typo.yaml", "lerning_rate", "learning_rate"),
                                             ("trl_typo.yaml", "num_train_epoch", "num_train_epochs")])
def test_typos_are_errors_in_tools_that_stop_on_them(name, typo, fix, registry):
    result = lint_file(DATA / name, Settings(), registry)
    (finding,) = [f for f in result.findings if f.code == "KT001"]
    assert str(finding.severity) == "error" and typo in finding.message and f"did you mean '{fix}'" in finding.message


def sftlint(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sftlint", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def test_skipped_files_say_why_and_fix_never_touches_them(tmp_path):
    for name in ("torchtune_lora.yaml", "own_script_args.yaml"):
        (tmp_path / name).write_text((DATA / name).read_text())
    listing = sftlint("check", "--show-files", "-v", ".", cwd=tmp_path)
    assert "torchtune_lora.yaml: skipped: torchtune recipe" in listing.stdout
    assert "own_script_args.yaml: skipped: not read as a training config" in listing.stdout
    before = {p.name: p.read_text() for p in tmp_path.iterdir()}
    run = sftlint("check", "--fix", "--unsafe-fixes", ".", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert {p.name: p.read_text() for p in tmp_path.iterdir()} == before
    assert "skipped: " in run.stderr


def test_a_comment_still_forces_the_dialect(registry, tmp_path):
    path = tmp_path / "forced.yaml"
    path.write_text("# sftlint: dialect=hf\n" + (DATA / "own_script_args.yaml").read_text())
    result = lint_file(path, Settings(), registry)
    assert result.skipped is None and result.choice.dialect.name == "hf"


DUPLICATE = "base_model: my-org/base\nadapter: lora\nlearning_rate: 2.0e-4\nmicro_batch_size: 2\nlearning_rate: 1.0e-4\n"


def test_duplicate_key_is_a_rule_that_can_be_silenced(tmp_path):
    (tmp_path / "train.yaml").write_text(DUPLICATE)
    found = json.loads(sftlint("check", "--select", "YM004", "--output-format", "json", ".", cwd=tmp_path).stdout)
    assert [(f["code"], f["location"]["row"]) for f in found] == [("YM004", 3), ("YM004", 5)]
    assert "uses the value on line 5" in found[0]["message"]
    assert sftlint("check", "--select", "YM004", ".", cwd=tmp_path).returncode == 1  # a finding, not exit 2
    assert sftlint("check", "--select", "YM004", "--exit-zero", ".", cwd=tmp_path).returncode == 0
    assert sftlint("check", "--select", "YM004", "--ignore", "YM004", ".", cwd=tmp_path).returncode == 0
    (tmp_path / "train.yaml").write_text("# sftlint: disable-file\n" + DUPLICATE)
    assert sftlint("check", "--select", "YM004", ".", cwd=tmp_path).returncode == 0


def test_rule_explains_the_e_codes(tmp_path):
    run = sftlint("rule", "E002", cwd=tmp_path)
    assert run.returncode == 0 and "YM004" in run.stdout


# -- against the real tools: what sftlint says the tool does with these files, the tool does ---------

PARSE = """
import sys
from trl import DPOConfig, ModelConfig, ScriptArguments, SFTConfig, TrlParser
for arg in sys.argv[1:]:
    path, cls = arg.split("=")
    parser = TrlParser((ScriptArguments, {"DPOConfig": DPOConfig, "SFTConfig": SFTConfig}[cls], ModelConfig))
    try:
        parser.parse_args_and_config(["--config", path, "--output_dir", "out", "--use_cpu", "true", "--bf16", "false"])
    except ValueError as exc:
        print("REJECTED", str(exc).replace(chr(10), " "))
    else:
        print("PARSED")
"""


def _trl_parse(*pairs: tuple[Path, str]) -> list[str]:
    """What TRL's own parser says of each (file, config class), in one process (TRL imports slowly)."""
    proc = subprocess.run([sys.executable, "-c", PARSE, *(f"{p}={cls}" for p, cls in pairs)], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return [line for line in proc.stdout.splitlines() if line.startswith(("PARSED", "REJECTED"))]


@pytest.mark.slow
def test_trl_parser_agrees_on_known_and_unknown_keys(tmp_path, registry):
    """The keys TRL's own parser rejects in a DPO recipe are exactly those sftlint reports as
    unknown or removed (here ``warmup_ratio``, gone from transformers 5.15); with them gone the
    recipe parses. A typo sftlint reports as stopping the run makes TRL's parser stop."""
    recipe = tmp_path / "dpo.yaml"
    text = (DATA / "handbook_dpo_full.yaml").read_text()
    # the project's own ScriptArguments field is not TRL's: the real parser is given TRL's classes only
    text = text.replace("dataset_mixture:\n  datasets:\n    - id: HuggingFaceH4/ultrafeedback_binarized\n"
                        "      split: train_prefs\n", "dataset_name: HuggingFaceH4/ultrafeedback_binarized\n")
    recipe.write_text(text.replace("bf16: true\n", "").replace("dtype: bfloat16\n", ""))
    reported = {f.data.get("key") or f.message.split("'")[1] for f in lint_file(recipe, Settings(), registry).findings
                if f.code in ("KT001", "KT002", "WS004")}
    fixed = tmp_path / "dpo-fixed.yaml"
    fixed.write_text(recipe.read_text().replace("warmup_ratio: 0.1\n", "warmup_steps: 0.1\n"))
    as_written, after_fix, typo = _trl_parse((recipe, "DPOConfig"), (fixed, "DPOConfig"),
                                             (DATA / "trl_typo.yaml", "SFTConfig"))
    assert as_written.startswith("REJECTED Unknown arguments from config file")
    assert reported == {"warmup_ratio"} and "'--warmup_ratio'" in as_written
    assert after_fix == "PARSED"
    assert not [f for f in lint_file(fixed, Settings(), registry).findings if f.code in ("KT001", "KT002", "WS004")]
    assert typo.startswith("REJECTED Unknown arguments from config file")
    assert "KT001" in codes(lint_file(DATA / "trl_typo.yaml", Settings(), registry))


@pytest.mark.slow
def test_training_arguments_reject_the_typo_sftlint_reports():
    code = ("import sys, yaml\nfrom transformers import TrainingArguments\n"
            "try:\n    TrainingArguments(**yaml.safe_load(open(sys.argv[1])))\n"
            "except TypeError as exc:\n    print('TypeError', exc)\n")
    proc = subprocess.run([sys.executable, "-c", code, str(DATA / "hf_typo.yaml")], capture_output=True, text=True,
                          timeout=300)
    assert "TypeError" in proc.stdout and "lerning_rate" in proc.stdout, proc.stderr[-2000:]


def test_a_near_tie_between_two_tools_is_no_choice(tmp_path):
    """Two tools with the same evidence: the file is skipped with both named, not guessed at."""
    from sftlint.dialects import choose_dialect
    from sftlint.dialects.base import Detection, Dialect
    from sftlint.document import load_document

    class Fake(Dialect):
        def __init__(self, name, score):
            self.name, self.title, self.score = name, name.title(), score

        def detect(self, document):
            return Detection(self.name, self.score, [])

    path = tmp_path / "train.yaml"
    path.write_text("learning_rate: 1.0e-4\n")
    document = load_document(path)
    tie = choose_dialect(document, {"one": Fake("one", 2.0), "two": Fake("two", 1.9)})
    assert tie.dialect is None and "as much Two (score 1.9) as One (score 2)" in tie.how
    clear = choose_dialect(document, {"one": Fake("one", 2.0), "two": Fake("two", 1.0)})
    assert clear.dialect.name == "one"


def test_json_output_says_why_a_file_was_skipped(tmp_path):
    (tmp_path / "torchtune_lora.yaml").write_text((DATA / "torchtune_lora.yaml").read_text())
    run = sftlint("check", "--output-format", "json", "-v", ".", cwd=tmp_path)
    (record,) = json.loads(run.stdout)
    assert (record["code"], record["skipped"]) == (None, "torchtune recipe, a tool sftlint does not lint")
    assert "torchtune_lora.yaml: skipped: torchtune recipe, a tool sftlint does not lint" in run.stderr  # -v, as before
