from __future__ import annotations

from sftlint import Severity
from sftlint.settings.options import Option

from ._band import BandRule


class WeightDecayOutOfBand(BandRule):
    """## What it does
    Reports weight decay written in the config outside 0..0.1.

    ## Why is this bad?
    AdamW's decay pulls every trained weight towards zero at each step, in proportion to the
    learning rate. For LoRA that shrinks the adapter towards "no change", undoing what it learned;
    0 to 0.1 is the range fine-tuning recipes use. A negative value grows the weights instead.

    ## Example
    ```yaml
    weight_decay: 0.5
    ```

    ## Use instead
    ```yaml
    weight_decay: 0.01
    ```

    ## Options
    - `min` (default `0`), `max` (default `0.1`): the range.

    Only supervised fine-tuning is checked; preference training (DPO, KTO, RL), pretraining and
    embedding or encoder (BERT-like) models follow other recipes.

    ## Fix safety
    No fix.

    ## References
    - Loshchilov & Hutter, Decoupled Weight Decay Regularization (AdamW)
    - Unsloth, LoRA hyperparameters guide: weight decay 0.01 (0.0-0.1)
    """

    code = "HP005"
    name = "weight-decay-out-of-band"
    severity = Severity.WARNING
    options = {
        "min": Option(0.0, float, "lowest weight decay accepted", minimum=0, maximum=10),
        "max": Option(0.1, float, "highest weight decay accepted", minimum=0, maximum=10),
    }
    field = "weight_decay"
    label = "weight decay"
    below = "negative decay pushes weights away from zero"
    above = "strong decay shrinks the trained weights back towards zero every step"
