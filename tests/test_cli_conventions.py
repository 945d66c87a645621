"""The command-line conventions ruff and yamllint users expect: standard input, --show-files,
--show-settings, --extend-ignore, --exclude, the output format from settings or the environment,
FORCE_COLOR, the failing severity, --fix-only, help for every option, one name per format, and the
subcommand's own usage on a bad option. Run through the real ``sftlint`` (in-process ``cli``, or a
fresh interpreter where standard input is read)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sftlint.cli.main import COMMANDS, build_parser, main

ROOT = Path(__file__).resolve().parents[1]

#: `2e-4` is a string to YAML 1.1 loaders: YM001, an error with a safe fix (KT003 where YM001 is off).
FIXABLE = """\
# sftlint: dialect=hf
output_dir: out
learning_rate: 2e-4
per_device_train_batch_size: 4
num_train_epochs: 1
"""
CLEAN = FIXABLE.replace("2e-4", "2.0e-4")


def run(args: list[str], cwd: Path, stdin: str | bytes | None = None, env: dict | None = None):
    """``python -m sftlint ARGS`` in a fresh interpreter, with this checkout first on the path."""
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    environment.pop("NO_COLOR", None)
    environment.pop("FORCE_COLOR", None)
    environment.pop("SFTLINT_OUTPUT_FORMAT", None)
    environment.update(env or {})
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    proc = subprocess.run([sys.executable, "-m", "sftlint", *args], cwd=cwd, input=data, capture_output=True,
                          env=environment, timeout=120)
    return proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")


# -- standard input ----------------------------------------------------------------------------


def test_stdin_is_linted_as_the_named_file(tmp_path):
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "sftlint.toml").write_text('ignore = ["YM"]\n', encoding="utf-8")
    rc, out, _ = run(["check", "-", "--stdin-filename", "train.yaml", "--output-format", "concise"], tmp_path,
                     stdin=FIXABLE)
    assert rc == 1 and out.startswith("train.yaml:3:16: YM001")
    # the settings of the named file's folder hold: YM is ignored there (and the wrong type is KT003's)
    rc, out, _ = run(["check", "-", "--stdin-filename", "configs/train.yaml", "--output-format", "concise"], tmp_path,
                     stdin=FIXABLE)
    assert rc == 1 and out.startswith("configs/train.yaml:3:16: KT003") and "YM001" not in out


def test_stdin_fix_writes_the_fixed_config_to_stdout(tmp_path):
    rc, out, err = run(["check", "-", "--fix", "--select", "YM"], tmp_path, stdin=FIXABLE)
    assert out == CLEAN
    assert rc == 0 and "1 fixed, 0 remaining" in err
    rc, out, err = run(["check", "-", "--fix", "--select", "YM,HP001"], tmp_path,
                       stdin=FIXABLE.replace("num_train_epochs: 1", "num_train_epochs: 1\nweight_decay: 5"))
    assert out.startswith(CLEAN.rstrip("\n").rsplit("\n", 1)[0])  # fixed text first, on stdout alone
    assert "YM001" not in err and "Found" in err


def test_stdin_fix_only_and_diff(tmp_path):
    rc, out, err = run(["check", "-", "--fix-only"], tmp_path, stdin=FIXABLE)
    assert (rc, out) == (0, CLEAN) and "Found" not in err
    rc, out, _ = run(["check", "-", "--diff", "--stdin-filename", "t.yaml"], tmp_path, stdin=FIXABLE)
    assert rc == 1 and "-learning_rate: 2e-4" in out and "+learning_rate: 2.0e-4" in out


def test_stdin_that_is_not_utf8_is_an_error_finding(tmp_path):
    rc, out, _ = run(["check", "-", "--output-format", "concise"], tmp_path, stdin=b"lr: caf\xe9\n")
    assert rc == 2 and out.startswith("-:1:1: E001") and "UTF-8" in out


def test_stdin_usage_errors(cli, tmp_path):
    assert cli("check", "-", "a.yaml").rc == 2
    assert cli("check", "--stdin-filename", "x.yaml", "a.yaml").rc == 2


# -- what is linted, with which settings -------------------------------------------------------


def test_show_files_lists_what_a_check_would_lint(cli, write):
    write("configs/a.yaml", CLEAN)
    write("configs/legacy/b.yaml", CLEAN)
    write("configs/notes.txt", "x")
    run_ = cli("check", "--show-files", "--exclude", "legacy", "configs")
    assert run_.rc == 0
    assert run_.out.splitlines() == [str(Path("configs/a.yaml"))]
    assert cli("check", "--show-files", "configs").out.splitlines() == [str(Path("configs/a.yaml")),
                                                                        str(Path("configs/legacy/b.yaml"))]


def test_exclude_replaces_and_extend_exclude_adds(cli, write):
    write("sftlint.toml", 'exclude = ["old"]\n')
    write("old/a.yaml", CLEAN)
    write("new/b.yaml", CLEAN)
    write("tmp/c.yaml", CLEAN)
    listed = lambda *a: sorted(Path(p).parts[0] for p in cli("check", "--show-files", *a, ".").out.split())  # noqa: E731
    assert listed() == ["new", "tmp"]
    assert listed("--exclude", "tmp") == ["new", "old"]  # replaces the settings' exclude
    assert listed("--extend-exclude", "tmp") == ["new"]  # adds to it


def test_show_settings_names_the_file_and_the_values(cli, write):
    write("pyproject.toml", '[tool.sftlint]\nignore = ["HP"]\nfail-on = "error"\nworld-size = 4\n')
    write("a.yaml", CLEAN)
    run_ = cli("check", "--show-settings", "--extend-ignore", "SC", "a.yaml")
    assert run_.rc == 0
    assert "pyproject.toml" in run_.out.splitlines()[1]
    assert 'ignore = ["HP"]' in run_.out and 'extend-ignore = ["SC"]' in run_.out
    assert 'fail-on = "error"' in run_.out and "world-size = 4" in run_.out


def test_extend_ignore_adds_to_the_settings_ignore(cli, write):
    write("sftlint.toml", 'ignore = ["KT003"]\n')
    write("a.yaml", FIXABLE)
    assert "KT003" not in cli("check", "--output-format", "concise", "a.yaml").out
    both = cli("check", "--output-format", "concise", "--extend-ignore", "YM001", "a.yaml")
    assert both.rc == 0 and both.out == ""  # the settings' KT003 and the command line's YM001
    replaced = cli("check", "--output-format", "concise", "--ignore", "YM001", "a.yaml")
    assert "KT003" in replaced.out  # --ignore replaces the settings' list
    assert cli("check", "--extend-ignore", "ZZ999", "a.yaml").rc == 2  # an unknown code is an error


# -- output format and colour ------------------------------------------------------------------


def test_output_format_from_the_environment_then_the_settings(cli, write, monkeypatch):
    write("a.yaml", FIXABLE)
    write("sftlint.toml", 'output-format = "concise"\n')
    assert cli("check", "a.yaml").out.startswith("a.yaml:3:16: YM001 ")  # from the settings
    monkeypatch.setenv("SFTLINT_OUTPUT_FORMAT", "json")
    assert json.loads(cli("check", "a.yaml").out)[0]["code"] == "YM001"  # the environment wins
    assert cli("check", "--output-format", "github", "a.yaml").out.startswith("::error ")  # the flag wins
    monkeypatch.setenv("SFTLINT_OUTPUT_FORMAT", "fancy")
    bad = cli("check", "a.yaml")
    assert bad.rc == 2 and "SFTLINT_OUTPUT_FORMAT" in bad.err
    write("sftlint.toml", 'output-format = "fancy"\n')
    monkeypatch.delenv("SFTLINT_OUTPUT_FORMAT")
    assert cli("check", "a.yaml").rc == 2


@pytest.mark.parametrize("variables, expected", [
    ({}, False),
    ({"FORCE_COLOR": "1"}, True),
    ({"FORCE_COLOR": ""}, False),
    ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
])
def test_force_color(cli, write, monkeypatch, variables, expected):
    write("a.yaml", FIXABLE)
    for name in ("FORCE_COLOR", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert ("\x1b[" in cli("check", "a.yaml").out) is expected
    assert "\x1b[" not in cli("check", "--color", "never", "a.yaml").out


# -- the failing severity ----------------------------------------------------------------------


#: HP004 (epochs out of the QLoRA band) is an info finding; nothing else fires.
INFO_ONLY = CLEAN.replace("2.0e-4", "2.0e-5").replace("num_train_epochs: 1", "num_train_epochs: 30")


def test_info_findings_are_reported_but_do_not_fail(cli, write):
    write("a.yaml", INFO_ONLY)
    run_ = cli("check", "--output-format", "concise", "a.yaml")
    assert run_.rc == 0 and "HP004" in run_.out
    assert "below the failing severity" in run_.err
    assert cli("check", "--strict", "a.yaml").rc == 1
    assert cli("check", "--fail-on", "info", "a.yaml").rc == 1


def test_fail_on_error_lets_warnings_pass(cli, write):
    write("a.yaml", CLEAN.replace("2.0e-4", "0.05"))  # HP001, a warning
    assert cli("check", "a.yaml").rc == 1
    assert cli("check", "--fail-on", "error", "a.yaml").rc == 0
    write("sftlint.toml", 'fail-on = "error"\n')
    assert cli("check", "a.yaml").rc == 0
    assert cli("check", "--fail-on", "warning", "a.yaml").rc == 1  # the flag wins over the settings
    write("sftlint.toml", 'fail-on = "loud"\n')
    bad = cli("check", "a.yaml")
    assert bad.rc == 2 and "fail-on" in bad.err


def test_unreadable_files_exit_2_whatever_the_failing_severity(cli, write):
    write("bad.yaml", "x: [\n")
    assert cli("check", "--fail-on", "error", "bad.yaml").rc == 2
    assert cli("check", "--exit-zero", "bad.yaml").rc == 2


def test_fix_only_and_exit_non_zero_on_fix(cli, write):
    path = write("a.yaml", FIXABLE)
    run_ = cli("check", "--fix-only", "a.yaml")
    assert run_.rc == 0 and run_.out == "" and "Found" not in run_.err
    assert path.read_text(encoding="utf-8") == CLEAN
    path.write_text(FIXABLE, encoding="utf-8")
    assert cli("check", "--fix-only", "--exit-non-zero-on-fix", "a.yaml").rc == 1
    path.write_text(FIXABLE, encoding="utf-8")
    assert cli("check", "--fix", "--select", "YM", "--exit-non-zero-on-fix", "a.yaml").rc == 1
    assert cli("check", "--fix", "--select", "YM", "--exit-non-zero-on-fix", "a.yaml").rc == 0  # nothing left to fix


# -- the parser --------------------------------------------------------------------------------


def _options(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from ((f"{name} {a.dest}", a) for a in sub._actions if not isinstance(a, argparse._HelpAction))


def test_every_option_of_every_subcommand_has_help():
    missing = [name for name, action in _options(build_parser()) if not action.help]
    assert missing == []


def test_one_name_per_output_format_across_subcommands():
    """The human-readable format is ``full`` everywhere and the machine one ``json``; the old
    names (``text``, ``table``) are still accepted."""
    from sftlint.output import FORMATS

    for name, action in _options(build_parser()):
        if action.dest == "output_format":
            assert set(action.choices) <= set(FORMATS), name
            assert {"full", "json"} <= set(action.choices), name
    parser = build_parser()
    assert parser.parse_args(["plan", "x.yaml", "--output-format", "table"]).output_format == "full"
    assert parser.parse_args(["rules", "--output-format", "text"]).output_format == "full"
    assert parser.parse_args(["run", "x.yaml", "--output-format", "text"]).output_format == "full"


def test_a_bad_option_shows_the_subcommands_usage(capsys):
    for command in COMMANDS:
        args = [command, "--no-such-option"]
        if command in ("plan", "run"):
            args.append("x.yaml")
        if command == "rule":
            args.append("WS001")
        if command == "schema":
            args += ["--dialect", "hf"]
        assert main(args) == 2
        err = capsys.readouterr().err
        assert f"usage: sftlint {command}" in err, command
        assert f"sftlint {command}: error: unrecognized arguments: --no-such-option" in err
