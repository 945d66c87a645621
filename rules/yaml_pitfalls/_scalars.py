"""The scalars the YAML pitfall rules look at."""

from __future__ import annotations

from typing import Iterator

from sftlint.document import Scalar, iter_scalars


def yaml11_plain_scalars(ctx) -> Iterator[tuple[Scalar | None, Scalar]]:
    """(key, scalar) for every plain scalar, when the dialect's tool reads the file as YAML 1.1.

    Quoted and tagged scalars mean the same to every loader, and JSON files are read with
    ``json.load``, so only plain scalars of YAML files can be read two ways.
    """
    if ctx.config.dialect.yaml_version != "1.1" or ctx.document.is_json:
        return
    for key, scalar in iter_scalars(ctx.document.root):
        if scalar.plain:
            yield key, scalar
