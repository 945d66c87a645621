"""A set of optimizer steps held as one arithmetic progression plus a few single steps.

The Trainer logs, evaluates and saves on multiples of an interval, at epoch ends (multiples of
the steps per epoch) and at a handful of special steps (0, 1, the last). A run of 200 million
steps saving every step must not become a list of 200 million numbers, so a :class:`StepSet`
stores ``first, first + every, ..., last`` and the extra steps, and answers length, membership,
iteration (lazily) and equality with a plain list without ever building the whole list.
"""

from __future__ import annotations

import heapq
import itertools
from typing import Any, Iterable, Iterator


class StepSet:
    """Sorted, distinct optimizer steps: a progression ``first..last`` by ``every`` and ``extra`` steps."""

    __slots__ = ("first", "last", "every", "extra")

    def __init__(self, first: int | None = None, last: int | None = None, every: int | None = None,
                 extra: Iterable[int] = ()) -> None:
        if first is not None and every is not None and every > 0 and last is not None and last >= first:
            last = first + (last - first) // every * every
        else:
            first = last = every = None
        points = set(extra)
        if first is not None:
            points = {p for p in points if not (first <= p <= last and (p - first) % every == 0)}
            if first == last:  # a progression of one step is just a step
                points.add(first)
                first = last = every = None
        self.first, self.last, self.every = first, last, every
        self.extra: tuple[int, ...] = tuple(sorted(points))

    @classmethod
    def multiples(cls, every: int, up_to: int, start: int | None = None, extra: Iterable[int] = ()) -> "StepSet":
        """Multiples of ``every`` from ``start`` (the first multiple at or above it) up to ``up_to``."""
        lowest = every if start is None or start <= every else -(-start // every) * every
        return cls(lowest, up_to, every, extra)

    def _progression_length(self) -> int:
        return 0 if self.first is None else (self.last - self.first) // self.every + 1

    @property
    def count(self) -> int:
        """How many steps; unlike ``len()``, not limited to ``sys.maxsize``."""
        return self._progression_length() + len(self.extra)

    def __len__(self) -> int:
        return self.count

    def __bool__(self) -> bool:
        return self.first is not None or bool(self.extra)

    def __iter__(self) -> Iterator[int]:
        if self.first is None:
            return iter(self.extra)
        return heapq.merge(range(self.first, self.last + 1, self.every), self.extra)

    def __contains__(self, step: object) -> bool:
        if not isinstance(step, int):
            return False
        if step in self.extra:
            return True
        return self.first is not None and self.first <= step <= self.last and (step - self.first) % self.every == 0

    def __eq__(self, other: object) -> bool:
        if isinstance(other, StepSet):
            if (self.first, self.last, self.every, self.extra) == (other.first, other.last, other.every, other.extra):
                return True
        elif not isinstance(other, (list, tuple)):
            return NotImplemented
        if self.count != (other.count if isinstance(other, StepSet) else len(other)):
            return False
        return all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]

    def __getitem__(self, index: int | slice) -> int | list[int]:
        """A step by position, or a slice of steps from the start (``steps[:6]``), as a list."""
        if isinstance(index, slice):
            if index.start not in (None, 0) or index.step not in (None, 1) or index.stop is None or index.stop < 0:
                raise IndexError("a StepSet is sliced only from its start: steps[:n]")
            return self.head(index.stop)
        if not 0 <= index < self.count:
            raise IndexError(index)
        return next(itertools.islice(iter(self), index, None))

    def head(self, count: int) -> list[int]:
        """The first ``count`` steps, without building the rest."""
        return list(itertools.islice(iter(self), count))

    def to_json(self) -> dict[str, Any]:
        """``{"count", "progression": {"first", "last", "every"} | None, "also": [...]}``."""
        progression = None if self.first is None else {"first": self.first, "last": self.last, "every": self.every}
        return {"count": self.count, "progression": progression, "also": list(self.extra)}

    def __repr__(self) -> str:
        shown = self.head(6)
        more = f", ... ({self.count} in all)" if self.count > len(shown) else ""
        return f"StepSet([{', '.join(map(str, shown))}{more}])"
