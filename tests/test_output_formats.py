"""Every ``--output-format`` and the options that shape ``sftlint check`` output, through the real CLI.

The CLI runs in a subprocess over a small project in a temporary folder, so what is checked is
what a user or a CI job sees: stdout, stderr and the exit status, with no colour unless asked for.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from sftlint.output.github import escape_data, escape_property

SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"

TRAIN = """\
# sftlint: dialect=hf
output_dir: out
learning_rate: 2e-4
per_device_train_batch_size: 4
num_train_epochs: 1
"""

CLEAN = TRAIN.replace("2e-4", "2.0e-4")

# The key holds %, a comma, a colon and (through the \\n escape) a line break, all of which end
# up in the duplicate-key message; the file name holds a comma and a colon.
WEIRD_NAME = "we,ird:name.yaml"
WEIRD = """\
# sftlint: dialect=hf
output_dir: out
"100%, a:b\\nc": 1
"100%, a:b\\nc": 2
"""

NOT_TRAINING = "site_name: docs\nnav: [index.md]\n"


def sftlint(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """Run ``sftlint check ARGS`` in ``cwd``; YM001 and YM004 only, so rules added later do not shift counts."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "SFTLINT_DEBUG")}
    proc = subprocess.run(
        [sys.executable, "-m", "sftlint", "check", "--select", "YM001,YM004", *args],
        cwd=cwd, capture_output=True, text=True, env=env, timeout=120,
    )
    assert "Traceback" not in proc.stdout + proc.stderr
    return proc


def summary_lines(stderr: str) -> list[str]:
    starts = ("Found ", "All checks passed", "[*] ")
    return [line for line in stderr.splitlines() if line.startswith(starts)]


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "sftlint.toml").write_text("")  # stops the upward search for settings here
    (tmp_path / "train.yaml").write_text(TRAIN)
    (tmp_path / "clean.yaml").write_text(CLEAN)
    (tmp_path / "notes.yaml").write_text(NOT_TRAINING)
    (tmp_path / WEIRD_NAME).write_text(WEIRD)
    return tmp_path


# -- json and json-lines ----------------------------------------------------------------------


def test_json_fields(project: Path) -> None:
    proc = sftlint(project, "--output-format", "json", "train.yaml", "missing.yaml")
    assert proc.returncode == 2  # a missing path is an error, whatever else was found
    by_code = {d["code"]: d for d in json.loads(proc.stdout)}
    assert set(by_code) == {"YM001", "E001"}
    ym = by_code["YM001"]
    assert ym["filename"] == "train.yaml"
    assert ym["severity"] == "error"
    assert "2e-4" in ym["message"]
    assert ym["location"] == {"row": 3, "column": 16}
    assert ym["end_location"] == {"row": 3, "column": 20}
    assert ym["url"].endswith("#ym001")
    assert ym["fix"]["applicability"] == "safe"
    assert ym["fix"]["message"]
    assert ym["fix"]["edits"] == [
        {"content": "2.0e-4", "location": {"row": 3, "column": 16}, "end_location": {"row": 3, "column": 20}}
    ]
    missing = by_code["E001"]
    assert missing["filename"] == "missing.yaml"
    assert missing["fix"] is None
    assert missing["location"] == {"row": 1, "column": 1}
    assert not summary_lines(proc.stderr)  # machine formats get no summary line


def test_json_lines_matches_json(project: Path) -> None:
    files = ("train.yaml", WEIRD_NAME, "clean.yaml")
    as_json = json.loads(sftlint(project, "--output-format", "json", *files).stdout)
    lines = sftlint(project, "--output-format", "json-lines", *files).stdout.splitlines()
    assert len(lines) == len(as_json) == 3
    assert [json.loads(line) for line in lines] == as_json


def test_json_records_say_why_a_file_was_skipped(project: Path) -> None:
    (project / "toc.yaml").write_text("- index.md\n- usage.md\n")
    proc = sftlint(project, "--output-format", "json", "train.yaml", "notes.yaml", "toc.yaml")
    assert proc.returncode == 1 and proc.stderr == ""  # the reasons are in the JSON, not on stderr
    records = json.loads(proc.stdout)
    assert [(r["filename"], r["code"]) for r in records] == [("train.yaml", "YM001"), ("notes.yaml", None),
                                                             ("toc.yaml", None)]
    finding, notes, toc = records
    assert "skipped" not in finding  # findings keep their fields, nothing more
    assert notes["skipped"] == "MkDocs config, not a training config"
    assert toc["skipped"] == "top level is a list, not a mapping of settings"
    # shaped like a finding, so a consumer that reads every record's fields still can
    assert set(toc) == set(finding) | {"skipped"}
    assert (toc["name"], toc["severity"], toc["fix"], toc["location"]) == ("skipped", "info", None, {"row": 1, "column": 1})
    assert toc["message"] == "skipped: top level is a list, not a mapping of settings"
    lines = sftlint(project, "--output-format", "json-lines", "train.yaml", "notes.yaml", "toc.yaml").stdout
    assert [json.loads(line) for line in lines.splitlines()] == records


