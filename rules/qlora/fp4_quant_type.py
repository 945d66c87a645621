from __future__ import annotations

from sftlint import Applicability, FixAvailability, Rule, Severity, Violation

from .._shared import key_name, set_field_fix


class Fp4QuantType(Rule):
    """## What it does
    Reports 4-bit quantisation with the `fp4` data type instead of `nf4`.

    ## Why is this bad?
    NormalFloat4 places its 16 levels at the quantiles of a normal distribution, which is how
    pretrained weights are distributed; the QLoRA paper measured it recovering 16-bit fine-tuning
    quality where FP4 lost about a point on every benchmark, at the same memory.

    ## Example
    ```yaml
    load_in_4bit: true
    bnb_4bit_quant_type: fp4
    ```

    ## Use instead
    ```yaml
    load_in_4bit: true
    bnb_4bit_quant_type: nf4
    ```

    ## Options
    None.

    ## Fix safety
    Unsafe: the model is quantised differently, so a run resumed from a checkpoint changes.

    ## References
    - Dettmers et al., QLoRA (2023), section 3 and table 2: NF4 vs FP4
    - transformers `BitsAndBytesConfig.bnb_4bit_quant_type` (default fp4)
    """

    code = "QL004"
    name = "fp4-instead-of-nf4"
    severity = Severity.WARNING
    fix_availability = FixAvailability.ALWAYS

    def check(self, ctx):
        config = ctx.config
        setting = config.get("bnb_4bit_quant_type")
        if not config.quantized_4bit or setting is None or str(setting.value).lower() != "fp4":
            return
        key = key_name(config, setting, "bnb_4bit_quant_type")
        yield Violation(
            f"'{key}' is fp4: NF4 matches the normal distribution of pretrained weights and kept 16-bit quality "
            "in the QLoRA paper where FP4 lost accuracy, at the same memory",
            ctx.node_of(setting),
            set_field_fix(config, "bnb_4bit_quant_type", "nf4", Applicability.UNSAFE, f"Set '{key}' to nf4"),
        )
