"""Hyperparameters (HP): values outside the ranges that LoRA and QLoRA fine-tuning are known to
work in (the QLoRA paper, PEFT and Unsloth's guides). Findings are warnings or information; every
range is a rule option."""

from sftlint import hookimpl


@hookimpl
def sftlint_rules():
    from .batch_size import PerDeviceBatchOutOfBand
    from .epochs import EpochsOutOfBand
    from .gradient_accumulation import GradientAccumulationOutOfBand
    from .learning_rate import LearningRateOutOfBand
    from .lora_alpha import LoraAlphaScale
    from .lora_dropout import LoraDropoutOutOfBand
    from .max_grad_norm import MaxGradNormFarFromQlora
    from .weight_decay import WeightDecayOutOfBand

    return [
        LearningRateOutOfBand, PerDeviceBatchOutOfBand, GradientAccumulationOutOfBand, EpochsOutOfBand,
        WeightDecayOutOfBand, LoraDropoutOutOfBand, LoraAlphaScale, MaxGradNormFarFromQlora,
    ]
