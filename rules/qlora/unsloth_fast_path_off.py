from __future__ import annotations

from sftlint import Applicability, FixAvailability, Rule, Severity, Violation

from .._shared import fmt, key_name, number, set_field_fix


class UnslothFastPathOff(Rule):
    """## What it does
    For runs through Unsloth, reports a non-zero LoRA dropout or trained biases, which turn off
    Unsloth's fused LoRA kernels.

    ## Why is this bad?
    Unsloth's speed and memory savings come from hand-written kernels that fuse the base layer and
    the adapter; they assume no dropout on the adapter path and no bias. With either, Unsloth
    patches fewer layers and falls back to the ordinary PEFT path for them: the run works, but
    loses much of the reason to use Unsloth.

    ## Example
    ```yaml
    use_unsloth: true
    lora_dropout: 0.05
    ```

    ## Use instead
    ```yaml
    use_unsloth: true
    lora_dropout: 0
    ```

    ## Options
    None.

    ## Fix safety
    Unsafe: the fix sets the dropout to 0, which removes a regulariser from the run.

    ## References
    - Unsloth, LoRA hyperparameters guide: `lora_dropout = 0` and `bias = "none"` are optimised
    - Unsloth `FastLanguageModel.get_peft_model` warnings about dropout and bias
    """

    code = "QL008"
    name = "unsloth-fast-path-off"
    severity = Severity.WARNING
    fix_availability = FixAvailability.SOMETIMES

    def check(self, ctx):
        config = ctx.config
        if not config.uses_adapter or config.value("use_unsloth") is not True:
            return
        dropout = config.get("lora_dropout")
        value = number(dropout.value) if dropout is not None else None
        if value:
            key = key_name(config, dropout, "lora_dropout")
            yield Violation(
                f"LoRA dropout {fmt(value)} with Unsloth: its fused LoRA kernels need dropout 0, so the adapted layers "
                "run on the slower PEFT path",
                ctx.node_of(dropout) if dropout.in_file else None,
                set_field_fix(config, "lora_dropout", 0, Applicability.UNSAFE, f"Set '{key}' to 0"),
                data={"lora_dropout": value},
            )
        bias = config.get("lora_bias")
        if bias is not None and isinstance(bias.value, str) and bias.value.lower() != "none":
            yield Violation(
                f"LoRA bias '{bias.value}' with Unsloth: its fused kernels need bias 'none', so the adapted layers run "
                "on the slower PEFT path",
                ctx.node_of(bias) if bias.in_file else None,
                data={"lora_bias": bias.value},
            )
