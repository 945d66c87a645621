"""Small helpers the built-in rule families share: reading numbers, naming keys, building fixes."""

from __future__ import annotations

from typing import Any, Callable, Hashable, TypeVar

from sftlint.config.canonical import Setting, TrainingConfig
from sftlint.document import Mapping, Scalar
from sftlint.lint.edits import format_scalar, insert_entry, set_value
from sftlint.lint.findings import Applicability, Fix

T = TypeVar("T")


#: The attribute of a document or config that holds what :func:`per_file` computed for it.
MEMO = "_rule_memo"


def per_file(owner: Any, name: Hashable, build: Callable[[], T]) -> T:
    """``build()``, computed once per linted file and shared by the rules that ask for it under
    ``name``: each rule gets its own context, but all of them the same document and config.

    ``owner`` is that document or config (a fix re-reads the file into new ones, so nothing
    outlives the text it was computed from); ``name`` must say everything the value depends on
    besides ``owner``."""
    memo = owner.__dict__.get(MEMO)
    if memo is None:
        memo = owner.__dict__[MEMO] = {}
    if name not in memo:
        memo[name] = build()
    return memo[name]


def number(value: Any) -> float | None:
    """``value`` as a number, or None for anything else (booleans and strings included)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def fmt(value: float) -> str:
    """A number as people write it in configs: ``0.0002``, ``2e-05``, ``16``."""
    return f"{value:g}"


def key_name(config: TrainingConfig, setting: Setting | None, field: str) -> str:
    """The dialect's own key for a field, dotted (``training.learning_rate``)."""
    if setting is not None and setting.key_path:
        return ".".join(setting.key_path)
    path = config.dialect.key_path(field)
    return ".".join(path) if path else field


def origin_phrase(config: TrainingConfig, setting: Setting, field: str) -> str:
    """'' for a value written in the file; otherwise where it came from and which key sets it."""
    if setting.in_file:
        return ""
    title = getattr(config.dialect, "title", config.dialect.name)
    if setting.origin.value == "default":
        return f" ({title}'s default; set '{key_name(config, setting, field)}' to choose)"
    return f" ({setting.describe_origin()})"


def scalar_text(value: Any, like: Scalar | None = None) -> str:
    """YAML text for ``value``; a string keeps the quoting of the scalar it replaces."""
    if isinstance(value, str) and like is not None and like.style in ('"', "'"):
        q = like.style
        return q + value.replace(q, q + q if q == "'" else "\\" + q) + q
    return format_scalar(value)


def set_field_fix(config: TrainingConfig, field: str, value: Any, applicability: Applicability,
                  message: str | None = None) -> Fix | None:
    """A fix that gives ``field`` the value ``value``: edit it where the file sets it, or add the
    dialect's key for it to the right mapping (nested ones included). None when neither is possible."""
    document = config.document
    setting = config.get(field)
    if setting is not None and setting.in_file and isinstance(setting.node, Scalar):
        if not _writes_as_is(config, setting.key_path, value):
            return None
        text = scalar_text(value, setting.node)
        name = ".".join(setting.key_path or (field,))
        return Fix(applicability, message or f"Set '{name}' to {text}", (set_value(setting.node, text),))
    if setting is not None and setting.in_file:
        return None  # set, but not as a plain value (a list, a mapping): leave it to the user
    path = config.dialect.key_path(field)
    if not path or not _writes_as_is(config, path, value):
        return None
    parent = document.root
    if len(path) > 1:
        entry = document.lookup(path[:-1])
        if entry is None or not isinstance(entry[1], Mapping):
            return None
        parent = entry[1]
    if path[-1] in parent:
        return None
    text = format_scalar(value)
    edit = insert_entry(document, parent, path[-1], text)
    return Fix(applicability, message or f"Add '{'.'.join(path)}: {text}'", (edit,))


def _writes_as_is(config: TrainingConfig, path: tuple[str, ...] | None, value: Any) -> bool:
    """Whether writing ``value`` under the dialect key ``path`` reads back as the same canonical
    value (not so for keys the dialect converts, such as an inverted ``disable_...`` flag)."""
    for k in config.dialect.keys:
        if k.path == path:
            if k.read is None:
                return True
            try:
                return k.read(value) == value
            except (TypeError, ValueError):
                return False
    return path is not None


def objective(config: TrainingConfig) -> str:
    """The coarse kind of run: "sft", "preference" (DPO, KTO, reward models, RL), "pretrain" or
    "embedding". Rules should rather declare ``objectives`` (see ``sftlint/dialects/objectives.py``)."""
    fine = config.objective
    return {"sft": "sft", "pretraining": "pretrain", "embedding": "embedding"}.get(fine, "preference")


def sharded(config: TrainingConfig) -> bool:
    """Whether the file configures FSDP or DeepSpeed, which bring their own checkpointing and
    optimizer constraints."""
    off = ("", "null", "~", "false")
    nodes = [config.node(k) for k in ("fsdp", "fsdp_config", "deepspeed")]
    return any(node is not None and not (isinstance(node, Scalar) and node.text.lower() in off) for node in nodes)


def activation_checkpointing_elsewhere(config: TrainingConfig) -> bool:
    """Whether FSDP's own activation checkpointing is on (``fsdp_config.activation_checkpointing``)."""
    entry = config.document.lookup(("fsdp_config",))
    if entry is None or not isinstance(entry[1], Mapping):
        return False
    for name in ("activation_checkpointing", "fsdp_activation_checkpointing"):
        node = entry[1].get(name)
        if isinstance(node, Scalar) and node.text.lower() == "true":
            return True
    return False
