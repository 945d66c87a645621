"""The runner against a hand-written Unsloth script: one plan, three training paths, one table.

    python bench/bench_runner.py --model synthetic:1b --out DIR            (GPU)
    python bench/bench_runner.py --model synthetic:tiny --device cpu --steps 3 --skip 1 --out DIR

Paths, each in its own process (Unsloth patches the libraries of the process that imports it):

* ``bare``: ``bench/bare_unsloth.py``, FastLanguageModel + get_peft_model + TRL's SFTTrainer;
* ``unsloth``: the runner (``sftlint.runner.run.run_plan``) with its ``unsloth`` backend;
* ``hf``: the runner with its ``hf`` backend (transformers + PEFT + bitsandbytes + TRL).

All three train the same model on the same rows with the same hyperparameters, written once as an
axolotl config that the runner reads through the linter. Every row is longer than the sequence
length, so every step trains ``batch x accumulation x seq_len`` tokens on every path.

Timing: each path records the wall clock at every optimizer step's end (the runner's step recorder
and the bare script's callback take it at the same ``on_step_end`` instant). The first ``--skip``
steps (compilation, allocator and autotuning warm-up) are left out; tokens/s is the tokens of the
remaining steps over their summed time. Process wall time (imports, loading, the runner's adapter
reload check) is reported beside it but is not what the overhead target is about.

Targets (on a GPU): runner overhead over the bare script < 2% of step time; unsloth >= 1.5x the
tokens/s of hf; unsloth's peak memory <= 0.6x hf's. The report also sets the plan's memory estimate
beside each measured peak. Writes ``bench-runner.json`` and ``bench-runner.md`` into ``--out``.
On a CPU (``--device cpu``) the figures only show that the benchmark works.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

PATHS = ("bare", "unsloth", "hf")
TARGETS = {"runner_overhead": 0.02, "unsloth_vs_hf_tokens_per_second": 1.5, "unsloth_vs_hf_peak_memory": 0.6}
TARGET_MODULES = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
HERE = Path(__file__).resolve().parent


# ---------------------------------------------------------------- inputs: data, config, bare spec

def make_rows(count: int, min_tokens: int, tokenizer_file: Path | None) -> list[dict]:
    """``count`` text rows of the synthetic digit task, each at least ``min_tokens`` tokens long.

    Rows longer than the sequence length are truncated by the trainer, so all paths see the same
    number of tokens per step. Without a tokenizer file, length is judged at 1 token per 2 chars.
    """
    import random

    count_tokens = _token_counter(tokenizer_file)
    rng = random.Random(0)
    rows = []
    for _ in range(count):
        parts: list[str] = []
        text = ""
        while count_tokens(text) < min_tokens:
            for _ in range(16):
                digits = [str(rng.randrange(10)) for _ in range(rng.randint(3, 8))]
                parts.append(f"Reverse the digits. {' '.join(digits)} => {' '.join(reversed(digits))}")
            text = "\n".join(parts)
        rows.append({"text": text})
    return rows


def _token_counter(tokenizer_file: Path | None):
    if tokenizer_file is not None and tokenizer_file.is_file():
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(tokenizer_file))
        return lambda text: len(tok.encode(text).ids)
    return lambda text: len(text) // 2


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def config_text(args, model_path: str, data_file: Path, bf16: bool, gradient_checkpointing: bool = True) -> str:
    """An axolotl QLoRA config for the benchmark's plan (the runner reads it through the linter)."""
    return "\n".join([
        "# sftlint: dialect=axolotl",
        f"base_model: {json.dumps(model_path)}",
        "adapter: qlora",
        "load_in_4bit: true",
        f"lora_r: {args.lora_r}",
        f"lora_alpha: {2 * args.lora_r}",
        "lora_dropout: 0.0",
        "lora_target_modules: [" + ", ".join(TARGET_MODULES) + "]",
        f"sequence_len: {args.seq_len}",
        "sample_packing: false",
        f"micro_batch_size: {args.batch}",
        f"gradient_accumulation_steps: {args.accum}",
        f"max_steps: {args.skip + args.steps}",
        f"warmup_steps: {args.warmup}",
        f"learning_rate: {args.lr}",
        "lr_scheduler: cosine",
        "optimizer: adamw_torch",
        "weight_decay: 0.0",
        "max_grad_norm: 1.0",
        f"bf16: {str(bf16).lower()}",
        f"gradient_checkpointing: {str(gradient_checkpointing).lower()}",
        "seed: 42",
        "datasets:",
        f"  - path: {json.dumps(str(data_file))}",
        "    type: completion",
        "",
    ])


