"""A checked run from start to end: lint, plan, recipe, worker, checks, reports.

``run_config`` takes a config file through the linter (:func:`~sftlint.runner.plan_source.lint_and_plan`):
its findings are shown before the run, and error findings stop it unless ``allow_lint_errors``.
``run_plan`` takes canonical values and a plan directly, which is how tests and other tools drive
a run without a config file.

A verdict is only ever about this run: the folder is new or emptied first, and what the worker
writes carries this run's id. A run that never reached its first step is "could not start" with
one cause; a run too short or too unknown to judge is "not checked"; Ctrl-C still writes the
summary, with status "interrupted" and the steps done.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from . import backends, checks
from .launch import WorkerInterrupted, run_worker
from .memory import estimate_bytes
from .recipe import build_recipe, config_values
from .report import plot, write_summary
from .result import Check, RunResult, StepRecord
from .run_folder import default_folder, prepare_folder
from .smoke_plan import make_smoke_plan
from .synthetic_model import ensure_model_quietly, is_synthetic

if TYPE_CHECKING:
    from ..dialects import Dialect

MODES = ("smoke", "full")


class LintErrors(ValueError):
    """The config has error findings and the run was not told to go ahead anyway."""

    def __init__(self, findings: list[str]) -> None:
        super().__init__(f"the linter found {len(findings)} error(s) in the config; fix them, or pass "
                         "--allow-lint-errors to train it anyway")
        self.findings = findings


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped the run after its summary was written; ``result`` is that summary."""

    def __init__(self, result: RunResult) -> None:
        super().__init__("interrupted")
        self.result = result


def cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


def resolve_model(model: str | None, values: Mapping[str, Any]) -> tuple[str, str, bool]:
    """(path or id to load, label for reports, offline?) for ``--model`` or the config's base model."""
    label = model or values.get("base_model")
    if not label:
        raise ValueError("the config names no base model; pass --model (e.g. synthetic:tiny)")
    label = str(label)
    if is_synthetic(label):
        return str(ensure_model_quietly(label)), label, True
    local = Path(label).expanduser()
    return (str(local.resolve()), label, False) if local.exists() else (label, label, False)


def run_config(config_path: Path | str, *, mode: str = "smoke", backend: str = "auto", model: str | None = None,
               steps: int = 10, output_dir: Path | str | None = None, world_size: int = 1,
               num_examples: int | None = None, show_progress: bool = False, overwrite: bool = False,
               allow_lint_errors: bool = False, show_findings: Callable[[list[str]], None] | None = None) -> RunResult:
    """Lint ``config_path``, show its findings (``show_findings``), and train it if it may be."""
    from ..lint.findings import Severity
    from .plan_source import format_finding, lint_and_plan

    config, plan, findings = lint_and_plan(config_path, world_size=world_size, num_examples=num_examples)
    shown = [format_finding(f) for f in findings if f.severity >= Severity.WARNING]
    errors = [format_finding(f) for f in findings if f.severity >= Severity.ERROR]
    if show_findings is not None and shown:
        show_findings(shown)
    if errors and not allow_lint_errors:
        raise LintErrors(errors)
    return run_plan(config_values(config), plan, config_path=config_path, mode=mode, backend=backend, model=model,
                    steps=steps, output_dir=output_dir, world_size=world_size, show_progress=show_progress,
                    overwrite=overwrite, lint_findings=shown, tool=config.dialect)


