"""Packed row counts against TRL 1.15's own packing code and SFTTrainer.

The plan packs tokenized lengths itself (``sftlint.plan.packing``); these tests run TRL's real
``pack_dataset`` on the same lengths, for every strategy and across its 1,000-example map batches,
and build TRL's real ``SFTTrainer`` on a local JSON Lines file with a local tokenizer to compare the
packed dataset, the dataloader and the optimizer steps with the plan read from the YAML config.
"""

from __future__ import annotations

import json
import random
import textwrap

import pytest

from sftlint.plan.packing import best_fit_decreasing, packed_rows

pytest.importorskip("trl")


def test_best_fit_decreasing_fills_the_tightest_bin():
    # 6 fits the 4-room bin left by 6 in a bin of 10? no: 10-6 = 4 < 6, new bin; 4 goes to a 4-room bin
    assert best_fit_decreasing([6, 6, 4, 4], 10) == 2
    assert best_fit_decreasing([], 10) == 0
    assert best_fit_decreasing([10, 1], 10) == 2


@pytest.mark.parametrize("strategy", ["bfd", "bfd_split", "wrapped"])
def test_counts_equal_trls_pack_dataset(strategy):
    from datasets import Dataset
    from trl.data_utils import pack_dataset

    for seed in range(12):
        rnd = random.Random(seed)
        capacity = rnd.choice([8, 16, 33])
        rows = rnd.choice([5, 40, 1000, 1303])  # past 1,000: packed one map batch at a time
        lengths = [rnd.choice([0, rnd.randint(1, capacity), rnd.randint(1, 3 * capacity)]) for _ in range(rows)]
        data = Dataset.from_dict({"input_ids": [[1] * n for n in lengths]})
        assert packed_rows(lengths, capacity, strategy) == len(pack_dataset(data, capacity, strategy)), (seed, strategy)


WORDS = [f"w{i}" for i in range(30)]


def _tiny_model(folder):
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    vocab = {"<pad>": 0, "<eos>": 1, "<bos>": 2, **{w: i + 3 for i, w in enumerate(WORDS)}}
    backend = Tokenizer(models.WordLevel(vocab, unk_token="<pad>"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    backend.post_processor = processors.TemplateProcessing(single="<bos> $A", special_tokens=[("<bos>", 2)])
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, pad_token="<pad>", eos_token="<eos>",
                                        bos_token="<bos>")
    torch.manual_seed(0)
    model = LlamaForCausalLM(LlamaConfig(vocab_size=len(vocab), hidden_size=16, intermediate_size=32,
                                         num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=2,
                                         max_position_embeddings=64, pad_token_id=0, eos_token_id=1, bos_token_id=2))
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)


def _examples(kind: str, count: int, seed: int = 0) -> list[dict]:
    rnd = random.Random(seed)

    def text(low, high):
        return " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(low, high)))

    if kind == "text":
        return [{"text": text(1, 40)} for _ in range(count)]
    return [{"prompt": text(1, 10), "completion": " " + text(1, 12)} for _ in range(count)]


@pytest.mark.slow
@pytest.mark.parametrize("kind, strategy", [("text", "bfd"), ("prompt-completion", "wrapped")])
def test_plan_counts_sfttrainers_packed_rows(tmp_path, monkeypatch, kind, strategy):
    from sftlint.dialects.trl import TRL
    from sftlint.document import parse_document
    from sftlint.plan.build import build_plan
    from sftlint.settings.resolver import Settings
    from transformers import AutoTokenizer, TrainerCallback
    from trl import SFTConfig, SFTTrainer

    from trl_cpu import freeze_heap, use_torch_log_probs

    use_torch_log_probs(monkeypatch)
    freeze_heap()
    monkeypatch.chdir(tmp_path)
    _tiny_model(tmp_path / "model")
    rows = _examples(kind, 57)
    (tmp_path / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    config_text = textwrap.dedent(f"""\
        model_name_or_path: model
        dataset_name: data.jsonl
        packing: true
        packing_strategy: {strategy}
        max_length: 24
        per_device_train_batch_size: 2
        gradient_accumulation_steps: 2
        num_train_epochs: 1
        learning_rate: 0.001
        """)
    path = tmp_path / "sft.yaml"
    path.write_text(config_text)
    plan = build_plan(TRL().read(parse_document(path, config_text)), Settings())

    from datasets import load_dataset

    lrs = []

    class Seen(TrainerCallback):
        def on_step_begin(self, args, state, control, optimizer=None, **kwargs):
            lrs.append(optimizer.param_groups[0]["lr"])

    args = SFTConfig(output_dir=str(tmp_path / "out"), packing=True, packing_strategy=strategy, max_length=24,
                     per_device_train_batch_size=2, gradient_accumulation_steps=2, num_train_epochs=1,
                     learning_rate=1e-3, use_cpu=True, bf16=False, gradient_checkpointing=False, report_to="none",
                     save_strategy="no", disable_tqdm=True, padding_free=strategy != "wrapped")
    trainer = SFTTrainer(model=str(tmp_path / "model"), args=args, processing_class=AutoTokenizer.from_pretrained(
        tmp_path / "model"), train_dataset=load_dataset("json", data_files=str(tmp_path / "data.jsonl"))["train"],
        callbacks=[Seen()])
    assert plan.packed_rows == len(trainer.train_dataset), plan.notes
    trainer.train()
    assert plan.total_steps == trainer.state.global_step
    assert plan.lr_schedule == pytest.approx(lrs, rel=1e-6)


def test_conversations_and_remote_tokenizers_say_why_the_count_is_unknown(tmp_path, monkeypatch):
    from sftlint.dialects.trl import TRL
    from sftlint.document import parse_document
    from sftlint.plan.build import build_plan
    from sftlint.settings.resolver import Settings

    monkeypatch.chdir(tmp_path)
    (tmp_path / "chat.jsonl").write_text(json.dumps({"messages": [{"role": "user", "content": "hi"}]}) + "\n")
    text = "model_name_or_path: Qwen/Qwen2.5-0.5B\ndataset_name: chat.jsonl\npacking: true\n"
    path = tmp_path / "sft.yaml"
    path.write_text(text)
    plan = build_plan(TRL().read(parse_document(path, text)), Settings())
    assert plan.packed_rows is None and plan.total_steps is None
    assert any("tokenizer of 'Qwen/Qwen2.5-0.5B' is not in a local folder" in note for note in plan.notes)
