from __future__ import annotations

from sftlint import Severity, Violation
from sftlint.settings.options import Option

from .._shared import fmt, number, origin_phrase
from ._band import BandRule


class MaxGradNormFarFromQlora(BandRule):
    """## What it does
    For QLoRA (4-bit base model with an adapter), reports a gradient clipping norm written in the
    config that is far from the QLoRA paper's 0.3: more than `factor` times larger or smaller, or
    0 (no clipping).

    ## Why is this bad?
    QLoRA used a maximum gradient norm of 0.3 for every model size: quantisation error makes early
    gradients spiky, and tight clipping keeps single batches from throwing the adapter off. The
    transformers default of 1.0 rarely hurts, but much larger values or none leave those spikes
    unchecked.

    ## Example
    ```yaml
    load_in_4bit: true
    max_grad_norm: 0
    ```

    ## Use instead
    ```yaml
    load_in_4bit: true
    max_grad_norm: 0.3
    ```

    ## Options
    - `reference` (default `0.3`): the norm to compare against.
    - `factor` (default `4`): how far (as a ratio) a value may be from the reference.

    ## Fix safety
    No fix.

    ## References
    - Dettmers et al., QLoRA (2023), Appendix B: max grad norm 0.3 for all models
    - transformers `TrainingArguments.max_grad_norm` (default 1.0)
    """

    code = "HP008"
    name = "max-grad-norm-far-from-qlora"
    severity = Severity.INFO
    options = {
        "reference": Option(0.3, float, "the QLoRA paper's clipping norm", minimum=0, exclusive_minimum=True, maximum=10**6),
        "factor": Option(4.0, float, "how far from the reference, either way, is accepted", minimum=1, maximum=10**6),
    }
    methods = frozenset({"qlora"})
    field = "max_grad_norm"
    label = "max grad norm"

    def applies(self, ctx) -> bool:
        return ctx.config.uses_adapter and ctx.config.quantized_4bit

    def check(self, ctx):
        if not self.applies(ctx):
            return
        setting = ctx.config.get(self.field)
        value = number(setting.value) if setting is not None and setting.in_file else None
        if value is None:
            return
        ref, factor = float(ctx.options["reference"]), float(ctx.options["factor"])
        if value > 0 and ref / factor <= value <= ref * factor:
            return
        what = "turns gradient clipping off" if value <= 0 else f"is {fmt(round(value / ref, 2))}x the QLoRA paper's {fmt(ref)}"
        yield Violation(
            f"max grad norm {fmt(value)}{origin_phrase(ctx.config, setting, self.field)} {what}; QLoRA clips at "
            f"{fmt(ref)} to tame the spiky gradients of a 4-bit base model",
            ctx.node_of(setting),
            data={"value": value, "reference": ref},
        )
