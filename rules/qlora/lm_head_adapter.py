from __future__ import annotations

from sftlint import Rule, Severity, Violation

from ._values import target_list


class LmHeadAdapterIgnored(Rule):
    """## What it does
    Reports `lm_head` among the LoRA target modules where the loss is computed straight from the
    head's base weight: TRL's `chunked_nll` loss, and TRL's `SFTTrainer`, whose loss uses the fused
    head.

    ## Why is this bad?
    These losses multiply the hidden states by `lm_head.weight` without calling the layer, so an
    adapter on the head is never applied and never trained. Recent TRL versions refuse the
    configuration when the trainer is built; older ones trained the rest and silently left the
    head adapter at zero. To train the head, list it under `modules_to_save` instead.

    ## Example
    ```yaml
    loss_type: chunked_nll
    lora_target_modules: [q_proj, k_proj, v_proj, o_proj, lm_head]
    ```

    ## Use instead
    ```yaml
    loss_type: chunked_nll
    lora_target_modules: [q_proj, k_proj, v_proj, o_proj]
    ```

    ## Options
    None.

    ## Fix safety
    No fix: whether the head should train fully (`modules_to_save`) or not at all is the user's call.

    ## References
    - TRL `SFTTrainer.__init__`: "Applying a PEFT adapter to `lm_head` is not supported"
    - TRL `SFTConfig.loss_type`
    """

    code = "QL007"
    name = "lm-head-adapter-ignored"
    severity = Severity.ERROR

    def check(self, ctx):
        config = ctx.config
        if not config.uses_adapter:
            return
        setting = config.get("lora_target_modules")
        names = target_list(setting.value) if setting is not None else None
        if not names or not any(n.rsplit(".", 1)[-1] == "lm_head" for n in names):
            return
        loss = config.value("loss_type")
        if loss == "chunked_nll":
            why = "the chunked_nll loss"
        elif config.dialect.loss_bypasses_lm_head:
            why = "TRL's SFTTrainer, whose loss uses the fused head,"
        else:
            return
        yield Violation(
            f"lm_head is a LoRA target, but {why} computes logits from lm_head.weight directly: the adapter is never "
            "applied or trained (recent TRL refuses to start); remove it, or list lm_head under modules_to_save",
            ctx.node_of(setting) if setting.in_file else None,
            data={"loss_type": loss},
        )
