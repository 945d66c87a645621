"""One benchmark process: a list of training runs through one backend, one after another.

    python bench/gpu/lane.py LANE.json

LANE.json (written by ``bench/gpu/steps.py``) names the backend, the device, a deadline and the
runs. A ``runner`` run is ``sftlint.runner.run.run_plan`` exactly as ``sftlint run`` calls it (the
linter's plan, the recipe, the worker, the checks, the run folder), except that the worker runs in
this process instead of a child: the imports (20 to 40 s with Unsloth on a GPU) are then paid once
per lane, not once per run, and every run still loads its model afresh and resets the allocator's
peak before training, as the worker always does. A ``bare`` run is ``bench/bare_unsloth.py``'s
``train``, the hand-written Unsloth script. One backend per process: Unsloth patches
transformers, TRL and PEFT for the life of the process that imports it.

Each run's figures are appended to the lane's JSONL file as soon as the run ends, so a lane cut
off by its deadline still leaves every finished run behind. Before each run the memory the
previous one left allocated is recorded, and above 64 MiB the lane starts afresh (``os.execv``)
for its remaining runs: a peak measured on top of leftovers would be too high.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # bench/: bare_unsloth

#: A lane restarts (a fresh process) when more than this is still allocated before a run: a peak
#: measured on top of what an earlier run left would not be this run's.
RESTART_ABOVE_BYTES = 64 * 2**20

#: Faults a self-test can ask for, to see the check fail loudly on a figure known to be wrong.
FAULTS = ("one-step-short",)


def _torch_cuda():
    torch = sys.modules.get("torch")
    return torch if torch is not None and torch.cuda.is_available() else None


def settle() -> int | None:
    """Free what the previous run left and return the bytes still allocated (None on a CPU)."""
    gc.collect()
    torch = _torch_cuda()
    if torch is None:
        return None
    torch.cuda.synchronize()
    torch.cuda.empty_cache()
    return int(torch.cuda.memory_allocated())


def in_process_worker(fault: str | None):
    """A stand-in for the runner's ``run_worker`` that trains in this process.

    ``one-step-short`` makes the trainer stop one step before the plan's count (the recipe is
    edited after the runner wrote it), so the runner's step check must fail.
    """

    def run_worker(recipe_path: Path, **_kwargs) -> tuple[int, str]:
        from sftlint.runner import worker

        if fault == "one-step-short":
            recipe = json.loads(Path(recipe_path).read_text(encoding="utf-8"))
            recipe["max_steps"] = max(1, int(recipe["max_steps"]) - 1)
            Path(recipe_path).write_text(json.dumps(recipe, indent=2) + "\n", encoding="utf-8")
        rc = worker.main([str(recipe_path)])
        return rc, ""

    return run_worker


def runner_run(job: dict, backend: str, fault: str | None) -> dict:
    from sftlint.runner import run as run_module
    from sftlint.runner.plan_source import load_plan
    from sftlint.runner.recipe import config_values

    if not callable(getattr(run_module, "run_worker", None)):
        raise RuntimeError("sftlint.runner.run no longer calls run_worker: bench/gpu/lane.py needs updating")
    run_module.run_worker = in_process_worker(fault)
    config_path = Path(job["config"])
    config, plan = load_plan(config_path)
    started = time.perf_counter()
    result = run_module.run_plan(config_values(config), plan, config_path=config_path, mode="smoke", backend=backend,
                                 steps=int(job["steps"]), output_dir=Path(job["out"]))
    wall = time.perf_counter() - started
    torch = _torch_cuda()
    return {
        "status": "ok" if result.passed else "failed checks",
        "passed": result.passed,
        "checks": [{"name": c.name, "verdict": c.verdict, "message": c.message} for c in result.checks],
        "steps": result.steps, "planned_steps": result.planned_steps,
        "peak_memory_bytes": result.peak_memory_bytes, "memory_kind": result.memory_kind,
        "estimated_memory_bytes": result.estimated_memory_bytes,
        # the allocator's reserved peak over the whole run (training and the adapter check): the
        # allocated peak plus the caching allocator's slack, still without the CUDA context
        "max_reserved_bytes": int(torch.cuda.max_memory_reserved()) if torch is not None else None,
        "step_seconds": [r.seconds for r in result.records],
        "tokens_per_step": sorted({r.tokens for r in result.records if r.tokens is not None}),
        "first_loss": result.first_loss, "last_loss": result.last_loss, "wall_seconds": wall,
        "notes": result.notes,
    }


def bare_run(job: dict) -> dict:
    import bare_unsloth

    started = time.perf_counter()
    data = bare_unsloth.train(job["spec"])
    losses = data.get("losses") or [None]
    return {"status": "ok", "passed": True, "steps": data["global_step"], "planned_steps": job["spec"]["max_steps"],
            "peak_memory_bytes": data["peak_memory_bytes"], "memory_kind": data["memory_kind"],
            "step_seconds": data["step_seconds"], "first_loss": losses[0], "last_loss": losses[-1],
            "wall_seconds": time.perf_counter() - started, "train_call_seconds": data["train_call_seconds"]}


def restart(lane: dict, job: dict, before: int) -> None:
    """Start this lane afresh (same process id, so the parent keeps waiting for it) from ``job`` on:
    the previous run left memory allocated that would count in this run's peak."""
    rest = lane["jobs"][lane["jobs"].index(job):]
    print(f"== {lane['name']}: {before / 2**20:,.0f} MiB still allocated before {job['id']}: "
          f"restarting the lane for its last {len(rest)} run(s)", flush=True)
    path = Path(lane["dir"]) / f"lane-from-{lane['jobs'].index(job)}.json"
    path.write_text(json.dumps({**lane, "jobs": rest}, indent=2), encoding="utf-8")
    sys.stdout.flush()
    os.execv(sys.executable, [sys.executable, str(Path(__file__).resolve()), str(path)])


