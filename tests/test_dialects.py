"""The five dialect adapters: detection, key mapping, defaults, derived fields and YAML semantics."""

from __future__ import annotations

from pathlib import Path

import pytest

from sftlint.config.canonical import Origin
from sftlint.dialects import UnknownDialect, choose_dialect
from sftlint.dialects.launchers import sftlint_recognize_non_training
from sftlint.document import load_document, parse_document
from sftlint.lint.engine import lint_document
from sftlint.plugin.loading import build_registry
from sftlint.settings.resolver import Settings

FIXTURES = Path(__file__).parent / "fixtures" / "configs"


@pytest.fixture(scope="module")
def registry():
    return build_registry()


def doc(text: str, name: str = "config.yaml"):
    return parse_document(Path(name), text)


def read(registry, document, setting: str | None = None):
    choice = choose_dialect(document, registry.dialects, setting)
    assert choice.dialect is not None, choice.detections
    return choice, choice.dialect.read(document)


def fixture(registry, relative: str):
    return read(registry, load_document(FIXTURES / relative))


def test_the_five_dialects_are_registered(registry):
    assert {"axolotl", "llamafactory", "trl", "hf", "unsloth"} <= set(registry.dialects)


# -- detection ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "relative, expected",
    [
        ("axolotl/qlora.yml", "axolotl"),
        ("axolotl/fft-8b.yaml", "axolotl"),
        ("llamafactory/qwen3_lora_sft.yaml", "llamafactory"),
        ("llamafactory/v1_train_lora_sft.yaml", "llamafactory"),
        ("trl/example_config.yaml", "trl"),
        ("unsloth/lora_text.yaml", "unsloth"),
        ("unsloth/model_defaults_default.yaml", "unsloth"),
        ("hf/training_args.yaml", "hf"),
        ("hf/training_args.json", "hf"),
    ],
)
def test_detects_each_tools_config(registry, relative, expected):
    choice, _ = fixture(registry, relative)
    assert choice.dialect.name == expected
    assert choice.how.startswith("detected")


def test_detection_gives_reasons_that_name_the_telling_keys(registry):
    choice, _ = fixture(registry, "axolotl/qlora.yml")
    best = choice.detections[0]
    assert best.dialect == "axolotl"
    assert any("base_model" in r and "axolotl's" in r for r in best.reasons)
    assert best.score > 2 * choice.detections[1].score


def test_plain_training_arguments_are_hf_not_trl(registry):
    choice, _ = read(registry, doc("output_dir: o\nlearning_rate: 1.0e-4\nper_device_train_batch_size: 2\n"
                                   "num_train_epochs: 1\n"))
    assert choice.dialect.name == "hf"
    scores = {d.dialect: d.score for d in choice.detections}
    assert scores["trl"] < 1 and scores["llamafactory"] < 1


def test_a_trl_only_key_turns_training_arguments_into_trl(registry):
    choice, _ = read(registry, doc("model_name_or_path: m\ndataset_name: d\nlearning_rate: 1.0e-4\nuse_peft: true\n"))
    assert choice.dialect.name == "trl"


def test_a_mapping_of_unrelated_keys_is_no_dialect(registry):
    choice = choose_dialect(doc("name: x\ncolour: blue\n"), registry.dialects)
    assert choice.dialect is None


def test_comment_overrides_detection(registry):
    text = "# sftlint: dialect=trl\noutput_dir: o\nlearning_rate: 2e-4\nnum_train_epochs: 1\n"
    choice, config = read(registry, doc(text))
    assert choice.dialect.name == "trl" and "comment on line 1" in choice.how
    assert config.value("learning_rate") == pytest.approx(2e-4)


def test_setting_overrides_detection(registry):
    choice, _ = read(registry, doc("output_dir: o\nlearning_rate: 1.0e-4\nnum_train_epochs: 1\n"), "llamafactory")
    assert choice.dialect.name == "llamafactory" and choice.how == "set in settings"


def test_unknown_dialect_in_comment_is_a_clear_error(registry):
    with pytest.raises(UnknownDialect, match="unknown dialect 'axolotel'.*known: axolotl"):
        choose_dialect(doc("# sftlint: dialect=axolotel\nlearning_rate: 1\n"), registry.dialects)


# -- YAML 1.1 semantics ------------------------------------------------------------------------


def test_exponent_without_dot_is_a_string_for_hf_and_a_float_for_trl(registry):
    text = "output_dir: o\nlearning_rate: 2e-4\nper_device_train_batch_size: 4\nnum_train_epochs: 1\n"
    _, hf = read(registry, doc(text), "hf")
    _, trl = read(registry, doc(text), "trl")
    assert hf.value("learning_rate") == "2e-4"
    assert trl.value("learning_rate") == pytest.approx(2e-4)


