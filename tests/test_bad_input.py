"""Files that cannot be linted: each gets one clear ``path:line:col: CODE message`` line, exit 2.

All the bad files and one good file go through a single ``sftlint check`` run, as they would in a
repository: the point is that no bad file hides another file's findings, no input produces a
traceback, and linting never writes to the files it reads.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sftlint.document import MAX_FILE_BYTES

GOOD = """\
# sftlint: dialect=hf
output_dir: out
learning_rate: 2e-4
per_device_train_batch_size: 4
"""


def _alias_bomb() -> str:
    """Billion laughs: each level lists the previous one ten times, nine levels deep."""
    lines = ["# sftlint: dialect=hf", 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    previous = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [{', '.join(['*' + previous] * 10)}]")
        previous = name
    return "\n".join(lines) + "\n"


#: file name -> (content, expected line, expected column or None, code, words the message holds)
CASES: dict[str, tuple[bytes, int, int | None, str, str]] = {
    "malformed.yaml": (b"output_dir: out\nlearning_rate: a: b\n", 2, 17, "E001", "invalid YAML"),
    # a list or a single value is skipped as no config, unless a dialect was forced on the file
    "list_root.yaml": (b"# sftlint: dialect=hf\n- output_dir\n- out\n", 2, 1, "E001", "top level is a list"),
    "scalar_root.yaml": (b"# sftlint: dialect=trl\njust text\n", 2, 1, "E001", "top level is a single value"),
    "empty.yaml": (b"", 1, 1, "E001", "file is empty"),
    "comments.yaml": (b"# output_dir: out\n\n# learning_rate: 1\n", 1, 1, "E001", "only comments"),
    "two_docs.yaml": (b"output_dir: a\n---\noutput_dir: b\n", 2, 1, "E001", "2 YAML documents"),
    "latin1.yaml": (b"output_dir: out\nrun_name: caf\xe9\n", 2, 14, "E001", "not valid UTF-8 (byte 0xe9)"),
    "binary.yaml": (b"output_dir: out\nx: ab\x00cd\n", 2, 6, "E001", "binary data"),
    # The fifth level (line 6) is the first whose expansion passes 100 000 values.
    "bomb.yaml": (_alias_bomb().encode(), 6, 4, "E001", "alias bomb"),
    "huge.yaml": (b"# padding\n" + b"x" * (MAX_FILE_BYTES + 10), 1, 1, "E001", "MiB limit"),
    "malformed.json": (b'{\n  "output_dir": "out",\n  "learning_rate": ,\n}\n', 3, 20, "E001", "invalid JSON"),
    "tabs_trailing_comma.json": (
        b'{\n\t"output_dir": "out",\n\t"learning_rate": 0.0002,\n}\n', 3, 25, "E001", "trailing comma"
    ),
    "tab_in_string.json": (b'{\n\t"output_dir": "o\tut"\n}\n', 2, 18, "E001", "raw tab"),
    "yaml_in.json": (b'{output_dir: out}\n', 1, 2, "E001", "invalid JSON"),
    "deep.yaml": (b"x: " + b"[" * 500 + b"]" * 500 + b"\n", 1, None, "E001", "nested more than"),
}

#: Valid JSON indented with tabs (not YAML indentation) is a config like any other.
TABS_JSON = b'{\n\t"output_dir": "out",\n\t"learning_rate": 0.0002,\n\t"per_device_train_batch_size": 4\n}\n'


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}


def run_check(cwd: Path, *paths: str, cache: Path | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "SFTLINT_DEBUG"}
    if cache is not None:  # module-scoped runs start before the per-test cache folder is set
        env["XDG_CACHE_HOME"] = str(cache)
    return subprocess.run(
        [sys.executable, "-m", "sftlint", "check", "--output-format", "concise", "--select", "YM001", *paths],
        cwd=cwd, capture_output=True, text=True, env=env, timeout=120,
    )


@pytest.fixture(scope="module")
def checked(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess, dict, dict]:
    folder = tmp_path_factory.mktemp("bad_input")
    (folder / "sftlint.toml").write_text("")
    for name, (content, *_rest) in CASES.items():
        (folder / name).write_bytes(content)
    (folder / "good.yaml").write_text(GOOD)
    (folder / "tabs.json").write_bytes(TABS_JSON)
    before = snapshot(folder)
    cache = tmp_path_factory.mktemp("cache")
    proc = run_check(folder, *CASES, "good.yaml", "tabs.json", "missing.yaml", cache=cache)
    return folder, proc, before, snapshot(folder)


def lines_for(proc: subprocess.CompletedProcess, name: str) -> list[str]:
    return [line for line in proc.stdout.splitlines() if line.startswith(f"{name}:")]


@pytest.mark.parametrize("name", list(CASES))
def test_one_clear_message_per_bad_file(checked, name: str) -> None:
    _folder, proc, _before, _after = checked
    _content, line, column, code, words = CASES[name]
    (message,) = lines_for(proc, name)
    match = re.fullmatch(rf"{re.escape(name)}:(\d+):(\d+): ({code}) (.+)", message)
    assert match, message
    assert int(match[1]) == line
    if column is not None:
        assert int(match[2]) == column
    assert words in match[4]


def test_run_as_a_whole(checked) -> None:
    _folder, proc, before, after = checked
    output = proc.stdout + proc.stderr
    assert proc.returncode == 2
    assert "Traceback" not in output and "internal error" not in output
    # The good file is linted despite the bad ones around it.
    assert any("YM001" in line for line in lines_for(proc, "good.yaml:3:16"))
    (missing,) = lines_for(proc, "missing.yaml")
    assert missing == "missing.yaml:1:1: E001 no such file or folder"
    assert lines_for(proc, "tabs.json") == []  # tabs are JSON whitespace: no error
    assert after == before  # linting wrote nothing, not even an mtime


def test_good_file_alone_is_not_an_error(checked) -> None:
    folder, *_ = checked
    proc = run_check(folder, "good.yaml")
    assert proc.returncode == 1
    assert lines_for(proc, "good.yaml")


def test_missing_path_alone(tmp_path: Path) -> None:
    proc = run_check(tmp_path, "nowhere/train.yaml")
    assert proc.returncode == 2
    assert "nowhere/train.yaml:1:1: E001 no such file or folder" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read a chmod 000 file")
def test_unreadable_file(tmp_path: Path) -> None:
    (tmp_path / "sftlint.toml").write_text("")
    locked = tmp_path / "locked.yaml"
    locked.write_text(GOOD)
    (tmp_path / "good.yaml").write_text(GOOD)
    locked.chmod(0)
    try:
        proc = run_check(tmp_path, "locked.yaml", "good.yaml")
    finally:
        locked.chmod(0o644)
    assert proc.returncode == 2
    (message,) = lines_for(proc, "locked.yaml")
    assert message == "locked.yaml:1:1: E001 cannot read file: Permission denied"
    assert lines_for(proc, "good.yaml")
    assert "Traceback" not in proc.stdout + proc.stderr


#: Real shapes of YAML and JSON that are no settings: a docs table of contents, a dataset mixture
#: list, a JSON list of examples, a bare value.
NOT_SETTINGS = {
    "toc.yaml": (b"# contents\n- title: Intro\n  local: index\n- title: Recipes\n  local: recipes\n", "a list"),
    "mixture.yml": (b"- dataset: HuggingFaceH4/ultrachat_200k\n  weight: 0.5\n", "a list"),
    "examples.json": (b'[\n  {"prompt": "hi", "completion": "hello"}\n]\n', "a list"),
    "version.yaml": (b"1.0\n", "a single value"),
}


def test_a_list_or_a_value_at_the_top_is_skipped_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "sftlint.toml").write_text("")
    for name, (content, _kind) in NOT_SETTINGS.items():
        (tmp_path / name).write_bytes(content)
    (tmp_path / "good.yaml").write_text(GOOD)
    proc = run_check(tmp_path, "-v", *NOT_SETTINGS, "good.yaml")
    assert proc.returncode == 1, proc.stdout + proc.stderr  # good.yaml's finding; no file is an error
    for name, (_content, kind) in NOT_SETTINGS.items():
        assert f"{name}: skipped: top level is {kind}, not a mapping of settings" in proc.stdout
        assert not lines_for(proc, f"{name}:1:") and not lines_for(proc, f"{name}:2:")
    assert "skipped: 4 list or single value, not settings" in proc.stderr
    fixing = run_check(tmp_path, "--fix", *NOT_SETTINGS)  # --fix reads the files its own way
    assert fixing.returncode == 0 and "E001" not in fixing.stdout
    assert (tmp_path / "toc.yaml").read_bytes() == NOT_SETTINGS["toc.yaml"][0]


def test_a_list_stays_an_error_where_a_dialect_was_forced(tmp_path: Path) -> None:
    """A file said to be a config (the dialect setting, or a comment) that is a list is a broken
    config: the error, at the line of the list, stays."""
    (tmp_path / "sftlint.toml").write_text('dialect = "axolotl"\n')
    (tmp_path / "toc.yaml").write_bytes(NOT_SETTINGS["toc.yaml"][0])
    proc = run_check(tmp_path, "toc.yaml")
    assert proc.returncode == 2
    assert lines_for(proc, "toc.yaml") == [
        "toc.yaml:2:1: E001 top level is a list, not a mapping of settings (key: value lines)"]
    # and the disable-file comment still wins over everything
    (tmp_path / "toc.yaml").write_bytes(b"# sftlint: disable-file\n- a\n")
    assert run_check(tmp_path, "toc.yaml").returncode == 0


def test_a_list_from_standard_input_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "sftlint.toml").write_text("")
    env = {k: v for k, v in os.environ.items() if k != "SFTLINT_DEBUG"}
    proc = subprocess.run([sys.executable, "-m", "sftlint", "check", "--output-format", "json", "--stdin-filename",
                           "toc.yaml", "-"], input=NOT_SETTINGS["toc.yaml"][0].decode(), cwd=tmp_path,
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    (record,) = __import__("json").loads(proc.stdout)
    assert record["skipped"] == "top level is a list, not a mapping of settings"