def run_plan(values: Mapping[str, Any], plan, *, config_path: Path | str | None = None, mode: str = "smoke",
             backend: str = "auto", model: str | None = None, steps: int = 10, output_dir: Path | str | None = None,
             world_size: int = 1, show_progress: bool = False, timeout: float | None = None, overwrite: bool = False,
             lint_findings: Sequence[str] = (), prepare_only: bool = False,
             tool: Dialect | None = None) -> RunResult:
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose smoke or full")
    name = str(config_path) if config_path is not None else "<values>"
    config_dir = Path(config_path).resolve().parent if config_path is not None else None
    backend = backends.choose(backend)
    out = Path(output_dir) if output_dir is not None else default_folder(name, mode, backend)
    from .run_folder import check_folder

    check_folder(out, overwrite)  # before any work: a refused folder costs nothing
    model_path, label, offline = resolve_model(model, values)
    expected = make_smoke_plan(plan, values, steps, world_size) if mode == "smoke" else plan
    run_id = uuid.uuid4().hex
    recipe = build_recipe(values, expected, mode=mode, backend=backend, base_model=model_path, model_label=label,
                          output_dir=out.resolve(), config_dir=config_dir, steps=steps, world_size=world_size,
                          show_progress=show_progress, run_id=run_id,
                          dialect=getattr(plan, "dialect", None) or values.get("dialect"), tool=tool)
    recipe.prepare_only = prepare_only
    out = prepare_folder(out, overwrite)
    base = values.get("base_model")
    if model and base and model != base and estimate_bytes(expected, backend) is not None:
        recipe.notes.append(f"the plan's memory estimate is for the config's model {base}, not {label}")
    recipe_path = recipe.write(out / "recipe.json")
    plan_json = expected.to_json() if expected is not None else None
    (out / "plan.json").write_text(json.dumps(plan_json, indent=2, default=str) + "\n", encoding="utf-8")
    use_cpu = None if world_size <= 1 else not cuda_available()
    try:
        rc, log_tail = run_worker(recipe_path, world_size=world_size, use_cpu=use_cpu, offline=offline,
                                  stream=show_progress, timeout=timeout)
    except WorkerInterrupted as stop:
        raise RunInterrupted(judge(out, name, recipe, expected, stop.returncode, stop.log_tail,
                                   interrupted=True, lint_findings=lint_findings)) from None
    return judge(out, name, recipe, expected, rc, log_tail, lint_findings=lint_findings)


