"""Every config in the shared corpus of real example files is read as its tool's dialect or skipped
as a known non-training config, without an exception."""

from __future__ import annotations


import pytest

from sftlint.lint.engine import lint_file
from sftlint.plugin.loading import build_registry
from sftlint.settings.resolver import Settings

from corpus import CORPUS, FILES

#: Corpus folder -> the dialect its training configs are written in.
FOLDER_DIALECT = {"axolotl": "axolotl", "llamafactory": "llamafactory", "trl": "trl", "unsloth-studio": "unsloth"}
#: What a skipped file may be; anything else means a training config went unrecognised.
NON_TRAINING = ("accelerate launcher config", "DeepSpeed config", "FSDP config", "merge config",
                "inference config", "evaluation config", "dataset config", "special tokens config",
                "cloud launcher config")



@pytest.fixture(scope="module")
def registry():
    return build_registry()


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_corpus_file_is_its_folders_dialect_or_not_a_training_config(path, registry):
    result = lint_file(path, Settings(), registry)
    errors = [f for f in result.findings if f.code.startswith("E")]
    assert not errors, [f.message for f in errors]
    if result.skipped is not None:
        assert result.skipped.endswith(", not a training config"), result.skipped
        assert result.skipped.split(",")[0] in NON_TRAINING
    else:
        expected = FOLDER_DIALECT[path.relative_to(CORPUS).parts[0]]
        detections = [(d.dialect, d.score) for d in result.choice.detections]
        assert result.choice.dialect.name == expected, detections


def test_trl_accelerate_configs_are_launcher_configs(registry):
    folder = CORPUS / "trl" / "examples" / "accelerate_configs"
    files = sorted(folder.glob("*.yaml"))
    assert files
    for path in files:
        assert lint_file(path, Settings(), registry).skipped == "accelerate launcher config, not a training config"


def test_most_of_the_corpus_is_linted_as_training_configs(registry):
    linted = sum(lint_file(p, Settings(), registry).skipped is None for p in FILES)
    assert linted >= 0.9 * len(FILES)
