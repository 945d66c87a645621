"""Every scalar of a file, walked once for the rules that look at scalar values: the YAML 1.1
rules (each plain scalar with the key it stands under) and the secret rule (each scalar once,
with the nearest key above it, up to a limit of nodes visited)."""

from __future__ import annotations

from sftlint.document import Document, Mapping, Scalar, Sequence

from ._shared import per_file


class ScalarWalk:
    """One depth-first walk in file order; a mapping or list reached again through an alias is
    not walked again (so an alias bomb stays cheap)."""

    __slots__ = ("named", "visited_at", "visits", "plain")

    def __init__(self) -> None:
        #: (nearest mapping key's text, scalar) for each scalar, the first time it is reached
        self.named: list[tuple[str | None, Scalar]] = []
        #: for each of ``named``, how many nodes had been reached by then, itself included (every
        #: node reached counts, a mapping, list or scalar reached again through an alias too)
        self.visited_at: list[int] = []
        #: how many nodes were reached in all
        self.visits = 0
        #: (the mapping key it is the value of, or None in a list; the scalar) each time a plain
        #: scalar is reached (what ``sftlint.document.iter_scalars`` gives, plain ones only)
        self.plain: list[tuple[Scalar | None, Scalar]] = []

    def named_within(self, limit: int) -> list[tuple[str | None, Scalar]]:
        """``named``, cut where the walk had reached ``limit`` nodes."""
        if self.visits <= limit:
            return self.named
        import bisect

        return self.named[:bisect.bisect_right(self.visited_at, limit)]


def scalar_walk(document: Document) -> ScalarWalk:
    """The walk of ``document``'s scalars, done once per file."""
    return per_file(document, "scalar walk", lambda: _walk(document.root))


def _walk(root) -> ScalarWalk:
    walk = ScalarWalk()
    walk.visits = _visit(None, root, 0, set(), walk.named, walk.visited_at, walk.plain)
    return walk


def _visit(nearest: str | None, node, visits: int, seen: set[int], named: list, visited_at: list, plain: list) -> int:
    """Walk ``node``, the ``visits``-th node reached, into the lists; the count of nodes reached
    after it. Scalars are handled in their parent's loop and the state is passed along, not held
    by a closure: every scalar of every file passes here, and a call per node or a closure that
    refers to itself (garbage only the cycle collector frees) costs more."""
    visits += 1
    if id(node) in seen:
        return visits
    seen.add(id(node))
    if isinstance(node, Mapping):
        for key, value in node.pairs:
            name = key.text if isinstance(key, Scalar) else nearest
            if isinstance(value, Scalar):
                visits += 1
                if id(value) not in seen:
                    seen.add(id(value))
                    named.append((name, value))
                    visited_at.append(visits)
                if value.style is None and value.tag is None:  # Scalar.plain, without the property call
                    plain.append((key if isinstance(key, Scalar) else None, value))
            else:
                visits = _visit(name, value, visits, seen, named, visited_at, plain)
    elif isinstance(node, Sequence):
        for item in node.items:
            if isinstance(item, Scalar):
                visits += 1
                if id(item) not in seen:
                    seen.add(id(item))
                    named.append((nearest, item))
                    visited_at.append(visits)
                if item.style is None and item.tag is None:
                    plain.append((None, item))
            else:
                visits = _visit(nearest, item, visits, seen, named, visited_at, plain)
    elif isinstance(node, Scalar):  # a file that is a single value: reached, but under no key
        named.append((nearest, node))
        visited_at.append(visits)
    return visits
