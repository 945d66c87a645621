"""Packing cases shared by the suite and ``bench/packing_tools.py``, which runs axolotl's and
LLaMA-Factory's own code on them and stores what it counted in ``tests/data/packing_tool_counts.json``.

Everything here is rebuilt from seeds with ``random.Random`` and the ``tokenizers`` library only, so
the suite can rebuild the same files without either tool installed: a word-level tokenizer (a
``<bos>`` added in front, as Llama's does), JSON Lines data, a ``dataset_info.json`` and the configs.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

WORDS = [f"w{i}" for i in range(30)]
VOCAB = {"<pad>": 0, "<eos>": 1, "<bos>": 2, **{w: i + 3 for i, w in enumerate(WORDS)}}

#: Length lists for the packing functions alone: (name, seed, count, shortest, longest, capacity, extra).
ALGORITHM_CASES = [
    ("few-short", 1, 40, 1, 20, 64, {}),
    ("many-mixed", 2, 2500, 2, 128, 128, {}),
    ("near-capacity", 3, 700, 40, 64, 64, {}),
    ("bin-size-limit", 4, 900, 2, 4, 512, {"bin_size": 20}),
    ("small-groups", 5, 1500, 2, 90, 96, {"group_size": 400}),
    ("batches-of-3", 6, 1200, 2, 60, 64, {"per_batch": 3}),
]


def lengths_for(seed: int, count: int, shortest: int, longest: int) -> list[int]:
    rnd = random.Random(seed)
    return [rnd.randint(shortest, longest) for _ in range(count)]


def _text(rnd: random.Random, low: int, high: int) -> str:
    return " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(low, high)))


def write_tokenizer(folder: Path) -> Path:
    """A model folder with ``tokenizer.json`` and ``tokenizer_config.json`` (and a tiny Llama
    ``config.json``, which axolotl reads while validating a config)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors

    folder.mkdir(parents=True, exist_ok=True)
    backend = Tokenizer(models.WordLevel(VOCAB, unk_token="<pad>"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    backend.post_processor = processors.TemplateProcessing(single="<bos> $A", special_tokens=[("<bos>", 2)])
    backend.add_special_tokens(["<pad>", "<eos>", "<bos>"])
    backend.save(str(folder / "tokenizer.json"))
    (folder / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<bos>", "eos_token": "<eos>",
        "pad_token": "<pad>", "model_max_length": 4096}))
    (folder / "config.json").write_text(json.dumps({
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": len(VOCAB), "hidden_size": 16,
        "intermediate_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 2,
        "max_position_embeddings": 4096, "pad_token_id": 0, "bos_token_id": 2, "eos_token_id": 1}))
    return folder


def write_text_rows(path: Path, seed: int, count: int, low: int, high: int) -> Path:
    rnd = random.Random(seed)
    path.write_text("".join(json.dumps({"text": _text(rnd, low, high)}) + "\n" for _ in range(count)))
    return path


def write_token_rows(path: Path, seed: int, count: int, low: int, high: int) -> Path:
    """Pre-tokenized rows; every seventh has no trainable token (all labels -100)."""
    rnd = random.Random(seed)
    rows = []
    for i in range(count):
        ids = [rnd.randint(3, len(VOCAB) - 1) for _ in range(rnd.randint(low, high))]
        rows.append({"input_ids": ids, "attention_mask": [1] * len(ids),
                     "labels": [-100] * len(ids) if i % 7 == 0 else ids})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def write_alpaca_rows(path: Path, seed: int, count: int) -> Path:
    rnd = random.Random(seed)
    rows = []
    for i in range(count):
        row = {"instruction": _text(rnd, 1, 30), "input": _text(rnd, 0, 8) if i % 3 else "",
               "output": _text(rnd, 1, 40)}
        if i % 5 == 0:
            row["system"] = _text(rnd, 1, 6)
        rows.append(row)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


