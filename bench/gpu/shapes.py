"""The models, configs and data the GPU check trains: synthetic Llama shapes of several sizes.

The runner ships ``synthetic:tiny`` and ``synthetic:1b``; the memory model has to be checked on
more than one size, so this module adds ``synthetic:0.5b`` and ``synthetic:3b`` for the benchmark
process (registered beside the runner's own specs, never replacing one) and builds them with the
runner's own builder, into the same cache. All share the 1b's 32k vocabulary and tokenizer, so the
sizes differ in the body only:

* ``0.5b``: hidden 1280, 20 layers, 20 heads (4 key/value), MLP 5120: 0.51B parameters;
* ``1b``: Llama-3.2-1B's body with a 32k vocabulary: 1.04B;
* ``3b``: Llama-3.2-3B's body (hidden 3072, 28 layers, 24/8 heads, MLP 8192): 2.92B.

Every training run of the check is an axolotl QLoRA config written here, read by the runner
through the linter, so the plan and its memory estimate are the ones a user gets.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # bench/: bench_runner (rows, config text) and bare_unsloth

from bench_runner import TARGET_MODULES, config_text, make_rows, write_jsonl  # noqa: E402

from sftlint.runner import synthetic_model as sm  # noqa: E402

EXTRA_SPECS = {
    "0.5b": sm.SyntheticSpec("0.5b", hidden_size=1280, intermediate_size=5120, num_hidden_layers=20,
                             num_attention_heads=20, num_key_value_heads=4, tokenizer_vocab=4096, vocab_size=32768),
    "3b": sm.SyntheticSpec("3b", hidden_size=3072, intermediate_size=8192, num_hidden_layers=28,
                           num_attention_heads=24, num_key_value_heads=8, tokenizer_vocab=4096, vocab_size=32768),
}


def register() -> None:
    """Make ``synthetic:0.5b`` and ``synthetic:3b`` known to the runner in this process."""
    for name, spec in EXTRA_SPECS.items():
        sm.SPECS.setdefault(name, spec)


def model_name(size: str) -> str:
    return size if sm.is_synthetic(size) else sm.PREFIX + size


def ensure(size: str) -> Path:
    """The local folder of a synthetic size, built the first time (atomically, shareable)."""
    register()
    return sm.ensure_model(model_name(size))


def parameters(size: str) -> int:
    register()
    return sm.parameter_count(sm.spec_for(model_name(size)))


def training_config(folder: Path, *, model_path: Path, data_file: Path, seq_len: int, batch: int, steps: int,
                    gradient_checkpointing: bool, bf16: bool, lr: float = 1e-3, lora_r: int = 16,
                    name: str = "config.yaml") -> Path:
    """An axolotl QLoRA config for one shape (r 16 on every linear module, AdamW, cosine, no warmup)."""
    from types import SimpleNamespace

    args = SimpleNamespace(lora_r=lora_r, seq_len=seq_len, batch=batch, accum=1, skip=0, steps=steps, warmup=0, lr=lr)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(config_text(args, str(model_path), data_file, bf16=bf16,
                                gradient_checkpointing=gradient_checkpointing), encoding="utf-8")
    return path


def data_file(folder: Path, *, model_path: Path, rows: int, seq_len: int) -> Path:
    """``rows`` text rows each longer than ``seq_len`` tokens, so every step trains batch x seq_len tokens."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"rows-{rows}x{seq_len}.jsonl"
    if not path.is_file():
        write_jsonl(path, make_rows(rows, seq_len + 8, model_path / "tokenizer.json"))
    return path


def bare_spec(*, model_path: Path, data_file: Path, output_dir: Path, device: str, seq_len: int, batch: int,
              steps: int, lr: float = 1e-3, lora_r: int = 16) -> dict:
    """The same plan as :func:`training_config`, as arguments of ``bench/bare_unsloth.py``."""
    return {
        "model": str(model_path), "data_file": str(data_file), "output_dir": str(output_dir), "device": device,
        "max_steps": steps, "warmup_steps": 0, "learning_rate": lr, "lr_scheduler_type": "cosine",
        "batch_size": batch, "gradient_accumulation_steps": 1, "max_seq_length": seq_len, "lora_r": lora_r,
        "lora_alpha": float(2 * lora_r), "lora_dropout": 0.0, "target_modules": TARGET_MODULES,
        "load_in_4bit": True, "optim": "adamw_torch", "weight_decay": 0.0, "max_grad_norm": 1.0,
        "bf16": device == "cuda", "seed": 42,
    }


def main(argv: list[str]) -> int:
    """``python bench/gpu/shapes.py 0.5b 3b``: build the named sizes (one line each)."""
    import time

    for size in argv:
        started = time.perf_counter()
        path = ensure(size)
        print(json.dumps({"model": model_name(size), "parameters": parameters(size), "path": str(path),
                          "seconds": round(time.perf_counter() - started, 1)}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
