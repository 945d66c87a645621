"""Each dialect's keys for the editor: what they mean, their type, the canonical field they hold
and the tool's default, from the same data ``sftlint schema`` and the key rules use.

Built once per dialect and registry (the schema's descriptions quote the loaded rules' ranges).
"""

from __future__ import annotations

from typing import Any

from ..records import field as record_field, record
from ..output.json_schema import dialect_schema
from ..config.key_snapshots import load

_NO_DEFAULT = object()


@record
class KeyInfo:
    dotted: str
    description: str = ""
    types: tuple[str, ...] = ()
    deprecated: bool = False
    #: canonical field the key holds, if any
    field: str | None = None
    children: dict[str, "KeyInfo"] = record_field(default_factory=dict)


@record
class Catalogue:
    dialect: str
    title: str
    top: dict[str, KeyInfo]

    def at(self, path: tuple[str, ...]) -> KeyInfo | None:
        """The key at ``path`` (outermost first), or None when it is not known."""
        keys = self.top
        info = None
        for part in path:
            info = keys.get(part)
            if info is None:
                return None
            keys = info.children
        return info

    def children(self, parents: tuple[str, ...]) -> dict[str, KeyInfo]:
        if not parents:
            return self.top
        info = self.at(parents)
        return info.children if info is not None else {}


def _types(prop: dict[str, Any]) -> tuple[str, ...]:
    kinds = prop.get("type")
    if kinds is None:
        kinds = [t for alt in prop.get("anyOf", ()) for t in ([alt["type"]] if isinstance(alt.get("type"), str)
                                                                 else alt.get("type", []))]
    if isinstance(kinds, str):
        kinds = [kinds]
    kinds = set(kinds) - {"null"}
    if kinds & {"integer", "number"}:
        kinds.discard("boolean")  # the schema lets a boolean pass as a number, as pydantic does; not a type to show
    return tuple(sorted(kinds))


def _info(dotted: str, prop: dict[str, Any], fields: dict[str, str]) -> KeyInfo:
    info = KeyInfo(dotted, prop.get("description", ""), _types(prop), bool(prop.get("deprecated")), fields.get(dotted))
    for name, child in (prop.get("properties") or {}).items():
        info.children[name] = _info(f"{dotted}.{name}", child, fields)
    return info


_CACHE: dict[tuple, Catalogue] = {}
#: Catalogues kept at most (one per dialect and registry; registries change when settings do).
_KEEP = 32


def catalogue(dialect, registry=None) -> Catalogue:
    """The catalogue of ``dialect``; ``registry``'s rules give the usual ranges its descriptions quote.

    Built once per dialect class and registry: a JSON config is read by a copy of its dialect, which
    must not cost a new catalogue per keystroke."""
    key = (dialect.name, type(dialect), id(registry))
    if key not in _CACHE:
        if len(_CACHE) >= _KEEP:
            _CACHE.clear()
        schema = dialect_schema(dialect, list(registry.rules.values()) if registry is not None else [])
        fields: dict[str, str] = {}
        for k in dialect.keys:
            fields.setdefault(".".join(k.path), k.field)
        top = {name: _info(name, prop, fields) for name, prop in schema["properties"].items()}
        _CACHE[key] = Catalogue(dialect.name, dialect.title, top)
    return _CACHE[key]


def default_of(dialect, dotted: str) -> tuple[Any, str] | None:
    """(the tool's default for a key the file leaves out, which package it is from), if known.

    The dialect names the snapshots that hold its defaults (``Dialect.default_sources``), first
    match wins: the tool's own, then the TrainingArguments it passes on."""
    schema = dialect.key_schema()
    sections = schema.sections if schema else frozenset()
    for package in dialect.default_sources:
        try:
            classes = load(package)["classes"]
        except (OSError, KeyError, ValueError):
            continue
        for class_name, keys in classes.items():
            prefix = f"{class_name}." if class_name in sections else ""
            for name, entry in keys.items():
                if prefix + name == dotted and "default" in entry:
                    return entry["default"], package
    return None
