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


def run(recipe_path: Path) -> int:
    from .recipe import Recipe

    recipe = Recipe.read(recipe_path)
    out = Path(recipe.output_dir)
    main = _rank() == 0
    report: dict = {"backend": recipe.backend, "rank_count": int(os.environ.get("WORLD_SIZE", "1"))}
    state = None
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
        dataset = load_training_data(recipe.data_files, recipe.max_rows)
        report["rows"] = len(dataset)
        model, tokenizer = backend.load_for_training(recipe, device)
        args = sft_config(recipe, device, gradient_checkpointing=backend.gradient_checkpointing_in_trainer(recipe))
        recorder = StepRecorder(out / "metrics.jsonl" if main else None)
        trainer = backend.trainer_class(device)(model=model, args=args, train_dataset=dataset,
                                                processing_class=tokenizer, callbacks=[recorder])
        state = trainer.state
        memory.reset_peak()
        trainer.train()
        report["peak_memory_bytes"], report["memory_kind"] = memory.peak_bytes()
        report["global_step"] = trainer.state.global_step
        report["optimizer_steps"] = len(recorder.lr_used)
        report["trainable_parameters"] = sum(p.numel() for p in model.parameters() if p.requires_grad)
        if main:
            report["adapter"] = adapter_roundtrip(backend, recipe, device, trainer, tokenizer, out)
        report["notes"] = list(dict.fromkeys(device.notes))
        code = 0
    except BaseException as exc:  # the parent turns this into a failed check with numbers
        from .memory import is_oom, peak_bytes

        report["error"] = {"type": type(exc).__name__, "message": str(exc)[:2000], "oom": is_oom(exc),
                           "step": getattr(state, "global_step", None), "traceback": traceback.format_exc()[-4000:]}
        report["peak_memory_bytes"], report["memory_kind"] = peak_bytes()
        code = 1
    if main:
        (out / "worker.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return code


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m sftlint.runner.worker RECIPE.json", file=sys.stderr)
        return 2
    return run(Path(argv[0]))


if __name__ == "__main__":
    raise SystemExit(main())
