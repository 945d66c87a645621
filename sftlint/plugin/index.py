"""Finding the ``sftlint`` entry points of the installed distributions, with a small cache.

Asking :mod:`importlib.metadata` for one entry-point group imports it (email parsing, zipfile and
more) and reads the ``entry_points.txt`` of every installed distribution: with torch, transformers
and their ~150 dependencies that is a large share of a one-file ``sftlint check``. The answer only
changes when a distribution is installed, removed or upgraded, and each of those creates or removes
a ``*.dist-info`` folder, which changes the modification time of the folder on ``sys.path`` that
holds it. So the entry points found are stored with those times (and the times of the
``entry_points.txt`` files that declared them) and reused while every time still matches.

The cache lives in ``$SFTLINT_CACHE_DIR``, else ``$XDG_CACHE_HOME/sftlint``, else
``~/.cache/sftlint``; never in the working directory. A cache that cannot be read or written is
simply not used. ``SFTLINT_NO_CACHE=1`` turns it off.

The working directory is never searched: a ``*.dist-info`` folder lying there is not installed.
"""

from __future__ import annotations

import json
import os
import sys
import zlib
from pathlib import Path

CACHE_VERSION = 1


def search_path() -> list[str]:
    """``sys.path`` without the working directory (``''``, ``'.'`` or its absolute path)."""
    try:
        cwd = os.path.realpath(os.getcwd())
    except OSError:  # the working directory was deleted
        cwd = None
    out = []
    for entry in sys.path:
        if entry in ("", ".") or (cwd is not None and os.path.realpath(entry) == cwd):
            continue
        out.append(entry)
    return out


def cache_dir() -> Path:
    explicit = os.environ.get("SFTLINT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base, "sftlint")


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return -1


def _scan(group: str, path: list[str]) -> tuple[list[list[str]], list[str]]:
    """Entry points of ``group`` as [name, value] pairs, and the files that declared them."""
    from importlib.metadata import distributions

    found: list[list[str]] = []
    sources: list[str] = []
    seen_dists: set[str] = set()
    for dist in distributions(path=path):
        dist_name = getattr(dist, "_normalized_name", None) or (dist.metadata["Name"] or "").lower()
        if dist_name in seen_dists:  # the first on the path shadows later copies, as imports do
            continue
        seen_dists.add(dist_name)
        eps = [ep for ep in dist.entry_points if ep.group == group]
        if not eps:
            continue
        found.extend([ep.name, ep.value] for ep in eps)
        location = getattr(dist, "_path", None)
        if location is not None:
            sources.append(os.fspath(Path(location, "entry_points.txt")))
    return found, sources


def _stamps(path: list[str], sources: list[str]) -> list[int]:
    return [_mtime(p) for p in path] + [_mtime(s) for s in sources]


def _cache_key(group: str, path: list[str]) -> list:
    return [CACHE_VERSION, group, sys.version, sys.executable, path]


def _cache_file(group: str, path: list[str]) -> Path:
    # The name only spreads interpreters over files; the key stored inside is what is compared.
    # (zlib rather than hashlib: importing hashlib costs more than the whole cache saves on it.)
    key = json.dumps(_cache_key(group, path)).encode()
    return cache_dir() / f"entry-points-{zlib.crc32(key):08x}{zlib.adler32(key):08x}.json"


def _read_cache(file: Path, group: str, path: list[str]) -> list[list[str]] | None:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        if data["key"] == _cache_key(group, path) and data["stamps"] == _stamps(path, data["sources"]):
            return [[str(name), str(value)] for name, value in data["entry_points"]]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def _write_cache(file: Path, group: str, path: list[str], found: list[list[str]], sources: list[str]) -> None:
    payload = json.dumps({"key": _cache_key(group, path), "stamps": _stamps(path, sources), "sources": sources,
                          "entry_points": found})
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        import tempfile  # only when the cache is rewritten

        fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=".entry-points-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(payload)
            os.replace(tmp, file)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass  # read-only or missing cache folder: work without a cache


def entry_points(group: str) -> list[tuple[str, str]]:
    """``(name, "module:attr")`` for each entry point of ``group``, in ``sys.path`` order."""
    path = search_path()
    if os.environ.get("SFTLINT_NO_CACHE"):
        return [tuple(pair) for pair in _scan(group, path)[0]]
    file = _cache_file(group, path)
    cached = _read_cache(file, group, path)
    if cached is None:
        cached, sources = _scan(group, path)
        _write_cache(file, group, path, cached, sources)
    return [(name, value) for name, value in cached]


def load_reference(value: str):
    """Import the object an entry point names (``pkg.mod`` or ``pkg.mod:attr.sub [extra]``)."""
    import importlib

    module_name, _, attrs = value.split("[", 1)[0].strip().partition(":")
    obj = importlib.import_module(module_name.strip())
    for attr in filter(None, attrs.strip().split(".")):
        obj = getattr(obj, attr)
    return obj
