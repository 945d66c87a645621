"""``# sftlint:`` comments that silence findings.

- ``# sftlint: disable=YM001,WS`` at the end of a line silences those codes (or prefixes) for
  findings on that line only; ``# sftlint: disable`` with no codes silences every rule there.
  A comment on a key's line also covers its value when the value is written on the next line
  (``learning_rate:  # sftlint: disable=YM001`` then ``  2e-4``), and the other way round.
- ``# sftlint: disable-file`` anywhere skips the whole file; ``# sftlint: disable-file=WS001``
  silences only those codes in the whole file.

Suppressions act on rule findings only: a file that cannot be read is always reported.
"""

from __future__ import annotations

from ..document import Document, Scalar, iter_scalars
from ..records import field, record

EVERY_RULE = "ALL"


def _codes(value: str) -> set[str]:
    return {c.strip().upper() for c in value.split(",") if c.strip()} or {EVERY_RULE}


@record
class Suppressions:
    """The ``disable`` comments of one file, by line."""

    by_line: dict[int, set[str]] = field(default_factory=dict)
    whole_file: set[str] = field(default_factory=set)

    def covers(self, code: str, start_line: int, end_line: int) -> bool:
        """Whether a finding of ``code`` spanning those lines is silenced."""
        selectors = set(self.whole_file)
        for line in {start_line, end_line}:
            selectors |= self.by_line.get(line, set())
        return any(s == EVERY_RULE or code.startswith(s) for s in selectors)


def skips_file(document: Document) -> bool:
    """A bare ``# sftlint: disable-file`` anywhere in the file."""
    return any(not value for _, value in document.directive_values("disable-file"))


def suppressions(document: Document) -> Suppressions:
    out = Suppressions()
    for line, value in document.directive_values("disable"):
        out.by_line.setdefault(line, set()).update(_codes(value))
    for _, value in document.directive_values("disable-file"):
        if value:
            out.whole_file |= _codes(value)
    if out.by_line:
        _spread_over_split_pairs(document, out.by_line)
    return out


def _spread_over_split_pairs(document: Document, by_line: dict[int, set[str]]) -> None:
    """Let a comment on a key's line cover its scalar value on a later line, and vice versa."""
    for key, value in iter_scalars(document.root):
        if not isinstance(key, Scalar):
            continue
        key_line, value_line = key.start.line, value.start.line
        if key_line == value_line:
            continue
        codes = by_line.get(key_line, set()) | by_line.get(value_line, set())
        if codes:
            by_line.setdefault(key_line, set()).update(codes)
            by_line.setdefault(value_line, set()).update(codes)
