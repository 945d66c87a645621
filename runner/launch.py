"""Starting the worker: one process directly, several through ``accelerate launch``.

Training always runs in a child process. Unsloth patches transformers, TRL and PEFT for the life of
the process that imports it, so two backends could not be compared in one process; a child also
gives each run its own peak-memory figure and survives being killed for memory. More than one GPU
goes through ``accelerate launch --multi_gpu``, the engine transformers' Trainer already speaks;
several CPU processes go through ``torchrun`` and the gloo backend (accelerate's ``--cpu`` starts
only one process unless MPI is installed).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

WORKER_MODULE = "sftlint.runner.worker"


def worker_command(recipe_path: Path, world_size: int = 1, use_cpu: bool | None = None,
                   python: str | None = None, main_process_port: int | None = None) -> list[str]:
    """The command line that trains ``recipe_path`` on ``world_size`` processes."""
    python = python or sys.executable
    if world_size <= 1:
        return [python, "-m", WORKER_MODULE, str(recipe_path)]
    if use_cpu:
        # accelerate's --cpu runs one process (several need MPI); torchrun starts them, and the
        # Trainer (use_cpu) joins them with the gloo backend.
        command = [python, "-m", "torch.distributed.run", "--nproc-per-node", str(world_size), "--nnodes", "1"]
        if main_process_port is not None:
            command += ["--master-port", str(main_process_port)]
        return command + ["-m", WORKER_MODULE, str(recipe_path)]
    command = [python, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", str(world_size),
               "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no"]
    if main_process_port is not None:
        command += ["--main_process_port", str(main_process_port)]
    return command + ["-m", WORKER_MODULE, str(recipe_path)]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def worker_env(offline: bool) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    env.setdefault("UNSLOTH_DISABLE_STATISTICS", "1")
    if offline:
        env["HF_HUB_OFFLINE"] = "1"
        env["HF_DATASETS_OFFLINE"] = "1"
        env["TRANSFORMERS_OFFLINE"] = "1"
    return env


def run_worker(recipe_path: Path, *, world_size: int = 1, use_cpu: bool | None = None, offline: bool = False,
               stream: bool = False, timeout: float | None = None) -> tuple[int, str]:
    """Run the worker; return its exit code and log tail. ``stream`` shows its output live."""
    out = recipe_path.parent
    log_path = out / "worker.log"
    port = free_port() if world_size > 1 else None
    command = worker_command(recipe_path, world_size, use_cpu, main_process_port=port)
    (out / "command.txt").write_text(" ".join(command) + "\n", encoding="utf-8")
    with log_path.open("w", encoding="utf-8") as log:
        kwargs = dict(cwd=str(out), env=worker_env(offline), timeout=timeout)
        if stream:
            proc = subprocess.run(command, stdout=sys.stderr, stderr=None, **kwargs)
        else:
            proc = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, **kwargs)
    text = log_path.read_text(encoding="utf-8", errors="replace")
    return proc.returncode, text[-4000:]
