"""The keys each training tool accepts, with the YAML kinds of their values, and the keys that
newer releases removed or renamed: snapshots of the tools' own schemas kept as data.

The JSON files in ``schemas_data/`` are written by ``scripts/snapshot_schemas.py`` from the
installed transformers, TRL and PEFT and from axolotl's, LLaMA-Factory's and Unsloth's released
sources; nothing here imports those packages. Files load once, on first use.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from ..records import field, record


@lru_cache(maxsize=None)
def load(name: str) -> dict:
    """One snapshot (``transformers``, ``trl``, ``peft``, ``axolotl``, ``llamafactory``, ``unsloth``),
    read once per process: rules ask for the same tables for every file. Callers only read it."""
    text = (Path(__file__).parent / "schemas_data" / f"{name}.json").read_text(encoding="utf-8")
    return json.loads(text)


def version(text: str | None) -> tuple[int, ...]:
    """``"5.17.0"`` -> (5, 17, 0); anything unreadable counts as the newest release."""
    parts = re.findall(r"\d+", text or "")[:3]
    return tuple(int(p) for p in parts) if parts else (999,)


@record(frozen=True)
class Removal:
    """A key the tool no longer accepts from release ``since`` of ``package`` (None: any release)."""

    key: str
    package: str
    since: str | None
    to: str | None
    #: True when the value carries over unchanged to ``to`` (``warmup_ratio`` -> ``warmup_steps``).
    keeps_value: bool = True


@record(frozen=True)
class KeySchema:
    #: dotted key -> the YAML kinds its value may have (``["any"]`` when not checked)
    keys: dict[str, tuple[str, ...]]
    removed: dict[str, Removal] = field(default_factory=dict)
    #: sections whose keys are listed as ``section.key`` (nested configs such as Unsloth's)
    sections: frozenset[str] = frozenset()

    def knows(self, dotted: str) -> bool:
        return dotted in self.keys


def _kinds(classes: dict, *names: str) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for name in names:
        for key, entry in classes.get(name, {}).items():
            out.setdefault(key, tuple(entry.get("type", ("any",))))
    return out


def _removals(package: str) -> dict[str, Removal]:
    data = load(package)
    return {k: Removal(k, package, v.get("since"), v.get("to")) for k, v in data.get("removed", {}).items()}


@lru_cache(maxsize=None)
def for_dialect(name: str) -> KeySchema | None:
    """The schema of the built-in dialect ``name``, or None for dialects without a snapshot."""
    if name == "axolotl":
        classes = load("axolotl")["classes"]
        deprecated = load("axolotl").get("deprecated", {})
        removed = {k: Removal(k, "axolotl", None, to) for k, to in deprecated.items() if to}
        removed.update({k: Removal(k, "axolotl", v.get("since"), v.get("to"))
                        for k, v in load("axolotl").get("dropped", {}).items()})
        return KeySchema(_kinds(classes, *classes), removed)
    transformers = load("transformers")["classes"]
    if name == "hf":
        return KeySchema(_kinds(transformers, "TrainingArguments", "Seq2SeqTrainingArguments"),
                         _removals("transformers"))
    if name == "trl":
        trl = load("trl")["classes"]
        keys = _kinds(trl, *trl)
        keys.update(_kinds(transformers, "TrainingArguments"))
        return KeySchema(keys, {**_removals("transformers"), **_removals("trl")})
    if name == "llamafactory":
        classes = load("llamafactory")["classes"]
        keys = _kinds(classes, *classes)
        for k, v in _kinds(transformers, "TrainingArguments", "Seq2SeqTrainingArguments").items():
            keys.setdefault(k, v)
        return KeySchema(keys, _removals("transformers"))
    if name == "unsloth":
        classes = load("unsloth")["classes"]
        keys = dict(_kinds(classes, ""))
        for section, entries in classes.items():
            if section:
                keys[section] = ("dict",)
                keys.update({f"{section}.{k}": tuple(v["type"]) for k, v in entries.items()})
        return KeySchema(keys, {}, frozenset(s for s in classes if s))
    return None


def target_version(settings, package: str, dialect: str | None = None, where: Path | str | None = None) -> tuple[int, ...]:
    """The release of ``package`` the configs are written for: the ``target-<package>`` setting,
    else the newest release that both the project around ``where`` (a config's path) and the
    dialect's tool allow (LLaMA-Factory pins transformers), else the newest release of all."""
    return _target(settings, package, dialect, where)[0]


def _target(settings, package: str, dialect: str | None, where) -> tuple[tuple[int, ...], str]:
    """(the targeted release, how to name it in a message)."""
    wanted = getattr(settings, f"target_{package}", None)
    if wanted:
        return version(wanted), f"{package} {wanted}"
    best: tuple[int, ...] = (999,)
    shown = f"the newest {package}"
    tool = newest_allowed(dialect, package) if dialect else None
    if tool:
        best, shown = tool, f"{package} {'.'.join(map(str, tool))} (the newest {dialect} allows)"
    if where is not None:
        from .project_pins import pins_for

        pins = pins_for(settings, where)
        pin = pins.pin(package)
        if pin is not None and pin.newest < best:
            best, shown = pin.newest, f"{pin.requirement}, pinned in {pin.where(pins.root)}"
    return best, shown


def newest_allowed(dialect: str, package: str) -> tuple[int, ...] | None:
    """The upper bound the tool's own requirements put on ``package`` (``<=5.8.0`` -> (5, 8, 0))."""
    try:
        spec = load(dialect).get("requires", {}).get(package, "")
    except (FileNotFoundError, ModuleNotFoundError):
        return None
    for part in spec.split(","):
        part = part.strip()
        if part.startswith("<="):
            return version(part[2:])
        if part.startswith("<") and not part.startswith("<="):
            upper = version(part[1:])
            return upper[:-1] + (upper[-1] - 1,) if upper[-1] > 0 else upper[:-1] + (999,) if len(upper) > 1 else upper
    return None


def shown_target(settings, package: str, dialect: str | None = None, where: Path | str | None = None) -> str:
    """How to name the targeted release in a message."""
    return _target(settings, package, dialect, where)[1]


def removed_in_target(removal: Removal, settings, dialect: str | None = None, where: Path | str | None = None) -> bool:
    """True when the targeted release of the removal's package no longer accepts the key."""
    if removal.since is None:
        return True
    return target_version(settings, removal.package, dialect, where) >= version(removal.since)