def bare_spec(args, model_path: str, data_file: Path, bf16: bool, output_dir: Path, device: str) -> dict:
    """The same plan, as the bare script's arguments."""
    return {
        "model": model_path, "data_file": str(data_file), "output_dir": str(output_dir), "device": device,
        "max_steps": args.skip + args.steps, "warmup_steps": args.warmup, "learning_rate": args.lr,
        "lr_scheduler_type": "cosine", "batch_size": args.batch, "gradient_accumulation_steps": args.accum,
        "max_seq_length": args.seq_len, "lora_r": args.lora_r, "lora_alpha": float(2 * args.lora_r),
        "lora_dropout": 0.0, "target_modules": TARGET_MODULES, "load_in_4bit": True, "optim": "adamw_torch",
        "weight_decay": 0.0, "max_grad_norm": 1.0, "bf16": bf16, "seed": 42,
    }


#: Recipe fields (the runner's recipe.json) that must equal the bare script's spec for a fair race.
SAME_AS_BARE = {"max_steps": "max_steps", "warmup_steps": "warmup_steps", "learning_rate": "learning_rate",
                "lr_scheduler_type": "lr_scheduler_type", "per_device_train_batch_size": "batch_size",
                "gradient_accumulation_steps": "gradient_accumulation_steps", "max_seq_length": "max_seq_length",
                "lora_r": "lora_r", "lora_alpha": "lora_alpha", "optim": "optim", "load_in_4bit": "load_in_4bit",
                "seed": "seed", "bf16": "bf16"}


def recipe_mismatches(recipe: dict, spec: dict) -> list[str]:
    """Where the runner's recipe differs from the bare script's spec (should be nowhere)."""
    out = []
    for key, spec_key in SAME_AS_BARE.items():
        if key in recipe and recipe[key] != spec[spec_key]:
            out.append(f"{key}: runner {recipe[key]!r}, bare {spec[spec_key]!r}")
    return out


# ---------------------------------------------------------------- figures (pure, tested on CPU)

def path_figures(step_seconds: list[float], tokens_per_step: int, skip: int) -> dict:
    """Timed-step figures from per-step seconds: steps ``skip+1..`` only."""
    timed = step_seconds[skip:]
    seconds = sum(timed)
    return {
        "steps_recorded": len(step_seconds), "steps_timed": len(timed), "timed_seconds": seconds,
        "median_step_seconds": statistics.median(timed) if timed else None,
        "tokens_per_second": tokens_per_step * len(timed) / seconds if timed and seconds > 0 else None,
        "all_steps_seconds": sum(step_seconds),
    }


def fastest(previous: dict | None, new: dict) -> dict:
    """Keep the run with the shortest timed steps for a repeated path, listing every run's time.

    Step times on a shared GPU machine drift by tens of percent between runs of the same code, so
    overhead is judged on the best run of each path, measured alternately in one session.
    """
    times = (previous or {}).get("timed_seconds_runs", []) + [new.get("timed_seconds")]
    best = new
    if previous and previous.get("timed_seconds") is not None and (
            new.get("timed_seconds") is None or previous["timed_seconds"] <= new["timed_seconds"]):
        best = previous
    return {**best, "timed_seconds_runs": times}


def _ratio(a, b):
    return a / b if a is not None and b not in (None, 0) else None


def ratios(paths: dict[str, dict]) -> dict:
    """The three target ratios, from each path's figures; None where a path is missing or failed."""
    bare, uns, hf = (paths.get(n) or {} for n in PATHS)
    per_step = _ratio(uns.get("timed_seconds"), bare.get("timed_seconds"))
    return {
        "runner_overhead": None if per_step is None else per_step - 1.0,
        "unsloth_vs_hf_tokens_per_second": _ratio(uns.get("tokens_per_second"), hf.get("tokens_per_second")),
        "unsloth_vs_hf_peak_memory": _ratio(uns.get("peak_memory_bytes"), hf.get("peak_memory_bytes")),
    }


def verdicts(r: dict) -> dict:
    """Each target met (True), missed (False) or not measured (None)."""
    def check(value, ok):
        return None if value is None else bool(ok(value))

    return {
        "runner_overhead": check(r["runner_overhead"], lambda v: v < TARGETS["runner_overhead"]),
        "unsloth_vs_hf_tokens_per_second": check(r["unsloth_vs_hf_tokens_per_second"],
                                                 lambda v: v >= TARGETS["unsloth_vs_hf_tokens_per_second"]),
        "unsloth_vs_hf_peak_memory": check(r["unsloth_vs_hf_peak_memory"],
                                           lambda v: v <= TARGETS["unsloth_vs_hf_peak_memory"]),
    }


