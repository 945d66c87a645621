"""How many training examples a config's datasets hold, read from local files only.

Each training spec of the canonical ``datasets`` list (specs with role ``eval`` are held-out data
and never counted) is resolved to local files: ``data_files`` when given, else a ``path``
relative to the config's folder, then to the working directory (as tools launched from the
project root see it), or a LLaMA-Factory ``name`` looked up in ``<dataset_dir>/dataset_info.json``.
A folder counts every data file in it, or, when file names mark splits the way ``datasets``
infers them (``train``/``test``/``validation``...), the files of the requested split. Names that
are on no disk are Hub datasets: their size is unknown unless settings give it
(``dataset-sizes``).

Then the tool's own trimming: ``max_samples`` caps each dataset (LLaMA-Factory) or the whole set,
and ``val_size`` holds out a validation split as ``datasets.train_test_split`` does (a fraction is
rounded *up* for the held-out part; 1 or more is a count).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from ..files.reading import Budget, ReadRefused, inside, read_bounded, walk_files
from ..records import field, record
from ..files.safe_paths import kind
from .row_counts import MAX_DATA_BYTES, MAX_DATA_SECONDS, RowCountError, count_rows, is_data_file
from ..dialects.values import as_int, as_number

#: Words ``datasets`` reads as split names in data file and folder names.
SPLIT_WORDS = {
    "train": ("train", "training"),
    "validation": ("validation", "valid", "dev", "val"),
    "test": ("test", "testing", "eval", "evaluation"),
}
#: A split with a slice (``train[:10%]``); compiled by ``re`` on first use, as few configs slice.
_SLICE = r"^(?P<split>[\w.-]+)\[(?P<start>-?\d*%?):(?P<stop>-?\d*%?)\]$"
#: Files that sit beside data files but hold metadata.
_METADATA = {"dataset_info.json", "state.json", "dataset_dict.json"}
#: A dataset_info.json larger than this is not read.
MAX_INFO_BYTES = 16 * 1024 * 1024


@record
class DatasetCount:
    """One dataset spec: what was written, the rows found, and where or why not."""

    spec: str
    rows: int | None
    where: str

    def to_json(self) -> dict[str, Any]:
        return {"dataset": self.spec, "rows": self.rows, "source": self.where}


@record
class ExampleCount:
    num_examples: int | None
    source: str
    eval_examples: int | None = None
    datasets: list[DatasetCount] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _candidates(raw: str, config_dir: Path | None) -> list[Path]:
    path = Path(raw).expanduser()
    if path.is_absolute():
        return [path]
    bases = [config_dir] if config_dir is not None else []
    cwd = _scope.cwd if _scope is not None else Path.cwd()
    return [base / path for base in bases] + [cwd / path]


def _resolve(raw: str, config_dir: Path | None) -> Path | None:
    for candidate in _candidates(raw, config_dir):
        if kind(candidate) != "missing":
            return candidate
    return None


#: A dataset folder with more entries than this is not counted while linting.
MAX_FOLDER_FILES = 10_000


class _Scope:
    """What one config's count may read: a byte and time budget, and the folders it may walk."""

    def __init__(self, config_dir: Path | None, settings) -> None:
        self.budget = Budget(MAX_DATA_BYTES, MAX_DATA_SECONDS)
        self.anywhere = bool(getattr(settings, "read_data_outside", False))
        self._config_dir, self._settings = config_dir, settings
        self._cwd: Path | None = None

    @property
    def cwd(self) -> Path:
        """The working directory, asked once per count (most datasets are looked for there)."""
        if self._cwd is None:
            self._cwd = Path.cwd()
        return self._cwd

    @property
    def roots(self) -> list[Path]:
        """The folders a dataset folder may lie in; only a folder dataset needs them."""
        roots = [self.cwd]
        if self._config_dir is not None:
            roots.append(self._config_dir)
        if self._settings is not None and getattr(self._settings, "path", None) is not None:
            roots.append(self._settings.path.parent)
        return roots


_scope: _Scope | None = None


def _budget() -> Budget | None:
    return _scope.budget if _scope is not None else None


