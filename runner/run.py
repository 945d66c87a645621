"""A checked run from start to end: plan, recipe, worker, checks, reports.

``run_config`` takes a config file through the linter (:func:`~sftlint.runner.plan_source.load_plan`);
``run_plan`` takes canonical values and a plan directly, which is how tests and other tools drive
a run without a config file.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Mapping

from . import backends, checks
from .launch import run_worker
from .memory import estimate_bytes
from .recipe import build_recipe, config_values
from .report import plot, write_summary
from .result import Check, RunResult, StepRecord
from .smoke_plan import make_smoke_plan
from .synthetic_model import ensure_model, is_synthetic

MODES = ("smoke", "full")


def cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


def default_output_dir(name: str, mode: str, backend: str) -> Path:
    return Path(".runs") / f"{Path(name).stem}-{mode}-{backend}-{time.strftime('%Y%m%d-%H%M%S')}"


def resolve_model(model: str | None, values: Mapping[str, Any]) -> tuple[str, str, bool]:
    """(path or id to load, label for reports, offline?) for ``--model`` or the config's base model."""
    label = model or values.get("base_model")
    if not label:
        raise ValueError("the config names no base model; pass --model (e.g. synthetic:tiny)")
    label = str(label)
    if is_synthetic(label):
        return str(ensure_model(label)), label, True
    local = Path(label).expanduser()
    return (str(local.resolve()), label, False) if local.exists() else (label, label, False)


def run_config(config_path: Path | str, *, mode: str = "smoke", backend: str = "auto", model: str | None = None,
               steps: int = 10, output_dir: Path | str | None = None, world_size: int = 1,
               num_examples: int | None = None, show_progress: bool = False) -> RunResult:
    from .plan_source import load_plan

    config, plan = load_plan(config_path, world_size=world_size, num_examples=num_examples)
    return run_plan(config_values(config), plan, config_path=config_path, mode=mode, backend=backend, model=model,
                    steps=steps, output_dir=output_dir, world_size=world_size, show_progress=show_progress)


def run_plan(values: Mapping[str, Any], plan, *, config_path: Path | str | None = None, mode: str = "smoke",
             backend: str = "auto", model: str | None = None, steps: int = 10, output_dir: Path | str | None = None,
             world_size: int = 1, show_progress: bool = False, timeout: float | None = None) -> RunResult:
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose smoke or full")
    name = str(config_path) if config_path is not None else "<values>"
    config_dir = Path(config_path).resolve().parent if config_path is not None else None
    backend = backends.choose(backend)
    model_path, label, offline = resolve_model(model, values)
    expected = make_smoke_plan(plan, values, steps, world_size) if mode == "smoke" else plan
    out = Path(output_dir) if output_dir is not None else default_output_dir(name, mode, backend)
    out.mkdir(parents=True, exist_ok=True)
    out = out.resolve()
    recipe = build_recipe(values, expected, mode=mode, backend=backend, base_model=model_path, model_label=label,
                          output_dir=out, config_dir=config_dir, steps=steps, world_size=world_size,
                          show_progress=show_progress)
    base = values.get("base_model")
    if model and base and model != base and estimate_bytes(expected, backend) is not None:
        recipe.notes.append(f"the plan's memory estimate is for the config's model {base}, not {label}")
    recipe_path = recipe.write(out / "recipe.json")
    (out / "plan.json").write_text(json.dumps(expected.to_json(), indent=2, default=str) + "\n", encoding="utf-8")
    use_cpu = None if world_size <= 1 else not cuda_available()
    rc, log_tail = run_worker(recipe_path, world_size=world_size, use_cpu=use_cpu, offline=offline,
                              stream=show_progress, timeout=timeout)
    return judge(out, name, recipe, expected, rc, log_tail)


def read_records(out: Path) -> list[StepRecord]:
    path = out / "metrics.jsonl"
    if not path.is_file():
        return []
    return [StepRecord.from_json(json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line]


def judge(out: Path, name: str, recipe, expected, rc: int, log_tail: str) -> RunResult:
    worker_path = out / "worker.json"
    worker = json.loads(worker_path.read_text(encoding="utf-8")) if worker_path.is_file() else {}
    records = read_records(out)
    estimate = estimate_bytes(expected, recipe.backend)
    error = worker.get("error")
    found: list[Check] = []
    if not worker:
        killed = rc in (-9, 137)
        why = "killed (SIGKILL), most likely out of memory" if killed else f"exited with code {rc} and no report"
        tail = " | ".join(log_tail.strip().splitlines()[-3:])
        est = f"; plan estimate {checks.fmt_mib(estimate)}" if estimate is not None else ""
        found.append(Check("memory" if killed else "train", False, f"the training process {why}{est}: {tail}"))
    elif error and not error.get("oom"):
        found.append(Check("train", False, f"{error['type']} at step {error.get('step')}: {error['message'][:300]}"))
    actual_steps = worker.get("global_step", len(records))
    found += [checks.finite_loss(records), checks.loss_falls(records),
              checks.step_count(actual_steps, expected.total_steps),
              checks.lr_schedule(records, expected.lr_schedule)]
    if worker and not error:
        found.append(checks.adapter_roundtrip(worker.get("adapter")))
    if worker:
        found.append(checks.memory(worker.get("peak_memory_bytes"), worker.get("memory_kind"), estimate, error))
    tokens = sum(r.tokens or 0 for r in records)
    seconds = sum(r.seconds or 0.0 for r in records)
    result = RunResult(
        config=name, backend=recipe.backend, mode=recipe.mode, model=recipe.model_label, output_dir=str(out),
        planned_steps=expected.total_steps, steps=actual_steps, records=records, checks=found,
        tokens_per_second=tokens / seconds if seconds > 0 else None,
        peak_memory_bytes=worker.get("peak_memory_bytes"), memory_kind=worker.get("memory_kind"),
        estimated_memory_bytes=estimate, world_size=recipe.world_size,
        notes=[*recipe.notes, *worker.get("notes", []), *[n for n in expected.notes if n.startswith("smoke run")]],
        plan_schedule=expected.lr_schedule,
    )
    plot(result)
    write_summary(result)
    return result
