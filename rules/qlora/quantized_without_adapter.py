from __future__ import annotations

from sftlint import Rule, Severity, Violation


class QuantizedWithoutAdapter(Rule):
    """## What it does
    Reports a base model loaded in 4 or 8 bits for full or freeze fine-tuning, with no adapter
    to train.

    ## Why is this bad?
    Quantised weights are stored as packed integers and cannot receive gradient updates:
    transformers refuses to train a purely quantised model ("You cannot perform fine-tuning on
    purely quantized models"), and LLaMA-Factory refuses quantisation for anything but LoRA-style
    methods. The job fails at start-up, after the model has downloaded and loaded.

    ## Example
    ```yaml
    finetuning_type: full
    quantization_bit: 4
    ```

    ## Use instead
    ```yaml
    finetuning_type: lora   # QLoRA: a 4-bit base model with a trainable adapter
    quantization_bit: 4
    ```

    ## Options
    None.

    ## Fix safety
    No fix: either the adapter or the quantisation is the mistake.

    ## References
    - transformers `Trainer.__init__`: the check for purely quantized models
    - Dettmers et al., QLoRA (2023): gradients flow through the frozen 4-bit model into LoRA adapters
    """

    code = "QL001"
    name = "quantized-without-adapter"
    severity = Severity.ERROR

    def check(self, ctx):
        config = ctx.config
        kind = config.value("finetuning_type")
        if kind not in ("full", "freeze"):
            return
        for field, bits in (("load_in_4bit", 4), ("load_in_8bit", 8)):
            if config.value(field) is True:
                setting = config.get(field)
                yield Violation(
                    f"the base model is loaded in {bits} bits for {kind} fine-tuning, with no adapter: "
                    f"quantised weights cannot be trained, so the trainer refuses to start",
                    ctx.node_of(setting if setting.in_file else config.get("finetuning_type")),
                    data={"bits": bits, "finetuning_type": kind},
                )
                return
