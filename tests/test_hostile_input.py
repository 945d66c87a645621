"""Hostile repository content: each file is linted in isolation, numbers are range-checked where
they enter, and nothing a config names (devices, FIFOs, ``/``) can hang or flood the run."""

from __future__ import annotations

import os
import re

import pytest

AXOLOTL = """\
base_model: meta-llama/Llama-2-7b-hf
adapter: qlora
load_in_4bit: true
micro_batch_size: 2
gradient_accumulation_steps: 4
learning_rate: 0.0002
num_epochs: 1
"""


def _codes(out: str, name: str) -> list[tuple[int, str]]:
    return [(int(m[1]), m[3]) for m in re.finditer(rf"^{re.escape(name)}:(\d+):(\d+): (\w+)", out, re.M)]


#: name -> (file name, content, the line of the E finding expected, its code)
NUMBER_CASES = {
    "json-int-over-4300-digits": ("big.json", '{"learning_rate": 1e-4,\n "per_device_train_batch_size": '
                                  + "9" * 5000 + ',\n "output_dir": "o"}\n', 2, "E006"),
    "max-steps-1e19": ("steps.yaml", AXOLOTL + "max_steps: 1e19\n", 8, "E006"),
    "save-steps-30-digits": ("save.yaml", AXOLOTL + "max_steps: 10\nsave_steps: " + "9" * 30 + "\n", 9, "E006"),
    "yaml-int-over-4300-digits": ("long.yaml", AXOLOTL + "max_steps: " + "7" * 5000 + "\n", 8, "E006"),
    "octal-looking-huge": ("octal.yaml", AXOLOTL + "max_steps: 0" + "7" * 5000 + "\n", 8, "E006"),
    "infinite-batch": ("inf.yaml", AXOLOTL.replace("micro_batch_size: 2", "micro_batch_size: .inf"), 4, "E006"),
    "num-examples-comment-1e30": ("hint.yaml", "# sftlint: num-examples=" + "1" * 31 + "\n" + AXOLOTL, 1, "E006"),
}


def test_one_bad_file_never_hides_the_others(write, cli):
    """Every hostile file gets its own E finding at its line; the good file's findings all stay."""
    good = write("good.yaml", AXOLOTL + "warmup_ratio: 0.5\n")
    for file_name, text, _, _ in NUMBER_CASES.values():
        write(file_name, text)
    alone = cli("check", good, "--output-format", "concise")
    together = cli("check", *(n for n, *_ in NUMBER_CASES.values()), good, "--output-format", "concise")
    assert together.rc == 2
    assert "internal error" not in together.err and "Traceback" not in together.err
    assert _codes(together.out, str(good)) == _codes(alone.out, str(good)) != []
    for name, (file_name, _, line, code) in NUMBER_CASES.items():
        found = _codes(together.out, file_name)
        assert (line, code) in found, (name, found)
        assert all(c != "E999" for _, c in found), name
    assert max(len(line) for line in together.out.splitlines()) < 1000  # no 5,000-digit number printed


@pytest.mark.parametrize("key", ["lora_r", "sequence_len", "micro_batch_size"])
def test_line_breaks_as_a_size_are_a_type_problem_not_a_crash(write, cli, key):
    """A size written as a string of line breaks (NEL, U+2028) reaches the memory estimate, which
    once passed it to int() and crashed on the file (found by the fuzz campaign)."""
    path = write("t.yaml", 'base_model: meta-llama/Llama-3.2-1B\nadapter: lora\nmicro_batch_size: 2\nnum_epochs: 1\n'
                 f'{key}: "\\x85\\u2028"\n')
    run = cli("check", path, "--output-format", "concise")
    assert "E999" not in run.out and "internal error" not in run.err, run.out + run.err


@pytest.mark.parametrize("args", [["--num-examples", "1e30"], ["--num-examples", "1" + "0" * 40],
                                  ["--world-size", "0"], ["--world-size", "9" * 5000]])
def test_command_line_counts_are_range_checked(write, cli, args):
    config = write("c.yaml", AXOLOTL)
    for command in (["check", config], ["plan", config]):
        run = cli(*command, *args)
        assert run.rc == 2 and "internal error" not in run.err
        assert re.search(r"must be (a whole number|between 1 and 10\^12)", run.err)


