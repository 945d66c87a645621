from __future__ import annotations

from sftlint import Applicability, FixAvailability, Rule, Severity, Violation

from .._shared import key_name, origin_phrase, set_field_fix
from ._values import dtype_name, mixed_precision


class ComputeDtypeMismatch(Rule):
    """## What it does
    For a 4-bit base model, reports a compute dtype (`bnb_4bit_compute_dtype`, or the model dtype
    that tools pass on as it) of float32, or one that differs from the bf16/fp16 mixed precision
    the run trains in.

    ## Why is this bad?
    bitsandbytes dequantises each 4-bit weight to the compute dtype for every matmul. In float32
    that doubles the memory traffic and time of every layer compared to the QLoRA recipe's
    bfloat16, and it is easy to get by accident: TRL's `dtype` defaults to float32 and becomes the
    compute dtype. A compute dtype that differs from the mixed-precision dtype makes autocast
    convert activations back and forth at every adapted layer.

    ## Example
    ```yaml
    load_in_4bit: true
    bf16: true
    bnb_4bit_compute_dtype: float16
    ```

    ## Use instead
    ```yaml
    load_in_4bit: true
    bf16: true
    bnb_4bit_compute_dtype: bfloat16
    ```

    ## Options
    None.

    ## Fix safety
    Unsafe: the fix sets the compute dtype to the mixed-precision dtype, which changes the
    numerics of every layer.

    ## References
    - Dettmers et al., QLoRA (2023): BFloat16 compute dtype
    - transformers `BitsAndBytesConfig.bnb_4bit_compute_dtype` (default float32)
    - TRL `ModelConfig.dtype` and `get_quantization_config`
    """

    code = "QL003"
    name = "compute-dtype-mismatch"
    severity = Severity.WARNING
    fix_availability = FixAvailability.SOMETIMES

    def check(self, ctx):
        config = ctx.config
        setting = config.get("bnb_4bit_compute_dtype")
        if not config.quantized_4bit or setting is None:
            return
        compute = dtype_name(setting.value)
        precision = mixed_precision(config)
        if compute is None or compute == precision:
            return
        if compute != "float32" and precision is None:
            return  # no mixed precision: the compute dtype is the run's only dtype
        key = key_name(config, setting, "bnb_4bit_compute_dtype")
        origin = origin_phrase(config, setting, "bnb_4bit_compute_dtype")
        if compute == "float32":
            message = (f"4-bit compute dtype float32{origin}: every matmul dequantises to float32, about twice "
                       f"the memory traffic and time of bfloat16")
            if precision:
                message += f"; the run trains in {precision}"
        else:
            message = (f"4-bit compute dtype {compute}{origin} differs from the {precision} mixed precision the run "
                       f"trains in: activations are converted at every adapted layer")
        target = precision or "bfloat16"
        fix = set_field_fix(config, "bnb_4bit_compute_dtype", target, Applicability.UNSAFE,
                            f"Set '{key}' to {target}") if precision else None
        node = ctx.node_of(setting) if setting.in_file else None
        yield Violation(message, node, fix, data={"compute_dtype": compute, "mixed_precision": precision})