def test_json_lines_prints_nothing_when_clean(project: Path) -> None:
    proc = sftlint(project, "--output-format", "json-lines", "clean.yaml")
    assert (proc.returncode, proc.stdout) == (0, "")


# -- github -----------------------------------------------------------------------------------


def test_github_annotations_escape_separators(project: Path) -> None:
    proc = sftlint(project, "--output-format", "github", "train.yaml", WEIRD_NAME)
    lines = proc.stdout.splitlines()
    assert len(lines) == 3, proc.stdout  # a line break in a message must not split an annotation
    ym = next(line for line in lines if "YM001" in line)
    assert ym.startswith(
        "::error file=train.yaml,line=3,col=16,endLine=3,endColumn=20,title=YM001 number-read-as-string::"
    )
    dup = next(line for line in lines if "YM004" in line and "line=4" in line)
    props, message = dup[len("::warning "):].split("::", 1)
    assert props == "file=we%2Cird%3Aname.yaml,line=4,col=1,endLine=4,endColumn=15,title=YM004 duplicate-key"
    # In the message only %, CR and LF are escaped; ':' and ',' stay readable.
    assert "'100%25, a:b%0Ac' was already set on line 3" in message


def test_github_says_why_a_file_was_skipped_in_the_debug_log(project: Path) -> None:
    proc = sftlint(project, "--output-format", "github", "notes.yaml", "clean.yaml")
    assert proc.stdout == "::debug::notes.yaml: skipped: MkDocs config, not a training config\n"


def test_github_command_follows_severity(project: Path) -> None:
    sub = project / "relaxed"
    sub.mkdir()
    (sub / "sftlint.toml").write_text('[severity]\nYM001 = "info"\n')
    (sub / "train.yaml").write_text(TRAIN)
    proc = sftlint(project, "--output-format", "github", "relaxed/train.yaml")
    assert proc.stdout.startswith("::notice file=relaxed/train.yaml,line=3,")
    (sub / "sftlint.toml").write_text('[severity]\nYM001 = "warning"\n')
    proc = sftlint(project, "--output-format", "github", "relaxed/train.yaml")
    assert proc.stdout.startswith("::warning file=relaxed/train.yaml,line=3,")


def test_github_escape_functions() -> None:
    assert escape_data("50%\r\nx: a,b") == "50%25%0D%0Ax: a,b"
    assert escape_property("50%\r\nx: a,b") == "50%25%0D%0Ax%3A a%2Cb"


# -- sarif ------------------------------------------------------------------------------------


def test_sarif_is_valid_and_complete(project: Path) -> None:
    proc = sftlint(project, "--output-format", "sarif", ".")
    assert proc.returncode == 1
    log = json.loads(proc.stdout)
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft4Validator(schema).validate(log)

    assert log["version"] == "2.1.0" and log["$schema"]
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "sftlint" and driver["version"] and driver["informationUri"].startswith("https://")
    rules = driver["rules"]
    assert [r["id"] for r in rules] == ["YM001", "YM004"]
    ym_rule = rules[0]
    assert ym_rule["name"] == "number-read-as-string"
    assert "YAML 1.1" in ym_rule["shortDescription"]["text"]  # taken from the rule's docstring
    assert "Why is this bad?" not in ym_rule["fullDescription"]["text"]
    assert "## Example" in ym_rule["help"]["markdown"]
    assert ym_rule["helpUri"].endswith("#ym001")
    assert ym_rule["defaultConfiguration"]["level"] == "error"

    results = run["results"]
    assert len(results) == 3  # the duplicate key is reported where it is written twice
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    ym = next(r for r in results if r["ruleId"] == "YM001")
    assert ym["level"] == "error"
    assert "2e-4" in ym["message"]["text"]
    (location,) = ym["locations"]
    physical = location["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "train.yaml", "uriBaseId": "%SRCROOT%"}
    assert physical["region"] == {"startLine": 3, "startColumn": 16, "endLine": 3, "endColumn": 20}
    (fix,) = ym["fixes"]
    (change,) = fix["artifactChanges"]
    (replacement,) = change["replacements"]
    assert replacement["insertedContent"]["text"] == "2.0e-4"
    assert replacement["deletedRegion"] == physical["region"]
    dup = next(r for r in results if r["ruleId"] == "YM004")
    # ':' in a relative reference's first segment would read as a URI scheme, so it is encoded.
    assert dup["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "we%2Cird%3Aname.yaml"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/")
    # notes.yaml is no training config: not a result, a notification of the invocation
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is True
    (note,) = invocation["toolExecutionNotifications"]
    assert note["level"] == "note" and note["descriptor"]["id"] == "skipped"
    assert note["message"]["text"] == "skipped: MkDocs config, not a training config"
    assert note["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "notes.yaml", "uriBaseId": "%SRCROOT%"}


def test_sarif_without_findings_is_valid(project: Path) -> None:
    proc = sftlint(project, "--output-format", "sarif", "clean.yaml")
    assert proc.returncode == 0
    log = json.loads(proc.stdout)
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text())).validate(log)
    assert log["runs"][0]["results"] == [] and log["runs"][0]["tool"]["driver"]["rules"] == []


