"""What a rule reports: a finding at a place in a file, with an optional fix made of text edits.

Fixes are plain text edits (replace characters ``start..end`` with ``content``), the way ruff
represents them, so applying one keeps every untouched byte of the file: comments, key order and
quoting survive because nothing re-serialises the document.
"""

from __future__ import annotations

import enum
from typing import NamedTuple

from ..records import field, record


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r}: use error, warning or info") from None


class Applicability(enum.Enum):
    """How safe a fix is: safe fixes run with ``--fix``, unsafe ones need ``--unsafe-fixes``."""

    SAFE = "safe"
    UNSAFE = "unsafe"


class FixAvailability(enum.Enum):
    NONE = "none"
    SOMETIMES = "sometimes"
    ALWAYS = "always"


class Edit(NamedTuple):
    """Replace the characters ``start..end`` (0-based offsets) of the file with ``content``."""

    start: int
    end: int
    content: str


class Fix(NamedTuple):
    """Text edits that repair a finding; ``applicability`` decides whether ``--fix`` applies them."""

    applicability: Applicability
    message: str
    edits: tuple[Edit, ...]


class Location(NamedTuple):
    """A 1-based line (``row``) and column, as editors and CI annotations count them."""

    row: int
    column: int


@record
class Finding:
    """One reported problem, in the shape every output format renders (file, position, code, fix)."""

    code: str
    name: str
    message: str
    severity: Severity
    filename: str
    location: Location
    end_location: Location
    fix: Fix | None = None
    url: str | None = None
    #: Extra numbers behind the finding for machine consumers (never secrets).
    data: dict = field(default_factory=dict)

    @property
    def is_error_code(self) -> bool:
        """Findings of the E family mean the file could not be read or parsed as intended."""
        return self.code.startswith("E")

    def sort_key(self) -> tuple:
        return (self.filename, self.location.row, self.location.column, self.code)
