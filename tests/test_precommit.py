"""The pre-commit hooks in ``.pre-commit-hooks.yaml``, run by the real ``pre-commit``.

pre-commit installs a hook repository by cloning it at a commit and ``pip install``-ing it into a
fresh environment, so the hooks are tested from a git copy of this working tree, committed in a
temporary folder, exactly as a user's pre-commit would fetch them (this needs PyPI for sftlint's
dependencies; pip's downloads are kept in pytest's cache folder between runs).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
PRE_COMMIT = shutil.which("pre-commit") or shutil.which("pre-commit", path=str(Path(sys.executable).parent))
#: What ``pip install`` of sftlint reads from the tree.
PACKAGE_FILES = ("pyproject.toml", "README.md", "LICENSE", ".pre-commit-hooks.yaml", "sftlint", "rules", "runner")

CLEAN = """\
# sftlint: dialect=hf
output_dir: out
learning_rate: 2.0e-5
per_device_train_batch_size: 4
num_train_epochs: 1
seed: 42
"""
#: `2e-5` is a string to a YAML 1.1 loader; the safe fix writes `2.0e-5`, which is then clean.
FIXABLE = CLEAN.replace("2.0e-5", "2e-5")
#: A learning rate fit for LoRA, on full fine-tuning: a finding without a fix.
BAD = CLEAN.replace("2.0e-5", "0.01")


def git(cwd: Path, *args: str) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.com", GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory) -> tuple[Path, str]:
    """A git repository holding this working tree's package, committed: (path, commit)."""
    if PRE_COMMIT is None:
        pytest.skip("pre-commit is not installed (pip install pre-commit)")
    repo = tmp_path_factory.mktemp("hook-repo")
    for name in PACKAGE_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, repo / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(source, repo / name)
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "sftlint")
    return repo, git(repo, "rev-parse", "HEAD")


@pytest.fixture(scope="module")
def pre_commit_env(tmp_path_factory, pytestconfig) -> dict:
    """One PRE_COMMIT_HOME for the module, so the hook environment is installed once."""
    return dict(os.environ, PRE_COMMIT_HOME=str(tmp_path_factory.mktemp("pre-commit-home")),
                PIP_CACHE_DIR=str(pytestconfig.cache.mkdir("sftlint-pre-commit-pip") if getattr(pytestconfig, "cache", None)
                                      else tmp_path_factory.mktemp("pip-cache")), PRE_COMMIT_COLOR="never",
                GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="t",
                GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")


@pytest.fixture
def project(tmp_path, hook_repo):
    """A user's repository whose .pre-commit-config.yaml uses both hooks; write files, then run."""
    path, rev = hook_repo
    (tmp_path / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {path}\n    rev: {rev}\n    hooks:\n      - id: sftlint-fix\n      - id: sftlint\n",
        encoding="utf-8")
    git(tmp_path, "init", "-q")
    return tmp_path


def run_hooks(project: Path, env: dict, *files: tuple[str, str]) -> subprocess.CompletedProcess:
    for name, text in files:
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text, encoding="utf-8")
    git(project, "add", "-A")
    return subprocess.run([PRE_COMMIT, "run", "--all-files"], cwd=project, env=env, capture_output=True, text=True,
                          timeout=900)


def test_clean_configs_pass(project, pre_commit_env):
    launcher = "compute_environment: LOCAL_MACHINE\ndistributed_type: MULTI_GPU\nnum_processes: 2\n"
    proc = run_hooks(project, pre_commit_env, ("train.yaml", CLEAN), ("accelerate.yaml", launcher),
                     ("package.json", '{"name": "x"}\n'))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("Passed") == 2


def test_findings_fail_the_hook_and_are_printed(project, pre_commit_env):
    proc = run_hooks(project, pre_commit_env, ("train.yaml", BAD))
    assert proc.returncode == 1
    assert "train.yaml:3:16: HP001 learning rate 0.01 is above" in proc.stdout
    assert (project / "train.yaml").read_text(encoding="utf-8") == BAD  # nothing to fix, nothing written


def test_the_fix_hook_rewrites_a_fixable_config(project, pre_commit_env):
    proc = run_hooks(project, pre_commit_env, ("train.yaml", FIXABLE))
    assert proc.returncode == 1  # pre-commit fails a hook that modified files
    assert "files were modified by this hook" in proc.stdout
    assert (project / "train.yaml").read_text(encoding="utf-8") == CLEAN

    again = run_hooks(project, pre_commit_env)
    assert again.returncode == 0, again.stdout


def test_the_settings_excludes_hold_for_the_files_pre_commit_names(project, pre_commit_env):
    proc = run_hooks(project, pre_commit_env, ("train.yaml", CLEAN), ("pyproject.toml", '[tool.sftlint]\nexclude = ["legacy"]\n'),
                     ("legacy/old.yaml", BAD))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "HP001" not in proc.stdout
    assert (project / "legacy" / "old.yaml").read_text(encoding="utf-8") == BAD


def test_with_both_hooks_each_finding_is_printed_once(project, pre_commit_env):
    """The fix hook fixes and says nothing else (``--fix-only``); the report hook reports what is
    left: as with ruff's hooks, no finding is printed twice."""
    proc = run_hooks(project, pre_commit_env, ("train.yaml", FIXABLE), ("bad.yaml", BAD))
    assert proc.returncode == 1
    assert proc.stdout.count("HP001") == 1, proc.stdout  # not fixable: reported once, by the report hook
    assert "YM001" not in proc.stdout  # fixed by the first hook, so nothing left to report
    assert "Fixed 1 finding." in proc.stdout
    assert (project / "train.yaml").read_text(encoding="utf-8") == CLEAN


def test_the_report_comes_in_one_piece(project, pre_commit_env):
    """require_serial: one process, so one summary however many files pre-commit passes; the
    summary says why files were skipped, since a hook cannot be given -v."""
    launcher = "compute_environment: LOCAL_MACHINE\ndistributed_type: MULTI_GPU\nnum_processes: 2\n"
    files = [(f"configs/c{i:02d}.yaml", BAD.replace("seed: 42", f"seed: {i}")) for i in range(12)]
    proc = run_hooks(project, pre_commit_env, *files, ("accelerate.yaml", launcher))
    assert proc.returncode == 1
    assert proc.stdout.count("Found ") == 1, proc.stdout
    # (pre-commit passes its own .pre-commit-config.yaml too: a YAML file, skipped with its reason)
    assert "Found 12 findings in 12 files; skipped: 1 accelerate launcher config, 1 pre-commit config." in proc.stdout
    assert "-v says why" not in proc.stdout


def test_a_single_hook_with_fix_args(tmp_path, hook_repo, pre_commit_env):
    """``- id: sftlint`` with ``args: [--fix]``, as ruff's hook is used: fixes, then reports."""
    path, rev = hook_repo
    (tmp_path / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {path}\n    rev: {rev}\n    hooks:\n      - id: sftlint\n        args: [--fix]\n",
        encoding="utf-8")
    git(tmp_path, "init", "-q")
    proc = run_hooks(tmp_path, pre_commit_env, ("train.yaml", FIXABLE))
    assert proc.returncode == 1 and "files were modified by this hook" in proc.stdout
    assert (tmp_path / "train.yaml").read_text(encoding="utf-8") == CLEAN
