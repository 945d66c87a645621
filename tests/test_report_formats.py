"""Reports read by other programs: JUnit XML against the common ``junit-10.xsd`` (the schema pytest
validates its own reports with), SARIF fingerprints, GitLab code quality, and the links in findings.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from sftlint import links

ROOT = Path(__file__).resolve().parents[1]
CLEAN = """\
# sftlint: dialect=hf
output_dir: out
learning_rate: 2.0e-5
per_device_train_batch_size: 4
num_train_epochs: 1
seed: 42
"""
FIXABLE = CLEAN.replace("2.0e-5", "2e-5")
LAUNCHER = "compute_environment: LOCAL_MACHINE\ndistributed_type: MULTI_GPU\nnum_processes: 2\n"


@pytest.fixture(scope="module")
def junit_xsd(tmp_path_factory, pytestconfig) -> Path:
    """``junit-10.xsd`` as pytest's source distribution ships it (``testing/example_scripts``), for
    the installed pytest version, fetched from PyPI once and kept in pytest's cache folder;
    ``SFTLINT_JUNIT_XSD`` may name a local copy instead."""
    if os.environ.get("SFTLINT_JUNIT_XSD"):
        return Path(os.environ["SFTLINT_JUNIT_XSD"])
    cache = getattr(pytestconfig, "cache", None)
    folder = Path(cache.mkdir("sftlint-junit-xsd")) if cache is not None else tmp_path_factory.mktemp("xsd")
    xsd = folder / f"junit-10-pytest-{pytest.__version__}.xsd"
    if not xsd.exists():
        download = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
                                   f"pytest=={pytest.__version__}", "-d", str(folder)],
                                  capture_output=True, text=True, timeout=600)
        assert download.returncode == 0, download.stderr
        (sdist,) = folder.glob(f"pytest-{pytest.__version__}.tar.gz")
        with tarfile.open(sdist) as tar:
            member = next(m for m in tar.getmembers() if m.name.endswith("testing/example_scripts/junit-10.xsd"))
            xsd.write_bytes(tar.extractfile(member).read())
    return xsd


@pytest.mark.slow
def test_junit_is_valid_against_junit_10_xsd(cli, write, junit_xsd):
    etree = pytest.importorskip("lxml.etree")
    write("configs/clean.yaml", CLEAN)
    write("configs/bad.yaml", FIXABLE)
    write("configs/broken.yaml", "x: [\n")
    write("configs/accelerate.yaml", LAUNCHER)
    run = cli("check", "configs", "--output-format", "junit")
    schema = etree.XMLSchema(etree.parse(str(junit_xsd)))
    document = etree.fromstring(run.out.encode("utf-8"))
    assert schema.validate(document), schema.error_log
    suite = document.find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("4", "1", "1", "1")
    assert all(re.fullmatch(r"\d+\.\d{3}", case.get("time")) for case in suite.iter("testcase"))
    broken = next(c for c in suite.iter("testcase") if c.get("name").endswith("broken.yaml"))
    assert broken.find("error").get("type") == "E001" and broken.find("failure") is None


def test_sarif_results_carry_stable_fingerprints(cli, write):
    write("a.yaml", FIXABLE)
    first = json.loads(cli("check", "--output-format", "sarif", "a.yaml").out)["runs"][0]["results"]
    write("a.yaml", "# a comment above moves every line\n" + FIXABLE)
    moved = json.loads(cli("check", "--output-format", "sarif", "a.yaml").out)["runs"][0]["results"]
    prints = [r["partialFingerprints"]["sftlint/v1"] for r in first]
    assert len(set(prints)) == len(prints) > 0
    assert [r["partialFingerprints"] for r in moved] == [r["partialFingerprints"] for r in first]
    assert moved[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 4


def test_gitlab_code_quality(cli, write):
    write("configs/a.yaml", FIXABLE)
    write("configs/b.yaml", CLEAN.replace("2.0e-5", "0.01"))
    run = cli("check", "--output-format", "gitlab", "configs")
    report = json.loads(run.out)
    assert run.rc == 1 and report
    for issue in report:
        assert set(issue) == {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert issue["description"].startswith(issue["check_name"] + " ")
        assert re.fullmatch(r"[0-9a-f]{64}", issue["fingerprint"])
        assert not Path(issue["location"]["path"]).is_absolute()
        assert issue["location"]["positions"]["begin"]["line"] >= 1
    assert len({i["fingerprint"] for i in report}) == len(report)
    by_code = {i["check_name"]: i for i in report}
    assert by_code["YM001"]["severity"] == "major" and by_code["HP001"]["severity"] == "minor"
    assert by_code["YM001"]["location"]["path"] == "configs/a.yaml"
    assert cli("check", "--output-format", "gitlab", "configs/a.yaml", "--select", "SEC").out.strip() == "[]"


def test_every_finding_links_to_its_documentation(cli, write):
    write("a.yaml", FIXABLE)
    write("broken.yaml", "x: [\n")
    write("dup.yaml", CLEAN + "seed: 1\n")
    findings = json.loads(cli("check", "--output-format", "json", "a.yaml", "broken.yaml", "dup.yaml").out)
    page = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    codes = {f["code"] for f in findings}
    assert {"E001", "YM004", "YM001"} <= codes
    for f in findings:
        assert f["url"] == links.rule_url(f["code"])
        assert f'<a id="{f["code"].lower()}"></a>' in page


def test_every_error_code_in_the_code_is_explained(cli):
    """Each ``E`` code sftlint can report has its explanation (``sftlint rule E001``) and section."""
    from sftlint.lint.error_codes import ERRORS

    used = set()
    for folder in ("sftlint", "rules", "runner"):
        for path in (ROOT / folder).rglob("*.py"):
            used |= set(re.findall(r"""["'](E\d{3})["']""", path.read_text(encoding="utf-8")))
    documented = {e.code for e in ERRORS}
    assert used and used <= documented, used - documented
    for code in sorted(documented):
        run = cli("rule", code)
        assert run.rc == 0 and f"({code})" in run.out.splitlines()[0]


def test_statistics_count_the_fixable_findings(cli, write):
    write("a.yaml", FIXABLE)
    write("b.yaml", FIXABLE.replace("seed: 42", "seed: 1"))
    rows = json.loads(cli("check", "--statistics", "--output-format", "json", "--select", "YM", "a.yaml", "b.yaml").out)
    assert rows == [{"code": "YM001", "name": "number-read-as-string", "count": 2, "fixable": True, "fixable_count": 2}]