def _split_of(name: str) -> str | None:
    words = re.split(r"[\W_]+", name.lower())
    for split, keys in SPLIT_WORDS.items():
        if any(word in keys for word in words):
            return split
    return None


def _folder_files(folder: Path, split: str) -> list[Path]:
    scope = _scope or _Scope(None, None)
    if not scope.anywhere and not inside(folder, scope.roots):
        raise RowCountError(f"folder {folder} lies outside the project (the config's folder and the working "
                            "directory); not searched (set 'read-data-outside = true' in settings to allow)")
    try:
        files = [p for p in walk_files(folder, MAX_FOLDER_FILES, scope.budget)
                 if is_data_file(p) and p.name not in _METADATA]
    except ReadRefused as exc:
        raise RowCountError(str(exc)) from None
    marked = {p: _split_of(str(p.relative_to(folder).with_suffix(""))) for p in files}
    if any(marked.values()):
        return [p for p in files if marked[p] == split]
    return files if split == "train" else []


def _slice(rows: int, start: str, stop: str) -> int:
    def bound(text: str, default: int) -> int:
        if not text:
            return default
        if text.endswith("%"):
            value = int(round(int(text[:-1]) * rows / 100.0))
        else:
            value = int(text)
        if value < 0:
            value += rows
        return min(max(value, 0), rows)

    return max(bound(stop, rows) - bound(start, 0), 0)


def _count_path(raw: str, split: str | None, config_dir: Path | None, settings) -> DatasetCount:
    split_name, sliced = split or "train", None
    match = re.match(_SLICE, split_name.replace(" ", ""))
    if match:
        split_name, sliced = match["split"], (match["start"], match["stop"])
    found = _resolve(raw, config_dir)
    if found is None:
        hinted = settings.dataset_size_for(raw) if settings is not None else None
        if hinted is not None:
            return DatasetCount(raw, hinted, "from settings (dataset-sizes)")
        looks_hub = "/" in raw.strip("/") and not Path(raw).suffix and not raw.startswith((".", "/", "~"))
        reason = "a Hub dataset, not on disk" if looks_hub else "no such file or folder"
        return DatasetCount(raw, None, f"{reason}: size unknown")
    if kind(found) == "dir":
        files = _folder_files(found, split_name)
        if not files:
            return DatasetCount(raw, None, f"folder {found} has no '{split_name}' data files")
        rows = sum(count_rows(p, _budget()) for p in files)
        where = f"{len(files)} files in {found}" if len(files) > 1 else str(files[0])
    else:
        if split_name != "train":
            return DatasetCount(raw, None, f"{found} is one file, which loads as split 'train', not '{split_name}'")
        rows, where = count_rows(found, _budget()), str(found)
    if sliced is not None:
        rows = _slice(rows, *sliced)
        where += f" [{sliced[0]}:{sliced[1]}]"
    return DatasetCount(raw, rows, where)