@pytest.mark.parametrize("content,words", [
    (b'[tool.sftlint]\nselect = ["\xff"]\n', "not valid UTF-8"),
    (b"[tool.sftlint]\nworld-size = " + b"9" * 5000 + b"\n", "invalid TOML"),
    (b"[tool.sftlint]\nworld-size = " + b"1" * 20 + b"\n", "must be a whole number from 1 to 1,000,000"),
    (b"[tool.sftlint]\nx = " + b"[" * 3000 + b"]" * 3000 + b"\n", "too deep"),
])
def test_hostile_settings_files_are_clear_errors(tmp_path, write, cli, content, words):
    (tmp_path / "pyproject.toml").write_bytes(content)
    config = write("c.yaml", AXOLOTL)
    run = cli("check", config)
    assert run.rc == 2 and "internal error" not in run.err
    assert words in run.err and "pyproject.toml" in run.err


def test_overlong_file_names_are_missing_files_not_crashes(tmp_path, write, cli):
    good = write("good.yaml", AXOLOTL)
    long_name = "x" * 300 + ".yaml"
    run = cli("check", long_name, f"{'y' * 300}/a.yaml", good, "--output-format", "concise")
    assert run.rc == 2 and "internal error" not in run.err
    assert f"{long_name}:1:1: E001" in run.out and _codes(run.out, str(good))
    plan = cli("plan", long_name)
    assert plan.rc == 2 and "no such file" in plan.err


@pytest.fixture
def special_files(tmp_path):
    """A folder of things that are no regular files, under config-like names."""
    folder = tmp_path / "repo"
    folder.mkdir()
    os.symlink("/dev/zero", folder / "zero.yaml")
    os.symlink("/dev/urandom", folder / "random.yml")
    os.mkfifo(folder / "pipe.json")
    os.mkfifo(folder / "pipe.yaml")
    os.symlink(folder / "missing", folder / "dangling.yaml")
    (folder / "good.yaml").write_text(AXOLOTL)
    return folder


def test_folder_discovery_reads_regular_files_only(special_files, cli):
    run = cli("check", special_files, "--output-format", "concise")
    assert run.rc in (0, 1), run.out + run.err
    assert {line.split(":")[0] for line in run.out.splitlines()} == {str(special_files / "good.yaml")}


def test_special_files_named_on_the_command_line_are_refused(special_files, cli):
    names = ["zero.yaml", "random.yml", "pipe.json", "pipe.yaml"]
    run = cli("check", *(special_files / n for n in names), "--output-format", "concise")
    assert run.rc == 2
    for name in names:
        line = next(line for line in run.out.splitlines() if line.startswith(str(special_files / name)))
        assert "E001" in line and "not a regular file" in line


@pytest.mark.parametrize("target", ["zero", "random", "fifo", "root-link", "/", "many-files"])
def test_dataset_paths_never_hang_or_flood(tmp_path, cli, target):
    """A dataset named in a config is read only if it is a regular file, within bounds; folders
    outside the project are not searched."""
    project = tmp_path / "project"
    project.mkdir()
    data = {"zero": "zero.jsonl", "random": "random.jsonl", "fifo": "pipe.jsonl", "root-link": "root", "/": "/",
            "many-files": "many"}[target]
    if target == "zero":
        os.symlink("/dev/zero", project / data)
    elif target == "random":
        os.symlink("/dev/urandom", project / data)
    elif target == "fifo":
        os.mkfifo(project / data)
    elif target == "root-link":
        os.symlink("/", project / data)
    elif target == "many-files":
        from sftlint.plan import dataset_size

        (project / data).mkdir()
        for i in range(30):
            (project / data / f"part{i}.jsonl").write_text('{"a": 1}\n')
        dataset_size.MAX_FOLDER_FILES, saved = 20, dataset_size.MAX_FOLDER_FILES
    config = project / "c.yaml"
    config.write_text(AXOLOTL + f"datasets:\n  - path: {data}\n    type: alpaca\n")
    try:
        run = cli("plan", config, "--output-format", "json", cwd=project)
    finally:
        if target == "many-files":
            dataset_size.MAX_FOLDER_FILES = saved
    assert run.rc == 0, run.err
    import json

    plan = json.loads(run.out)
    text = json.dumps(plan)
    assert plan["num_examples"] is None
    assert any(words in text for words in ("not a regular file", "outside the project", "over 20 files"))


