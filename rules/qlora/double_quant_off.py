from __future__ import annotations

from sftlint import Applicability, FixAvailability, Rule, Severity, Violation

from .._shared import key_name, origin_phrase, set_field_fix


class DoubleQuantOff(Rule):
    """## What it does
    For a 4-bit base model, reports double quantisation turned off, in the file or by the tool's
    default.

    ## Why is this bad?
    Every 64 weights share a 32-bit quantisation constant: 0.5 bits per parameter. Double
    quantisation stores those constants in 8 bits, saving about 0.37 bits per parameter (some
    3 GB on a 65B model) with no measured loss of quality. It is free memory for a longer
    sequence or a larger batch.

    ## Example
    ```yaml
    load_in_4bit: true
    bnb_4bit_use_double_quant: false
    ```

    ## Use instead
    ```yaml
    load_in_4bit: true
    bnb_4bit_use_double_quant: true
    ```

    ## Options
    None.

    ## Fix safety
    Unsafe: the quantised model changes slightly, so results are not bit-for-bit the same.

    ## References
    - Dettmers et al., QLoRA (2023), section 3: Double Quantization
    - transformers `BitsAndBytesConfig.bnb_4bit_use_double_quant` (default False)
    """

    code = "QL005"
    name = "double-quantization-off"
    severity = Severity.INFO
    fix_availability = FixAvailability.SOMETIMES

    def check(self, ctx):
        config = ctx.config
        setting = config.get("bnb_4bit_use_double_quant")
        if not config.quantized_4bit or setting is None or setting.value is not False:
            return
        key = key_name(config, setting, "bnb_4bit_use_double_quant")
        yield Violation(
            f"double quantisation is off{origin_phrase(config, setting, 'bnb_4bit_use_double_quant')}: turning it on "
            "saves about 0.37 bits per parameter (some 46 MB per billion parameters, 3 GB on a 65B model) at no measured cost",
            ctx.node_of(setting) if setting.in_file else None,
            set_field_fix(config, "bnb_4bit_use_double_quant", True, Applicability.UNSAFE, f"Set '{key}' to true"),
        )
