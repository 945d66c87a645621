from __future__ import annotations

from sftlint import Severity
from sftlint.settings.options import Option

from ._band import BandRule


class LoraDropoutOutOfBand(BandRule):
    """## What it does
    Reports a LoRA dropout written in the config outside 0..0.1, for configs that train an
    adapter.

    ## Why is this bad?
    Dropout on the adapter's input is a regulariser for short runs; the QLoRA paper used 0.1 for
    7B and 13B models and 0.05 for larger ones. Above that the adapter sees heavily masked inputs
    and learns slowly; a value of 1 or more disables it altogether.

    ## Example
    ```yaml
    lora_dropout: 0.3
    ```

    ## Use instead
    ```yaml
    lora_dropout: 0.05
    ```

    ## Options
    - `min` (default `0`), `max` (default `0.1`): the range.

    Only supervised fine-tuning is checked; preference training (DPO, KTO, RL), pretraining and
    embedding or encoder (BERT-like) models follow other recipes.

    ## Fix safety
    No fix.

    ## References
    - Dettmers et al., QLoRA (2023), Appendix B: LoRA dropout 0.1 (up to 13B), 0.05 (33B, 65B)
    - PEFT `LoraConfig.lora_dropout`
    """

    code = "HP006"
    name = "lora-dropout-out-of-band"
    severity = Severity.WARNING
    options = {
        "min": Option(0.0, float, "lowest LoRA dropout accepted", minimum=0, maximum=1),
        "max": Option(0.1, float, "highest LoRA dropout accepted", minimum=0, maximum=1),
    }
    methods = frozenset({"lora", "qlora"})
    field = "lora_dropout"
    label = "LoRA dropout"
    below = "dropout cannot be negative"
    above = "the adapter sees heavily masked inputs and learns slowly"

    def applies(self, ctx) -> bool:
        return ctx.config.uses_adapter
