from __future__ import annotations

import re

from sftlint import Severity
from sftlint.settings.options import Option

from ._band import BandRule


class LearningRateOutOfBand(BandRule):
    """## What it does
    Reports a peak learning rate outside the range known to work for the kind of fine-tuning the
    config runs: 5e-5..2e-4 for LoRA and QLoRA, 5e-6..5e-5 for full fine-tuning. A tool default
    outside the range is reported too, since it was probably not chosen.

    ## Why is this bad?
    LoRA trains a few million new parameters from zero and needs a learning rate about ten times
    higher than full fine-tuning, which nudges billions of pretrained weights. A full fine-tuning
    rate on an adapter (TRL's default `2e-5`, say) barely moves it: the run finishes and the model
    has learned little. A LoRA rate on full fine-tuning destroys what the model knew and often
    diverges. The QLoRA paper used 2e-4 for 7B and 13B models and 1e-4 for 33B and 65B.

    ## Example
    ```yaml
    adapter: qlora
    learning_rate: 0.002
    ```

    ## Use instead
    ```yaml
    adapter: qlora
    learning_rate: 0.0002
    ```

    ## Options
    - `lora-min` (default `5e-5`), `lora-max` (default `2e-4`): the range for LoRA and QLoRA.
    - `full-min` (default `5e-6`), `full-max` (default `5e-5`): the range for full and freeze
      fine-tuning.

    Only supervised fine-tuning is checked: preference training (DPO, KTO, RL), pretraining and
    embedding or encoder (BERT-like) models use other ranges. The full fine-tuning range is that of
    the 7B-70B models the references below trained; small models are fully fine-tuned at much
    higher rates (the SmolLM2 recipes use 3e-4 to 1e-3), so a full fine-tune of a model whose name
    gives fewer than `full-min-params-billion` parameters (`SmolLM2-360M`, `Qwen2.5-0.5B`) is not
    checked.

    ## Fix safety
    No fix: the right rate depends on the model size and the data; the message gives the range.

    ## References
    - Dettmers et al., QLoRA (2023), Appendix B: learning rates 2e-4 (7B, 13B) and 1e-4 (33B, 65B)
    - Unsloth, LoRA hyperparameters guide: 2e-4 as the starting point for LoRA and QLoRA
    - TRL `SFTConfig.learning_rate` (default 2e-5) and the PEFT integration docs
    - Full fine-tuning of 7B-70B models at 1e-5..2e-5: Taori et al., Stanford Alpaca (2023); Ivison
      et al., Tulu 2 (2023); Tunstall et al., Zephyr (2023)
    - Small models: the alignment-handbook SmolLM2 SFT recipes (360M-1.7B, 3e-4 and 1e-3)
    """

    code = "HP001"
    name = "learning-rate-out-of-band"
    severity = Severity.WARNING
    options = {
        "lora-min": Option(5e-5, float, "lowest LoRA/QLoRA learning rate accepted", minimum=0, maximum=1),
        "lora-max": Option(2e-4, float, "highest LoRA/QLoRA learning rate accepted", minimum=0, maximum=1),
        "full-min": Option(5e-6, float, "lowest full fine-tuning learning rate accepted", minimum=0, maximum=1),
        "full-max": Option(5e-5, float, "highest full fine-tuning learning rate accepted", minimum=0, maximum=1),
        "full-min-params-billion": Option(3.0, float, "full fine-tunes of smaller models are not checked", minimum=0,
                                          maximum=10**6),
    }
    field = "learning_rate"
    label = "learning rate"
    report_defaults = True

    def applies(self, ctx) -> bool:
        if ctx.config.value("finetuning_type") not in ("lora", "full", "freeze"):
            return False
        if ctx.config.method == "full":
            size = params_billion(str(ctx.config.value("base_model") or ""))
            return size is None or size >= float(ctx.options["full-min-params-billion"])
        return True

    def band(self, ctx):
        if ctx.config.uses_adapter:
            kind = "QLoRA" if ctx.config.quantized_4bit else "LoRA"
            self.below = f"the {kind} adapter starts from zero and will barely learn at this rate"
            self.above = "LoRA updates this large often diverge or overwrite what the model knew"
            return float(ctx.options["lora-min"]), float(ctx.options["lora-max"]), f"{kind} range"
        kind = ctx.config.value("finetuning_type")
        self.below = f"{kind} fine-tuning at this rate learns very little per step"
        self.above = f"{kind} fine-tuning at a LoRA-sized rate tends to forget what the model knew, or diverge"
        return float(ctx.options["full-min"]), float(ctx.options["full-max"]), f"{kind} fine-tuning range"


_SIZE = re.compile(r"(?<![a-z0-9.])(\d+(?:\.\d+)?)([mb])(?![a-z])", re.I)


def params_billion(model: str) -> float | None:
    """The parameter count a model name gives (``SmolLM2-360M`` -> 0.36, ``Llama-3.1-8B`` -> 8.0)."""
    name = model.rstrip("/").rsplit("/", 1)[-1]
    sizes = [float(n) / (1000 if unit.lower() == "m" else 1) for n, unit in _SIZE.findall(name.replace("_", "-"))]
    return max(sizes) if sizes else None
