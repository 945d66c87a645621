"""Run by tests/test_removed_values_real.py in a fresh interpreter: which values the real
transformers TrainingArguments and TRL's argument parser reject.

Reads a JSON list of [field, value] pairs on stdin and prints a JSON object mapping
"field=value" to true (the tool raised) or false.
"""

from __future__ import annotations

import json
import sys
import tempfile
import warnings

warnings.simplefilter("ignore")

from transformers import HfArgumentParser, TrainingArguments  # noqa: E402
from trl import SFTConfig  # noqa: E402

TRL_FIELDS = {"packing_strategy", "loss_type", "truncation_mode"}
#: Companions a value needs to pass the rest of __post_init__ (not what is being probed).
NEEDS = {
    ("save_strategy", "best"): {"metric_for_best_model": "loss", "eval_strategy": "steps", "eval_steps": 10},
    ("lr_scheduler_type", "reduce_lr_on_plateau"): {"eval_strategy": "steps", "eval_steps": 10},
    ("lr_scheduler_type", "greedy"): {"eval_strategy": "steps", "eval_steps": 10},
}


def rejects(field: str, value: str, out: str) -> bool:
    extra = NEEDS.get((field, value), {})
    if field in TRL_FIELDS:
        argv = ["--output_dir", out, "--use_cpu", "true", f"--{field}", value]
        for k, v in extra.items():
            argv += [f"--{k}", str(v)]
        try:
            HfArgumentParser(SFTConfig).parse_args_into_dataclasses(argv)
        except (SystemExit, ValueError):
            return True
        return False
    try:
        TrainingArguments(output_dir=out, **{field: value}, **extra)
    except ValueError:
        return True
    return False


def main() -> None:
    pairs = json.load(sys.stdin)
    with tempfile.TemporaryDirectory() as out:
        result = {f"{f}={v}": rejects(f, v, out) for f, v in pairs}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
