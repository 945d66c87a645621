"""Preference and RL plans against TRL 1.15's real trainers on a tiny random Llama.

DPO, ORPO and KTO count preference rows; GRPO turns prompts into groups of completions through
its own sampler. Each test trains for real on CPU and compares the optimizer steps, the
dataloader's length and the lr of every step with the plan built from the same settings, read
from a YAML file through the TRL dialect. GRPO's start-up checks are compared with the plan's
error findings without training.

TRL 1.15 computes DPO's, KTO's and GRPO's log-probabilities with a Triton kernel that needs a GPU
driver and has no CPU path; on CPU the tests put a plain PyTorch log-softmax in its place (same
outputs, for this tiny model). Everything that decides steps and learning rates (the trainers'
datasets, samplers, dataloaders, the Trainer's loop and scheduler) stays TRL's and transformers'.
"""

from __future__ import annotations

import math
import textwrap

import pytest

pytest.importorskip("trl")
pytestmark = pytest.mark.slow

from sftlint.dialects.trl import TRL  # noqa: E402
from sftlint.document import parse_document  # noqa: E402
from sftlint.lint.engine import apply_hints  # noqa: E402
from sftlint.plan.build import build_plan  # noqa: E402
from sftlint.settings.resolver import Settings  # noqa: E402

from trl_cpu import TorchLogProbs  # noqa: E402

WORDS = [f"w{i}" for i in range(40)]


@pytest.fixture(scope="module", autouse=True)
def _frozen_heap():
    from trl_cpu import freeze_heap

    import trl  # noqa: F401  (imported before the freeze, so its modules are not walked either)

    freeze_heap()


@pytest.fixture(autouse=True)
def _log_probs_on_cpu(monkeypatch):
    import torch
    import trl.trainer.utils as utils

    if not torch.cuda.is_available():
        monkeypatch.setattr(utils, "_ChunkedLogProbFunction", TorchLogProbs)


