from __future__ import annotations

from sftlint import Rule, Severity, Violation

from .._shared import key_name, sharded
from ._values import four_bit

#: Optimizers that keep 32-bit states in GPU memory, and no paging.
FULL_PRECISION = frozenset({
    "adamw_torch", "adamw_torch_fused", "adamw_hf", "adamw", "adam", "adamw_apex_fused", "adamw_torch_xla",
    "adamw_torch_npu_fused", "sgd", "adagrad", "rmsprop",
})


class FullPrecisionOptimizer(Rule):
    """## What it does
    For a 4-bit base model, reports an optimizer written in the config that keeps 32-bit states
    without paging (`adamw_torch` and the like), where the QLoRA recipe uses a paged 8-bit one.

    ## Why is this bad?
    Adam keeps two states per trained parameter. For an adapter these are small, but QLoRA runs
    are sized to the last gigabyte, and memory spikes from long sequences are what crash them:
    paged optimizers move their states to CPU memory when the GPU runs short instead of failing,
    and 8-bit states take a quarter of the memory.

    ## Example
    ```yaml
    load_in_4bit: true
    optim: adamw_torch
    ```

    ## Use instead
    ```yaml
    load_in_4bit: true
    optim: paged_adamw_8bit   # or adamw_8bit
    ```

    ## Options
    None. Configs that use FSDP or DeepSpeed are not reported: 8-bit optimizer states do not
    shard there.

    ## Fix safety
    No fix: 8-bit optimizer states change the numerics of the run.

    ## References
    - Dettmers et al., QLoRA (2023), section 3: Paged Optimizers
    - transformers `OptimizerNames`: `paged_adamw_8bit`, `adamw_8bit`
    """

    code = "QL010"
    name = "full-precision-optimizer"
    severity = Severity.INFO

    def check(self, ctx):
        config = ctx.config
        setting = config.get("optim")
        if not (config.quantized_4bit and config.uses_adapter) or setting is None or not setting.in_file:
            return
        if sharded(config):
            return  # bitsandbytes' 8-bit and paged optimizers do not shard under FSDP or DeepSpeed ZeRO
        name = str(setting.value).lower()
        if name not in FULL_PRECISION:
            return
        yield Violation(
            f"'{key_name(config, setting, 'optim')}' is {setting.value} with {four_bit(config)}: QLoRA uses a paged "
            "8-bit optimizer (paged_adamw_8bit, or adamw_8bit) that survives memory spikes and stores a quarter of "
            "the state",
            ctx.node_of(setting),
            data={"optim": name},
        )
