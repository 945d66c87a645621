"""Evidence for detection: which tools know which keys, and how much a key says about the tool.

A key every trainer accepts (``learning_rate``) says nothing about which tool a file is written for;
a key only one tool accepts (``sequence_len``) says a lot. So an adapter scores a file by the keys
its tool knows, each weighted by how few of the built-in tools share it, adds a bonus for the
tool's hallmark keys, and scales the sum by the share of the file's keys the tool knows at all: a
file full of keys the tool would reject is not that tool's config, whatever else it holds.

The key lists are data (``known_keys/*.json``, with their provenance in that folder's README).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from ..document import Document, Mapping
from .base import Detection
from .top_level import top_level, top_level_keys  # noqa: F401 (top_level_keys is imported from here too)

#: The built-in dialects whose key lists decide how telling a key is.
BUILTIN = ("axolotl", "llamafactory", "trl", "hf", "unsloth")


@lru_cache(maxsize=None)
def _load(name: str) -> dict:
    # read beside this module rather than through importlib.resources, whose import alone costs
    # more than the whole file read (it pulls in zipfile)
    text = (Path(__file__).parent / "known_keys" / f"{name}.json").read_text(encoding="utf-8")
    return json.loads(text)


@lru_cache(maxsize=None)
def known_keys(name: str) -> frozenset[str]:
    """Every top-level key the tool ``name`` accepts, from ``known_keys/<name>.json``."""
    return frozenset(_load(name)["keys"])


@lru_cache(maxsize=None)
def known_sections(name: str) -> dict[str, frozenset[str]]:
    """For nested formats: the keys each top-level section accepts."""
    return {section: frozenset(keys) for section, keys in _load(name).get("sections", {}).items()}


@lru_cache(maxsize=None)
def _weights() -> dict[str, float]:
    """Each key's weight (see :func:`key_weight`), for the keys that weigh anything: built once,
    on the first detection, rather than counted per key per file."""
    counts: dict[str, int] = {}
    for name in BUILTIN:
        for key in known_keys(name):
            counts[key] = counts.get(key, 0) + 1
    return {key: {1: 1.0, 2: 0.5}[n] for key, n in counts.items() if n <= 2}


def key_weight(key: str) -> float:
    """1 for a key one built-in tool knows, 0.5 for two, 0 for keys most trainers share."""
    return _weights().get(key, 0.0)


# Per dialect name: (hallmarks, known, table) with the table of :func:`_weight_table`; the same two
# objects (a dialect's class attributes) come with every file, so the table is built once.
_tables: dict[str, tuple[dict[str, float], frozenset[str], dict[str, float]]] = {}


def _weight_table(name: str, hallmarks: dict[str, float], known: frozenset[str]) -> dict[str, float]:
    """Every key the tool knows or has as a hallmark, with its weight plus its hallmark bonus."""
    entry = _tables.get(name)
    if entry is None or entry[0] is not hallmarks or entry[1] is not known:
        weights = _weights()
        table = {key: weights.get(key, 0.0) + hallmarks.get(key, 0.0) for key in (*known, *hallmarks)}
        entry = _tables[name] = (hallmarks, known, table)
    return entry[2]


def score_by_keys(
    name: str,
    title: str,
    document: Document,
    hallmarks: dict[str, float],
    known: frozenset[str] | None = None,
) -> Detection:
    """Score ``document`` for the dialect ``name`` from its top-level keys.

    ``hallmarks`` maps keys that mark the tool to a bonus added when the key is present.
    """
    top = top_level(document)
    keys = top.keys
    if not keys:
        return Detection(name, 0.0, ["no keys"])
    known = known_keys(name) if known is None else known
    table = _weight_table(name, hallmarks, known)
    mine = [key for key in keys if key in table]
    # (-weight, position among the tool's keys, key): sorts heaviest first, in file order on ties
    telling = sorted([(-table[key], i, key) for i, key in enumerate(mine)])
    share = len(telling) / len(keys)
    evidence = sum([-negative for negative, _, _ in telling])
    score = round(evidence * share, 2)
    reasons = []
    named = [k for negative, _, k in telling if negative < 0][:3]
    if named:
        reasons.append(f"{_keys_phrase(named)} {title}'s")
    reasons.append(f"{len(telling)} of {len(keys)} top-level keys are known to {title}")
    return Detection(name, score, reasons)


def _keys_phrase(keys: Iterable[str]) -> str:
    keys = list(keys)
    return f"key {keys[0]} is" if len(keys) == 1 else f"keys {', '.join(keys)} are"


def section(document: Document, name: str) -> Mapping | None:
    """The top-level mapping ``name``, or None when it is missing or not a mapping."""
    node = document.root.get(name)
    return node if isinstance(node, Mapping) else None


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Optimal-string-alignment distance (a swap of two neighbours counts once), capped at ``limit``."""
    if abs(len(a) - len(b)) >= limit:
        return limit
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) >= limit:
            return limit
        previous2, previous = previous, current
    return min(previous[-1], limit)


