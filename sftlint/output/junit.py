"""JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure Pipelines).

Each linted file is a test case that passes when it has no findings; each finding is one
``<failure>`` whose ``type`` is the rule code, so the report lists every problem under its file.
Files that were not linted (not training configs, or disabled by a comment) are ``<skipped>``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TextIO

#: Characters XML 1.0 cannot carry at all, not even escaped; they become U+FFFD.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def report(results) -> ET.Element:
    """The ``<testsuites>`` element for ``results``."""
    failing = sum(1 for r in results if r.findings)
    skipped = sum(1 for r in results if r.skipped and not r.findings)
    counts = {"tests": str(len(results)), "failures": str(failing), "errors": "0", "skipped": str(skipped)}
    suites = ET.Element("testsuites", {"name": "sftlint", **counts})
    suite = ET.SubElement(suites, "testsuite", {"name": "sftlint", **counts})
    for result in results:
        name = _clean(str(result.path))
        case = ET.SubElement(suite, "testcase", {"name": name, "classname": name, "file": name})
        for f in result.findings:
            where = f"{f.filename}:{f.location.row}:{f.location.column}"
            failure = ET.SubElement(case, "failure", {"type": f.code, "message": _clean(f.message)})
            failure.text = _clean(f"{where}: {f.code} [{f.severity}] {f.message}")
        if result.skipped and not result.findings:
            ET.SubElement(case, "skipped", {"message": _clean(result.skipped)})
    return suites


def render(results, stream: TextIO, *, color: bool = False, verbose: bool = False, registry=None) -> None:
    tree = ET.ElementTree(report(results))
    ET.indent(tree)
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    tree.write(stream, encoding="unicode")
    stream.write("\n")