def _count_named(entry: dict, config_dir: Path | None, settings) -> DatasetCount:
    """A LLaMA-Factory dataset: a name in ``<dataset_dir>/dataset_info.json``."""
    name = str(entry.get("name"))
    dataset_dir = str(entry.get("dataset_dir") or "data")
    folder = _resolve(dataset_dir, config_dir)
    if folder is None or kind(folder / "dataset_info.json") != "file":
        return DatasetCount(name, None, f"no {dataset_dir}/dataset_info.json found: size unknown")
    try:
        info = json.loads(read_bounded(folder / "dataset_info.json", MAX_INFO_BYTES).decode("utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        return DatasetCount(name, None, f"{folder / 'dataset_info.json'} cannot be read ({exc})")
    attrs = info.get(name) if isinstance(info, dict) else None
    if not isinstance(attrs, dict):
        return DatasetCount(name, None, f"'{name}' is not in {folder / 'dataset_info.json'}")
    if not attrs.get("file_name"):
        hub = attrs.get("hf_hub_url") or attrs.get("ms_hub_url") or attrs.get("om_hub_url") or attrs.get("script_url")
        if hub and settings is not None and settings.dataset_size_for(str(hub)) is not None:
            return DatasetCount(name, settings.dataset_size_for(str(hub)), "from settings (dataset-sizes)")
        return DatasetCount(name, None, f"a Hub dataset ({hub}), not on disk: size unknown" if hub
                            else f"'{name}' has no file_name in dataset_info.json")
    counted = _count_path(str(folder / attrs["file_name"]), attrs.get("split"), None, settings)
    counted.spec = name
    sampled = as_int(attrs.get("num_samples"))
    if counted.rows is not None and sampled is not None and sampled > 0:
        counted.rows, counted.where = sampled, f"{counted.where} (num_samples {sampled})"
    return counted


def _count_data_files(spec: dict, config_dir: Path | None, settings) -> DatasetCount:
    """``load_dataset(builder_or_folder, data_files=...)``: the listed files are the data."""
    files = spec["data_files"] if isinstance(spec["data_files"], list) else [spec["data_files"]]
    base = _resolve(str(spec["path"]), config_dir) if spec.get("path") else None
    total, found = 0, []
    for raw in files:
        counted = _count_path(str(base / raw) if base is not None and kind(base) == "dir" else str(raw), None, config_dir,
                              settings)
        if counted.rows is None:
            return DatasetCount(str(raw), None, counted.where)
        total += counted.rows
        found.append(counted.where)
    return DatasetCount(", ".join(str(f) for f in files), total, found[0] if len(found) == 1 else f"{len(found)} files")


def count_dataset(spec: Any, config_dir: Path | None, settings=None) -> DatasetCount:
    if isinstance(spec, str):
        spec = {"path": spec}
    if not isinstance(spec, dict):
        return DatasetCount(str(spec), None, "not a dataset entry the plan can read")
    try:
        if spec.get("data_files"):
            return _count_data_files(spec, config_dir, settings)
        if spec.get("dataset_info"):
            return DatasetCount(str(spec["dataset_info"]), None, "datasets listed in a dataset_info file: size unknown")
        if spec.get("path"):
            return _count_path(str(spec["path"]), spec.get("split"), config_dir, settings)
        if spec.get("name"):
            return _count_named(spec, config_dir, settings)
    except RowCountError as exc:
        return DatasetCount(str(spec.get("path") or spec.get("name")), None, str(exc))
    return DatasetCount(str(spec), None, "entry names no path")


def held_out(val_size: float, rows: int) -> int:
    """Examples ``train_test_split`` puts in the validation split."""
    if val_size >= 1:
        return min(int(val_size), rows)
    return min(math.ceil(val_size * rows), rows)


def count_examples(datasets: Any, config_dir: Path | None, *, max_samples: Any = None, cap_each: bool = False,
                   val_size: Any = None, settings=None) -> ExampleCount:
    """Training examples after caps and the validation split, or None with the reason."""
    global _scope
    specs = datasets if isinstance(datasets, list) else [datasets]
    specs = [s for s in specs if s and not (isinstance(s, dict) and s.get("role") == "eval")]
    _scope = _Scope(config_dir, settings)
    try:
        counts = [count_dataset(spec, config_dir, settings) for spec in specs]
    finally:
        _scope = None
    if not counts:
        return ExampleCount(None, "unknown: the config names no dataset")
    unknown = [c for c in counts if c.rows is None]
    if unknown:
        first = unknown[0]
        return ExampleCount(None, f"unknown: dataset '{first.spec}': {first.where}", datasets=counts)
    notes: list[str] = []
    cap = as_int(max_samples)
    rows = [c.rows for c in counts]
    if cap is not None and cap > 0:
        if cap_each:
            if any(r > cap for r in rows):
                notes.append(f"max_samples {cap} caps each dataset")
            rows = [min(r, cap) for r in rows]
        elif sum(rows) > cap:
            notes.append(f"max_samples {cap} caps the training set")
            rows = [cap]
    total = sum(rows)
    where = counts[0].where if len(counts) == 1 else f"{len(counts)} datasets"
    source = f"dataset {where} ({sum(c.rows for c in counts)} rows)"
    held = None
    fraction = as_number(val_size)
    if fraction is not None and fraction > 0:
        held = held_out(fraction, total)
        notes.append(f"val_size {fraction:g} holds out {held} of {total} examples for evaluation")
        total -= held
    if notes:
        source += "; " + "; ".join(notes)
    return ExampleCount(total, source, held, counts, notes)
