from __future__ import annotations

from sftlint import Rule, Severity, Violation


class Bf16AndFp16(Rule):
    """## What it does
    Reports a config that turns on both `bf16` and `fp16` mixed precision.

    ## Why is this bad?
    A run has one mixed-precision dtype. `TrainingArguments` raises an error when both are set;
    tools that pass the two flags on separately pick one by their own precedence, so the dtype the
    run uses is not the one a reader of the config would guess.

    ## Example
    ```yaml
    bf16: true
    fp16: true
    ```

    ## Use instead
    ```yaml
    bf16: true   # on Ampere (A100, RTX 30xx) or newer; fp16 on older GPUs
    ```

    ## Options
    None.

    ## Fix safety
    No fix: which one is right depends on the GPU.

    ## References
    - transformers `TrainingArguments.__post_init__`: fp16 and bf16 are mutually exclusive
    """

    code = "QL002"
    name = "bf16-and-fp16"
    severity = Severity.ERROR

    def check(self, ctx):
        config = ctx.config
        if not (config.is_set("bf16") and config.is_set("fp16")):
            return
        if config.value("bf16") is True and config.value("fp16") is True:
            yield Violation(
                "bf16 and fp16 are both on: a run trains in one mixed-precision dtype (bf16 on Ampere or newer "
                "GPUs, fp16 on older ones); turn one off",
                ctx.node_of(config.get("fp16")),
            )
