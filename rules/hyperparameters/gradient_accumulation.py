from __future__ import annotations

from sftlint import Severity
from sftlint.settings.options import Option

from ._band import BandRule


class GradientAccumulationOutOfBand(BandRule):
    """## What it does
    Reports gradient accumulation steps written in the config outside 1..16.

    ## Why is this bad?
    Every accumulation step is a full forward and backward pass before one optimizer update, so
    very long accumulation makes each update slow and leaves few updates per epoch on a small
    dataset (and few points on the loss curve). Below 1 the trainer cannot run.

    ## Example
    ```yaml
    per_device_train_batch_size: 1
    gradient_accumulation_steps: 64
    ```

    ## Use instead
    ```yaml
    per_device_train_batch_size: 4
    gradient_accumulation_steps: 4
    ```

    ## Options
    - `min` (default `1`), `max` (default `16`): the range. Set `min = 2` to also report runs
      that never accumulate.

    Only supervised fine-tuning is checked; preference training (DPO, KTO, RL), pretraining and
    embedding or encoder (BERT-like) models follow other recipes.

    ## Fix safety
    No fix: changing accumulation changes the effective batch and the learning rate it suits.

    ## References
    - Unsloth, LoRA hyperparameters guide: gradient accumulation
    - transformers `TrainingArguments.gradient_accumulation_steps`
    """

    code = "HP003"
    name = "gradient-accumulation-out-of-band"
    severity = Severity.INFO
    options = {
        "min": Option(1, int, "fewest accumulation steps accepted", minimum=1, maximum=10**9),
        "max": Option(16, int, "most accumulation steps accepted", minimum=1, maximum=10**9),
    }
    field = "gradient_accumulation_steps"
    label = "gradient accumulation"
    below = "each optimizer step needs at least one micro-batch"
    above = "each update waits for that many passes; use a larger micro-batch if memory allows, or fewer steps"
