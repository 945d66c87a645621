"""One training process: ``python -m sftlint.runner.worker RECIPE.json`` (or under ``accelerate launch``).

It loads the backend first (Unsloth must be imported before transformers), trains with the
:class:`~sftlint.runner.recorder.StepRecorder`, then on the main process saves the adapter,
reloads it from disk the way a user would and compares logits with the model still in memory.
Everything it learns goes to ``worker.json`` in the run folder; the parent process judges it.
The worker never decides pass or fail.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import sys
import traceback
from pathlib import Path

#: Logits of the in-memory and the reloaded model may differ by this much (see ``compare_logits``).
LOGIT_ATOL = 1e-4
LOGIT_RTOL = 1e-4
#: ...or by this many units in the last place of the dtype the logits were computed in.
LOGIT_ULPS = 2
PROBE_TOKENS = 64


def _rank() -> int:
    return int(os.environ.get("RANK", "0"))


def probe_ids(trainer):
    """A fixed input for the logits comparison: the start of the first training example."""
    import torch

    ids = trainer.train_dataset[0]["input_ids"][:PROBE_TOKENS]
    return torch.tensor([ids], dtype=torch.long)


def logits_of(model, ids):
    """The model's logits for ``ids`` as float32 on the CPU, and the dtype they were computed in."""
    import torch

    model.eval()
    with torch.no_grad():
        logits = model(input_ids=ids.to(model.device)).logits
    return logits.float().cpu(), logits.dtype


def ulp(scale: float, dtype) -> float:
    """One unit in the last place of ``dtype`` for numbers of magnitude ``scale``."""
    import math

    import torch

    if scale <= 0:
        return 0.0
    return torch.finfo(dtype).eps * 2.0 ** math.floor(math.log2(scale))


def compare_logits(trained, reloaded, dtype=None, adapter_effect: float | None = None) -> dict:
    """Largest absolute difference against ``max(atol + rtol * max|logit|, 2 ulp)``, and never
    more than a quarter of what the adapter itself changes (``adapter_effect``), so that a reload
    that lost the adapter, or part of it, fails however coarse the dtype.

    Both models run the same code in the same dtypes, and re-quantising the base checkpoint to 4 bits
    is deterministic, so on a CPU the logits come out bit-identical (also in 4-bit). On a GPU the
    bitsandbytes and attention kernels may round differently between two loads; logits computed in
    bfloat16 around 10 then differ by one or two units in the last place (0.0625 each), against an
    adapter that moves them by about 10: a missing or corrupt adapter still fails by far.
    """
    import torch

    diff = float((trained - reloaded).abs().max())
    scale = float(trained.abs().max())
    tolerance = max(LOGIT_ATOL + LOGIT_RTOL * scale, LOGIT_ULPS * ulp(scale, dtype or torch.float32))
    if adapter_effect:
        tolerance = min(tolerance, adapter_effect / 4)
    return {"max_abs_diff": diff, "max_abs_logit": scale, "tolerance": tolerance, "passed": diff <= tolerance,
            "logits_dtype": str(dtype).removeprefix("torch.") if dtype is not None else None}


def match_dtypes(reloaded, trained_dtypes: dict) -> int:
    """Give the reloaded model the dtypes it trained in; return how many tensors were cast.

    Training changes precisions that a plain reload does not: TRL casts a QLoRA adapter to
    bfloat16 while PEFT loads a saved adapter in float32, and PEFT's
    ``prepare_model_for_kbit_training`` lifts the base model's norms and embeddings to float32
    while a fresh 4-bit load keeps them in bfloat16 (on a GPU that alone moves logits by ~0.1).
    The weights are the same either way; computing in the precisions the model trained in is what
    makes "the saved adapter reproduces the trained model" a fair comparison.
    """
    cast = 0
    for name, param in reloaded.named_parameters():
        dtype = trained_dtypes.get(name)
        if dtype is not None and param.dtype != dtype:
            param.data = param.data.to(dtype)
            cast += 1
    return cast


