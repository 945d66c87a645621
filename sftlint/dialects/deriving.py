"""Small helpers the adapters share for fields a tool computes from several keys.

A derived value never overrides a key the file sets itself: the file is what the tool reads first,
and a rule must be able to point at the line that holds the value.
"""

from __future__ import annotations

from typing import Any

from ..config.canonical import Origin, Setting, TrainingConfig


def derive(config: TrainingConfig, field: str, value: Any, note: str) -> None:
    """Set ``field`` to ``value`` as derived from other keys, unless the file sets it."""
    if config.is_set(field):
        return
    config.set(Setting(field, value, Origin.DERIVED, note=note))


def replace_value(config: TrainingConfig, field: str, value: Any, note: str) -> None:
    """Keep the file's key and node for ``field`` but record what the tool makes of the value."""
    setting = config.get(field)
    if setting is None:
        return
    config.set(Setting(field, value, setting.origin, setting.key_path, setting.key, setting.node, note))

