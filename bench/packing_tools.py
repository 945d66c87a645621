"""Count packed rows with axolotl's and LLaMA-Factory's own code, for the suite to check the plan against.

The suite never needs either tool: this script runs their code on the cases of
``tests/packing_cases.py`` and writes what they counted to ``tests/data/packing_tool_counts.json``,
which ``tests/test_plan_packing_tools.py`` compares with the plan. Run it again after a tool
changes how it packs.

It needs a throwaway environment with the tools' sources importable (never the project's venv)::

    python -m venv /tmp/venv-x
    echo <project venv site-packages> > /tmp/venv-x/lib/python3.11/site-packages/base.pth
    /tmp/venv-x/bin/pip install numba omegaconf addict colorama posthog termcolor
    git -C <axolotl clone> archive <commit> src/axolotl | tar -x -C /tmp/src-ax
    git -C <LLaMA-Factory clone> archive <commit> src/llamafactory | tar -x -C /tmp/src-lf
    DISABLE_VERSION_CHECK=1 /tmp/venv-x/bin/python bench/packing_tools.py \\
        --axolotl /tmp/src-ax/src --axolotl-commit <commit> \\
        --llamafactory /tmp/src-lf/src --llamafactory-commit <commit>

Each tool runs in a child process of its own (``--case NAME``), from a fresh folder of the case's files.
"""

from __future__ import annotations

import argparse
import importlib.machinery
import json
import os
import subprocess
import sys
import tempfile
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from packing_cases import ALGORITHM_CASES, END_TO_END, build_case, lengths_for  # noqa: E402

OUT = ROOT / "tests" / "data" / "packing_tool_counts.json"
#: Random orders the real sampler is asked to count, to see the spread of axolotl's count.
RANDOM_REPEATS = 20


def _no_audio() -> None:
    """LLaMA-Factory imports torchaudio for audio inputs only, and a value-head model class that
    newer TRL releases dropped for PPO only; text packing uses neither."""
    stub = types.ModuleType("torchaudio")
    stub.__spec__ = importlib.machinery.ModuleSpec("torchaudio", None)
    sys.modules.setdefault("torchaudio", stub)
    import trl

    if not hasattr(trl, "AutoModelForCausalLMWithValueHead"):
        trl.AutoModelForCausalLMWithValueHead = type("AutoModelForCausalLMWithValueHead", (), {})


def axolotl_algorithms() -> list[dict]:
    import torch
    from torch.utils.data import RandomSampler, SequentialSampler

    from axolotl.utils.samplers.multipack import MultipackBatchSampler

    out = []
    for name, seed, count, low, high, capacity, extra in ALGORITHM_CASES:
        lengths = lengths_for(seed, count, low, high)
        per_batch = extra.get("per_batch", 1)

        def sampler(base, sequential):
            return MultipackBatchSampler(base, batch_size=per_batch, batch_max_len=capacity, lengths=lengths,
                                         bin_size=extra.get("bin_size", 200),
                                         group_size=extra.get("group_size", 100_000), sequential=sequential,
                                         drop_last=True, num_processes=1)

        in_order = {kind: len(sampler(SequentialSampler(range(count)), kind == "next_fit"))
                    for kind in ("first_fit", "next_fit")}
        seen = []
        for repeat in range(RANDOM_REPEATS):
            generator = torch.Generator().manual_seed(repeat)
            seen.append(len(sampler(RandomSampler(range(count), generator=generator), False)))
        out.append({"case": name, "first_fit_batches": in_order["first_fit"],
                    "next_fit_batches": in_order["next_fit"], "random_first_fit_batches": [min(seen), max(seen)]})
    return out


def llamafactory_algorithms() -> list[dict]:
    _no_audio()
    from llamafactory.data.processor.processor_utils import greedy_knapsack

    out = []
    for name, seed, count, low, high, capacity, _ in ALGORITHM_CASES:
        lengths = [n for n in lengths_for(seed, count, low, high) if n <= capacity]
        out.append({"case": name, "greedy_knapsack_rows": len(greedy_knapsack(list(lengths), capacity))})
    return out


