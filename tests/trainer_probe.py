"""Run transformers' real Trainer on a tiny random model and record what it actually did.

Used by the plan tests as the ground truth: the optimizer steps taken, the learning rate each
optimizer step ran with, and the steps at which it logged, evaluated and saved. Also runnable
as a script under ``torchrun`` to observe several processes (each rank writes its own
``rank-N.json`` report into the output folder, so that concurrent ranks never interleave).
"""

from __future__ import annotations

import json
import os
import sys

import torch
from transformers import LlamaConfig, LlamaForCausalLM, Trainer, TrainerCallback, TrainingArguments

SEQ_LEN = 8
VOCAB = 64


class Recorder(TrainerCallback):
    """The lr the optimizer holds when a step begins is the lr that step's update uses."""

    def __init__(self) -> None:
        self.lrs: list[float] = []
        self.logged: list[int] = []
        self.evaluated: list[int] = []
        self.saved: list[int] = []

    def on_step_begin(self, args, state, control, optimizer=None, **kwargs):
        self.lrs.append(optimizer.param_groups[0]["lr"])

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs and "loss" in logs:
            self.logged.append(state.global_step)

    def on_evaluate(self, args, state, control, **kwargs):
        self.evaluated.append(state.global_step)

    def on_save(self, args, state, control, **kwargs):
        self.saved.append(state.global_step)


def rows(n: int) -> list[dict]:
    gen = torch.Generator().manual_seed(n)
    ids = torch.randint(0, VOCAB, (n, SEQ_LEN), generator=gen)
    return [{"input_ids": row, "labels": row.clone()} for row in ids]


def tiny_model() -> LlamaForCausalLM:
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=VOCAB, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=SEQ_LEN)
    return LlamaForCausalLM(config)


def run(output_dir: str, num_examples: int, eval_examples: int = 0, **arguments) -> tuple[Trainer, Recorder]:
    """Train for real and return the trainer and what the callback saw."""
    import gc

    gc.collect()
    gc.freeze()  # the Trainer collects garbage at every train(); the imports' heap need not be walked
    torch.set_num_threads(1)
    defaults = dict(output_dir=output_dir, use_cpu=True, report_to="none", save_strategy="no",
                    disable_tqdm=True, dataloader_num_workers=0, seed=0)
    args = TrainingArguments(**{**defaults, **arguments})
    recorder = Recorder()
    trainer = Trainer(model=tiny_model(), args=args, train_dataset=rows(num_examples),
                      eval_dataset=rows(eval_examples) if eval_examples else None, callbacks=[recorder])
    trainer.train()
    return trainer, recorder


if __name__ == "__main__":  # torchrun --nproc-per-node=2 trainer_probe.py OUTPUT N '{"arguments": ...}' [EVAL_N]
    trainer, recorder = run(sys.argv[1], int(sys.argv[2]), int(sys.argv[4]) if len(sys.argv) > 4 else 0,
                            **json.loads(sys.argv[3]))
    rank = int(os.environ.get("RANK", 0))
    report = {"rank": rank, "global_step": trainer.state.global_step,
              "batches": len(trainer.get_train_dataloader()), "lrs": recorder.lrs,
              "logged": recorder.logged, "evaluated": recorder.evaluated, "saved": recorder.saved}
    with open(os.path.join(sys.argv[1], f"rank-{rank}.json"), "w", encoding="utf-8") as handle:
        json.dump(report, handle)
