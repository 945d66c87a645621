"""SARIF 2.1.0, the format GitHub code scanning and other security dashboards import.

One run, whose ``tool.driver.rules`` describes each rule that has a finding (its documentation
comes from the rule's docstring, read through the plugin registry), and one result per finding.
File locations are relative to the working directory under ``%SRCROOT%``, because code scanning
resolves them against the repository checkout; columns count Unicode code points, as sftlint's
positions do, and say so in ``columnKind`` so viewers do not assume UTF-16 units.

Files that were not linted (not training configs, other tools' recipes) are no results: each is a
``note`` in the run's invocation (``toolExecutionNotifications``) with the file and the reason.
"""

from __future__ import annotations

import inspect
import json
import os
from pathlib import Path, PurePath
from typing import TextIO
from urllib.parse import quote

from .. import __version__
from ..links import REPOSITORY, rule_url

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = REPOSITORY
_LEVEL = {3: "error", 2: "warning", 1: "note"}


def _rule_descriptor(code: str, name: str, rule) -> dict:
    """A reportingDescriptor: from the rule class when the registry has it, else from the finding."""
    from ..lint.rule import doc_sections

    descriptor: dict = {"id": code, "name": name}
    if rule is not None:
        sections = doc_sections(rule)
        summary = rule.summary() or name
        full = "\n\n".join(_unwrap(sections[s]) for s in ("What it does", "Why is this bad?") if sections.get(s))
        doc = inspect.getdoc(rule) or summary
        descriptor["shortDescription"] = {"text": summary}
        descriptor["fullDescription"] = {"text": full or summary}
        descriptor["help"] = {"text": doc, "markdown": doc}
        level = _LEVEL[int(rule.severity)]
    else:  # the E family (unreadable files) and rules of plugins that are gone
        descriptor["shortDescription"] = {"text": name.replace("-", " ").capitalize()}
        level = "error" if code.startswith("E") else "warning"
    descriptor["helpUri"] = rule_url(code)
    descriptor["defaultConfiguration"] = {"level": level}
    return descriptor


def _unwrap(text: str) -> str:
    """Join the docstring's wrapped lines, keeping paragraph breaks: viewers wrap plain text."""
    return "\n\n".join(" ".join(par.split()) for par in text.split("\n\n") if par.strip())


def artifact_location(filename: str, root: Path) -> dict:
    """``{"uri", "uriBaseId"}`` relative to ``root`` when the file lies under it, else a file URI."""
    path = Path(filename)
    absolute = path if path.is_absolute() else root / path
    try:
        relative = PurePath(os.path.normpath(absolute)).relative_to(root)
    except ValueError:
        return {"uri": Path(os.path.normpath(absolute)).as_uri()}
    return {"uri": quote(relative.as_posix()), "uriBaseId": "%SRCROOT%"}


def _region(start: tuple[int, int], end: tuple[int, int]) -> dict:
    return {"startLine": start[0], "startColumn": start[1], "endLine": end[0], "endColumn": end[1]}


def _fix(finding, document, location: dict) -> dict | None:
    if finding.fix is None or document is None:
        return None
    replacements = [
        {
            "deletedRegion": _region(document.line_col(edit.start), document.line_col(edit.end)),
            "insertedContent": {"text": edit.content},
        }
        for edit in finding.fix.edits
    ]
    return {
        "description": {"text": finding.fix.message},
        "artifactChanges": [{"artifactLocation": location, "replacements": replacements}],
    }


def sarif_log(results, registry=None, root: Path | None = None) -> dict:
    """The whole SARIF log for ``results`` as a JSON-ready dict."""
    root = Path(os.path.normpath(root or Path.cwd().resolve()))
    pairs = [(f, r.document) for r in results for f in r.findings]
    names: dict[str, str] = {}
    for finding, _ in pairs:
        names.setdefault(finding.code, finding.name)
    codes = sorted(names)
    index = {code: i for i, code in enumerate(codes)}
    known = registry.rules if registry is not None else {}
    rules = [_rule_descriptor(code, names[code], known.get(code)) for code in codes]
    from .fingerprint import fingerprints

    prints = fingerprints(results, root)
    sarif_results = []
    for finding, document in pairs:
        location = artifact_location(finding.filename, root)
        start, end = finding.location, finding.end_location
        result = {
            "ruleId": finding.code,
            "ruleIndex": index[finding.code],
            "level": _LEVEL[int(finding.severity)],
            "message": {"text": finding.message},
            # stable across unrelated edits above the finding: file, rule, message and line text
            "partialFingerprints": {"sftlint/v1": prints[id(finding)]},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": location,
                        "region": _region((start.row, start.column), (end.row, end.column)),
                    }
                }
            ],
        }
        fix = _fix(finding, document, location)
        if fix is not None:
            result["fixes"] = [fix]
        sarif_results.append(result)
    notifications = [
        {
            "level": "note",
            "message": {"text": f"skipped: {r.skipped}"},
            "descriptor": {"id": "skipped"},
            "locations": [{"physicalLocation": {"artifactLocation": artifact_location(str(r.path), root)}}],
        }
        for r in results if r.skipped and not r.findings
    ]
    run = {
        "tool": {
            "driver": {"name": "sftlint", "version": __version__, "informationUri": INFORMATION_URI, "rules": rules}
        },
        "originalUriBaseIds": {"%SRCROOT%": {"uri": root.as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        # the run always completes: unreadable files are results (E001), not a failed execution
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
        "results": sarif_results,
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(results, stream: TextIO, *, color: bool = False, verbose: bool = False, registry=None) -> None:
    json.dump(sarif_log(results, registry), stream, indent=2)
    stream.write("\n")
