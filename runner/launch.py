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
import signal
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


#: After Ctrl-C, how long the worker may take to write what it has before it is killed.
INTERRUPT_GRACE_SECONDS = 60


class WorkerInterrupted(KeyboardInterrupt):
    """Ctrl-C reached the runner; the worker was stopped and has written what it had."""

    def __init__(self, returncode: int | None, log_tail: str) -> None:
        super().__init__("interrupted")
        self.returncode, self.log_tail = returncode, log_tail


def _stop(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def run_worker(recipe_path: Path, *, world_size: int = 1, use_cpu: bool | None = None, offline: bool = False,
               stream: bool = False, timeout: float | None = None) -> tuple[int, str]:
    """Run the worker; return its exit code and log tail. ``stream`` shows its output live.

    The worker runs in its own process group, so a Ctrl-C in the terminal reaches only this
    process, which passes one SIGINT on and waits for the worker to write its report (the
    steps done, ``worker.json``); a second Ctrl-C, or the grace period running out, kills it.
    Raises :class:`WorkerInterrupted` after that.
    """
    out = recipe_path.parent
    log_path = out / "worker.log"
    port = free_port() if world_size > 1 else None
    command = worker_command(recipe_path, world_size, use_cpu, main_process_port=port)
    (out / "command.txt").write_text(" ".join(command) + "\n", encoding="utf-8")

    def tail() -> str:
        return log_path.read_text(encoding="utf-8", errors="replace")[-4000:]

    with log_path.open("w", encoding="utf-8") as log:
        sink = dict(stdout=sys.stderr, stderr=None) if stream else dict(stdout=log, stderr=subprocess.STDOUT)
        proc = subprocess.Popen(command, cwd=str(out), env=worker_env(offline), start_new_session=True, **sink)
        try:
            try:
                code = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _stop(proc, signal.SIGKILL)
                proc.wait()
                raise
        except KeyboardInterrupt:
            _stop(proc, signal.SIGINT)
            try:
                proc.wait(timeout=INTERRUPT_GRACE_SECONDS)
            except (KeyboardInterrupt, subprocess.TimeoutExpired):
                _stop(proc, signal.SIGKILL)
                proc.wait()
            raise WorkerInterrupted(proc.returncode, tail()) from None
        finally:
            if proc.poll() is None:  # anything else that stops this process stops the worker too
                _stop(proc, signal.SIGKILL)
                proc.wait()
    return code, tail()