def test_dataset_reads_are_bounded_in_bytes(tmp_path, monkeypatch):
    from sftlint.plan import row_counts
    from sftlint.files.reading import Budget

    data = tmp_path / "d.jsonl"
    data.write_text('{"a": 1}\n' * 2000)
    with pytest.raises(row_counts.RowCountError, match="larger than sftlint reads"):
        row_counts.count_rows(data, Budget(1000, 60))
    assert row_counts.count_rows(data, Budget(10**6, 60)) == 2000


def test_a_folder_outside_the_project_is_searched_when_settings_allow_it(tmp_path, cli):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "train.jsonl").write_text('{"a": 1}\n{"a": 2}\n')
    project = tmp_path / "project"
    project.mkdir()
    config = project / "c.yaml"
    config.write_text(AXOLOTL + f"datasets:\n  - path: {outside}\n    type: alpaca\n")
    import json

    refused = json.loads(cli("plan", config, "--output-format", "json", cwd=project).out)
    (project / "sftlint.toml").write_text("read-data-outside = true\n")
    allowed = json.loads(cli("plan", config, "--output-format", "json", cwd=project).out)
    assert refused["num_examples"] is None and allowed["num_examples"] == 2


def _pool_run(tmp_path, monkeypatch, behaviour):
    """Lint 40 files through the worker pool, with ``behaviour[name]`` run in the worker first."""
    from sftlint.lint import parallel
    from sftlint.lint.engine import FileResult

    monkeypatch.setattr(parallel, "MIN_FILES", 2)
    monkeypatch.setattr(parallel, "CHUNK", 4)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2})
    paths = [tmp_path / f"f{i:02d}.yaml" for i in range(40)]

    def lint_one(path):
        action = behaviour.get(path.name)
        if action is not None:
            action()
        return FileResult(path, skipped="ok")

    return paths, parallel.lint_paths(paths, lint_one)


@pytest.mark.parametrize("how", ["sigkill", "os-exit", "sys-exit", "hang"])
def test_a_dead_or_hung_worker_is_reported_never_waited_for(tmp_path, monkeypatch, how):
    import signal
    import sys
    import time

    from sftlint.lint import parallel

    monkeypatch.setattr(parallel, "FILE_SECONDS", 2.0)
    action = {"sigkill": lambda: os.kill(os.getpid(), signal.SIGKILL), "os-exit": lambda: os._exit(3),
              "sys-exit": lambda: sys.exit(4), "hang": lambda: time.sleep(60)}[how]
    started = time.monotonic()
    paths, results = _pool_run(tmp_path, monkeypatch, {"f05.yaml": action, "f22.yaml": action})
    assert time.monotonic() - started < 30
    assert [r.path for r in results] == paths
    for result in results:
        if result.path.name in ("f05.yaml", "f22.yaml"):
            assert [f.code for f in result.findings] == ["E999"]
            message = result.findings[0].message
            assert {"sigkill": "SIGKILL", "os-exit": "status 3", "sys-exit": "status 4", "hang": "took over"}[how] in message
        else:
            assert result.skipped == "ok" and not result.findings


def test_a_worker_dying_between_files_loses_no_file_and_blames_the_right_one(tmp_path, monkeypatch):
    """A worker answers once per chunk: one that dies while sending its answers dies between files,
    with no file to blame at first. Each file of that chunk is then tried alone, so the files it
    had finished are linted again and only the one whose answer kills the worker is reported."""
    from sftlint.lint.forked import Channel

    send = Channel.send
    doomed = []

    def send_or_die(self, obj):  # inherited by the forked workers; only a worker sets ``doomed``
        if doomed:
            os._exit(5)
        return send(self, obj)

    monkeypatch.setattr(Channel, "send", send_or_die)
    paths, results = _pool_run(tmp_path, monkeypatch, {"f09.yaml": lambda: doomed.append(1)})
    assert [r.path for r in results] == paths
    for result in results:
        if result.path.name == "f09.yaml":
            assert [f.code for f in result.findings] == ["E999"]
            assert "status 5" in result.findings[0].message
        else:
            assert result.skipped == "ok" and not result.findings, result.path


