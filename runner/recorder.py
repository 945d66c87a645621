"""Per-step measurements taken inside the Trainer, written as one JSON line per optimizer step.

The learning rate is read in ``on_optimizer_step``: the Trainer calls it right after
``optimizer.step()`` and before the scheduler steps, so the optimizer's lr at that moment is the
one the update *used* (the lr the Trainer logs is already the next step's). Loss and gradient norm
come from the per-step log (``logging_steps=1``); the norm of the trainable weights is read after
each optimizer step, against its norm before training. Lines are appended as they come, so a run that
crashes or is interrupted still leaves the steps it made. Tokens are the non-padding tokens the
Trainer counted (``include_num_input_tokens_seen="non_padding"``), so tokens/s is real text.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

from transformers import TrainerCallback

from .memory import current_bytes


def json_number(value):
    """Finite floats as numbers; NaN and infinities as strings, so every line stays valid JSON."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else str(value)


def trainable_norm(model) -> float | None:
    """L2 norm of the weights that train (the adapter's): one reduction per step, no copy."""
    if model is None:
        return None
    import torch

    with torch.no_grad():
        squares = [p.detach().float().pow(2).sum() for p in model.parameters() if p.requires_grad]
        return float(torch.stack(squares).sum().sqrt()) if squares else None


class StepRecorder(TrainerCallback):
    def __init__(self, path: Path | None, run_id: str = "") -> None:
        self.path = path
        self.run_id = run_id
        #: Memory read at every step, so the reported peak is never below one of them.
        self.memory_readings: list[int] = []
        #: L2 norm of the trainable weights before training and after each optimizer step.
        self.initial_weight_norm: float | None = None
        self.weight_norm: dict[int, float | None] = {}
        self.lr_used: dict[int, float] = {}
        self.steps: list[dict] = []
        self._last_time = None
        self._last_tokens = 0
        self._pending: dict[int, dict] = {}
        if path is not None:
            path.write_text("", encoding="utf-8")

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        self._last_time = time.perf_counter()
        self._last_tokens = state.num_input_tokens_seen
        self.initial_weight_norm = trainable_norm(model)

    def on_optimizer_step(self, args, state, control, optimizer=None, model=None, **kwargs):
        if optimizer is not None:
            self.lr_used[state.global_step + 1] = float(optimizer.param_groups[0]["lr"])
        self.weight_norm[state.global_step + 1] = trainable_norm(model)

    def on_step_end(self, args, state, control, **kwargs):
        now = time.perf_counter()
        tokens = state.num_input_tokens_seen - self._last_tokens
        seconds = max(now - self._last_time, 1e-9)
        used = current_bytes()
        self.memory_readings.append(used)
        self._pending[state.global_step] = {"tokens": int(tokens), "seconds": seconds,
                                            "tokens_per_second": tokens / seconds, "memory_bytes": used}
        self._last_time, self._last_tokens = now, state.num_input_tokens_seen

    def on_log(self, args, state, control, logs=None, **kwargs):
        logs = logs or {}
        if "loss" not in logs or state.global_step in {s["step"] for s in self.steps}:
            return
        step = state.global_step
        record = {"run_id": self.run_id, "step": step, "loss": json_number(logs["loss"]), "lr": self.lr_used.get(step),
                  "grad_norm": json_number(logs.get("grad_norm")),
                  "weight_norm": json_number(self.weight_norm.get(step)),
                  "initial_weight_norm": json_number(self.initial_weight_norm), **self._pending.pop(step, {})}
        self.steps.append(record)
        if self.path is not None and state.is_world_process_zero:
            with self.path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(record) + "\n")
