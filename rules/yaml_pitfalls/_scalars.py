"""The scalars the YAML pitfall rules look at."""

from __future__ import annotations

from sftlint.document import Scalar

from .._scalar_walk import scalar_walk


def yaml11_plain_scalars(ctx) -> list[tuple[Scalar | None, Scalar]]:
    """(key, scalar) for every plain scalar, when the dialect's tool reads the file as YAML 1.1.

    Quoted and tagged scalars mean the same to every loader, and JSON files are read with
    ``json.load``, so only plain scalars of YAML files can be read two ways.
    """
    if ctx.config.dialect.yaml_version != "1.1" or ctx.document.is_json:
        return []
    return scalar_walk(ctx.document).plain