class _Unbuildable:
    """Pickles fine in a worker, and fails to unpickle in the parent."""

    def __reduce__(self):
        return (_refuse, ())


def _refuse():
    raise RuntimeError("not here")


def test_a_result_that_cannot_travel_is_reported_for_its_file_alone(tmp_path, monkeypatch):
    """A plugin can put anything into a result: what cannot be pickled in the worker, or rebuilt in
    the parent, becomes an E999 finding for that file, and the other files keep their results."""
    from sftlint.lint import parallel
    from sftlint.lint.engine import FileResult

    monkeypatch.setattr(parallel, "MIN_FILES", 2)
    monkeypatch.setattr(parallel, "CHUNK", 2)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    paths = [tmp_path / f"f{i:02d}.yaml" for i in range(12)]
    assert parallel.workers_for(len(paths)) == 2
    odd = {"f03.yaml": lambda: None, "f07.yaml": _Unbuildable()}

    def work(path):
        return FileResult(path, skipped=odd.get(path.name, "ok"))

    results = parallel.map_paths(paths, work)
    assert [r.path for r in results] == paths
    assert "could not pass" in results[3].findings[0].message
    assert "could not read this file's result back" in results[7].findings[0].message
    assert [r.skipped for i, r in enumerate(results) if i not in (3, 7)] == ["ok"] * 10


HF_WITH_RATIO = ['output_dir: "o{inner}x"', "per_device_train_batch_size: 4", "learning_rate: 0.0002",
                 "warmup_ratio: 0.1", "warmup_steps: 10", "seed: 1", "num_train_epochs: 1"]
#: name -> (line ending, a break inside the quoted string on line 1, final line break)
LINE_BREAK_CASES = {
    "lf": ("\n", "", True), "crlf": ("\r\n", "", True), "cr-only": ("\r", "", True),
    "no-final-newline": ("\n", "", False), "cr-only-no-final": ("\r", "", False),
    "nel-in-string": ("\n", "\x85", True), "u2028-in-string": ("\n", "\u2028", True),
    "u2029-in-string": ("\n", "\u2029", True), "lone-cr-in-string": ("\n", "\r", True),
    "crlf-no-final": ("\r\n", "", False),
}


def _line_break_file(tmp_path, name):
    ending, inner, final = LINE_BREAK_CASES[name]
    text = ending.join(HF_WITH_RATIO).replace("{inner}", inner) + (ending if final else "")
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(text.encode())
    return path, text


@pytest.mark.parametrize("name", sorted(LINE_BREAK_CASES))
def test_fixes_follow_yaml_line_breaks_and_diffs_apply_with_patch(tmp_path, cli, name):
    """The fix deletes the line its finding points at, whatever the line breaks; the reported row
    is that line; --diff applies with the real ``patch`` to exactly what --fix writes."""
    import shutil
    import subprocess

    path, text = _line_break_file(tmp_path, name)
    found = cli("check", path, "--output-format", "json")
    import json

    ratio = [f for f in json.loads(found.out) if "warmup_ratio" in f["message"] and f["fix"]]
    assert ratio and ratio[0]["location"]["row"] == 4 + (1 if LINE_BREAK_CASES[name][1] else 0)
    copy = tmp_path / "copy" / path.name
    copy.parent.mkdir()
    shutil.copy(path, copy)
    diff = cli("check", path, "--diff", "--unsafe-fixes")
    assert diff.out.startswith("--- a/")
    fixed = cli("check", path, "--fix", "--unsafe-fixes")
    assert "Fixed" in fixed.err
    after = path.read_bytes().decode()
    assert "warmup_ratio" not in after and "seed: 1" in after and "warmup_steps: 10" in after
    assert after == text.replace("warmup_ratio: 0.1" + LINE_BREAK_CASES[name][0], "") or name.endswith("no-final")
    if shutil.which("patch"):
        (tmp_path / "copy" / "fix.diff").write_bytes(diff.out.replace(f"a/{path}", f"a/{path.name}")
                                                     .replace(f"b/{path}", f"b/{path.name}").encode())
        applied = subprocess.run(["patch", "-p1", "--binary", "-i", "fix.diff"], cwd=copy.parent,
                                 capture_output=True, text=True)
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert copy.read_bytes() == path.read_bytes()


