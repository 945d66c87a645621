"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request diff.

Format: ``::error file=F,line=L,col=C,endLine=L2,endColumn=C2,title=CODE name::message``, with
``warning`` and ``notice`` for lower severities. The runner splits a command at ``::`` and its
properties at ``,``, and reads ``%XX`` escapes, so property values escape ``%``, CR, LF, ``:``
and ``,``, and the message escapes ``%``, CR and LF; anything else would cut the annotation short.

A skipped file is a ``::debug::`` line with the reason: not an annotation (a repository's many
non-config YAML files would bury the real ones), but in the log when step debugging is on.
"""

from __future__ import annotations

from typing import TextIO

_COMMAND = {3: "error", 2: "warning", 1: "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message (after the last ``::``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value (``file=``, ``title=``...), where ``:`` and ``,`` are separators."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding) -> str:
    start, end = finding.location, finding.end_location
    props = [
        ("file", finding.filename),
        ("line", start.row),
        ("col", start.column),
        ("endLine", end.row),
        ("endColumn", end.column),
        ("title", f"{finding.code} {finding.name}"),
    ]
    joined = ",".join(f"{key}={escape_property(str(value))}" for key, value in props)
    return f"::{_COMMAND[int(finding.severity)]} {joined}::{escape_data(finding.message)}"


def render(results, stream: TextIO, *, color: bool = False, verbose: bool = False, registry=None) -> None:
    for result in results:
        if result.skipped and not result.findings:
            stream.write(f"::debug::{escape_data(f'{result.path}: skipped: {result.skipped}')}\n")
        for finding in result.findings:
            stream.write(annotation(finding) + "\n")
