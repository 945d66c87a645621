"""QLoRA (QL): settings around 4-bit loading, mixed precision and adapters that fail at start-up,
waste memory or quietly train something else than the QLoRA recipe."""

from sftlint import hookimpl


@hookimpl
def sftlint_rules():
    from .attention_only_targets import AttentionOnlyTargets
    from .bf16_and_fp16 import Bf16AndFp16
    from .compute_dtype_mismatch import ComputeDtypeMismatch
    from .double_quant_off import DoubleQuantOff
    from .fp4_quant_type import Fp4QuantType
    from .full_precision_optimizer import FullPrecisionOptimizer
    from .gradient_checkpointing_off import GradientCheckpointingOff
    from .lm_head_adapter import LmHeadAdapterIgnored
    from .lora_with_4bit_unquantized import LoraWith4bitUnquantized
    from .quantized_without_adapter import QuantizedWithoutAdapter
    from .unsloth_fast_path_off import UnslothFastPathOff

    return [
        QuantizedWithoutAdapter, Bf16AndFp16, ComputeDtypeMismatch, Fp4QuantType, DoubleQuantOff,
        AttentionOnlyTargets, LmHeadAdapterIgnored, UnslothFastPathOff, GradientCheckpointingOff,
        FullPrecisionOptimizer, LoraWith4bitUnquantized,
    ]