def tiny(folder):
    """A tiny random Llama and its tokenizer, saved to ``folder`` (the trainers load reference models by path)."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    vocab = {"<pad>": 0, "<eos>": 1, "<bos>": 2, **{w: i + 3 for i, w in enumerate(WORDS)}}
    backend = Tokenizer(models.WordLevel(vocab, unk_token="<pad>"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, pad_token="<pad>", eos_token="<eos>",
                                        bos_token="<bos>")
    torch.manual_seed(0)
    model = LlamaForCausalLM(LlamaConfig(vocab_size=len(vocab), hidden_size=16, intermediate_size=32,
                                         num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=2,
                                         max_position_embeddings=64, pad_token_id=0, eos_token_id=1, bos_token_id=2))
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder), tokenizer


def pairs(n: int):
    from datasets import Dataset

    return Dataset.from_list([{"prompt": f"w{i % 40} w{(i + 1) % 40}", "chosen": f" w{(i + 2) % 40}",
                               "rejected": f" w{(i + 3) % 40}"} for i in range(n)])


def plan_of(tmp_path, name: str, text: str, examples: int):
    folder = tmp_path / name
    folder.mkdir(exist_ok=True)
    path = folder / "config.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    settings = Settings(num_examples=examples, overridden=frozenset({"world_size"}))  # one process, as tested
    config = TRL().read(parse_document(path, path.read_text()))
    apply_hints(config, settings)
    return build_plan(config, settings)


COMMON = dict(per_device_train_batch_size=2, gradient_accumulation_steps=2, num_train_epochs=2, learning_rate=1e-3,
              lr_scheduler_type="cosine", warmup_steps=2, logging_steps=1, save_strategy="no", report_to="none",
              use_cpu=True, bf16=False, gradient_checkpointing=False, max_length=16, disable_tqdm=True)
YAML = """\
model_name_or_path: tiny
per_device_train_batch_size: 2
gradient_accumulation_steps: 2
num_train_epochs: 2
learning_rate: 0.001
lr_scheduler_type: cosine
warmup_steps: 2
"""


class LRs:
    def __init__(self):
        from transformers import TrainerCallback

        class _Seen(TrainerCallback):
            def __init__(inner):
                inner.lrs = []

            def on_step_begin(inner, args, state, control, optimizer=None, **kwargs):
                inner.lrs.append(optimizer.param_groups[0]["lr"])

        self.callback = _Seen()


def check(plan, trainer, seen):
    assert plan.total_steps == trainer.state.global_step
    assert plan.batches_per_epoch == len(trainer.get_train_dataloader())
    assert len(plan.lr_schedule) == len(seen.callback.lrs)
    for want, got in zip(plan.lr_schedule, seen.callback.lrs):
        assert math.isclose(want, got, rel_tol=1e-6, abs_tol=1e-15)


def test_dpo_steps_count_pairs(tmp_path):
    from trl import DPOConfig, DPOTrainer

    model, tokenizer = tiny(tmp_path / "model")
    seen = LRs()
    args = DPOConfig(output_dir=str(tmp_path / "out"), beta=0.1, **COMMON)
    trainer = DPOTrainer(model=model, args=args, train_dataset=pairs(11), processing_class=tokenizer,
                         callbacks=[seen.callback])
    trainer.train()
    plan = plan_of(tmp_path, "dpo", YAML + "beta: 0.1\n", 11)
    assert plan.objective == "dpo" and plan.objective_plan["pairs_per_step"] == 4
    check(plan, trainer, seen)  # 11 pairs: 6 batches, 3 steps an epoch, 6 in all


def test_orpo_steps_count_pairs(tmp_path):
    from trl.experimental.orpo import ORPOConfig, ORPOTrainer

    model, tokenizer = tiny(tmp_path / "model")
    seen = LRs()
    args = ORPOConfig(output_dir=str(tmp_path / "out"), **COMMON)
    trainer = ORPOTrainer(model=model, args=args, train_dataset=pairs(9), processing_class=tokenizer,
                          callbacks=[seen.callback])
    trainer.train()
    plan = plan_of(tmp_path, "orpo", YAML, 9)
    assert plan.objective == "orpo"
    check(plan, trainer, seen)


def test_kto_unpairs_pairs_into_two_rows(tmp_path):
    from trl import KTOConfig, KTOTrainer

    model, tokenizer = tiny(tmp_path / "model")
    seen = LRs()
    args = KTOConfig(output_dir=str(tmp_path / "out"), **COMMON)
    trainer = KTOTrainer(model=model, args=args, train_dataset=pairs(5), processing_class=tokenizer,
                         callbacks=[seen.callback])
    trainer.train()
    plan = plan_of(tmp_path, "kto", YAML + "desirable_weight: 1.0\n", 10)  # 5 pairs are 10 rows
    assert plan.objective == "kto"
    check(plan, trainer, seen)
    single = plan_of(tmp_path, "kto1", YAML.replace("batch_size: 2", "batch_size: 1") + "desirable_weight: 1.0\n", 10)
    assert any("KTOTrainer raises" in error for error in single.trainer_errors)
    with pytest.raises(ValueError, match="batch size must be > 1"):
        KTOTrainer(model=model, args=KTOConfig(output_dir=str(tmp_path / "o1"), **{**COMMON,
                   "per_device_train_batch_size": 1}), train_dataset=pairs(5), processing_class=tokenizer)


def test_kto_rows_counted_from_the_file(tmp_path, monkeypatch):
    """Pairs become two rows and prompts of max_length tokens or more are dropped, as KTOTrainer does."""
    import json

    from datasets import load_dataset
    from trl import KTOConfig, KTOTrainer

    monkeypatch.chdir(tmp_path)
    model, tokenizer = tiny(tmp_path / "model")
    rows = [{"prompt": f"w{i % 40} w{(i + 1) % 40}", "chosen": f" w{(i + 2) % 40}", "rejected": f" w{(i + 3) % 40}"}
            for i in range(9)]
    rows += [{"prompt": " ".join(f"w{j}" for j in range(20)), "chosen": " w1", "rejected": " w2"}] * 2
    (tmp_path / "pairs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    seen = LRs()
    trainer = KTOTrainer(model=model, args=KTOConfig(output_dir=str(tmp_path / "out"), **COMMON),
                         train_dataset=load_dataset("json", data_files=str(tmp_path / "pairs.jsonl"))["train"],
                         processing_class=tokenizer, callbacks=[seen.callback])
    path = tmp_path / "kto.yaml"
    path.write_text(YAML.replace("model_name_or_path: tiny", "model_name_or_path: model") +
                    "dataset_name: pairs.jsonl\nmax_length: 16\ndesirable_weight: 1.0\n")
    plan = build_plan(TRL().read(parse_document(path, path.read_text())), Settings(
        overridden=frozenset({"world_size"})))
    assert plan.num_examples == len(trainer.train_dataset) == 18, plan.num_examples_source  # 2 long prompts dropped
    assert "KTOTrainer's rows" in plan.num_examples_source
    trainer.train()
    check(plan, trainer, seen)


@pytest.mark.parametrize("prompts, extra", [(13, {}), (8, {"num_iterations": 2}),
                                            (10, {"steps_per_generation": 4})])
def test_grpo_steps_follow_its_sampler(tmp_path, prompts, extra):
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    model, tokenizer = tiny(tmp_path / "model")
    seen = LRs()
    settings = {**COMMON, "num_train_epochs": 1, "num_generations": 2, "max_completion_length": 3, **extra}
    settings.pop("max_length")
    args = GRPOConfig(output_dir=str(tmp_path / "out"), **settings)
    data = Dataset.from_list([{"prompt": f"w{i % 40} w{(i + 5) % 40}"} for i in range(prompts)])
    trainer = GRPOTrainer(model=model, reward_funcs=lambda completions, **kw: [float(len(c)) for c in completions],
                          args=args, train_dataset=data, processing_class=tokenizer, callbacks=[seen.callback])
    trainer.train()
    text = YAML.replace("num_train_epochs: 2", "num_train_epochs: 1") + "num_generations: 2\n" + "".join(
        f"{key}: {value}\n" for key, value in extra.items())
    plan = plan_of(tmp_path, "grpo", text, prompts)
    assert plan.objective == "grpo"
    assert plan.objective_plan["completions_per_step"] == 4 and plan.objective_plan["prompts_per_step"] == 2
    check(plan, trainer, seen)


@pytest.mark.parametrize("text", [
    "num_generations: 3\n",  # 2 x 1 x 2 = 4 completions per generation: no whole groups of 3
    "generation_batch_size: 6\n",  # whole steps (3 of 2), but no whole groups of the default 8 generations
    "generation_batch_size: 5\nnum_generations: 5\n",  # 5 is not a multiple of the global batch 2
    "generation_batch_size: 8\nsteps_per_generation: 4\nnum_generations: 2\n",  # both set
    "num_generations: 1\nsteps_per_generation: 1\n",  # fewer than 2 completions per prompt
    "num_generations: 4\n",  # fine: 4 completions make one group
])
def test_grpo_start_up_checks_are_error_findings(tmp_path, text):  # with one process given
    import yaml
    from trl import GRPOConfig

    plan = plan_of(tmp_path, "grpo", YAML + text, 16)
    values = {k: v for k, v in yaml.safe_load(YAML + text).items() if k != "model_name_or_path"}
    try:
        GRPOConfig(output_dir=str(tmp_path / "out"), use_cpu=True, bf16=False, report_to="none", **values)
        raised = False
    except ValueError:
        raised = True
    assert raised == bool(plan.trainer_errors), plan.trainer_errors


def test_grpo_batch_arithmetic_is_a_note_when_the_process_count_is_not_given(tmp_path):
    """A GRPO recipe written for several GPUs (16 x 7 x 4 is divisible by 14; 16 x 1 x 4 is not)
    is no error when the number of processes is not given: the plan says what one process would do."""
    text = YAML + "num_generations: 14\nsteps_per_generation: 4\nper_device_train_batch_size: 16\n"
    text = text.replace("per_device_train_batch_size: 2\n", "")
    folder = tmp_path / "grpo"
    folder.mkdir()
    path = folder / "config.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    settings = Settings(num_examples=64)
    config = TRL().read(parse_document(path, path.read_text()))
    apply_hints(config, settings)
    plan = build_plan(config, settings)
    assert not plan.trainer_errors
    assert any("with one process" in note and "num_generations 14" in note for note in plan.notes), plan.notes
