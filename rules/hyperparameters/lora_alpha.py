from __future__ import annotations

import math

from sftlint import Rule, Severity, Violation
from sftlint.settings.options import Option

from .._shared import fmt, number


class LoraAlphaScale(Rule):
    """## What it does
    Reports a `lora_alpha` that scales the adapter by less than 1 or more than 2: with plain LoRA
    the scale is `alpha / r`, so the usual choices are `alpha = r` or `alpha = 2r`. With rsLoRA
    (`use_rslora`) the scale is `alpha / sqrt(r)` and the message says what that gives.

    ## Why is this bad?
    The adapter's output is multiplied by the scale, so it acts like a second learning rate. A
    rank raised from 16 to 64 without raising alpha quarters the scale and the adapter learns
    four times more slowly at the same learning rate; alpha copied from an rsLoRA config onto
    plain LoRA (or back) changes the scale by a factor of `sqrt(r)`.

    ## Example
    ```yaml
    lora_r: 64
    lora_alpha: 16
    ```

    ## Use instead
    ```yaml
    lora_r: 64
    lora_alpha: 64   # or 128
    ```

    ## Options
    - `min-scale` (default `0.25`, the QLoRA paper's r 64 with alpha 16), `max-scale` (default `2`):
      the range of the scale. Set `min-scale = 1` for Unsloth's advice of alpha = r or 2r.

    ## Fix safety
    No fix: some recipes pick a small scale on purpose and tune the learning rate to match.

    ## References
    - Hu et al., LoRA (2021), section 4.1: scaling by alpha / r
    - Kalajdzievski, A Rank Stabilization Scaling Factor for Fine-Tuning with LoRA (rsLoRA, 2023)
    - Unsloth, LoRA hyperparameters guide: lora_alpha equal to r or 2r
    - PEFT `LoraConfig.lora_alpha` and `use_rslora`
    """

    code = "HP007"
    name = "lora-alpha-scale-out-of-band"
    severity = Severity.INFO
    options = {
        "min-scale": Option(0.25, float, "smallest alpha / r accepted", minimum=0, exclusive_minimum=True, maximum=10**6),
        "max-scale": Option(2.0, float, "largest alpha / r accepted", minimum=0, exclusive_minimum=True, maximum=10**6),
    }
    methods = frozenset({"lora", "qlora"})

    def check(self, ctx):
        config = ctx.config
        if not config.uses_adapter or not (config.is_set("lora_alpha") or config.is_set("lora_r")):
            return
        alpha, r = number(config.value("lora_alpha")), number(config.value("lora_r"))
        if alpha is None or not r or r <= 0:
            return
        rslora = bool(config.value("use_rslora"))
        scale = alpha / math.sqrt(r) if rslora else alpha / r
        low, high = float(ctx.options["min-scale"]), float(ctx.options["max-scale"])
        if low - 1e-9 <= scale <= high + 1e-9:
            return
        formula = f"alpha / sqrt(r) = {fmt(alpha)} / {fmt(math.sqrt(r))}" if rslora else f"alpha / r = {fmt(alpha)} / {fmt(r)}"
        advice = (f"with rsLoRA, alpha {fmt(low * math.sqrt(r))}..{fmt(high * math.sqrt(r))} gives a scale of "
                  f"{fmt(low)}..{fmt(high)}" if rslora else
                  f"alpha = r ({fmt(r)}) or 2r ({fmt(2 * r)}) is the usual choice")
        direction = "shrinks" if scale < low else "amplifies"
        setting = config.get("lora_alpha") if config.is_set("lora_alpha") else config.get("lora_r")
        yield Violation(
            f"LoRA scale {formula} = {fmt(round(scale, 4))} {direction} the adapter's update, like a "
            f"{'smaller' if scale < low else 'larger'} learning rate; {advice}",
            ctx.node_of(setting),
            data={"lora_alpha": alpha, "lora_r": r, "use_rslora": rslora, "scale": scale},
        )