@pytest.mark.parametrize("name", ["axolotl", "llamafactory", "unsloth"])
def test_tools_that_convert_numeric_strings_read_a_float(registry, name):
    text = "learning_rate: 2e-4\ntraining:\n  learning_rate: 2e-4\n"
    _, config = read(registry, doc(text), name)
    assert config.value("learning_rate") == pytest.approx(2e-4)


def test_json_numbers_are_numbers_even_for_a_yaml_1_1_tool(registry):
    _, config = fixture(registry, "hf/training_args.json")
    assert config.value("learning_rate") == pytest.approx(2e-4)


def test_yaml_1_1_booleans_reach_the_tool(registry):
    _, config = read(registry, doc("base_model: m\nmicro_batch_size: 1\nnum_epochs: 1\nbf16: on\n"))
    assert config.value("bf16") is True


# -- axolotl -----------------------------------------------------------------------------------


def test_axolotl_keys_map_to_canonical_fields(registry):
    _, config = fixture(registry, "axolotl/qlora.yml")
    batch = config.get("per_device_train_batch_size")
    assert batch.value == 2 and batch.origin is Origin.FILE and batch.key_path == ("micro_batch_size",)
    assert config.value("max_seq_length") == 4096
    assert config.get("num_train_epochs").key_path == ("num_epochs",)
    assert config.value("datasets") == [{"path": "aaditya/alpaca_subset_1", "split": None, "type": "alpaca",
                                         "role": "train"}]


def test_axolotl_qlora_is_lora_in_four_bits(registry):
    _, config = read(registry, doc("base_model: m\nadapter: qlora\nmicro_batch_size: 1\nnum_epochs: 1\n"))
    assert config.value("finetuning_type") == "lora" and config.uses_adapter
    four = config.get("load_in_4bit")
    assert four.value is True and four.origin is Origin.DERIVED


def test_axolotl_without_adapter_is_full_fine_tuning_by_default(registry):
    _, config = fixture(registry, "axolotl/fft-8b.yaml")
    setting = config.get("finetuning_type")
    assert setting.value == "full" and setting.origin is Origin.DEFAULT


def test_axolotl_defaults_and_derived_values(registry):
    text = """\
base_model: m
adapter: lora
micro_batch_size: 2
batch_size: 16
unsloth_lora_mlp: true
datasets:
  - path: data/train.jsonl
    type: alpaca
test_datasets:
  - path: data/eval.jsonl
    type: alpaca
    split: train
"""
    _, config = read(registry, doc(text))
    assert config.get("gradient_accumulation_steps").value == 8
    assert config.get("gradient_accumulation_steps").origin is Origin.DERIVED
    assert config.get("lr_scheduler_type").value == "cosine" and config.get("lr_scheduler_type").origin is Origin.DEFAULT
    assert config.value("max_seq_length") == 512
    assert config.value("use_unsloth") is True
    assert [(d["path"], d["role"]) for d in config.value("datasets")] == [
        ("data/train.jsonl", "train"), ("data/eval.jsonl", "eval")]


# -- LLaMA-Factory -----------------------------------------------------------------------------


def test_llamafactory_keys_defaults_and_dataset_names(registry):
    _, config = fixture(registry, "llamafactory/qwen3_lora_sft.yaml")
    assert config.get("lora_r").key_path == ("lora_rank",) and config.value("lora_r") == 8
    alpha = config.get("lora_alpha")
    assert alpha.value == 16 and alpha.origin is Origin.DERIVED
    assert config.value("max_seq_length") == 2048 and config.get("max_seq_length").key_path == ("cutoff_len",)
    assert config.value("max_samples") == 1000
    assert config.get("gradient_checkpointing").origin is Origin.DEFAULT
    assert [(d["name"], d["dataset_dir"]) for d in config.value("datasets")] == [
        ("identity", "data"), ("alpaca_en_demo", "data")]


def test_llamafactory_quantization_bit_four_is_qlora(registry):
    text = "model_name_or_path: m\nstage: sft\nfinetuning_type: lora\nquantization_bit: 4\nval_size: 0.1\n"
    _, config = read(registry, doc(text))
    assert config.quantized_4bit and config.uses_adapter
    assert config.value("load_in_8bit") is False
    assert config.value("val_size") == pytest.approx(0.1)


def test_llamafactory_v1_format_reads_its_own_keys(registry):
    _, config = fixture(registry, "llamafactory/v1_train_lora_sft.yaml")
    assert config.dialect.name == "llamafactory"
    assert config.get("per_device_train_batch_size").key_path == ("micro_batch_size",)
    assert config.value("lora_r") == 16 and config.get("lora_r").key_path == ("peft_config", "r")
    assert config.value("finetuning_type") == "lora"
    assert config.dialect.key_path("per_device_train_batch_size") == ("micro_batch_size",)
    assert config.value("datasets")[0]["dataset_info"] == "data/v1_sft_demo.yaml"


