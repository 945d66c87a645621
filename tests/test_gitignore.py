"""``.gitignore`` is respected as git and ruff respect it, and a Trainer's state file is named."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from sftlint.files.discovery import discover
from sftlint.files.gitignore import GitIgnore
from sftlint.settings.resolver import SettingsResolver

CLEAN = """\
# sftlint: dialect=hf
output_dir: out
learning_rate: 2.0e-5
per_device_train_batch_size: 4
num_train_epochs: 1
seed: 42
"""


def listed(cli, *args: str) -> list[str]:
    run = cli("check", "--show-files", *args)
    assert run.rc == 0, run.err
    return sorted(Path(p).as_posix() for p in run.out.split())


@pytest.fixture
def repo(tmp_path, write):
    (tmp_path / ".git").mkdir()
    write("train.yaml", CLEAN)
    write("out/run1/config.yml", CLEAN)
    write("logs/debug.yaml", CLEAN)
    write("logs/keep.yaml", CLEAN)
    write("nested/local.yaml", CLEAN)
    write("nested/ok.yaml", CLEAN)
    write(".gitignore", "out/\nlogs/*.yaml\n!logs/keep.yaml\n")
    write("nested/.gitignore", "local.yaml\n")
    return tmp_path


def test_a_search_skips_what_git_ignores(cli, repo):
    assert listed(cli, ".") == ["logs/keep.yaml", "nested/ok.yaml", "train.yaml"]


def test_git_info_exclude_counts_too(cli, repo, write):
    write(".git/info/exclude", "train.yaml\n")
    assert "train.yaml" not in listed(cli, ".")


def test_respecting_gitignore_can_be_turned_off(cli, repo, write):
    everything = ["logs/debug.yaml", "logs/keep.yaml", "nested/local.yaml", "nested/ok.yaml", "out/run1/config.yml",
                  "train.yaml"]
    assert listed(cli, "--no-respect-gitignore", ".") == everything
    write("sftlint.toml", "respect-gitignore = false\n")
    assert listed(cli, ".") == everything


def test_named_files_are_linted_unless_force_exclude(cli, repo):
    assert listed(cli, "out/run1/config.yml") == ["out/run1/config.yml"]  # as ruff: named means wanted
    assert listed(cli, "--force-exclude", "out/run1/config.yml", "train.yaml") == ["train.yaml"]


def test_outside_a_repository_the_searched_folders_gitignore_holds(cli, write):
    write("project/a.yaml", CLEAN)
    write("project/out/b.yaml", CLEAN)
    write("project/.gitignore", "out/\n")
    assert listed(cli, "project") == ["project/a.yaml"]


def test_a_search_skips_what_the_matcher_says_of_each_path_a_nested_repository_included(repo, write):
    """A search learns from its listings where ``.git`` and ``.gitignore`` files are; what it skips
    is what a fresh matcher, asking the system about each path, says: a nested repository (a
    submodule's ``.git`` file) has its own rules, not the outer ones."""
    write("inner/.git", "gitdir: ../.git/modules/inner\n")
    write("inner/.gitignore", "skip.yaml\n")
    for relative in ("inner/out/kept.yaml", "inner/skip.yaml", "inner/deeper/skip.yaml", "inner/deeper/ok.yaml"):
        write(relative, CLEAN)
    files, _ = discover([repo], SettingsResolver())
    found = {p.relative_to(repo).as_posix() for p in files}
    every = {p.relative_to(repo).as_posix() for p in repo.rglob("*.y*ml")}
    matcher = GitIgnore()
    assert found == {f for f in every if not matcher.ignored_with_parents(repo / f, top=repo)}
    assert {"inner/out/kept.yaml", "inner/deeper/ok.yaml", "logs/keep.yaml"} <= found
    assert not {"inner/skip.yaml", "inner/deeper/skip.yaml", "out/run1/config.yml"} & found


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_agrees_with_git_check_ignore(repo):
    """The matcher against git itself, on every path of the fixture and a few tricky patterns."""
    (repo / ".gitignore").write_text("out/\nlogs/*.yaml\n!logs/keep.yaml\n**/deep/*.yml\n/anchored.yaml\n",
                                     encoding="utf-8")
    for relative in ("a/b/deep/x.yml", "anchored.yaml", "sub/anchored.yaml"):
        (repo / relative).parent.mkdir(parents=True, exist_ok=True)
        (repo / relative).write_text(CLEAN, encoding="utf-8")
    shutil.rmtree(repo / ".git")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    files = sorted(p.relative_to(repo).as_posix() for p in repo.rglob("*") if p.is_file() and ".git/" not in
                   p.relative_to(repo).as_posix() + "/" and not p.name == ".gitignore")
    checked = subprocess.run(["git", "check-ignore", "--no-index", *files], cwd=repo, capture_output=True, text=True)
    by_git = set(checked.stdout.split())
    matcher = GitIgnore()
    ours = {f for f in files if matcher.ignored_with_parents(repo / f)}
    assert ours == by_git
    assert {"out/run1/config.yml", "logs/debug.yaml", "a/b/deep/x.yml", "anchored.yaml", "nested/local.yaml"} <= ours


def test_trainer_state_is_named_not_taken_for_deepspeed(cli, write):
    write("checkpoint-10/trainer_state.json",
          '{"global_step": 10, "log_history": [{"learning_rate": 0.0002, "loss": 1.2}], "train_batch_size": 4,'
          ' "best_metric": null}\n')
    run = cli("check", "-v", "--output-format", "concise", "checkpoint-10/trainer_state.json")
    assert run.rc == 0
    assert "Trainer state file" in run.out and "DeepSpeed" not in run.out
    assert "skipped: 1 Trainer state file" in run.err
