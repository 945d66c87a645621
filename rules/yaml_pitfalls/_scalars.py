"""The scalars the YAML pitfall rules look at."""

from __future__ import annotations

from sftlint.document import Mapping, Scalar, Sequence

from .._shared import per_file


def yaml11_plain_scalars(ctx) -> list[tuple[Scalar | None, Scalar]]:
    """(key, scalar) for every plain scalar, when the dialect's tool reads the file as YAML 1.1.

    Quoted and tagged scalars mean the same to every loader, and JSON files are read with
    ``json.load``, so only plain scalars of YAML files can be read two ways.
    """
    if ctx.config.dialect.yaml_version != "1.1" or ctx.document.is_json:
        return []
    return per_file(ctx.document, "plain scalars", lambda: _plain_scalars(ctx.document.root))


def _plain_scalars(root) -> list[tuple[Scalar | None, Scalar]]:
    """The plain ones of :func:`sftlint.document.iter_scalars`, in its order, as one list: walked
    once per file for the three YAML 1.1 rules, and without a generator per level."""
    found: list[tuple[Scalar | None, Scalar]] = []
    seen: set[int] = set()

    def walk(node) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, Mapping):
            for key, value in node.pairs:
                if isinstance(value, Scalar):
                    if value.style is None and value.tag is None:  # Scalar.plain, without the property call
                        found.append((key if isinstance(key, Scalar) else None, value))
                else:
                    walk(value)
        elif isinstance(node, Sequence):
            for item in node.items:
                if isinstance(item, Scalar):
                    if item.style is None and item.tag is None:
                        found.append((None, item))
                else:
                    walk(item)

    walk(root)
    return found
