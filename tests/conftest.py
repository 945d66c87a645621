"""Fixtures shared by the test modules: files from text, the CLI in-process and in a subprocess.

Every test gets its own cache folder (``XDG_CACHE_HOME``, inherited by subprocesses), so the
entry-point cache of one test, or of the user, never answers for another.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

#: A small config read as plain TrainingArguments; `2e-4` is a string to YAML 1.1 loaders (YM001).
HF_CONFIG = """\
# sftlint: dialect=hf
output_dir: out
learning_rate: 2e-4
per_device_train_batch_size: 4
num_train_epochs: 1
"""


@pytest.fixture
def hf_config() -> str:
    """A valid training config with one YM001 finding (line 3), read as the ``hf`` dialect."""
    return HF_CONFIG


@pytest.fixture(autouse=True)
def _own_cache_dir(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.delenv("SFTLINT_CACHE_DIR", raising=False)
    monkeypatch.delenv("SFTLINT_NO_CACHE", raising=False)


@pytest.fixture
def write(tmp_path):
    """``write("a/b.yaml", text)`` creates the file (and folders) under tmp_path, dedenting text."""

    def _write(relative: str, text: str = "") -> Path:
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return _write


@dataclass
class Run:
    rc: int
    out: str
    err: str


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    """Run ``sftlint ARGS`` in-process, in tmp_path; returns exit code, stdout and stderr."""
    from sftlint.cli.main import main

    def _cli(*args: str, cwd: Path | None = None) -> Run:
        monkeypatch.chdir(cwd or tmp_path)
        capsys.readouterr()
        rc = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Run(rc, captured.out, captured.err)

    return _cli


@pytest.fixture
def run_sftlint(tmp_path):
    """Run ``python -m sftlint ARGS`` in a fresh interpreter (extra_path goes on PYTHONPATH)."""

    def _run(*args: str, cwd: Path | None = None, extra_path: list[Path] = (), env: dict | None = None) -> Run:
        full_env = dict(os.environ, **(env or {}))
        full_env["PYTHONPATH"] = os.pathsep.join([*map(str, extra_path), full_env.get("PYTHONPATH", "")]).strip(os.pathsep)
        proc = subprocess.run([sys.executable, "-m", "sftlint", *map(str, args)], cwd=cwd or tmp_path, env=full_env,
                              capture_output=True, text=True, timeout=120)
        return Run(proc.returncode, proc.stdout, proc.stderr)

    return _run
