"""What sftlint knows about a base model's architecture, without loading it: its module names,
how many positions it has, and whether it needs its own code.

Read from the model's ``config.json`` when the config names a local folder, else from a built-in
table of common model ids (``schemas_data/architectures.json``, kept as data, each position limit
with the publisher's source it was read from). A mirror's copy of a listed model (``unsloth/``,
with or without a ``-bnb-4bit`` suffix) is that model. A model in neither is unknown, and the
rules that need an architecture say nothing about it. Nothing here imports transformers.
"""

from __future__ import annotations

import json
import os
import stat
import weakref
from pathlib import Path
from typing import Any

from ..files.inputs import note
from ..records import record
from .key_snapshots import load

#: Keys that hold a model's position limit in config.json, in the order transformers models use them.
POSITION_KEYS = ("max_position_embeddings", "n_positions", "max_sequence_length", "seq_length", "n_ctx")
#: A config.json larger than this is not a model config.
MAX_CONFIG_BYTES = 4 * 1024 * 1024


@record(frozen=True)
class Architecture:
    """A base model as far as sftlint knows it; None in a field means not known."""

    model: str
    model_type: str | None
    #: names of the layers LoRA can adapt (PEFT matches target_modules against their last part)
    modules: frozenset[str] | None
    max_positions: int | None
    #: "learned" (an embedding table: a longer sequence fails), "rotary", "alibi" or None
    position_kind: str | None
    #: the architecture name when the model needs its own code (trust_remote_code)
    remote_code: str | None
    #: where this came from, for messages: "its config.json" or "sftlint's table of common models"
    source: str
    #: the table entry's first-party source ("repo@commit:path"), when the limit came from one
    reference: str | None = None
    #: the table's model id this one was matched to, when it is a mirror's copy under another name
    alias_of: str | None = None


def describe(config) -> Architecture | None:
    """The architecture of the config's base model, or None when it is not known."""
    model = config.value("base_model")
    if not isinstance(model, str) or not model.strip():
        return None
    model = model.strip()
    last = _last.get("config")
    if last is not None and last() is config and _last["model"] == model:  # another rule, the same config
        for path in _last["looked"]:
            note(path)
        return _last["answer"]
    looked: list[str] = []
    answer = _describe(model, _local_config(model, config.document.path, looked))
    try:
        _last.update(config=weakref.ref(config), model=model, looked=looked, answer=answer)
    except TypeError:  # an object that cannot be referred to weakly is simply not remembered
        _last.clear()
    return answer


#: The config last described, its model, the paths looked at and the answer: the rules that need
#: an architecture ask in a row about the same config, and each answer costs system calls.
_last: dict[str, Any] = {}


def _describe(model: str, local: dict[str, Any] | None) -> Architecture | None:
    table = load("architectures")
    if local is not None:
        model_type = local.get("model_type") if isinstance(local.get("model_type"), str) else None
        positions = next((local[k] for k in POSITION_KEYS if isinstance(local.get(k), int) and local[k] > 0), None)
        known = table["model_types"].get(model_type or "")
        if positions is None and known and not any(k in local for k in POSITION_KEYS):
            positions = known.get("default_positions")  # transformers fills a missing key with its class default
        remote = model_type if model_type in set(table["remote_code"].values()) else None
        return Architecture(model, model_type, _modules(known), positions, known.get("positions") if known else None,
                            remote, "its config.json")
    key = table_id(model, table)
    entry = table["models"].get(key) if key else None
    remote = table["remote_code"].get(key or model.lower())
    if entry is None and remote is None:
        return None
    model_type = entry.get("model_type") if entry else remote
    known = table["model_types"].get(model_type or "")
    source = table["sources"].get(entry.get("source", "")) if entry else None
    reference = f"{source['site']}/{source['repo']}@{source['commit'][:12]}:{source['path']}" if source else None
    alias = key if key != model.lower() else None
    where = f"sftlint's table of common models, as a copy of '{alias}'" if alias else "sftlint's table of common models"
    return Architecture(model, model_type, _modules(known), entry.get("max_positions") if entry else None,
                        known.get("positions") if known else None, remote, where, reference, alias)


def table_id(model: str, table: dict) -> str | None:
    """The table's id for a Hub model id, or None when the table does not list it.

    Ids are matched without case, as the Hub matches them. A copy on a mirror organisation
    (``unsloth/Meta-Llama-3.1-8B-bnb-4bit``) is the original it copies: its quantisation suffix
    and, failing that, a dropped ``meta-`` prefix are restored, and the name must belong to
    one listed model (or copies that agree), so a name two publishers share stays unknown.
    """
    key = model.lower()
    if key in table["models"] or key in table["remote_code"]:
        return key
    org, _, name = key.rpartition("/")
    for suffix in table["quantized_suffixes"]:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    if org and f"{org}/{name}" in table["models"]:
        return f"{org}/{name}"
    if org not in table["mirrors"]:
        return None
    for candidate in (name, f"meta-{name}"):
        matches = sorted((k for k, e in table["models"].items() if k.rpartition("/")[2] == candidate),
                         key=lambda k: "source" not in table["models"][k])
        facts = {(table["models"][k].get("model_type"), table["models"][k].get("max_positions")) for k in matches}
        if len(facts) == 1:
            return matches[0]  # one model, or copies of it under several names that agree
        if matches:
            return None
    return None


def _modules(known: dict | None) -> frozenset[str] | None:
    return frozenset(known["modules"]) | frozenset(known.get("embeddings", ())) if known else None


def _local_config(model: str, config_path: Path, looked: list[str]) -> dict[str, Any] | None:
    """The parsed config.json of a model given as a local folder, or None (a Hub id, or unreadable);
    the paths looked at are added to ``looked``."""
    if "://" in model:
        return None
    # plain strings, and the working directory's candidate left relative for the system to resolve:
    # every config asks, and most of them name a Hub id that is no folder at all
    candidates = [model] if os.path.isabs(model) else [os.path.join(os.path.dirname(config_path), model), model]
    for folder in candidates:
        path = os.path.join(folder, "config.json")
        note(path)  # pytest --sftlint's cache: a config.json that appears or changes counts
        looked.append(path)
        try:
            info = os.stat(path)
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_CONFIG_BYTES:
                continue
            with open(path, encoding="utf-8") as fh:
                data = json.loads(fh.read())
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            return data
    return None