def _this_run(path: Path, run_id: str) -> dict:
    """A JSON file the worker wrote for this run, or {} (missing, unreadable, or another run's)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and data.get("run_id") == run_id else {}


def read_records(out: Path, run_id: str | None = None) -> list[StepRecord]:
    path = out / "metrics.jsonl"
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            data = json.loads(line)
        except ValueError:  # a line cut short by a kill
            continue
        if run_id is None or data.get("run_id") == run_id:
            rows.append(StepRecord.from_json(data))
    return rows


def _status(worker: dict, records: list[StepRecord], rc: int | None, interrupted: bool) -> str:
    from .worker import SETUP_PHASES

    error = worker.get("error") or {}
    if interrupted or error.get("interrupted"):
        return "interrupted"
    if error and error.get("phase") in SETUP_PHASES:
        return "not_started"
    if not worker and not records and rc not in (-9, 137):
        return "not_started"
    if error or rc != 0 or not worker:
        return "failed"
    return "completed"


def _cause(worker: dict, rc: int | None, log_tail: str, out: Path) -> str:
    from .worker import PHASES

    error = worker.get("error")
    if error:
        first = (error.get("message") or "").strip().splitlines()
        message = first[0] if first else error["type"]
        kind = "" if error["type"] in ("DataError", "RecipeError", "ValueError") else f"{error['type']}: "
        return f"{PHASES.get(error.get('phase'), 'the worker')} failed: {kind}{message}"
    tail = " | ".join(log_tail.strip().splitlines()[-2:])
    return f"the training process exited with code {rc} before it reported ({tail}); see {out / 'worker.log'}"


def judge(out: Path, name: str, recipe, expected, rc: int | None, log_tail: str, *, interrupted: bool = False,
          lint_findings: Sequence[str] = ()) -> RunResult:
    worker = _this_run(out / "worker.json", recipe.run_id)
    facts = _this_run(out / "trainer_args.json", recipe.run_id) or None
    records = read_records(out, recipe.run_id)
    estimate = estimate_bytes(expected, recipe.backend)
    error = worker.get("error")
    status = _status(worker, records, rc, interrupted)
    planned_steps = getattr(expected, "total_steps", None)
    actual_steps = worker.get("global_step")
    actual_steps = actual_steps if isinstance(actual_steps, int) else len(records)
    found: list[Check] = []
    cause = None
    unchecked: list[str] = []
    if status == "not_started":
        cause = _cause(worker, rc, log_tail, out)
    else:
        if status == "interrupted":
            of = f" of {planned_steps}" if planned_steps is not None else ""
            cause = f"stopped by Ctrl-C after {actual_steps}{of} steps"
        elif not worker:
            killed = rc in (-9, 137)
            why = "killed (SIGKILL), most likely out of memory" if killed else f"exited with code {rc} and no report"
            tail = " | ".join(log_tail.strip().splitlines()[-3:])
            est = f"; plan estimate {checks.fmt_mib(estimate)}" if estimate is not None else ""
            found.append(Check("memory" if killed else "train", False, f"the training process {why}{est}: {tail}"))
        elif error and not error.get("oom"):
            found.append(Check("train", False, f"{error['type']} at step {error.get('step')}: {error['message'][:300]}"))
        found.append(checks.trainer_arguments(facts, expected, recipe.mode))
        found += [checks.finite_loss(records), checks.loss_falls(records), checks.loss_blowup(records),
                  checks.grad_norm_blowup(records), checks.weight_norm_blowup(records)]
        if status != "interrupted":
            found.append(checks.step_count(actual_steps, planned_steps))
        found.append(checks.lr_schedule(records, getattr(expected, "lr_schedule", None)))
        if status == "completed":
            found.append(checks.adapter_roundtrip(worker.get("adapter")))
        if worker:
            found.append(checks.memory(worker.get("peak_memory_bytes"), worker.get("memory_kind"), estimate, error))
        unchecked = minimum_work(expected, records) if status != "interrupted" else []
    notes = [*recipe.notes, *worker.get("notes", []),
             *[n for n in getattr(expected, "notes", []) if n.startswith("smoke run")]]
    if facts and recipe.mode == "smoke" and recipe.max_rows and facts.get("train_rows", 0) < recipe.max_rows:
        notes.append(f"the data has {facts['train_rows']} rows, fewer than the smoke slice's {recipe.max_rows}: "
                     "the run repeats them")
    tokens = sum(r.tokens or 0 for r in records)
    seconds = sum(r.seconds or 0.0 for r in records)
    result = RunResult(
        config=name, backend=recipe.backend, mode=recipe.mode, model=recipe.model_label, output_dir=str(out),
        planned_steps=planned_steps, steps=actual_steps, records=records, checks=found,
        tokens_per_second=tokens / seconds if seconds > 0 else None,
        peak_memory_bytes=worker.get("peak_memory_bytes"), memory_kind=worker.get("memory_kind"),
        estimated_memory_bytes=estimate, world_size=recipe.world_size, notes=notes,
        plan_schedule=getattr(expected, "lr_schedule", None), status=status, cause=cause, unchecked=unchecked,
        lint_findings=list(lint_findings),
    )
    if records:
        plot(result)
    write_summary(result)
    return result


def minimum_work(expected, records: list[StepRecord]) -> list[str]:
    """Why a finished run cannot be judged, if it cannot: the plan must know the run, and the run
    must have updated the adapter over at least two steps."""
    reasons = []
    if expected is None or expected.total_steps is None:
        why = "; ".join(n for n in getattr(expected, "notes", []) if "unknown" in n or "max_steps" in n)
        reasons.append("the plan does not know how many steps the run makes" + (f" ({why})" if why else "")
                       + ": the step count and the learning rate cannot be checked")
    elif (getattr(expected, "packing", None) or {}).get("tool") not in (None, "trl"):
        tool = expected.packing["tool"]
        reasons.append(f"the plan follows {tool}'s packing, but the runner packs with TRL's pack_dataset: "
                       "the step count and the learning rate of this run are not the plan's to check")
    elif (getattr(expected, "packing", None) or {}).get("exact") is False:
        reasons.append("the plan's packed count is an estimate: the step count cannot be checked")
    elif expected.lr_schedule is None:
        reasons.append("the plan has no learning-rate curve: the learning rate cannot be checked")
    if not records:
        reasons.append("no optimizer step was recorded")
    elif len(records) < 2:
        reasons.append(f"{len(records)} optimizer step: too few to see the loss move")
    if records and not any(r.lr for r in records):
        reasons.append("no optimizer step had a learning rate above 0: the adapter was never updated")
    return reasons