# -- TRL ---------------------------------------------------------------------------------------


def test_trl_defaults_are_sftconfigs(registry):
    _, config = fixture(registry, "trl/example_config.yaml")
    for name, value in {"learning_rate": 1e-4, "per_device_train_batch_size": 8, "logging_steps": 10,
                        "max_seq_length": 1024, "bf16": True, "gradient_checkpointing": True,
                        "finetuning_type": "full"}.items():
        assert config.value(name) == value, name
    assert config.get("logging_steps").origin is Origin.DEFAULT
    assert config.value("datasets")[0]["path"] == "stanfordnlp/imdb"


def test_trl_use_peft_with_4bit_is_qlora(registry):
    text = "model_name_or_path: m\nuse_peft: true\nload_in_4bit: true\n"
    _, config = read(registry, doc(text))
    assert config.uses_adapter and config.quantized_4bit
    assert config.value("bnb_4bit_compute_dtype") == "float32"


# -- Unsloth Studio ----------------------------------------------------------------------------


def test_unsloth_nested_keys(registry):
    _, config = fixture(registry, "unsloth/lora_text.yaml")
    assert config.get("num_train_epochs").key_path == ("training", "num_epochs")
    assert config.value("per_device_train_batch_size") == 2
    assert config.value("lora_target_modules")[:2] == ["q_proj", "k_proj"]
    assert config.value("use_unsloth") is True
    assert config.dialect.key_path("seed") == ("training", "random_seed")


def test_unsloth_zero_means_off(registry):
    _, config = fixture(registry, "unsloth/lora_text.yaml")
    assert config.value("max_steps") == -1
    assert config.value("save_strategy") == "no"
    assert config.get("save_steps").value is None and config.get("save_steps").in_file


def test_unsloth_full_fine_tune_and_model_defaults(registry):
    _, full = fixture(registry, "unsloth/full_finetune.yaml")
    assert full.value("finetuning_type") == "full"
    assert full.value("learning_rate") == pytest.approx(2e-5)
    _, defaults = fixture(registry, "unsloth/model_defaults_default.yaml")
    assert defaults.value("max_steps") == 30 and defaults.value("save_strategy") == "steps"
    assert defaults.get("finetuning_type").origin is Origin.DEFAULT


# -- non-training configs ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, kind",
    [
        ("compute_environment: LOCAL_MACHINE\ndistributed_type: MULTI_GPU\nnum_processes: 2\n", "accelerate"),
        ('{"zero_optimization": {"stage": 2}, "train_micro_batch_size_per_gpu": "auto"}', "DeepSpeed"),
        ("fsdp_config:\n  fsdp_version: 2\n", "FSDP"),
        ("merge_method: slerp\nslices: []\n", "merge"),
        ("model_name_or_path: m\nadapter_name_or_path: a\nexport_dir: out\n", "merge"),
        ("model_name_or_path: m\ntemplate: qwen3\ninfer_backend: vllm\n", "inference"),
        ("identity:\n  path: data/identity.json\n  source: local\n", "dataset"),
        ("provider: baseten\ngpu: h100\ngpu_count: 8\n", "cloud launcher"),
        ("model_name_or_path: m\nstage: sft\ndo_predict: true\n", "evaluation"),
    ],
)
def test_recognises_configs_that_are_not_training_configs(text, kind):
    name = "c.json" if text.startswith("{") else "c.yaml"
    assert kind in sftlint_recognize_non_training(document=doc(text, name))


def test_training_keys_win_over_launcher_keys():
    text = "base_model: m\nmicro_batch_size: 1\nnum_epochs: 1\ndeepspeed: ds.json\nfsdp_config: {}\n"
    assert sftlint_recognize_non_training(document=doc(text)) is None


def test_engine_skips_a_launcher_config_with_its_reason(registry):
    result = lint_document(load_document(FIXTURES / "trl/deepspeed_zero2.yaml"), Settings(), registry)
    assert result.skipped == "accelerate launcher config, not a training config"
    assert result.findings == []


def test_dialect_comment_lints_a_file_that_looks_like_a_launcher(registry):
    text = "# sftlint: dialect=hf\nnum_processes: 2\nmixed_precision: bf16\nlearning_rate: 1.0e-4\n"
    result = lint_document(doc(text), Settings(), registry)
    assert result.skipped is None and result.config.dialect.name == "hf"


@pytest.mark.parametrize(
    "relative, reason",
    [("llamafactory/merge_qwen3_lora_sft.yaml", "merge config"), ("llamafactory/inference_qwen3.yaml", "inference config")],
)
def test_llamafactory_export_and_chat_files_are_skipped(registry, relative, reason):
    result = lint_document(load_document(FIXTURES / relative), Settings(), registry)
    assert result.skipped == f"{reason}, not a training config"
