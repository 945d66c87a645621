"""The CI integration: the example GitHub workflow calls sftlint correctly, and the JUnit XML of a
real run has the structure JUnit readers expect (read here with xml.etree, as CI servers do)."""

from __future__ import annotations

import json
import shlex
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml

from sftlint.cli.main import build_parser

WORKFLOW = Path(__file__).resolve().parents[1] / "examples" / "ci" / "sftlint.yml"

CLEAN = """\
# sftlint: dialect=hf
output_dir: out
learning_rate: 2.0e-5
per_device_train_batch_size: 4
num_train_epochs: 1
seed: 42
"""


def steps() -> list[dict]:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    (job,) = workflow["jobs"].values()
    assert job["permissions"]["security-events"] == "write"
    return job["steps"]


def test_the_workflow_runs_real_sftlint_commands():
    commands = [shlex.split(s["run"].split(">")[0]) for s in steps() if s.get("run", "").startswith("sftlint ")]
    formats = []
    for argv in commands:
        args = build_parser().parse_args(argv[1:])  # exits on an unknown option
        formats.append(args.output_format)
    assert formats == ["github", "sarif"]


def test_the_workflow_uploads_the_sarif_it_writes():
    all_steps = steps()
    written = next(s["run"].split(">")[1].strip() for s in all_steps if "sarif" in s.get("run", ""))
    upload = next(s for s in all_steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["sarif_file"] == written
    assert upload["if"] == "${{ !cancelled() }}"  # also after the lint step failed


def test_junit_output_of_a_real_run_is_junit(cli, write):
    write("configs/clean.yaml", CLEAN)
    write("configs/bad.yaml", CLEAN.replace("2.0e-5", "2e-5"))
    write("configs/accelerate.yaml", "compute_environment: LOCAL_MACHINE\ndistributed_type: MULTI_GPU\n")

    run = cli("check", "configs", "--output-format", "junit")
    records = json.loads(cli("check", "configs", "--output-format", "json").out)
    findings = [r for r in records if r["code"] is not None]  # the others are skipped files
    (skipped,) = [r for r in records if r["code"] is None]

    assert run.rc == 1
    root = ET.fromstring(run.out.encode("utf-8"))
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert sorted(Path(c.get("name")).name for c in cases) == ["accelerate.yaml", "bad.yaml", "clean.yaml"]
    by_file = {Path(c.get("name")).name: c for c in cases}
    failures = by_file["bad.yaml"].findall("failure")
    assert len(failures) == len(findings) > 0
    assert {f.get("type") for f in failures} == {f["code"] for f in findings}
    assert all(f.get("message") and f.text for f in failures)
    assert not by_file["clean.yaml"].findall("failure") and not by_file["clean.yaml"].findall("skipped")
    assert by_file["accelerate.yaml"].find("skipped").get("message") == skipped["skipped"]
    for element in (root, suite):
        assert element.get("tests") == "3"
        assert element.get("failures") == "1"
        assert element.get("errors") == "0"
    assert suite.get("skipped") == "1"  # junit-10.xsd has ``skipped`` on <testsuite> only
