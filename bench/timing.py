"""The timer the in-process benchmarks share: the least CPU time of several rounds after a warm-up.

The least, not the median: on a shared machine a round can only be slowed by other work, never
sped up, so the fastest round is the closest to what the code itself costs."""

from __future__ import annotations

import time
from typing import Callable


def least(work: Callable[[], object], rounds: int) -> float:
    """Milliseconds of CPU time of the fastest of ``rounds`` calls of ``work``, after one warm-up
    call that takes imports and first-use caches out of the picture."""
    work()
    times = []
    for _ in range(rounds):
        start = time.process_time()
        work()
        times.append(time.process_time() - start)
    return min(times) * 1000
