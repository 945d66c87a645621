"""Run folders that never mix two runs.

Everything a verdict reads (``worker.json``, ``metrics.jsonl``, ``trainer_args.json``) lives in the
run folder, so a folder that still holds an earlier run's files could make a run that never
trained report the earlier one's steps. The default folder is new for every run; a folder the
user names must be empty, or be an earlier run's folder and ``overwrite`` be asked for, in which
case its contents are removed before anything is written. A folder that holds other files is never
emptied.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

#: A folder holding one of these was written by a run.
RUN_MARKERS = ("recipe.json", "summary.json", "worker.json", "metrics.jsonl")


class RunFolderError(ValueError):
    """The folder cannot take this run; the message says what to do."""


def default_folder(name: str, mode: str, backend: str, root: Path = Path(".runs")) -> Path:
    """A folder no earlier run used: ``.runs/<config>-<mode>-<backend>-<time>[-N]``."""
    stem = f"{Path(name).stem}-{mode}-{backend}-{time.strftime('%Y%m%d-%H%M%S')}"
    candidate, n = root / stem, 1
    while candidate.exists():
        n += 1
        candidate = root / f"{stem}-{n}"
    return candidate


def is_run_folder(folder: Path) -> bool:
    return any((folder / marker).exists() for marker in RUN_MARKERS)


def check_folder(folder: Path, overwrite: bool) -> None:
    """Raise :class:`RunFolderError` unless ``folder`` can take a new run."""
    if not folder.exists():
        return
    if not folder.is_dir():
        raise RunFolderError(f"{folder}: not a folder; --output-dir names the folder a run writes to")
    entries = sorted(p.name for p in folder.iterdir())
    if not entries:
        return
    if not is_run_folder(folder):
        raise RunFolderError(f"{folder} holds files that are not a run's ({', '.join(entries[:3])}"
                             f"{', ...' if len(entries) > 3 else ''}); choose an empty or new --output-dir")
    if not overwrite:
        raise RunFolderError(f"{folder} holds an earlier run; choose a new --output-dir, or pass --overwrite "
                             "to remove its contents first")


def prepare_folder(folder: Path, overwrite: bool) -> Path:
    """Check ``folder``, empty it if it held an earlier run and ``overwrite`` is set, and create it."""
    check_folder(folder, overwrite)
    if folder.exists():
        for entry in folder.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    return folder.resolve()
