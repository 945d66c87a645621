"""Which files `sftlint check FOLDER` picks up."""

from __future__ import annotations

from pathlib import Path

import pytest

from sftlint.files.discovery import discover
from sftlint.settings.resolver import SettingsError, SettingsResolver

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


def test_a_search_lists_files_before_folders_in_name_order_and_follows_links_as_os_walk(write, tmp_path, monkeypatch):
    """Each folder's configs in name order, then each subfolder in name order; a linked file is
    linted once (under the name met first), a linked folder is not entered, a broken link is no
    config, and ``pyvenv.cfg`` makes a venv only when it is a file (a link to one included)."""
    write("b.yml", "x: 1\n")
    write("a.yaml", "x: 1\n")
    write("sub/c.yaml", "x: 1\n")
    (tmp_path / "sub" / "again.yaml").symlink_to(tmp_path / "a.yaml")
    (tmp_path / "sub" / "zz.yaml").symlink_to(tmp_path / "a.yaml")
    (tmp_path / "sub" / "broken.yaml").symlink_to(tmp_path / "missing.yaml")
    (tmp_path / "linked").symlink_to(tmp_path / "sub", target_is_directory=True)
    cfg = write("elsewhere.cfg", "home = /usr/bin\n")
    write("env/x.yaml", "x: 1\n")
    (tmp_path / "env" / "pyvenv.cfg").symlink_to(cfg)
    write("notenv/pyvenv.cfg/inner.yaml", "x: 1\n")
    write("notenv/y.yaml", "x: 1\n")
    write("sub/deeper/d.yaml", "x: 1\n")
    monkeypatch.chdir(tmp_path)
    files, missing = discover([Path(".")], SettingsResolver())
    assert [p.as_posix() for p in files] == [
        "a.yaml", "b.yml", "notenv/y.yaml", "notenv/pyvenv.cfg/inner.yaml", "sub/c.yaml", "sub/deeper/d.yaml"]
    assert missing == []


def test_a_search_finds_the_settings_above_the_searched_folder_once_for_every_file(write, tmp_path):
    write("sftlint.toml", 'exclude = ["old"]\nworld-size = 4\n')
    write("proj/a/x.yaml", "x: 1\n")
    write("proj/old/y.yaml", "x: 1\n")
    write("proj/b/pyproject.toml", "[project]\nname = 'b'\n")  # no [tool.sftlint]: passed over
    write("proj/b/z.yaml", "x: 1\n")
    resolver = SettingsResolver()
    files, _ = discover([tmp_path / "proj"], resolver)
    assert [p.relative_to(tmp_path).as_posix() for p in files] == ["proj/a/x.yaml", "proj/b/z.yaml"]
    settings = {id(resolver.for_path(p)) for p in files}
    assert len(settings) == 1 and resolver.for_path(files[0]).world_size == 4
    assert resolver.for_path(files[0]).path == (tmp_path / "sftlint.toml").resolve()


def test_a_broken_settings_file_is_reported_only_where_it_governs_a_search(write, tmp_path):
    write("configs/a.yaml", "x: 1\n")
    write("notes/sftlint.toml", "exclude = 3\n")
    write("notes/readme.txt", "nothing to lint\n")
    files, _ = discover([tmp_path], SettingsResolver())
    assert [p.name for p in files] == ["a.yaml"]
    write("notes/more/b.yaml", "x: 1\n")
    with pytest.raises(SettingsError, match="exclude"):
        discover([tmp_path], SettingsResolver())
