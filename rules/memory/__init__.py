"""Memory (MEM): the run's peak GPU memory, estimated from the model's shape and the config."""

from sftlint import hookimpl


@hookimpl
def sftlint_rules():
    from .exceeds_gpu import MemoryExceedsGpu

    return [MemoryExceedsGpu]