# -- junit ------------------------------------------------------------------------------------


def test_junit_counts(project: Path) -> None:
    proc = sftlint(project, "--output-format", "junit", "train.yaml", "clean.yaml", "notes.yaml", WEIRD_NAME)
    root = ET.fromstring(proc.stdout)
    (suite,) = root.iter("testsuite")
    assert suite.get("tests") == "4"
    assert suite.get("failures") == "2"  # a duplicate key is a finding like any other
    assert suite.get("errors") == "0"
    assert suite.get("skipped") == "1"
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert set(cases) == {"train.yaml", "clean.yaml", "notes.yaml", WEIRD_NAME}
    (failure,) = cases["train.yaml"].findall("failure")
    assert failure.get("type") == "YM001"
    assert "2e-4" in failure.get("message")
    assert "train.yaml:3:16" in failure.text
    assert list(cases["clean.yaml"]) == []
    assert cases["notes.yaml"].find("skipped").get("message") == "MkDocs config, not a training config"
    first, again = cases[WEIRD_NAME].findall("failure")
    assert first.get("type") == again.get("type") == "YM004" and "100%, a:b\nc" in again.get("message")


# -- options and exit codes -------------------------------------------------------------------


def test_exit_codes(project: Path) -> None:
    assert sftlint(project, "clean.yaml").returncode == 0
    assert sftlint(project, "train.yaml").returncode == 1
    assert sftlint(project, "missing.yaml").returncode == 2
    assert sftlint(project, "--exit-zero", "train.yaml").returncode == 0
    assert sftlint(project, "--exit-zero", "missing.yaml").returncode == 2  # errors are never zeroed


def test_statistics_replaces_the_listing(project: Path) -> None:
    proc = sftlint(project, "--statistics", "train.yaml", "clean.yaml")
    assert proc.returncode == 1
    (row,) = proc.stdout.splitlines()
    assert row.split() == ["1", "YM001", "[*]", "number-read-as-string"]
    stats = json.loads(sftlint(project, "--statistics", "--output-format", "json", "train.yaml").stdout)
    assert stats == [{"code": "YM001", "name": "number-read-as-string", "count": 1, "fixable": True,
                      "fixable_count": 1}]
    lines = sftlint(project, "--statistics", "--output-format", "json-lines", "train.yaml").stdout.splitlines()
    assert [json.loads(line) for line in lines] == stats


def test_summary_and_quiet(project: Path) -> None:
    proc = sftlint(project, "train.yaml", "clean.yaml", "notes.yaml")
    assert "train.yaml:3:16: YM001" in proc.stdout
    # the reason itself, not "-v says why": a pre-commit hook or a CI log cannot add -v
    assert "Found 1 finding in 2 files; skipped: 1 MkDocs config." in proc.stderr
    assert "[*] 1 fixable with --fix." in proc.stderr
    assert "notes.yaml" not in proc.stdout
    verbose = sftlint(project, "-v", "train.yaml", "clean.yaml", "notes.yaml")
    assert "notes.yaml: skipped: " in verbose.stdout
    assert "Found 1 finding in 2 files; skipped: 1 MkDocs config." in verbose.stderr
    clean = sftlint(project, "clean.yaml")
    assert "All checks passed (1 file)." in clean.stderr
    quiet = sftlint(project, "--quiet", "train.yaml")
    assert "train.yaml:3:16: YM001" in quiet.stdout
    assert not summary_lines(quiet.stderr)


@pytest.mark.parametrize("fmt", ["full", "concise"])
def test_colour_only_when_asked_or_on_a_tty(project: Path, fmt: str) -> None:
    piped = sftlint(project, "--output-format", fmt, "train.yaml")
    assert "YM001" in piped.stdout and "\x1b[" not in piped.stdout
    forced = sftlint(project, "--output-format", fmt, "--color", "always", "train.yaml")
    assert "\x1b[" in forced.stdout
    never = sftlint(project, "--output-format", fmt, "--color", "never", "train.yaml")
    assert "\x1b[" not in never.stdout


def test_full_format_shows_the_line_and_a_caret(project: Path) -> None:
    out = sftlint(project, "train.yaml").stdout
    lines = out.splitlines()
    source = next(i for i, line in enumerate(lines) if "> 3 | learning_rate: 2e-4" in line)
    caret = lines[source + 1]
    assert caret.index("^") == lines[source].index("2e-4") and caret.count("^") == 4
    assert "help: Write `2.0e-4`" in out
