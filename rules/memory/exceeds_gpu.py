from __future__ import annotations

from sftlint import Rule, Severity, Violation
from sftlint.plan.memory_estimate import estimate_memory, gib


class MemoryExceedsGpu(Rule):
    """## What it does
    Estimates the run's peak GPU memory from the model's shape and the config, and warns when it
    exceeds the `gpu-memory-gib` setting.

    ## Why is this bad?
    An out-of-memory error comes after the model download, the 4-bit quantisation and the dataset
    preparation, often minutes into a paid GPU job. The usual culprits are visible in the config:
    a long `max_seq_length` times the batch, a large vocabulary's logits, gradient checkpointing
    off, or full fp32 Adam states.

    ## Example
    ```yaml
    # gpu-memory-gib = 24
    base_model: meta-llama/Llama-3.1-8B
    load_in_4bit: true
    sequence_len: 8192
    micro_batch_size: 8
    gradient_checkpointing: false
    ```

    ## Use instead
    ```yaml
    sequence_len: 4096
    micro_batch_size: 2
    gradient_accumulation_steps: 8
    gradient_checkpointing: true
    ```

    ## Options
    None; the GPU's memory is the `gpu-memory-gib` setting (no check without it).

    ## Fix safety
    No fix: which trade-off to make (shorter sequences, smaller batches, checkpointing, 8-bit
    optimizer) is the author's call.

    ## References
    - `docs/memory.md` (the formula and its sources)
    - Korthikanti et al., "Reducing Activation Recomputation in Large Transformer Models" (2022)
    - Dettmers et al., "QLoRA: Efficient Finetuning of Quantized LLMs" (2023)
    """

    code = "MEM001"
    name = "memory-exceeds-gpu"
    severity = Severity.WARNING

    def check(self, ctx):
        limit = ctx.settings.gpu_memory_gib
        if not limit:
            return
        estimate = ctx.plan.memory or estimate_memory(ctx.config, ctx.plan)
        if estimate is None or estimate["total_bytes"] <= limit * 1024**3:
            return
        terms = ("weights", "optimizer", "activations", "logits")
        parts = ", ".join(f"{t} {gib(estimate[f'{t}_bytes'])}" for t in terms)
        if estimate.get("fused_loss"):
            parts += f" (computed a chunk at a time by {estimate['fused_loss']})"
        checkpointing = "on" if estimate["gradient_checkpointing"] else "off"
        setting = ctx.config.get("base_model")
        yield Violation(
            f"estimated peak GPU memory {gib(estimate['total_bytes'])} > {limit:g} GiB ({parts}; sequence "
            f"{estimate['sequence_length']} x batch {estimate['batch_size']}, gradient checkpointing "
            f"{checkpointing}; shape from {estimate['model_source']})",
            ctx.node_of(setting) if setting is not None and setting.in_file else None,
            data={k: v for k, v in estimate.items() if k != "notes"},
        )