def _letters(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for char in text:
        counts[char] = counts.get(char, 0) + 1
    return counts


def _letters_apart(a: dict[str, int], b: dict[str, int], limit: int) -> bool:
    """Whether more than ``limit`` letters of one word are missing from the other.

    Each edit (insert, delete, substitute, swap) changes that number by at most one, so such a pair
    is more than ``limit`` edits apart: a cheap test that spares most distance computations."""
    missing = 0
    for char, n in a.items():
        missing += max(n - b.get(char, 0), 0)
        if missing > limit:
            return True
    missing = 0
    for char, n in b.items():
        missing += max(n - a.get(char, 0), 0)
        if missing > limit:
            return True
    return False


def _letter_bits(text: str) -> int:
    """The letters of ``text`` as bits of one integer (folded onto 64 bits): a word's letters that
    the other lacks show as bits it lacks, or fewer (a fold can only hide a letter)."""
    bits = 0
    for char in text:
        bits |= 1 << (ord(char) & 63)
    return bits


@lru_cache(maxsize=64)
def _by_length(known: frozenset[str]) -> dict[int, list[tuple[str, dict[str, int], int]]]:
    """The known keys by length, each with its letter counts and letter bits (a key list is met
    again and again)."""
    out: dict[int, list[tuple[str, dict[str, int], int]]] = {}
    for candidate in sorted(known):
        out.setdefault(len(candidate), []).append((candidate, _letters(candidate), _letter_bits(candidate)))
    return out


def near_miss(key: str, known: Iterable[str]) -> str | None:
    """The known key ``key`` is a typo of: one edit away (two for keys of 8 letters or more)."""
    allowed = 2 if len(key) >= 8 else 1
    if not isinstance(known, frozenset):
        known = frozenset(known)
    letters: dict[str, int] | None = None  # counted only for a candidate that passes the bits
    bits = _letter_bits(key)
    best, best_distance = None, allowed + 1
    index = _by_length(known)
    candidates = [c for n in range(len(key) - allowed, len(key) + allowed + 1) for c in index.get(n, ())]
    for candidate, counts, other in candidates:
        # distinct letters missing on either side: a lower bound of _letters_apart's count, in two
        # integer operations, which turns most candidates away before any loop over letters
        if (bits & ~other).bit_count() > allowed or (other & ~bits).bit_count() > allowed:
            continue
        if letters is None:
            letters = _letters(key)
        if _letters_apart(letters, counts, allowed):
            continue
        distance = edit_distance(key, candidate, allowed + 1)
        if distance < best_distance:
            best, best_distance = candidate, distance
    return best


@lru_cache(maxsize=4096)
def _near_miss_of(key: str, known: frozenset[str]) -> str | None:
    """:func:`near_miss` remembered: the same keys meet the same key lists in every file of a
    folder and at every keystroke in an editor, and each answer costs hundreds of distances."""
    return near_miss(key, known)


def foreign_keys(document: Document, known: frozenset[str]) -> list[str]:
    """Top-level keys that are neither known to the tool nor a typo of a key it knows."""
    return [k for k in top_level(document).plain if k not in known and _near_miss_of(k, known) is None]
