"""Output formats, one module each; every one renders the same list of file results.

Each module has ``render(results, stream, *, color, verbose, registry)``; ``registry`` (the loaded
plugins, or None) lets formats that describe rules, such as SARIF, read each rule's docstring.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from ..lint.engine import FileResult
    from ..plugin.loading import Registry

FORMATS = ("full", "concise", "json", "json-lines", "github", "gitlab", "sarif", "junit")


def render(
    fmt: str,
    results: "list[FileResult]",
    stream: TextIO,
    *,
    color: bool = False,
    verbose: bool = False,
    registry: "Registry | None" = None,
) -> None:
    """Write ``results`` to ``stream`` in format ``fmt`` (one of :data:`FORMATS`)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown output format {fmt!r}; choose one of {', '.join(FORMATS)}")
    module = importlib.import_module(f".{fmt.replace('-', '_')}", __name__)
    module.render(results, stream, color=color, verbose=verbose, registry=registry)