def adapter_roundtrip(backend, recipe, device, trainer, tokenizer, out: Path) -> dict:
    import torch

    model = trainer.model
    ids = probe_ids(trainer)
    trained, dtype = logits_of(model, ids)
    trained_dtypes = {n: p.dtype for n, p in model.named_parameters()}
    adapter_dir = out / "adapter"
    model.save_pretrained(str(adapter_dir))
    tokenizer.save_pretrained(str(adapter_dir))
    trainer.optimizer = None
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    reloaded_model = backend.load_adapter(recipe, device, adapter_dir)
    cast = match_dtypes(reloaded_model, trained_dtypes)
    reloaded, _ = logits_of(reloaded_model, ids)
    with reloaded_model.disable_adapter():
        base, _ = logits_of(reloaded_model, ids)
    effect = float((reloaded - base).abs().max())
    result = compare_logits(trained, reloaded, dtype, adapter_effect=effect)
    result["adapter_effect"] = effect
    result["cast_to_trained_dtype"] = cast
    result["adapter_dir"] = str(adapter_dir)
    result["probe_tokens"] = int(ids.shape[1])
    return result


#: What the worker was doing, for the one-line cause of a run that could not start.
PHASES = {
    "backend": "loading the training packages",
    "data": "loading the training data",
    "model": "loading the model",
    "trainer": "building the trainer",
    "train": "training",
    "adapter": "saving and reloading the adapter",
}
#: Phases before the first optimizer step: an error there means the run could not start.
SETUP_PHASES = ("backend", "data", "model", "trainer")


def trainer_arguments(trainer, model) -> dict:
    """What the real Trainer will do, read from it before training: the figures the plan predicts.

    ``set_initial_training_values`` and ``get_warmup_steps`` are the Trainer's own arithmetic, on
    the dataloader it built from the rows it was given; LoRA and 4-bit settings are read back from
    the model the backend loaded.
    """
    args = trainer.args
    dataloader = trainer.get_train_dataloader()
    _, per_epoch, _, _, total_batch, batches, total = trainer.set_initial_training_values(args, dataloader)
    # ``max_steps: 0`` sets a length of 0 (and a schedule over 0 steps), but the loop checks the
    # length only after a step, so it trains one.
    loop_steps = max(total, 1) if total is not None and total >= 0 else total
    out = {
        "learning_rate": args.learning_rate, "lr_scheduler_type": str(getattr(args.lr_scheduler_type, "value",
                                                                              args.lr_scheduler_type)),
        "lr_scheduler_kwargs": dict(args.lr_scheduler_kwargs or {}), "warmup_steps_argument": args.warmup_steps,
        "warmup_steps": args.get_warmup_steps(total) if total is not None and total >= 0 else None,
        "per_device_train_batch_size": args.per_device_train_batch_size,
        "gradient_accumulation_steps": args.gradient_accumulation_steps, "num_train_epochs": args.num_train_epochs,
        "max_steps_argument": args.max_steps, "total_steps": loop_steps, "steps_per_epoch": per_epoch,
        "batches_per_epoch": batches, "total_train_batch_size": total_batch, "train_rows": len(trainer.train_dataset),
        "dataloader_drop_last": bool(args.dataloader_drop_last),
        "train_tokens": _token_count(trainer.train_dataset),
        "bf16": bool(args.bf16), "fp16": bool(args.fp16),
    }
    peft = getattr(model, "peft_config", {}).get("default")
    if peft is not None:
        targets = peft.target_modules
        out["lora"] = {"r": peft.r, "lora_alpha": peft.lora_alpha, "lora_dropout": peft.lora_dropout,
                       "target_modules": sorted(targets) if isinstance(targets, (set, list, tuple)) else targets,
                       "use_rslora": bool(peft.use_rslora), "use_dora": bool(peft.use_dora)}
    quant = getattr(getattr(model, "config", None), "quantization_config", None)
    if quant is not None:
        q = quant if isinstance(quant, dict) else quant.to_dict()
        out["quantization"] = {k: str(q.get(k)) if k == "bnb_4bit_compute_dtype" else q.get(k) for k in
                               ("load_in_4bit", "load_in_8bit", "bnb_4bit_quant_type", "bnb_4bit_use_double_quant",
                                "bnb_4bit_compute_dtype")}
    dtypes = sorted({str(p.dtype).removeprefix("torch.") for p in model.parameters() if p.is_floating_point()
                     and not p.requires_grad})
    out["frozen_weight_dtypes"] = dtypes
    return out


def _token_count(dataset) -> int | None:
    """Tokens in the tokenised training rows (no padding): what one pass over them trains on."""
    if "input_ids" not in getattr(dataset, "column_names", []):
        return None
    return sum(len(ids) for ids in dataset["input_ids"])


