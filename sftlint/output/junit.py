"""JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure Pipelines).

Each linted file is a test case that passes when it has no findings; each finding is one
``<failure>`` whose ``type`` is the rule code, so the report lists every problem under its file.
A file that cannot be read or parsed is an ``<error>``; files that were not linted (not training
configs, or disabled by a comment) are ``<skipped>``. Times are the seconds linting each file took.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TextIO

#: Characters XML 1.0 cannot carry at all, not even escaped; they become U+FFFD.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _seconds(value: float) -> str:
    """A duration as the common junit-10.xsd allows it: at most three decimals."""
    return f"{max(value, 0.0):.3f}"


def report(results) -> ET.Element:
    """The ``<testsuites>`` element for ``results``, valid against the common ``junit-10.xsd``.

    A file that could not be read or parsed (an ``E`` finding) is an ``<error>``, not a failure: the
    check could not run. ``skipped`` is counted on ``<testsuite>`` only, where the schema has it.
    """
    errored = [r for r in results if any(f.is_error_code for f in r.findings)]
    failing = sum(1 for r in results if r.findings and r not in errored)
    skipped = sum(1 for r in results if r.skipped and not r.findings)
    seconds = _seconds(sum(getattr(r, "seconds", 0.0) for r in results))
    counts = {"tests": str(len(results)), "failures": str(failing), "errors": str(len(errored)), "time": seconds}
    suites = ET.Element("testsuites", {"name": "sftlint", **counts})
    suite = ET.SubElement(suites, "testsuite", {"name": "sftlint", **counts, "skipped": str(skipped)})
    for result in results:
        name = _clean(str(result.path))
        case = ET.SubElement(suite, "testcase", {"name": name, "classname": name,
                                                 "time": _seconds(getattr(result, "seconds", 0.0))})
        for f in result.findings:
            where = f"{f.filename}:{f.location.row}:{f.location.column}"
            element = "error" if f.is_error_code else "failure"
            item = ET.SubElement(case, element, {"type": f.code, "message": _clean(f.message)})
            item.text = _clean(f"{where}: {f.code} [{f.severity}] {f.message}")
        if result.skipped and not result.findings:
            ET.SubElement(case, "skipped", {"message": _clean(result.skipped)})
    return suites


def render(results, stream: TextIO, *, color: bool = False, verbose: bool = False, registry=None) -> None:
    tree = ET.ElementTree(report(results))
    ET.indent(tree)
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    tree.write(stream, encoding="unicode")
    stream.write("\n")