def run_axolotl(config: Path) -> dict:
    import torch

    import axolotl.utils.data.sft as axolotl_sft
    from axolotl.cli.config import load_cfg
    from axolotl.common.datasets import load_datasets
    from axolotl.utils.trainer import calculate_total_num_steps

    # Writing the prepared rows to disk is a cache, not part of the count; its worker pool can hang.
    axolotl_sft.save_preprocessed_dataset = lambda *args, **kwargs: None

    cfg = load_cfg(str(config))
    written_eff = cfg.sample_packing_eff_est
    meta = load_datasets(cfg=cfg)
    result = {"total_num_steps": meta.total_num_steps, "pieces": len(meta.train_dataset)}
    if not cfg.curriculum_sampling and not written_eff:
        steps = []
        for repeat in range(RANDOM_REPEATS):
            torch.manual_seed(repeat)
            cfg.sample_packing_eff_est = None
            steps.append(calculate_total_num_steps(cfg, meta.train_dataset, update=False))
        result["total_num_steps_range"] = [min(steps), max(steps)]
    return result


def run_llamafactory(config: Path) -> dict:
    _no_audio()
    import yaml

    from llamafactory.data import get_dataset, get_template_and_fix_tokenizer
    from llamafactory.hparams import get_train_args
    from llamafactory.model import load_tokenizer

    args = yaml.safe_load(config.read_text())
    args["report_to"] = "none"
    model_args, data_args, training_args, _, _ = get_train_args(args)
    module = load_tokenizer(model_args)
    template = get_template_and_fix_tokenizer(module["tokenizer"], data_args)
    dataset = get_dataset(template, model_args, data_args, training_args, stage=args["stage"], **module)
    return {"rows": len(dataset["train_dataset"])}


def run_case(name: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        config = build_case(name, Path(tmp))
        os.chdir(tmp)
        return run_axolotl(config) if END_TO_END[name][0] == "axolotl" else run_llamafactory(config)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--axolotl", help="folder holding axolotl's package (src/)")
    parser.add_argument("--llamafactory", help="folder holding llamafactory's package (src/)")
    parser.add_argument("--axolotl-commit", default="unknown")
    parser.add_argument("--llamafactory-commit", default="unknown")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--algorithms", help=argparse.SUPPRESS)
    parser.add_argument("--only", nargs="*", help="end-to-end cases to run (default: all)")
    args = parser.parse_args()
    if args.case or args.algorithms:
        result = run_case(args.case) if args.case else (
            axolotl_algorithms() if args.algorithms == "axolotl" else llamafactory_algorithms())
        print("RESULT " + json.dumps(result))
        return 0

    def child(tool_path: str, *extra: str):
        env = {**os.environ, "PYTHONPATH": tool_path, "DISABLE_VERSION_CHECK": "1", "AXOLOTL_DO_NOT_TRACK": "1"}
        done = subprocess.run([sys.executable, __file__, *extra], env=env, capture_output=True, text=True,
                              timeout=3600)
        lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
        if done.returncode or not lines:
            raise SystemExit(f"{' '.join(extra)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return json.loads(lines[-1][len("RESULT "):])

    stored = json.loads(OUT.read_text()) if OUT.is_file() else {}
    tools = stored.setdefault("tools", {})
    OUT.parent.mkdir(parents=True, exist_ok=True)

    def save():  # after each step, so a failure later keeps what was counted
        OUT.write_text(json.dumps(stored, indent=1, sort_keys=True) + "\n")

    for tool, path, commit in (("axolotl", args.axolotl, args.axolotl_commit),
                               ("llamafactory", args.llamafactory, args.llamafactory_commit)):
        if path and not args.only:
            tools[tool] = commit
            stored.setdefault("algorithms", {})[tool] = child(path, "--algorithms", tool)
            save()
    cases = stored.setdefault("end_to_end", {})
    for name, (tool, _, _) in END_TO_END.items():
        if args.only and name not in args.only:
            continue
        path = args.axolotl if tool == "axolotl" else args.llamafactory
        if path:
            cases[name] = child(path, "--case", name)
            save()
            print(name, cases[name], flush=True)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
