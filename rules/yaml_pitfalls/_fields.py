"""The kinds of value a key takes, from the dialect's key schema (None when not known)."""

from __future__ import annotations


def kinds_for(dialect, key: str | None) -> tuple[str, ...] | None:
    if key is None:
        return None
    schema = dialect.key_schema()
    if schema is None:
        return None
    kinds = schema.keys.get(key)
    if kinds is None:
        kinds = next((v for k, v in schema.keys.items() if k.endswith("." + key)), None)
    return None if kinds is None or "any" in kinds else kinds
