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

import io
import json
import os
import stat
from pathlib import Path

from ..files.reading import Budget, ReadRefused, open_metered, open_regular
from .parquet_footer import ParquetError, parquet_num_rows

JSON_LINES = {".jsonl", ".ndjson"}
SUFFIXES = JSON_LINES | {".json", ".csv", ".tsv", ".parquet", ".txt"}
#: A JSON array must be parsed whole; past this size the count is left unknown rather than slow.
MAX_JSON_ARRAY_BYTES = 512 * 1024 * 1024

#: What counting the data of one config may read, at most: past it the size is unknown.
MAX_DATA_BYTES = 4 * 1024**3
MAX_DATA_SECONDS = 20.0

_cache: dict[tuple[str, int, int], int] = {}
_budget = Budget(MAX_DATA_BYTES, MAX_DATA_SECONDS)


def _open(path: Path) -> io.BufferedReader:
    """The file, read through the budget of the count in progress."""
    return open_metered(path, _budget)


class RowCountError(ValueError):
    """The rows of a file cannot be counted; the message says why, for the plan's notes."""


def is_data_file(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES and not path.name.startswith(".")


def count_rows(path: Path, budget: Budget | None = None) -> int:
    """Rows ``datasets`` would load from ``path``; raises :class:`RowCountError`.

    Only a regular file is read (a link to ``/dev/zero`` or a FIFO is refused), and every byte read
    is charged to ``budget`` (by default :data:`MAX_DATA_BYTES` and :data:`MAX_DATA_SECONDS`).
    """
    from ..files.inputs import note

    note(path)  # counted once per process, but every config that counts it depends on it
    try:
        info = os.stat(path)
    except (OSError, ValueError) as exc:
        raise RowCountError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        try:
            open_regular(path).close()
        except ReadRefused as exc:
            raise RowCountError(f"{path} is {exc}") from None
    key = (os.path.realpath(path), info.st_size, info.st_mtime_ns)
    if key not in _cache:
        _cache[key] = _count(path, info.st_size, budget or Budget(MAX_DATA_BYTES, MAX_DATA_SECONDS))
    return _cache[key]


def _count(path: Path, size: int, budget: Budget) -> int:
    suffix = path.suffix.lower()
    global _budget
    _budget = budget  # the readers below open through _open, which charges it
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
            with _open(path) as fh:
                return sum(1 for _ in fh)
    except ParquetError as exc:
        raise RowCountError(f"{path.name}: {exc}") from None
    except ReadRefused as exc:
        raise RowCountError(f"{path.name}: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RowCountError(f"cannot read {path}: {exc}") from None
    except RecursionError:
        raise RowCountError(f"{path.name} nests too deeply to count") from None
    except ValueError as exc:  # e.g. an integer of over 4,300 digits in a JSON file
        raise RowCountError(f"{path.name} cannot be counted ({str(exc)[:80]})") from None
    raise RowCountError(f"{path.name}: rows of '{suffix}' files are not counted")


def _count_nonblank_lines(path: Path) -> int:
    with _open(path) as fh:
        return sum(1 for line in fh if line.strip())


def _first_char(path: Path) -> str:
    with _open(path) as fh:
        head = fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head[:1].decode("ascii", "replace")


def _count_json(path: Path, size: int) -> int:
    first = _first_char(path)
    if first == "[":
        if size > MAX_JSON_ARRAY_BYTES:
            raise RowCountError(f"{path.name} is a {size // 2**20} MiB JSON array; too large to count while linting")
        try:
            data = json.loads(_read_text(path))
        except json.JSONDecodeError as exc:
            raise RowCountError(f"{path.name} is not valid JSON ({exc.msg}, line {exc.lineno})") from None
        if isinstance(data, list):
            return len(data)
    if first == "{":
        text = _read_text(path)
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


def _read_text(path: Path) -> str:
    with _open(path) as fh:
        return fh.read().decode("utf-8-sig")


def _count_csv(path: Path, delimiter: str) -> int:
    import csv  # only for a CSV dataset

    try:
        with io.TextIOWrapper(_open(path), newline="", encoding="utf-8-sig") as fh:
            records = sum(1 for row in csv.reader(fh, delimiter=delimiter) if row and any(cell.strip() for cell in row))
    except csv.Error as exc:
        raise RowCountError(f"cannot read {path}: {exc}") from None
    return max(records - 1, 0)  # the header
