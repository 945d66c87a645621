from __future__ import annotations

from sftlint import Applicability, FixAvailability, Rule, Severity, Violation

from .._shared import activation_checkpointing_elsewhere, key_name, origin_phrase, set_field_fix
from ._values import four_bit


class GradientCheckpointingOff(Rule):
    """## What it does
    For a 4-bit base model, reports gradient checkpointing turned off, in the file or by the
    tool's default.

    ## Why is this bad?
    Once the weights are in 4 bits, activations are most of a QLoRA run's memory, and they grow
    with sequence length and batch. Checkpointing keeps one activation per layer and recomputes the
    rest during the backward pass, trading about 20-30% more compute for several times less
    activation memory. The QLoRA paper relies on it to fit a 65B model on one 48 GB GPU.

    ## Example
    ```yaml
    load_in_4bit: true
    gradient_checkpointing: false
    ```

    ## Use instead
    ```yaml
    load_in_4bit: true
    gradient_checkpointing: true
    ```

    ## Options
    None. FSDP's own `activation_checkpointing` counts as on.

    ## Fix safety
    Safe: checkpointing changes memory use and speed, not what is computed.

    ## References
    - Dettmers et al., QLoRA (2023), section 2 and 3: gradient checkpointing with paged optimizers
    - transformers `TrainingArguments.gradient_checkpointing`
    """

    code = "QL009"
    name = "gradient-checkpointing-off"
    severity = Severity.INFO
    fix_availability = FixAvailability.SOMETIMES

    def check(self, ctx):
        config = ctx.config
        setting = config.get("gradient_checkpointing")
        if not config.quantized_4bit or setting is None or setting.value is not False:
            return
        if activation_checkpointing_elsewhere(config) or config.objective == "embedding":
            return  # FSDP checkpoints activations itself
        key = key_name(config, setting, "gradient_checkpointing")
        yield Violation(
            f"gradient checkpointing is off{origin_phrase(config, setting, 'gradient_checkpointing')} with "
            f"{four_bit(config)}: activations dominate QLoRA memory, and checkpointing cuts them several times for about "
            "20-30% more compute",
            ctx.node_of(setting) if setting.in_file else None,
            set_field_fix(config, "gradient_checkpointing", True, Applicability.SAFE, f"Set '{key}' to true"),
        )
