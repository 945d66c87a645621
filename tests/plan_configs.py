"""Canonical configs built directly, for testing the plan without any dialect's reader."""

from __future__ import annotations

from pathlib import Path

from sftlint.config.canonical import Origin, Setting, TrainingConfig
from sftlint.dialects.base import Dialect
from sftlint.document import parse_document


class PlainDialect(Dialect):
    """A dialect that reads nothing itself: tests set canonical fields by hand."""

    name = "plain"
    title = "plain"

    def __init__(self, name: str = "plain") -> None:
        self.name = name


def _dialect(name: str) -> Dialect:
    """The built-in dialect ``name``, whose tool conventions the plan follows (its reader is not
    used: the fields are set by hand), else a plain one that has no conventions of its own."""
    from sftlint.dialects.builtin import sftlint_dialects

    return next((d for d in sftlint_dialects() if d.name == name), None) or PlainDialect(name)


def make_config(folder: Path | None = None, dialect: str = "plain", defaults: dict | None = None,
                **fields) -> TrainingConfig:
    """A config as if the file set ``fields`` (origin FILE) and the tool defaulted ``defaults``."""
    path = (folder or Path.cwd()) / "train.yaml"
    document = parse_document(path, "model: tiny\n")
    config = TrainingConfig(_dialect(dialect), document)
    for name, value in fields.items():
        config.set(Setting(name, value, Origin.FILE, key_path=(name,)))
    for name, value in (defaults or {}).items():
        config.set(Setting(name, value, Origin.DEFAULT, note=f"{dialect} default"))
    return config
