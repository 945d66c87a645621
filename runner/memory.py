"""Memory figures recorded beside the plan's estimate: CUDA's allocator peak, or the process's peak
resident set on a CPU (which includes the imported libraries, so it is an upper bound)."""

from __future__ import annotations

import resource
import sys


def _cuda():
    torch = sys.modules.get("torch")
    return torch if torch is not None and torch.cuda.is_available() else None


def reset_peak() -> None:
    torch = _cuda()
    if torch is not None:
        torch.cuda.reset_peak_memory_stats()


def peak_bytes(readings=()) -> tuple[int, str]:
    """The peak, never below a reading taken during the run (``readings``, from :func:`current_bytes`).

    On a CPU the kernel's high-water mark (``ru_maxrss``) is updated lazily and can lag the resident
    size read at a step; the larger of the two is the honest peak.
    """
    torch = _cuda()
    if torch is not None:
        peak, kind = int(torch.cuda.max_memory_allocated()), "cuda max_memory_allocated"
    else:
        peak, kind = int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024, "cpu peak RSS"
    return max([peak, *(int(r) for r in readings if r)]), kind


def current_bytes() -> int:
    torch = _cuda()
    if torch is not None:
        return int(torch.cuda.memory_allocated())
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * resource.getpagesize()
    except OSError:
        return 0


def is_oom(exc: BaseException) -> bool:
    if isinstance(exc, MemoryError):
        return True
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(exc, getattr(torch, "OutOfMemoryError", ())):
        return True
    return "out of memory" in str(exc).lower()


def estimate_bytes(plan, backend: str | None = None) -> int | None:
    """The plan's memory estimate in bytes, if the plan has one.

    The allocator's share, not the total: that is what CUDA's ``max_memory_allocated`` measures
    (the total adds the CUDA context and allocator slack, which no allocator counter sees). The
    ``unsloth`` backend always computes the loss with Unsloth's fused cross-entropy, which holds
    the logits a chunk at a time whatever the config asks for; its estimate counts them so.
    """
    memory = getattr(plan, "memory", None)
    if not isinstance(memory, dict):
        return None
    value = memory.get("allocated_bytes", memory.get("total_bytes"))
    if not isinstance(value, (int, float)):
        return None
    chunked = memory.get("chunked_logits")
    if backend == "unsloth" and not memory.get("fused_loss") and isinstance(chunked, int):
        value = value - memory.get("logits_bytes", 0) + chunked
    return int(value)