def run_lane(lane: dict) -> int:
    backend, results = lane["backend"], Path(lane["results"])
    for fault in {job.get("fault") for job in lane["jobs"]} - {None}:
        if fault not in FAULTS:
            raise SystemExit(f"lane.py: unknown fault {fault!r}; known: {', '.join(FAULTS)}")
    os.environ.update(HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
                      TOKENIZERS_PARALLELISM="false", UNSLOTH_DISABLE_STATISTICS="1")
    if lane.get("device") == "cpu":
        os.environ["CUDA_VISIBLE_DEVICES"] = ""
    started = time.perf_counter()
    from sftlint.runner import backends

    backends.load(backend)  # first: Unsloth must patch transformers, TRL and PEFT before they load
    import_seconds = time.perf_counter() - started
    failures = 0
    with results.open("a", encoding="utf-8") as sink:
        sink.write(json.dumps({"lane": lane["name"], "backend": backend, "import_seconds": import_seconds}) + "\n")
        sink.flush()
        for job in lane["jobs"]:
            left = lane["deadline"] - time.time()
            record = {"id": job["id"], "kind": job["kind"], "backend": backend, **job.get("tags", {})}
            if left < lane.get("min_seconds_per_run", 5):
                record["status"] = "skipped: the step's time ran out"
                sink.write(json.dumps(record) + "\n")
                sink.flush()
                continue
            record["allocated_before_bytes"] = before = settle()
            if before is not None and before > RESTART_ABOVE_BYTES and job is not lane["jobs"][0]:
                restart(lane, job, before)  # does not return
            print(f"== {lane['name']}: {job['id']} ({left:.0f} s left)", flush=True)
            job_fault = job.get("fault") if job["kind"] == "runner" else None  # a self-test's, on one run
            if job_fault:
                record["fault"] = job_fault
            try:
                record.update(runner_run(job, backend, job_fault) if job["kind"] == "runner" else bare_run(job))
            except Exception as exc:  # recorded, and the lane goes on with its next run
                failures += 1
                record.update(status=f"error: {type(exc).__name__}: {str(exc)[:500]}", passed=False,
                              traceback=traceback.format_exc()[-3000:])
            print(f"   {record['status']}; peak {record.get('peak_memory_bytes')}, "
                  f"wall {record.get('wall_seconds', 0):.1f} s", flush=True)
            sink.write(json.dumps(record, default=str) + "\n")
            sink.flush()
    settle()
    return 1 if failures else 0


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python bench/gpu/lane.py LANE.json", file=sys.stderr)
        return 2
    return run_lane(json.loads(Path(argv[0]).read_text(encoding="utf-8")))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
