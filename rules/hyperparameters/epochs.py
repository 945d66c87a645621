from __future__ import annotations

from sftlint import Severity
from sftlint.settings.options import Option

from .._shared import number
from ._band import BandRule


class EpochsOutOfBand(BandRule):
    """## What it does
    Reports a number of epochs written in the config outside 1..5, when no `max_steps` overrides
    it.

    ## Why is this bad?
    Instruction tuning with LoRA usually converges in one to three passes over the data; many
    more passes memorise the training set (the training loss keeps falling while answers get
    worse), and under one pass part of the data is never seen.

    ## Example
    ```yaml
    num_train_epochs: 20
    ```

    ## Use instead
    ```yaml
    num_train_epochs: 3
    ```

    ## Options
    - `min` (default `1`), `max` (default `5`): the range.

    Only supervised fine-tuning is checked; preference training (DPO, KTO, RL), pretraining and
    embedding or encoder (BERT-like) models follow other recipes.

    ## Fix safety
    No fix: the right number depends on the data size and an evaluation set.

    ## References
    - Unsloth, LoRA hyperparameters guide: 1-3 epochs; more risks overfitting
    - Dettmers et al., QLoRA (2023): training on fewer, higher-quality examples
    """

    code = "HP004"
    name = "epochs-out-of-band"
    severity = Severity.INFO
    options = {
        "min": Option(1, float, "fewest epochs accepted", minimum=0, maximum=10**6),
        "max": Option(5, float, "most epochs accepted", minimum=0, maximum=10**6),
    }
    field = "num_train_epochs"
    label = "epochs"
    below = "part of the training data is never seen"
    above = "many passes over the same data tend to memorise it"

    def applies(self, ctx) -> bool:
        steps = number(ctx.config.value("max_steps"))
        return not (steps and steps > 0)
