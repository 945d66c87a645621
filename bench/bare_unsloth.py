"""The baseline for the runner benchmark: QLoRA training written by hand with Unsloth and TRL.

    python bench/bare_unsloth.py SPEC.json RESULT.json

This is the script a user would write from Unsloth's notebooks, with no sftlint import at all, so
that ``bench/bench_runner.py`` can say what the runner costs on top of it. SPEC.json (written by the
benchmark) holds the model folder, the data file and every hyperparameter; the same values drive the
runner's ``unsloth`` and ``hf`` backends. RESULT.json gets the time of each optimizer step (taken
at ``on_step_end``, the same instant the runner's step recorder uses), the time of the whole
``train()`` call, the losses and ``torch.cuda.max_memory_allocated`` over ``train()``.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time

os.environ.setdefault("UNSLOTH_DISABLE_STATISTICS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import unsloth  # noqa: E402,F401  (Unsloth patches transformers, TRL and PEFT: import it first)
from unsloth import FastLanguageModel  # noqa: E402

import torch  # noqa: E402
from datasets import load_dataset  # noqa: E402
from transformers import TrainerCallback  # noqa: E402
from trl import SFTConfig, SFTTrainer  # noqa: E402


class StepTimes(TrainerCallback):
    """Wall-clock seconds between optimizer steps, and the loss of each, nothing else."""

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self.losses: list[float] = []
        self._last = None

    def on_train_begin(self, args, state, control, **kwargs):
        self._last = time.perf_counter()

    def on_step_end(self, args, state, control, **kwargs):
        now = time.perf_counter()
        self.seconds.append(now - self._last)
        self._last = now

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs and "loss" in logs:
            self.losses.append(float(logs["loss"]))


def train(spec: dict) -> dict:
    cuda = torch.cuda.is_available() and spec.get("device", "auto") != "cpu"
    started = time.perf_counter()
    model, tokenizer = FastLanguageModel.from_pretrained(
        model_name=spec["model"], max_seq_length=spec["max_seq_length"], dtype=None,
        load_in_4bit=spec["load_in_4bit"], random_state=spec["seed"],
        device_map="sequential" if not cuda else {"": 0},
    )
    model = FastLanguageModel.get_peft_model(
        model, r=spec["lora_r"], lora_alpha=spec["lora_alpha"], lora_dropout=spec["lora_dropout"],
        target_modules=spec["target_modules"], bias="none", use_gradient_checkpointing="unsloth",
        random_state=spec["seed"],
    )
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    dataset = load_dataset("json", data_files=spec["data_file"], split="train")
    precision = {"bf16": spec["bf16"], "fp16": False} if cuda else {"bf16": False, "fp16": False, "use_cpu": True}
    args = SFTConfig(
        output_dir=spec["output_dir"], max_steps=spec["max_steps"], learning_rate=spec["learning_rate"],
        lr_scheduler_type=spec["lr_scheduler_type"], warmup_steps=spec["warmup_steps"],
        per_device_train_batch_size=spec["batch_size"], gradient_accumulation_steps=spec["gradient_accumulation_steps"],
        weight_decay=spec["weight_decay"], max_grad_norm=spec["max_grad_norm"], optim=spec["optim"],
        seed=spec["seed"], max_length=spec["max_seq_length"], packing=False, dataset_text_field="text",
        logging_steps=1, save_strategy="no", report_to="none", disable_tqdm=True, dataloader_num_workers=0,
        # TRL turns the Trainer's checkpointing on by default; Unsloth's get_peft_model set up its own
        gradient_checkpointing=False,
        **precision,
    )
    times = StepTimes()
    trainer = SFTTrainer(model=model, args=args, train_dataset=dataset, processing_class=tokenizer, callbacks=[times])
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    begin = time.perf_counter()
    trainer.train()
    if cuda:
        torch.cuda.synchronize()
    end = time.perf_counter()
    return {
        "path": "bare", "device": torch.cuda.get_device_name(0) if cuda else "cpu",
        "global_step": trainer.state.global_step, "step_seconds": times.seconds, "losses": times.losses,
        "train_call_seconds": end - begin, "setup_seconds": begin - started,
        # the runner's figures: the CUDA allocator's peak, or on a CPU the process's peak resident set
        "peak_memory_bytes": int(torch.cuda.max_memory_allocated()) if cuda
        else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "memory_kind": "cuda max_memory_allocated" if cuda else "cpu peak RSS",
        "trainable_parameters": sum(p.numel() for p in model.parameters() if p.requires_grad),
    }


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python bench/bare_unsloth.py SPEC.json RESULT.json", file=sys.stderr)
        return 2
    with open(argv[0], encoding="utf-8") as f:
        spec = json.load(f)
    result = train(spec)
    with open(argv[1], "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