def precision_note(recipe, device, facts: dict) -> str | None:
    """What precision the run really used, when it is not what the config asked for."""
    mixed = "bf16" if facts["bf16"] else "fp16" if facts["fp16"] else None
    asked = "bf16" if recipe.bf16 else "fp16" if recipe.fp16 else None
    if asked == mixed:
        return None
    weights = "/".join(facts.get("frozen_weight_dtypes") or []) or "unknown"
    where = "cpu" if not device.cuda else "gpu"
    return (f"{where}: the config asks for {asked or 'no'} mixed precision; trained with "
            f"{mixed or 'no'} mixed precision, frozen weights in {weights}")


def _write(out: Path, report: dict) -> None:
    (out / "worker.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


def run(recipe_path: Path) -> int:
    from .recipe import Recipe

    recipe = Recipe.read(recipe_path)
    out = Path(recipe.output_dir)
    main = _rank() == 0
    report: dict = {"run_id": recipe.run_id, "backend": recipe.backend,
                    "rank_count": int(os.environ.get("WORLD_SIZE", "1")), "phase": "backend"}
    trainer = recorder = None
    try:
        from . import backends

        backend = backends.load(recipe.backend)  # first: Unsloth patches what follows
        from . import memory
        from .backends import device as dev
        from .backends.sft_args import sft_config
        from .data import load_training_data
        from .recorder import StepRecorder

        device = dev.detect()
        report["device"] = device.name
        report["phase"] = "data"
        dataset = load_training_data(recipe.data_files, recipe.max_rows, max_rows_each=recipe.max_rows_each,
                                     val_size=recipe.val_size, seed=recipe.seed)
        report["rows"] = len(dataset)
        report["phase"] = "model"
        from transformers import set_seed

        set_seed(recipe.seed)  # the adapter's random init too, not only what the Trainer seeds later
        model, tokenizer = backend.load_for_training(recipe, device)
        report["phase"] = "trainer"
        args = sft_config(recipe, device, gradient_checkpointing=backend.gradient_checkpointing_in_trainer(recipe))
        recorder = StepRecorder(out / "metrics.jsonl" if main else None, run_id=recipe.run_id)
        trainer = backend.trainer_class(device)(model=model, args=args, train_dataset=dataset,
                                                processing_class=tokenizer, callbacks=[recorder])
        facts = {"run_id": recipe.run_id, **trainer_arguments(trainer, model)}
        if main:
            (out / "trainer_args.json").write_text(json.dumps(facts, indent=2, default=str) + "\n", encoding="utf-8")
        note = precision_note(recipe, device, facts)
        if note:
            device.notes.append(note)
        if recipe.prepare_only:
            report["phase"] = "prepared"
            report["notes"] = list(dict.fromkeys(device.notes))
            if main:
                _write(out, report)
            return 0
        report["phase"] = "train"
        memory.reset_peak()
        trainer.train()
        report["peak_memory_bytes"], report["memory_kind"] = memory.peak_bytes(recorder.memory_readings)
        report["global_step"] = trainer.state.global_step
        report["optimizer_steps"] = len(recorder.lr_used)
        report["trainable_parameters"] = sum(p.numel() for p in model.parameters() if p.requires_grad)
        if main:
            report["phase"] = "adapter"
            report["adapter"] = adapter_roundtrip(backend, recipe, device, trainer, tokenizer, out)
        report["phase"] = "done"
        report["notes"] = list(dict.fromkeys(device.notes))
        code = 0
    except BaseException as exc:  # the parent turns this into a verdict with numbers
        interrupted = isinstance(exc, KeyboardInterrupt)
        if interrupted:  # a second Ctrl-C must not stop the report being written
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        from .memory import is_oom, peak_bytes

        # ``trainer.state`` is replaced when training starts: read it now, never a copy from before.
        step = trainer.state.global_step if trainer is not None else None
        report["error"] = {"type": type(exc).__name__, "message": str(exc)[:2000], "oom": is_oom(exc),
                           "step": step, "phase": report["phase"], "interrupted": interrupted,
                           "traceback": traceback.format_exc()[-4000:]}
        report["global_step"] = step
        report["peak_memory_bytes"], report["memory_kind"] = peak_bytes(recorder.memory_readings if recorder else ())
        code = 130 if interrupted else 1
    if main:
        _write(out, report)
    return code


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m sftlint.runner.worker RECIPE.json", file=sys.stderr)
        return 2
    return run(Path(argv[0]))


if __name__ == "__main__":
    raise SystemExit(main())
