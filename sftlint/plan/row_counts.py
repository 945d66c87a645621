"""Counting the rows of one local data file the way ``datasets.load_dataset`` would read it.

- JSON Lines (``.jsonl``, ``.ndjson``; also a ``.json`` holding one object per line): one row per
  non-blank line.
- A ``.json`` file holding an array: one row per element; an object of equal-length column
  lists: that length.
- CSV/TSV: records after the header, a quoted field may span lines; blank lines are skipped.
- Parquet: the count stored in the footer (:mod:`.parquet_footer`).
- Plain text: one row per line.

Counts are cached per file, size and modification time: a project lints many configs that share
one dataset.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from .parquet_footer import ParquetError, parquet_num_rows

JSON_LINES = {".jsonl", ".ndjson"}
SUFFIXES = JSON_LINES | {".json", ".csv", ".tsv", ".parquet", ".txt"}
#: A JSON array must be parsed whole; past this size the count is left unknown rather than slow.
MAX_JSON_ARRAY_BYTES = 512 * 1024 * 1024

_cache: dict[tuple[str, int, int], int] = {}


class RowCountError(ValueError):
    """The rows of a file cannot be counted; the message says why, for the plan's notes."""


def is_data_file(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES and not path.name.startswith(".")


def count_rows(path: Path) -> int:
    """Rows ``datasets`` would load from ``path``; raises :class:`RowCountError`."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise RowCountError(f"cannot read {path}: {exc.strerror or exc}") from None
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _cache:
        _cache[key] = _count(path, stat.st_size)
    return _cache[key]


def _count(path: Path, size: int) -> int:
    suffix = path.suffix.lower()
    try:
        if suffix in JSON_LINES:
            return _count_nonblank_lines(path)
        if suffix == ".json":
            return _count_json(path, size)
        if suffix in (".csv", ".tsv"):
            return _count_csv(path, "\t" if suffix == ".tsv" else ",")
        if suffix == ".parquet":
            return parquet_num_rows(path)
        if suffix == ".txt":
            with path.open("rb") as fh:
                return sum(1 for _ in fh)
    except ParquetError as exc:
        raise RowCountError(f"{path.name}: {exc}") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise RowCountError(f"cannot read {path}: {exc}") from None
    raise RowCountError(f"{path.name}: rows of '{suffix}' files are not counted")


def _count_nonblank_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(1 for line in fh if line.strip())


def _first_char(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head[:1].decode("ascii", "replace")


def _count_json(path: Path, size: int) -> int:
    first = _first_char(path)
    if first == "[":
        if size > MAX_JSON_ARRAY_BYTES:
            raise RowCountError(f"{path.name} is a {size // 2**20} MiB JSON array; too large to count while linting")
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except json.JSONDecodeError as exc:
            raise RowCountError(f"{path.name} is not valid JSON ({exc.msg}, line {exc.lineno})") from None
        if isinstance(data, list):
            return len(data)
    if first == "{":
        text = path.read_text(encoding="utf-8-sig")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            if exc.msg == "Extra data":  # several objects: JSON Lines in a .json file
                return sum(1 for line in text.splitlines() if line.strip())
            raise RowCountError(f"{path.name} is not valid JSON ({exc.msg}, line {exc.lineno})") from None
        columns = list(data.values()) if isinstance(data, dict) else []
        if columns and all(isinstance(c, list) for c in columns) and len({len(c) for c in columns}) == 1:
            return len(columns[0])
        return 1
    if first == "":
        return 0
    raise RowCountError(f"{path.name} holds neither a JSON array nor JSON objects")


def _count_csv(path: Path, delimiter: str) -> int:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        records = sum(1 for row in csv.reader(fh, delimiter=delimiter) if row and any(cell.strip() for cell in row))
    return max(records - 1, 0)  # the header
