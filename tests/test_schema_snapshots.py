"""The schema snapshots under sftlint/config/schemas_data load, say what the KT rules rely on, and are
what scripts/snapshot_schemas.py writes from the installed transformers, TRL and PEFT."""

from __future__ import annotations

import importlib.util
import json
import sys
import textwrap
from pathlib import Path

import pytest

from sftlint.config import key_snapshots as schemas

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "sftlint" / "config" / "schemas_data"


def _script():
    if "snapshot_schemas" in sys.modules:
        return sys.modules["snapshot_schemas"]
    spec = importlib.util.spec_from_file_location("snapshot_schemas", ROOT / "scripts" / "snapshot_schemas.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["snapshot_schemas"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["transformers", "trl", "peft", "axolotl", "llamafactory", "unsloth"])
def test_snapshot_loads(name):
    data = schemas.load(name)
    assert data["classes"], name
    for fields in data["classes"].values():
        for entry in fields.values():
            assert entry["type"] and set(entry["type"]) <= {"int", "float", "bool", "str", "list", "dict", "null", "any"}


@pytest.mark.parametrize("dialect, present", [
    ("axolotl", ["sequence_len", "lora_r", "micro_batch_size", "liger_rope", "evaluation_strategy"]),
    ("llamafactory", ["lora_rank", "cutoff_len", "template", "per_device_train_batch_size", "predict_with_generate"]),
    ("trl", ["max_length", "use_peft", "dataset_name", "learning_rate", "env"]),
    ("hf", ["eval_strategy", "warmup_steps", "per_device_train_batch_size"]),
    ("unsloth", ["training.num_epochs", "lora.lora_r", "model", "training"]),
])
def test_dialect_schemas_know_their_keys(dialect, present):
    schema = schemas.for_dialect(dialect)
    missing = [k for k in present if not schema.knows(k)]
    assert not missing


def test_removed_keys_and_their_replacements():
    hf = schemas.for_dialect("hf")
    assert not hf.knows("warmup_ratio") and hf.removed["warmup_ratio"].to == "warmup_steps"
    assert hf.removed["warmup_ratio"].since == "5.15"
    assert hf.removed["evaluation_strategy"].to == "eval_strategy"
    assert schemas.for_dialect("trl").removed["max_seq_length"].to == "max_length"
    assert schemas.for_dialect("axolotl").removed["evaluation_strategy"].to == "eval_strategy"


def test_target_versions():
    class S:
        target_transformers = None
        target_trl = "0.19"
    assert schemas.target_version(S(), "transformers") == (999,)
    assert schemas.target_version(S(), "transformers", "llamafactory") == (5, 8, 0)  # its own pin
    assert schemas.target_version(S(), "trl") == (0, 19)


@pytest.mark.parametrize("annotation, kinds", [
    ("int | None", ["int", "null"]),
    ("typing.Optional[typing.Union[int, float]]", ["float", "int", "null"]),
    ("Literal['auto', 'alpaca']", ["str"]),
    ("IntervalStrategy | str", ["str"]),
    ("PreTrainedModel | None", ["any"]),
    ("list[str] | str | None", ["list", "null", "str"]),
    ("dict[str, Any]", ["dict"]),
])
def test_annotation_kinds(annotation, kinds):
    assert _script().kinds_of(annotation) == kinds


def test_static_parse_follows_bases_and_aliases(tmp_path):
    schemas_dir = tmp_path / "src/axolotl/utils/schemas"
    schemas_dir.mkdir(parents=True)
    (tmp_path / "src/axolotl/integrations/demo").mkdir(parents=True)
    (schemas_dir / "config.py").write_text(textwrap.dedent('''
        class Base(BaseModel):
            lora_r: int | None = None
        class DeprecatedParameters(BaseModel):
            evaluation_strategy: str | None = None
        class AxolotlInputConfig(Base, DeprecatedParameters):
            overrides: dict | None = Field(default=None, alias="model_config")
            sequence_len: int = 2048
            LIMIT: ClassVar[int] = 3
    '''))
    (tmp_path / "src/axolotl/integrations/demo/args.py").write_text("class DemoArgs(BaseModel):\n    demo_flag: bool = False\n")
    data = _script().snapshot_axolotl(tmp_path)
    top = data["classes"]["AxolotlInputConfig"]
    assert top["sequence_len"] == {"type": ["int"], "default": 2048}
    assert set(top) == {"lora_r", "evaluation_strategy", "model_config", "sequence_len"}
    assert data["classes"]["integrations"] == {"demo_flag": {"type": ["bool"], "default": False}}
    assert data["deprecated"] == {"evaluation_strategy": "eval_strategy"}


@pytest.mark.slow
def test_generator_reproduces_committed_snapshots(tmp_path):
    """Imports transformers, TRL and PEFT (seconds): the committed JSON is what the script writes."""
    script = _script()
    script.main(["--out", str(tmp_path)])
    for name in ("transformers", "trl", "peft"):
        written = (tmp_path / f"{name}.json").read_text(encoding="utf-8")
        committed = (DATA / f"{name}.json").read_text(encoding="utf-8")
        assert written == committed, f"{name}.json differs: rerun scripts/snapshot_schemas.py"
        json.loads(written)
