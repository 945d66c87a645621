from __future__ import annotations

from sftlint import Severity
from sftlint.settings.options import Option

from ._band import BandRule


class PerDeviceBatchOutOfBand(BandRule):
    """## What it does
    Reports a per-device batch size written in a LoRA or QLoRA config outside 1..8.

    ## Why is this bad?
    LoRA and QLoRA recipes keep the micro-batch small (1 to 8 sequences) and reach the effective
    batch with gradient accumulation: activation memory grows with every sequence in the
    micro-batch, so a large one is the usual cause of an out-of-memory error at the first step,
    especially with long sequences. Below 1 the trainer cannot run at all.

    ## Example
    ```yaml
    per_device_train_batch_size: 32
    gradient_accumulation_steps: 1
    ```

    ## Use instead
    ```yaml
    per_device_train_batch_size: 4
    gradient_accumulation_steps: 8
    ```

    ## Options
    - `min` (default `1`), `max` (default `8`): the range.

    Only supervised fine-tuning is checked; preference training (DPO, KTO, RL), pretraining and
    embedding or encoder (BERT-like) models follow other recipes.

    ## Fix safety
    No fix: changing the micro-batch changes the effective batch unless accumulation changes too.

    ## References
    - Dettmers et al., QLoRA (2023), Appendix B: batch 16 reached with gradient accumulation
    - Unsloth, LoRA hyperparameters guide: batch size and gradient accumulation
    """

    code = "HP002"
    name = "per-device-batch-out-of-band"
    severity = Severity.INFO
    options = {
        "min": Option(1, int, "smallest per-device batch accepted", minimum=1, maximum=10**9),
        "max": Option(8, int, "largest per-device batch accepted", minimum=1, maximum=10**9),
    }
    methods = frozenset({"lora", "qlora"})
    field = "per_device_train_batch_size"
    label = "per-device batch size"
    below = "the trainer needs at least one sequence per step"

    def applies(self, ctx) -> bool:
        return ctx.config.uses_adapter
    above = "activation memory grows with each sequence; prefer a smaller batch and more gradient accumulation"
