"""The measuring steps of the GPU check, each in its own time budget, each writing its raw report.

    python bench/gpu/steps.py memory   --out DIR --report memory.json   [--device cuda] ...
    python bench/gpu/steps.py overhead --out DIR --report overhead.json ...
    python bench/gpu/steps.py speed    --out DIR --report speed.json    ...
    python bench/gpu/steps.py gate     RESULTS_DIR --device cuda        (all verdicts, the exit status)

* ``memory``: QLoRA through the runner for every size x sequence length x gradient checkpointing
  x backend; the plan's estimate against ``torch.cuda.max_memory_allocated``. One lane (process)
  per backend, size and sequence length, several at once (as many as fit in 85% of the GPU's
  memory by their estimates): the allocator's peak is per process, so lanes running side by side
  do not disturb each other's figure.
* ``overhead``: the runner's ``unsloth`` backend against ``bench/bare_unsloth.py``, one lane,
  runs alternating bare, runner, runner, bare, bare, runner (so a drift of the machine lands on
  both), after one untimed warm-up run.
* ``speed``: the runner's ``unsloth`` and ``hf`` backends on the largest model, 3 runs each, one
  lane at a time (nothing else on the GPU while timing).

Each step rewrites its report (``--report``) whenever a run finishes, so a step stopped by its
budget leaves every figure it had. It exits 1 when a figure misses its target or a check fails, 3
when figures are missing, 0 otherwise; ``figures.py`` holds the arithmetic and the targets.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import figures  # noqa: E402


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def _names(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


# ---------------------------------------------------------------- lanes

class Lanes:
    """Lane processes with a shared deadline, at most ``parallel`` at a time."""

    def __init__(self, work: Path, deadline: float, parallel: int, fault: str | None, device: str,
                 memory_budget: int | None = None):
        self.work, self.deadline, self.parallel, self.fault, self.device = work, deadline, parallel, fault, device
        #: GPU bytes the lanes running at once may reserve together (None: no limit)
        self.memory_budget = memory_budget
        self.faulted = False
        self.pending: list[dict] = []
        self.running: list[tuple[dict, subprocess.Popen]] = []
        self.results: list[Path] = []
        #: lanes that ended with a non-zero status, before every one of their runs had a record
        self.crashed: list[tuple[dict, int]] = []

    def add(self, name: str, backend: str, jobs: list[dict], reserve: int = 0) -> None:
        if self.fault and not self.faulted:  # a self-test's fault goes to the step's first runner run only
            first = next((j for j in jobs if j["kind"] == "runner"), None)
            if first is not None:
                first["fault"] = self.fault
                self.faulted = True
        lane_dir = self.work / "lanes" / name
        lane_dir.mkdir(parents=True, exist_ok=True)
        results = lane_dir / "results.jsonl"
        results.unlink(missing_ok=True)
        self.results.append(results)
        self.pending.append({"name": name, "backend": backend, "device": self.device, "jobs": jobs,
                             "results": str(results), "deadline": self.deadline, "dir": str(lane_dir),
                             "reserve": reserve})

    def _start(self, lane: dict) -> subprocess.Popen:
        lane_dir = Path(lane["dir"])
        (lane_dir / "lane.json").write_text(json.dumps(lane, indent=2), encoding="utf-8")
        env = dict(os.environ)
        if lane["backend"] == "unsloth":
            # Unsloth writes its compiled trainer and model code into this folder: give each lane its
            # own copy, so that lanes side by side never read a file another is writing.
            from sftlint.runner.synthetic_model import cache_root

            shared = Path(env.get("UNSLOTH_COMPILE_LOCATION") or cache_root() / "unsloth_compiled_cache")
            own = lane_dir / "unsloth_compiled_cache"
            if shared.is_dir() and not own.exists():
                shutil.copytree(shared, own)
            env["UNSLOTH_COMPILE_LOCATION"] = str(own)
        log = (lane_dir / "lane.log").open("w", encoding="utf-8")
        print(f"-- lane {lane['name']} starts ({len(lane['jobs'])} runs)", flush=True)
        return subprocess.Popen([sys.executable, str(HERE / "lane.py"), str(lane_dir / "lane.json")], cwd=lane_dir,
                                env=env, stdout=log, stderr=subprocess.STDOUT)

    def _next(self) -> dict | None:
        """The first pending lane whose memory fits beside the running ones (any, when none runs)."""
        used = sum(lane["reserve"] for lane, _ in self.running)
        for lane in self.pending:
            if not self.running or self.memory_budget is None or used + lane["reserve"] <= self.memory_budget:
                self.pending.remove(lane)
                return lane
        return None

    def records(self) -> list[dict]:
        out = []
        for path in self.results:
            if path.is_file():
                for line in path.read_text(encoding="utf-8").splitlines():
                    try:
                        out.append(json.loads(line))
                    except json.JSONDecodeError:  # a line being written
                        pass
        done = {r["id"] for r in out if "id" in r}
        for lane, code in self.crashed:  # a lane that died (at import, say) names its runs' cause
            log = Path(lane["dir"]) / "lane.log"
            tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-3:] if log.is_file() else []
            for job in lane["jobs"]:
                if job["id"] not in done:
                    out.append({"id": job["id"], "kind": job["kind"], "backend": lane["backend"], **job.get("tags", {}),
                                "status": f"error: the lane process exited with {code} before this run ended: "
                                          + " | ".join(tail)[-400:]})
        return out

    def run(self, on_update) -> None:
        seen = -1
        while self.pending or self.running:
            while self.pending and len(self.running) < self.parallel and time.time() < self.deadline - 5:
                lane = self._next()
                if lane is None:
                    break
                self.running.append((lane, self._start(lane)))
            if not self.running:  # no time left to start the rest
                break
            time.sleep(1.0)
            for item in list(self.running):
                lane, proc = item
                if proc.poll() is not None:
                    self.running.remove(item)
                    print(f"-- lane {lane['name']} ended with {proc.returncode}", flush=True)
                    if proc.returncode != 0:
                        self.crashed.append((lane, proc.returncode))
            if time.time() > self.deadline:
                for lane, proc in self.running:
                    print(f"-- lane {lane['name']} stopped: the step's time ran out", flush=True)
                    proc.terminate()
                for _, proc in self.running:
                    try:
                        proc.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                self.running = []
            records = self.records()
            if len(records) != seen:
                seen = len(records)
                on_update(records)
        on_update(self.records())


# ---------------------------------------------------------------- the steps

def memory_step(args) -> dict:
    import shapes

    cuda = args.device == "cuda"
    runs, lanes_jobs = [], {}
    for size in args.sizes:
        model_path = shapes.ensure(size)
        for seq in args.seq_lens:
            data = shapes.data_file(args.out / "data" / size, model_path=model_path, rows=args.steps * args.batch,
                                    seq_len=seq)
            for gc in args.gc:
                shape_id = f"{size} seq {seq} gc {'on' if gc else 'off'}"
                config = shapes.training_config(args.out / "configs" / size, model_path=model_path, data_file=data,
                                                seq_len=seq, batch=args.batch, steps=args.steps,
                                                gradient_checkpointing=gc, bf16=cuda, lr=args.lr,
                                                name=f"seq{seq}-gc{'on' if gc else 'off'}.yaml")
                for backend in args.backends:
                    run_id = f"{backend} {shape_id}"
                    runs.append(run_id)
                    lanes_jobs.setdefault((backend, size, seq), []).append({
                        "id": run_id, "kind": "runner", "config": str(config), "steps": args.steps,
                        "out": str(args.out / "runs" / run_id.replace(" ", "-")),
                        "tags": {"size": size, "seq_len": seq, "batch": args.batch, "gradient_checkpointing": gc,
                                 "parameters": shapes.parameters(size)}})
    budget = None
    if cuda:  # lanes side by side must not run the GPU out of memory: start one only where it fits
        budget = int(args.gpu_share * args.environment["gpu_bytes"])
    lanes = Lanes(args.out, args.deadline, args.parallel, args.fault, args.device, budget)
    # One lane per backend, size and sequence length (checkpointing on, then off): imports paid once
    # per lane, and a lane that finds memory left over from its first run restarts for the second
    # (lane.py), so no peak holds what another run left. The largest first: they take longest.
    reserves = {key: lane_reserve(jobs, key[0]) for key, jobs in lanes_jobs.items()}
    for key in sorted(lanes_jobs, key=lambda k: -reserves[k]):
        backend, size, seq = key
        lanes.add(f"memory-{backend}-{size}-{seq}", backend, lanes_jobs[key], reserves[key])
    setup = {"sizes": {s: shapes.parameters(s) for s in args.sizes}, "seq_lens": args.seq_lens, "batch": args.batch,
             "steps": args.steps, "backends": args.backends, "parallel_lanes": args.parallel,
             "estimate_terms": estimate_terms(args.out / "configs"), "gpu_memory_budget_bytes": budget,
             "lane_reserve_bytes": {lane["name"]: lane["reserve"] for lane in lanes.pending}}

    def update(records):
        write_report(args, "memory", setup, records,
                     figures.memory_verdicts(records, runs, args.device, args.tolerance),
                     rows=figures.memory_rows(records))

    lanes.run(update)
    return json.loads(args.report.read_text())


#: A lane holds up to its largest run's estimate times this, plus its CUDA context and allocator slack.
RESERVE_FACTOR = 1.3
CONTEXT_BYTES = 2**30


def lane_reserve(jobs: list[dict], backend: str) -> int:
    """GPU bytes to set aside for a lane while it runs: its largest estimate, with room for error."""
    from sftlint.runner.memory import estimate_bytes
    from sftlint.runner.plan_source import load_plan

    largest = max((estimate_bytes(load_plan(Path(j["config"]))[1], backend) or 0) for j in jobs)
    return int(RESERVE_FACTOR * largest) + CONTEXT_BYTES


def estimate_terms(configs: Path) -> dict:
    """The estimate's terms for each config written (the linter's plan, as ``sftlint plan`` shows it)."""
    from sftlint.runner.plan_source import load_plan

    out = {}
    for path in sorted(configs.rglob("*.yaml")):
        _, plan = load_plan(path)
        memory = plan.memory if isinstance(getattr(plan, "memory", None), dict) else {}
        out[f"{path.parent.name} {path.stem}"] = {k: v for k, v in memory.items() if k.endswith("_bytes") or k in (
            "fused_loss", "chunked_logits", "parameters", "trainable_parameters")}
    return out


def overhead_step(args) -> dict:
    import shapes

    cuda = args.device == "cuda"
    size = args.sizes[0]
    model_path = shapes.ensure(size)
    total = args.skip + args.steps
    data = shapes.data_file(args.out / "data", model_path=model_path, rows=total * args.batch, seq_len=args.seq_lens[0])
    seq = args.seq_lens[0]
    config = shapes.training_config(args.out / "configs", model_path=model_path, data_file=data, seq_len=seq,
                                    batch=args.batch, steps=total, gradient_checkpointing=True, bf16=cuda, lr=args.lr)
    tokens = args.batch * seq
    tags = {"size": size, "seq_len": seq, "batch": args.batch, "expected_tokens": tokens}
    warm = shapes.training_config(args.out / "configs", model_path=model_path, data_file=data, seq_len=seq,
                                  batch=args.batch, steps=args.skip + 2, gradient_checkpointing=True, bf16=cuda,
                                  lr=args.lr, name="warmup.yaml")
    jobs = [{"id": "warm-up (untimed)", "kind": "runner", "config": str(warm), "steps": args.skip + 2,
             "out": str(args.out / "runs" / "warmup"), "tags": {**tags, "warmup": True}}]
    counts = {"bare": 0, "runner": 0}
    for kind in ["bare", "runner", "runner", "bare"] * args.runs:
        if counts[kind] == args.runs:
            continue
        counts[kind] += 1
        run_id = f"{kind} {counts[kind]}"
        job = {"id": run_id, "kind": kind, "config": str(config), "steps": total,
               "out": str(args.out / "runs" / run_id.replace(" ", "-")), "tags": tags}
        if kind == "bare":
            job["spec"] = shapes.bare_spec(model_path=model_path, data_file=data, device=args.device,
                                           output_dir=args.out / "runs" / run_id.replace(" ", "-"), seq_len=seq,
                                           batch=args.batch, steps=total, lr=args.lr)
        jobs.append(job)
    lanes = Lanes(args.out, args.deadline, 1, args.fault, args.device)
    lanes.add("overhead-unsloth", "unsloth", jobs)
    setup = {"model": size, "parameters": shapes.parameters(size), "timed_steps": args.steps, "skip": args.skip,
             "batch": args.batch, "seq_len": seq, "tokens_per_step": tokens, "runs_each": args.runs,
             "order": [j["id"] for j in jobs]}

    spec = next(j["spec"] for j in jobs if j["kind"] == "bare")

    def update(records):
        verdicts = figures.overhead_verdicts(records, args.skip, args.device, args.runs)
        verdicts += same_plan_verdicts(jobs, spec)
        write_report(args, "overhead", setup, records, verdicts, figures=figures.overhead_figures(records, args.skip))

    lanes.run(update)
    return json.loads(args.report.read_text())


def same_plan_verdicts(jobs: list[dict], spec: dict) -> list[dict]:
    """A FAIL for each runner run whose recipe differs from the bare script's arguments: a race
    between two different trainings would measure the difference, not the runner."""
    from bench_runner import recipe_mismatches

    out = []
    for job in jobs:
        recipe_path = Path(job["out"]) / "recipe.json"
        if job["kind"] == "runner" and recipe_path.is_file():
            recipe = json.loads(recipe_path.read_text(encoding="utf-8"))
            bare = {**spec, "max_steps": recipe.get("max_steps")} if job["tags"].get("warmup") else spec
            for mismatch in recipe_mismatches(recipe, bare):
                out.append(figures.verdict("overhead", f"{job['id']}: same plan as the bare script", figures.FAIL,
                                           mismatch))
    return out


def speed_step(args) -> dict:
    import shapes

    cuda = args.device == "cuda"
    size = args.sizes[-1]
    model_path = shapes.ensure(size)
    seq, total = args.seq_lens[0], args.skip + args.steps
    data = shapes.data_file(args.out / "data", model_path=model_path, rows=total * args.batch, seq_len=seq)
    config = shapes.training_config(args.out / "configs", model_path=model_path, data_file=data, seq_len=seq,
                                    batch=args.batch, steps=total, gradient_checkpointing=True, bf16=cuda, lr=args.lr)
    tags = {"size": size, "seq_len": seq, "batch": args.batch, "expected_tokens": args.batch * seq}
    lanes = Lanes(args.out, args.deadline, 1, args.fault, args.device)
    for backend in args.backends:
        lanes.add(f"speed-{backend}", backend, [
            {"id": f"{backend} {i}", "kind": "runner", "config": str(config), "steps": total,
             "out": str(args.out / "runs" / f"{backend}-{i}"), "tags": tags} for i in range(1, args.runs + 1)])
    setup = {"model": size, "parameters": shapes.parameters(size), "timed_steps": args.steps, "skip": args.skip,
             "batch": args.batch, "seq_len": seq, "runs_each": args.runs, "gradient_checkpointing": True}

    def update(records):
        write_report(args, "speed", setup, records, figures.speed_verdicts(records, args.skip, args.device, args.runs),
                     figures=figures.speed_figures(records, args.skip))

    lanes.run(update)
    return json.loads(args.report.read_text())


def environment(device: str) -> dict:
    env = {"device": device, "python": sys.version.split()[0]}
    try:
        import torch

        env["torch"] = torch.__version__
        if device == "cuda" and torch.cuda.is_available():
            p = torch.cuda.get_device_properties(0)
            env["gpu"] = f"{p.name}, {p.total_memory / 2**30:.1f} GiB, sm_{p.major}{p.minor}"
            env["gpu_bytes"] = int(p.total_memory)
    except ImportError:
        pass
    return env


def write_report(args, step: str, setup: dict, records: list[dict], verdicts: list[dict], **extra) -> None:
    report = {"step": step, "environment": args.environment, "setup": setup, "budget_seconds": args.budget,
              "elapsed_seconds": round(time.time() - args.started, 1), **extra, "verdicts": verdicts,
              "records": records}
    tmp = args.report.with_suffix(".tmp")
    tmp.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    tmp.replace(args.report)


# ---------------------------------------------------------------- the gate and the Markdown report

REPORTS = ("memory", "overhead", "speed")


def gate(results: Path, device: str, steps: list[str]) -> int:
    verdicts = []
    if "gpu-tests" in steps:
        verdicts += figures.gpu_test_verdicts(results / "gpu-tests.xml", device)
    for step in REPORTS:
        if step not in steps:
            continue
        path = results / f"{step}.json"
        if not path.is_file():
            verdicts.append(figures.verdict(step, "the step's report", figures.INCOMPLETE, f"no {path.name}"))
            continue
        verdicts += json.loads(path.read_text(encoding="utf-8"))["verdicts"]
    code = figures.exit_code(verdicts)
    lines = figures.verdict_lines(verdicts)
    (results / "report.md").write_text(markdown(results, lines, code), encoding="utf-8")
    print("\n".join(lines))
    na = sum(v["status"] == figures.NA for v in verdicts)
    word = {0: "every figure within its target" + (f" ({na} not applicable here)" if na else ""),
            1: "FAILED: a figure missed its target or a check failed",
            3: "INCOMPLETE: some figures were not measured"}[code]
    print(f"gate: {word} (exit {code})")
    return code


def _mib(n) -> str:
    return "-" if not n else f"{n / 2**20:,.0f}"


def markdown(results: Path, lines: list[str], code: int) -> str:
    out = ["# GPU check", "", "```", *lines, "```", ""]
    mem = results / "memory.json"
    if mem.is_file():
        data = json.loads(mem.read_text())
        out += ["## Memory: plan estimate vs peak allocated", "",
                "| run | peak MiB | estimate MiB | error | reserved MiB | status |", "| --- | ---: | ---: | ---: | ---: | --- |"]
        for r in data.get("rows", []):
            err = "-" if r["estimate_error"] is None else f"{r['estimate_error']:+.1%}"
            out.append(f"| {r['id']} | {_mib(r['peak_memory_bytes'])} | {_mib(r['estimated_memory_bytes'])} | {err} | "
                       f"{_mib(r.get('max_reserved_bytes'))} | {r['status']} |")
        out.append("")
    ovh = results / "overhead.json"
    if ovh.is_file():
        f = json.loads(ovh.read_text()).get("figures", {})
        out += ["## Runner overhead", "", f"- runs in order: {', '.join(f.get('order', []))}",
                f"- bare timed seconds: {', '.join(f'{t:.2f}' for t in f.get('bare_timed_seconds', []))}",
                f"- runner timed seconds: {', '.join(f'{t:.2f}' for t in f.get('runner_timed_seconds', []))}", ""]
    spd = results / "speed.json"
    if spd.is_file():
        f = json.loads(spd.read_text()).get("figures", {})
        out += ["## unsloth vs hf", "", "| backend | tokens/s median | min | max | peak MiB median |",
                "| --- | ---: | ---: | ---: | ---: |"]
        for b in ("unsloth", "hf"):
            t, m = f.get(b, {}).get("tokens_per_second", {}), f.get(b, {}).get("peak_memory_bytes", {})
            def num(v):
                return "-" if v is None else f"{v:,.0f}"
            out.append(f"| {b} | {num(t.get('median'))} | {num(t.get('min'))} | {num(t.get('max'))} | "
                       f"{_mib(m.get('median'))} |")
        out.append("")
    out.append(f"Exit status {code}.")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- command line

def parse_args(argv: list[str] | None):
    p = argparse.ArgumentParser(prog="steps.py", description=__doc__.split("\n\n")[0])
    p.add_argument("step", choices=(*REPORTS, "gate"))
    p.add_argument("results", nargs="?", type=Path, help="gate: the folder holding the reports")
    p.add_argument("--device", choices=("cuda", "cpu"), default="cuda")
    p.add_argument("--steps-run", type=_names, default=["gpu-tests", *REPORTS], help="gate: the steps to judge")
    p.add_argument("--out", type=Path, help="working folder: configs, data, run folders, lane logs")
    p.add_argument("--report", type=Path, help="the step's JSON report")
    p.add_argument("--sizes", type=_names, default=["0.5b", "1b", "3b"])
    p.add_argument("--seq-lens", type=_ints, default=[512, 2048])
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--gc", type=lambda t: [{"on": True, "off": False}[x] for x in _names(t)], default=[True, False],
                   help="memory: gradient checkpointing settings to measure (on,off)")
    p.add_argument("--lr", type=float, default=1e-3, help="peak learning rate of every run (cosine, no warmup)")
    p.add_argument("--steps", type=int, default=6, help="optimizer steps per run (timed steps for overhead/speed)")
    p.add_argument("--skip", type=int, default=0, help="overhead/speed: untimed steps before the timed ones")
    p.add_argument("--runs", type=int, default=figures.MIN_RUNS, help="overhead/speed: runs per path")
    p.add_argument("--backends", type=_names, default=["unsloth", "hf"])
    p.add_argument("--parallel", type=int, default=12, help="memory: lanes (runs) at once")
    p.add_argument("--gpu-share", type=float, default=0.85,
                   help="memory: the share of GPU memory that lanes running at once may reserve together "
                        f"({RESERVE_FACTOR} x a lane's largest estimate + 1 GiB each)")
    p.add_argument("--tolerance", type=float, default=figures.MEMORY_TOLERANCE)
    p.add_argument("--budget", type=float, default=300, help="seconds for the whole step")
    p.add_argument("--fault", choices=("one-step-short",), default=None,
                   help="self-test: make the step's first runner run stop one step short of its plan")
    args = p.parse_args(argv)
    if args.step == "gate":
        if args.results is None:
            p.error("gate needs the results folder")
    elif args.out is None or args.report is None:
        p.error(f"{args.step} needs --out and --report")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.step == "gate":
        return gate(args.results, args.device, args.steps_run)
    args.started = time.time()
    args.deadline = args.started + args.budget
    args.out = args.out.resolve()
    args.report = args.report.resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    if args.device == "cpu":
        os.environ["CUDA_VISIBLE_DEVICES"] = ""
    args.environment = environment(args.device)
    if args.device == "cuda" and "gpu" not in args.environment:
        print(f"steps.py {args.step}: --device cuda but no CUDA device is visible", file=sys.stderr)
        return 2
    report = {"memory": memory_step, "overhead": overhead_step, "speed": speed_step}[args.step](args)
    lines = figures.verdict_lines(report["verdicts"])
    print("\n".join(lines))
    return figures.exit_code(report["verdicts"])


if __name__ == "__main__":
    raise SystemExit(main())
