"""Output formats, one module each; every one renders the same list of file results."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from ..engine import FileResult

FORMATS = ("full", "concise", "json", "json-lines", "github", "sarif", "junit")


def render(fmt: str, results: "list[FileResult]", stream: TextIO, *, color: bool = False, verbose: bool = False) -> None:
    """Write ``results`` to ``stream`` in format ``fmt`` (one of :data:`FORMATS`)."""
    module = importlib.import_module(f".{fmt.replace('-', '_')}", __name__)
    module.render(results, stream, color=color, verbose=verbose)