#: Whole configs: (name, tool, config text, data builder). The plan and the tool read the same files.
END_TO_END = {
    "axolotl-completion-in-order": ("axolotl", """\
base_model: ./model
datasets:
  - path: text.jsonl
    type: completion
sequence_len: 64
sample_packing: true
curriculum_sampling: true
attn_implementation: flash_attention_2
micro_batch_size: 2
gradient_accumulation_steps: 2
num_epochs: 2
learning_rate: 0.0002
dataset_num_proc: 1
""", ("text", 11, 900, 1, 150)),
    "axolotl-completion-random": ("axolotl", """\
base_model: ./model
datasets:
  - path: text.jsonl
    type: completion
sequence_len: 64
sample_packing: true
micro_batch_size: 2
gradient_accumulation_steps: 1
num_epochs: 1
learning_rate: 0.0002
dataset_num_proc: 1
""", ("text", 12, 600, 1, 80)),
    "axolotl-completion-eff-est": ("axolotl", """\
base_model: ./model
datasets:
  - path: text.jsonl
    type: completion
sequence_len: 64
sample_packing: true
sample_packing_eff_est: 0.9
micro_batch_size: 2
gradient_accumulation_steps: 1
num_epochs: 3
learning_rate: 0.0002
dataset_num_proc: 1
""", ("text", 13, 700, 1, 80)),
    "axolotl-pretokenized-in-order": ("axolotl", """\
base_model: ./model
datasets:
  - path: tokens.jsonl
    type: alpaca
sequence_len: 64
sample_packing: true
curriculum_sampling: true
micro_batch_size: 3
gradient_accumulation_steps: 1
num_epochs: 1.5
dataloader_drop_last: true
learning_rate: 0.0002
dataset_num_proc: 1
""", ("tokens", 14, 800, 1, 90)),
    "llamafactory-pt": ("llamafactory", """\
model_name_or_path: ./model
stage: pt
do_train: true
finetuning_type: lora
dataset: corpus
dataset_dir: data
cutoff_len: 100
per_device_train_batch_size: 2
gradient_accumulation_steps: 2
num_train_epochs: 1
learning_rate: 1.0e-4
output_dir: out
""", ("pt", 21, 2300, 1, 60)),
    "llamafactory-pt-llama3": ("llamafactory", """\
model_name_or_path: ./model
stage: pt
do_train: true
finetuning_type: lora
dataset: corpus
dataset_dir: data
template: llama3
packing: true
cutoff_len: 64
per_device_train_batch_size: 2
gradient_accumulation_steps: 2
num_train_epochs: 1
learning_rate: 1.0e-4
output_dir: out
""", ("pt", 24, 800, 1, 60)),
    "llamafactory-sft-empty": ("llamafactory", """\
model_name_or_path: ./model
stage: sft
do_train: true
finetuning_type: lora
dataset: chat
dataset_dir: data
template: empty
packing: true
cutoff_len: 128
per_device_train_batch_size: 2
gradient_accumulation_steps: 2
num_train_epochs: 1
learning_rate: 1.0e-4
output_dir: out
""", ("alpaca", 22, 1400)),
    "llamafactory-sft-default-neat": ("llamafactory", """\
model_name_or_path: ./model
stage: sft
do_train: true
finetuning_type: lora
dataset: chat
dataset_dir: data
template: default
neat_packing: true
cutoff_len: 60
max_samples: 1200
per_device_train_batch_size: 2
gradient_accumulation_steps: 1
num_train_epochs: 1
learning_rate: 1.0e-4
output_dir: out
""", ("alpaca", 23, 1300)),
}


def build_case(name: str, folder: Path) -> Path:
    """Write one end-to-end case's model folder, data and config into ``folder``; the config's path."""
    tool, config, data = END_TO_END[name]
    folder.mkdir(parents=True, exist_ok=True)
    write_tokenizer(folder / "model")
    kind, seed, count, *bounds = data
    if kind == "text":
        write_text_rows(folder / "text.jsonl", seed, count, *bounds)
    elif kind == "tokens":
        write_token_rows(folder / "tokens.jsonl", seed, count, *bounds)
    else:
        (folder / "data").mkdir(exist_ok=True)
        if kind == "pt":
            write_text_rows(folder / "data" / "corpus.jsonl", seed, count, *bounds)
            info = {"corpus": {"file_name": "corpus.jsonl", "columns": {"prompt": "text"}}}
        else:
            write_alpaca_rows(folder / "data" / "chat.jsonl", seed, count)
            info = {"chat": {"file_name": "chat.jsonl", "columns": {"prompt": "instruction", "query": "input",
                                                                    "response": "output", "system": "system"}}}
        (folder / "data" / "dataset_info.json").write_text(json.dumps(info))
    path = folder / ("axolotl.yml" if tool == "axolotl" else "llamafactory.yaml")
    path.write_text(config)
    return path