def test_a_diff_of_several_files_applies_when_one_lacks_a_final_newline(tmp_path, cli):
    import shutil
    import subprocess

    if not shutil.which("patch"):
        pytest.skip("no patch program")
    first, _ = _line_break_file(tmp_path, "no-final-newline")
    second, _ = _line_break_file(tmp_path, "lf")
    diff = cli("check", first.name, second.name, "--diff", "--unsafe-fixes")
    assert "\\ No newline at end of file" in diff.out
    cli("check", first.name, second.name, "--fix", "--unsafe-fixes")
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("no-final-newline.yaml", "lf.yaml"):
        (copy / name).write_bytes(_line_break_file(tmp_path / "copy", name[:-5])[1].encode())
    applied = subprocess.run(["patch", "-p1"], input=diff.out, cwd=copy, capture_output=True, text=True)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    for name in ("no-final-newline.yaml", "lf.yaml"):
        assert (copy / name).read_bytes() == (tmp_path / name).read_bytes()


def test_fix_keeps_hard_links_mode_and_refuses_a_file_changed_since_read(tmp_path, cli, monkeypatch):
    from sftlint.lint import fixer

    path, _ = _line_break_file(tmp_path, "lf")
    os.chmod(path, 0o640)
    link = tmp_path / "other-name.yaml"
    os.link(path, link)
    run = cli("check", path, "--fix", "--unsafe-fixes")
    assert "Fixed" in run.err
    assert os.stat(path).st_ino == os.stat(link).st_ino and "warmup_ratio" not in link.read_text()
    assert oct(os.stat(path).st_mode & 0o777) == oct(0o640)

    # another writer gets in between reading and writing: its change wins, nothing is overwritten
    victim, _ = _line_break_file(tmp_path, "crlf")
    real_fix_text = fixer.fix_text

    def fix_text_then_someone_writes(path, text, *args, **kwargs):
        outcome = real_fix_text(path, text, *args, **kwargs)
        victim.write_text("output_dir: theirs\n")
        return outcome

    monkeypatch.setattr(fixer, "fix_text", fix_text_then_someone_writes)
    run = cli("check", victim, "--fix", "--unsafe-fixes")
    assert victim.read_text() == "output_dir: theirs\n"
    assert "changed since it was read" in run.err and "Fixed" not in run.err


@pytest.mark.parametrize("mode", [[], ["--fix"]])
def test_a_rule_caught_in_a_loop_is_stopped_in_process(tmp_path, cli, monkeypatch, mode):
    """Small runs and --fix lint in this process: a looping plugin rule is stopped by a timer and
    reported as its E900 finding; the other rules' findings stay."""
    import sys

    from sftlint.lint import parallel
    from hostile_plugins import _rule

    monkeypatch.setattr(parallel, "FILE_SECONDS", 1.0)
    site = tmp_path / "site"  # plugins are never imported from the working directory
    site.mkdir()
    (site / "looping_rules.py").write_text(_rule("while True:\n    pass\nyield"))
    monkeypatch.syspath_prepend(str(site))
    sys.modules.pop("looping_rules", None)
    (tmp_path / "sftlint.toml").write_text('plugins = ["looping_rules"]\n')
    config = tmp_path / "c.yaml"
    config.write_text("# sftlint: dialect=hf\noutput_dir: o\nlearning_rate: 2e-4\nper_device_train_batch_size: 4\n")
    run = cli("check", config, "--output-format", "concise", *mode)
    assert run.rc == 2
    assert "HOST001" in run.out and "E900" in run.out and "more than 1 s" in run.out
    assert "YM001" in run.out or "Fixed" in run.err
