"""What the hardware allows, decided once per worker: CPU runs keep the config's hyperparameters but
not its precision or its CUDA-only optimizers.

On a CPU, TRL's default bf16 fails, bitsandbytes' paged and 8-bit optimizers need CUDA, and 4-bit
matmuls are computed in float32; each change is recorded as a note in the run's summary. The
precision a run really used is read back from the trainer and the model by the worker
(``precision_note``), since a backend such as Unsloth picks its own weight dtype.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

CUDA_ONLY_OPTIM_MARKERS = ("paged", "8bit", "bnb", "lion_32bit", "ademamix")


@dataclass
class Device:
    cuda: bool
    name: str
    notes: list[str] = field(default_factory=list)

    @property
    def use_cpu(self) -> bool:
        return not self.cuda


def detect() -> Device:
    import torch

    if torch.cuda.is_available():
        return Device(True, torch.cuda.get_device_name(torch.cuda.current_device()))
    threads = max(1, (os.cpu_count() or 1) // max(1, int(os.environ.get("WORLD_SIZE", "1"))))
    torch.set_num_threads(threads)
    return Device(False, f"cpu ({threads} threads)")


def torch_dtype(name: str):
    import torch

    return {"bfloat16": torch.bfloat16, "bf16": torch.bfloat16, "float16": torch.float16, "fp16": torch.float16,
            "float32": torch.float32, "fp32": torch.float32}.get(str(name).replace("torch.", ""), torch.float32)


def model_dtype(recipe, device: Device):
    import torch

    if not device.cuda:
        return torch.float32
    return torch.bfloat16 if recipe.bf16 else torch.float16 if recipe.fp16 else torch.float32


def compute_dtype(recipe, device: Device):
    import torch

    if not device.cuda:
        if recipe.load_in_4bit and recipe.bnb_4bit_compute_dtype not in ("float32", "fp32"):
            device.notes.append(f"cpu: 4-bit compute dtype {recipe.bnb_4bit_compute_dtype} -> float32")
        return torch.float32
    return torch_dtype(recipe.bnb_4bit_compute_dtype)


def optimizer(recipe, device: Device) -> str:
    if device.cuda or not any(m in recipe.optim for m in CUDA_ONLY_OPTIM_MARKERS):
        return recipe.optim
    device.notes.append(f"cpu: optim {recipe.optim} needs CUDA -> adamw_torch")
    return "adamw_torch"


def precision_flags(recipe, device: Device) -> dict:
    if device.cuda:
        return {"bf16": recipe.bf16, "fp16": recipe.fp16}
    return {"bf16": False, "fp16": False, "use_cpu": True}


def local_device_map(device: Device):
    """Each process loads onto its own GPU (``device_map="auto"`` would spread one model over all)."""
    if not device.cuda:
        return None
    return {"": int(os.environ.get("LOCAL_RANK", "0"))}
