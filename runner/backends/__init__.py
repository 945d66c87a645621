"""Training backends: the same recipe through plain transformers + PEFT, or through Unsloth.

``choose`` resolves ``auto`` without importing anything heavy, so the parent process can decide
(and report) the backend before a worker starts. Each backend module imports its packages only
when a worker calls it.
"""

from __future__ import annotations

import importlib.util

NAMES = ("auto", "unsloth", "hf")


class BackendError(RuntimeError):
    pass


def available(name: str) -> bool:
    if name == "unsloth":
        return importlib.util.find_spec("unsloth") is not None
    return all(importlib.util.find_spec(m) is not None for m in ("torch", "transformers", "trl", "peft"))


def choose(name: str) -> str:
    """``auto`` is unsloth where it is importable, hf otherwise."""
    if name not in NAMES:
        raise BackendError(f"unknown backend {name!r}; choose one of {', '.join(NAMES)}")
    if name == "auto":
        name = "unsloth" if available("unsloth") else "hf"
    if not available(name):
        extra = "unsloth" if name == "unsloth" else "runner"
        raise BackendError(f"backend {name!r} needs packages that are not installed: pip install 'sftlint[{extra}]'")
    return name


def load(name: str):
    """The backend module for ``name`` (imports its training packages)."""
    if name == "unsloth":
        from . import unsloth_backend as module
    elif name == "hf":
        from . import hf_backend as module
    else:
        raise BackendError(f"unknown backend {name!r}")
    return module
