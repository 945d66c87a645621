"""Which files `sftlint check FOLDER` picks up."""

from __future__ import annotations

from pathlib import Path

from sftlint.files.discovery import discover
from sftlint.settings.resolver import SettingsResolver

TRAINING_JSON = '{"learning_rate": 0.0002, "per_device_train_batch_size": 4}\n'


def found(root: Path, *paths: Path) -> list[str]:
    files, _ = discover(list(paths) or [root], SettingsResolver())
    return sorted(p.resolve().relative_to(root.resolve()).as_posix() for p in files)


def test_yaml_files_are_found_in_every_folder(write, tmp_path):
    write("a.yaml", "x: 1\n")
    write("sub/b.yml", "x: 1\n")
    write("sub/deeper/c.YAML", "x: 1\n")
    write("notes.txt", "x: 1\n")
    assert found(tmp_path) == ["a.yaml", "sub/b.yml", "sub/deeper/c.YAML"]


def test_json_only_when_it_looks_like_a_training_config(write, tmp_path):
    write("train.json", TRAINING_JSON)
    write("package.json", '{"name": "x", "version": "1.0"}\n')
    write("list.json", '["learning_rate"]\n')
    assert found(tmp_path) == ["train.json"]


def test_hidden_folders_virtualenvs_and_build_output_are_skipped(write, tmp_path):
    write("keep/a.yaml", "x: 1\n")
    for folder in (".git", ".venv", "venv", ".hidden", "node_modules", "__pycache__", "pkg.egg-info"):
        write(f"{folder}/a.yaml", "x: 1\n")
    write("myenv/pyvenv.cfg", "home = /usr/bin\n")
    write("myenv/lib/a.yaml", "x: 1\n")
    write(".github/workflows/ci.yaml", "on: push\n")
    write(".pre-commit-config.yaml", "repos: []\n")
    assert found(tmp_path) == ["keep/a.yaml"]


def test_named_files_are_linted_even_if_they_would_be_skipped(write, tmp_path):
    hidden = write(".hidden/a.yaml", "x: 1\n")
    excluded = write("old/b.yaml", "x: 1\n")
    write("sftlint.toml", 'exclude = ["old/**"]\n')
    assert found(tmp_path, hidden, excluded) == [".hidden/a.yaml", "old/b.yaml"]


def test_a_hidden_folder_named_on_the_command_line_is_searched(write, tmp_path):
    write(".configs/a.yaml", "x: 1\n")
    assert found(tmp_path, tmp_path / ".configs") == [".configs/a.yaml"]


def test_exclude_and_extend_exclude(write, tmp_path):
    write("sftlint.toml", 'exclude = ["old/**", "*.draft.yaml"]\nextend-exclude = ["scratch"]\n')
    write("new/a.yaml", "x: 1\n")
    write("new/b.draft.yaml", "x: 1\n")
    write("old/deep/c.yaml", "x: 1\n")
    write("new/scratch/d.yaml", "x: 1\n")
    assert found(tmp_path) == ["new/a.yaml"]


def test_exclude_is_relative_to_its_settings_file(write, tmp_path):
    write("proj/sftlint.toml", 'exclude = ["generated/**"]\n')
    write("proj/generated/a.yaml", "x: 1\n")
    write("generated/b.yaml", "x: 1\n")
    assert found(tmp_path) == ["generated/b.yaml"]


def test_each_file_once_and_missing_paths_reported(write, tmp_path):
    a = write("a.yaml", "x: 1\n")
    files, missing = discover([tmp_path, a, tmp_path / "nope.yaml"], SettingsResolver())
    assert [p.name for p in files] == ["a.yaml"]
    assert missing == [tmp_path / "nope.yaml"]


def test_check_of_a_folder_end_to_end(cli, write, hf_config):
    write("configs/train.yaml", hf_config)
    write("configs/package.json", '{"name": "x"}\n')
    write(".venv/lib/bad.yaml", hf_config)
    run = cli("check", "--select", "YM001", "--output-format", "concise", ".")
    assert run.rc == 1
    assert "configs/train.yaml" in run.out and ".venv" not in run.out and "package.json" not in run.out


def found_forced(root: Path, *paths: Path) -> list[str]:
    files, _ = discover(list(paths), SettingsResolver(), force_exclude=True)
    return sorted(p.resolve().relative_to(root.resolve()).as_posix() for p in files)


def test_force_exclude_applies_the_excludes_to_named_files_and_their_folders(write, tmp_path):
    write("sftlint.toml", 'exclude = ["old", "*.draft.yaml"]\n')
    kept = write("new/a.yaml", "x: 1\n")
    draft = write("new/b.draft.yaml", "x: 1\n")
    deep = write("old/deep/c.yaml", "x: 1\n")
    assert found(tmp_path, kept, draft, deep) == ["new/a.yaml", "new/b.draft.yaml", "old/deep/c.yaml"]
    assert found_forced(tmp_path, kept, draft, deep) == ["new/a.yaml"]


def test_force_exclude_as_a_setting(write, tmp_path):
    write("sftlint.toml", 'exclude = ["old"]\nforce-exclude = true\n')
    kept = write("a.yaml", "x: 1\n")
    excluded = write("old/b.yaml", "x: 1\n")
    assert found(tmp_path, kept, excluded) == ["a.yaml"]


def test_force_exclude_does_not_look_above_the_settings_folder(write, tmp_path):
    write("old/proj/sftlint.toml", 'exclude = ["old"]\n')
    inside = write("old/proj/a.yaml", "x: 1\n")
    assert found_forced(tmp_path, inside) == ["old/proj/a.yaml"]
