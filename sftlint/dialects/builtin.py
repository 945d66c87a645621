"""The built-in dialect adapters, registered as a plugin like any third-party dialect."""

from __future__ import annotations

from .. import hookimpl


@hookimpl
def sftlint_dialects():
    from .axolotl import Axolotl
    from .hf import HF
    from .llamafactory import LlamaFactory
    from .trl import TRL
    from .unsloth import Unsloth

    return [Axolotl(), LlamaFactory(), TRL(), HF(), Unsloth()]