def _mib(n) -> str:
    return "-" if n is None else f"{n / 2**20:,.0f}"


def _num(v, spec=".1f") -> str:
    return "-" if v is None else format(v, spec)


def markdown(report: dict) -> str:
    """The report as a Markdown table plus the target lines."""
    s = report["setup"]
    lines = [
        f"# Runner benchmark: {s['model']} on {s['device']}",
        "",
        f"{s['steps']} timed optimizer steps after {s['skip']} untimed; batch {s['batch']} x accumulation "
        f"{s['accum']} x {s['seq_len']} tokens = {s['tokens_per_step']} tokens/step; QLoRA r={s['lora_r']}, "
        "4-bit, gradient checkpointing.",
        "",
        "| path | status | tokens/s | median step s | timed s | process wall s | peak MiB | plan estimate MiB"
        " | peak / estimate | loss first -> last |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name in PATHS:
        p = report["paths"].get(name)
        if p is None:
            continue
        est = (report.get("estimated_memory_bytes") or {}).get(name)
        loss = f"{_num(p.get('first_loss'), '.3f')} -> {_num(p.get('last_loss'), '.3f')}"
        lines.append(
            f"| {name} | {p['status']} | {_num(p.get('tokens_per_second'), ',.0f')} | "
            f"{_num(p.get('median_step_seconds'), '.4f')} | {_num(p.get('timed_seconds'), '.2f')} | "
            f"{_num(p.get('wall_seconds'), '.1f')} | {_mib(p.get('peak_memory_bytes'))} | {_mib(est)} | "
            f"{_num(_ratio(p.get('peak_memory_bytes'), est), '.2f')} | {loss} |")
    r, v = report["ratios"], report["verdicts"]
    mark = {True: "met", False: "MISSED", None: "not measured"}
    lines += [
        "",
        f"- runner overhead over bare Unsloth (timed steps): {_num(_pct(r['runner_overhead']))}% "
        f"(target < {TARGETS['runner_overhead']:.0%}): {mark[v['runner_overhead']]}",
        f"- unsloth / hf tokens/s: {_num(r['unsloth_vs_hf_tokens_per_second'], '.2f')}x "
        f"(target >= {TARGETS['unsloth_vs_hf_tokens_per_second']}x): {mark[v['unsloth_vs_hf_tokens_per_second']]}",
        f"- unsloth / hf peak memory: {_num(r['unsloth_vs_hf_peak_memory'], '.2f')}x "
        f"(target <= {TARGETS['unsloth_vs_hf_peak_memory']}x): {mark[v['unsloth_vs_hf_peak_memory']]}",
    ]
    for name in PATHS:
        runs = (report["paths"].get(name) or {}).get("timed_seconds_runs") or []
        if len(runs) > 1:
            lines.append(f"- {name}: timed seconds per run " + ", ".join(_num(t, ".2f") for t in runs)
                         + " (the fastest is in the table)")
    lines += [f"- note: {n}" for n in report.get("notes", [])]
    return "\n".join(lines) + "\n"


def _pct(v):
    return None if v is None else 100 * v


# ---------------------------------------------------------------- running the paths

def run_runner_path(backend: str, config_path: Path, out: Path, steps: int, timeout: float) -> dict:
    """One runner path through the public entry point; figures come from its run folder."""
    from sftlint.runner.plan_source import load_plan
    from sftlint.runner.recipe import config_values
    from sftlint.runner.run import run_plan

    config, plan = load_plan(config_path)
    started = time.perf_counter()
    try:
        result = run_plan(config_values(config), plan, config_path=config_path, mode="smoke", backend=backend,
                          steps=steps, output_dir=out, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": f"timeout after {timeout:.0f} s", "wall_seconds": time.perf_counter() - started}
    wall = time.perf_counter() - started
    raw = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines() if line] \
        if (out / "metrics.jsonl").is_file() else []
    failed = [f"{c.name}: {c.message}" for c in result.failures]
    status = "ok" if result.passed else "trained; failed " + ", ".join(c.name for c in result.failures)
    return {
        "status": status, "failed_checks": failed,
        "checks": {c.name: c.verdict for c in result.checks}, "wall_seconds": wall,
        "step_seconds": [r.get("seconds") for r in raw if r.get("seconds") is not None],
        "tokens_seen_per_step": sorted({r.get("tokens") for r in raw if r.get("tokens") is not None}),
        "global_step": result.steps, "peak_memory_bytes": result.peak_memory_bytes,
        "memory_kind": result.memory_kind, "estimated_memory_bytes": result.estimated_memory_bytes,
        "first_loss": result.first_loss, "last_loss": result.last_loss, "output_dir": str(out),
        "recipe": json.loads((out / "recipe.json").read_text()) if (out / "recipe.json").is_file() else {},
    }


def run_bare_path(spec: dict, out: Path, timeout: float) -> dict:
    """The bare script in a fresh interpreter, its output in ``out/bare.log``."""
    from sftlint.runner.synthetic_model import cache_root

    out.mkdir(parents=True, exist_ok=True)
    spec_path, result_path = out / "spec.json", out / "result.json"
    spec_path.write_text(json.dumps(spec, indent=2), encoding="utf-8")
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    # The same compiled-kernel cache as the runner's unsloth backend, so neither starts warmer.
    env.setdefault("UNSLOTH_COMPILE_LOCATION", str(cache_root() / "unsloth_compiled_cache"))
    started = time.perf_counter()
    with (out / "bare.log").open("w", encoding="utf-8") as log:
        try:
            proc = subprocess.run([sys.executable, str(HERE / "bare_unsloth.py"), str(spec_path), str(result_path)],
                                  cwd=out, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"status": f"timeout after {timeout:.0f} s", "wall_seconds": time.perf_counter() - started}
    wall = time.perf_counter() - started
    if proc.returncode != 0 or not result_path.is_file():
        tail = (out / "bare.log").read_text(errors="replace").strip().splitlines()[-3:]
        return {"status": f"exit {proc.returncode}: {' | '.join(tail)[:400]}", "wall_seconds": wall}
    data = json.loads(result_path.read_text())
    losses = data.get("losses") or [None]
    return {"status": "ok", "wall_seconds": wall, "step_seconds": data["step_seconds"],
            "global_step": data["global_step"], "peak_memory_bytes": data["peak_memory_bytes"],
            "memory_kind": data["memory_kind"], "train_call_seconds": data["train_call_seconds"],
            "first_loss": losses[0], "last_loss": losses[-1]}


def plan_warmup(config_path: Path, default: int) -> int:
    """Warmup steps of the config's plan (what the runner trains), or ``default`` without one."""
    from sftlint.runner.plan_source import load_plan

    _, plan = load_plan(config_path)
    return int(plan.warmup_steps) if plan is not None and plan.warmup_steps is not None else default


def plan_estimate(config_path: Path, backend: str) -> int | None:
    """The plan's memory estimate for the config as ``backend`` runs it (Unsloth's loss is chunked)."""
    from sftlint.runner.memory import estimate_bytes
    from sftlint.runner.plan_source import load_plan

    config, plan = load_plan(config_path)
    found = estimate_bytes(plan, backend)
    if found is None:
        from sftlint.plan.memory_estimate import estimate_memory

        memory = estimate_memory(config, plan, roots=[config_path.parent])
        found = memory and memory.get("total_bytes")
    return found


def parse_args(argv: list[str] | None):
    p = argparse.ArgumentParser(prog="bench_runner.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default="synthetic:1b", help="synthetic:tiny, synthetic:1b or a local model folder")
    p.add_argument("--device", choices=("auto", "cuda", "cpu"), default="auto")
    p.add_argument("--paths", default=",".join(PATHS),
                   help="comma-separated paths in running order, repeats allowed (bare,unsloth,bare,unsloth,hf): "
                        "a repeated path reports its fastest run and lists every run")
    p.add_argument("--steps", type=int, default=30, help="timed optimizer steps")
    p.add_argument("--skip", type=int, default=5, help="untimed optimizer steps before them")
    p.add_argument("--warmup", type=int, default=5,
                   help="learning-rate warmup steps of the plan (not 1: axolotl raises a warmup of 1 to 2)")
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--accum", type=int, default=1)
    p.add_argument("--seq-len", type=int, default=1024)
    p.add_argument("--lora-r", type=int, default=16)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--timeout", type=float, default=240, help="seconds per path at most")
    p.add_argument("--budget", type=float, default=None,
                   help="seconds for all paths together: each gets what is left, up to --timeout")
    p.add_argument("--out", type=Path, default=Path(".runs/bench-runner"))
    args = p.parse_args(argv)
    args.paths = [x.strip() for x in args.paths.split(",") if x.strip()]
    if unknown := set(args.paths) - set(PATHS):
        p.error(f"unknown paths: {', '.join(sorted(unknown))}")
    if args.steps < 1 or args.skip < 0:
        p.error("--steps must be >= 1 and --skip >= 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import torch

    from sftlint.runner.synthetic_model import ensure_model, is_synthetic

    cuda = torch.cuda.is_available() and args.device != "cpu"
    if args.device == "cuda" and not cuda:
        print("bench_runner: --device cuda but no GPU is visible", file=sys.stderr)
        return 2
    if not cuda:
        os.environ["CUDA_VISIBLE_DEVICES"] = ""  # the runner's workers decide the device themselves
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    model_path = str(ensure_model(args.model) if is_synthetic(args.model) else Path(args.model).resolve())
    total = args.skip + args.steps
    rows = make_rows(total * args.batch * args.accum, args.seq_len + 8, Path(model_path) / "tokenizer.json")
    data_file = write_jsonl(out / "bench-data.jsonl", rows)
    config_path = out / "bench-config.yaml"
    config_path.write_text(config_text(args, model_path, data_file, bf16=cuda), encoding="utf-8")
    spec = bare_spec(args, model_path, data_file, cuda, out / "bare" / "trainer", "cuda" if cuda else "cpu")
    # The warmup the tool itself would use (axolotl turns an explicit warmup_steps of 1 into 2), as
    # the linter's plan says and the runner trains: the bare script gets the same.
    spec["warmup_steps"] = plan_warmup(config_path, args.warmup)
    tokens_per_step = args.batch * args.accum * args.seq_len
    report = {
        "setup": {"model": args.model, "model_path": model_path,
                  "device": torch.cuda.get_device_name(0) if cuda else "cpu", "steps": args.steps,
                  "skip": args.skip, "batch": args.batch, "accum": args.accum, "seq_len": args.seq_len,
                  "lora_r": args.lora_r, "tokens_per_step": tokens_per_step, "torch": torch.__version__,
                  "timing": "per-step wall clock at on_step_end, steps after --skip only"},
        # the bare script trains through Unsloth, as the unsloth backend does
        "estimated_memory_bytes": {path: plan_estimate(config_path, "hf" if path == "hf" else "unsloth")
                                   for path in PATHS},
        "paths": {}, "notes": [],
    }
    deadline = time.monotonic() + args.budget if args.budget else None
    runs: dict[str, int] = {}
    for name in args.paths:
        timeout = args.timeout if deadline is None else min(args.timeout, deadline - time.monotonic())
        if timeout < 5:
            report["paths"].setdefault(name, {"status": "skipped: no time left in --budget"})
            continue
        runs[name] = runs.get(name, 0) + 1
        folder = out / (name if runs[name] == 1 else f"{name}-{runs[name]}")
        print(f"== {name} run {runs[name]} (at most {timeout:.0f} s)", flush=True)
        if name == "bare":
            spec["output_dir"] = str(folder / "trainer")
            fig = run_bare_path(spec, folder, timeout)
        else:
            fig = run_runner_path(name, config_path, folder, total, timeout)
            mismatch = recipe_mismatches(fig.get("recipe", {}), spec)
            report["notes"] += [f"{name} recipe differs from the bare spec: {m}" for m in mismatch]
            seen = fig.get("tokens_seen_per_step") or []
            if seen and seen != [tokens_per_step]:
                report["notes"].append(f"{name}: tokens seen per step {seen}, expected {tokens_per_step}")
        if fig.get("step_seconds"):
            fig.update(path_figures(fig["step_seconds"], tokens_per_step, args.skip))
        fig.pop("recipe", None)
        report["paths"][name] = fastest(report["paths"].get(name), fig)
        print(f"   {fig['status']}; {_num(fig.get('tokens_per_second'), ',.0f')} tokens/s, "
              f"peak {_mib(fig.get('peak_memory_bytes'))} MiB, wall {_num(fig.get('wall_seconds'))} s", flush=True)
    report["ratios"] = ratios(report["paths"])
    report["verdicts"] = verdicts(report["ratios"])
    if not cuda:
        report["notes"].append("CPU run: checks that the benchmark works; the figures are not the targets'")
    (out / "bench-runner.json").write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    text = markdown(report)
    (out / "bench-runner.md").write_text(text, encoding="utf-8")
    print(text)
    timed = all(p.get("tokens_per_second") for p in report["paths"].values())
    return 0 if timed else 1


if __name__ == "__main__":
    raise SystemExit(main())
