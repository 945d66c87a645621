"""Where sftlint's documentation lives, for links in findings, SARIF and the package metadata.

The rules are documented in ``docs/rules.md`` of the repository, one anchor per code (``#ws001``),
so a finding's ``url`` and a SARIF rule's ``helpUri`` open the page that is generated from the very
docstrings ``sftlint rule CODE`` prints. ``REPOSITORY`` must equal ``[project.urls] Repository`` in
pyproject.toml (a test checks it): change both when the repository moves.
"""

from __future__ import annotations

REPOSITORY = "https://github.com/sftlint/sftlint"
#: The documentation folder as browsed on the repository's default branch.
DOCS = f"{REPOSITORY}/blob/main/docs"


def rule_url(code: str) -> str:
    """The documentation of rule ``code`` (any family, the ``E`` codes included)."""
    return f"{DOCS}/rules.md#{code.lower()}"
