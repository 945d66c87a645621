"""Where the corpus of real configs is, so that the corpus tests run everywhere and never skip.

``SFTLINT_CORPUS`` names it when set (it must then exist); else the full corpus beside the
checkout (``../shared/corpus``) is used when present; else the sample committed in
``tests/data/corpus-sample`` (34 of the same real files, with their sources). :data:`IS_SAMPLE`
tells a test that needs every file which one it got.
"""

from __future__ import annotations

import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
FULL = HERE.parents[1] / "shared" / "corpus"
SAMPLE = HERE / "data" / "corpus-sample"


def _root() -> Path:
    named = os.environ.get("SFTLINT_CORPUS")
    if named:
        path = Path(named)
        if not path.is_dir():
            raise RuntimeError(f"SFTLINT_CORPUS={named!r} is not a folder")
        return path
    return FULL if FULL.is_dir() else SAMPLE


CORPUS = _root()
IS_SAMPLE = CORPUS == SAMPLE
#: Every config in the corpus, sorted.
FILES = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".yaml", ".yml", ".json"))
assert FILES, f"no configs in the corpus at {CORPUS}"
