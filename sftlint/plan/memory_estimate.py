"""Peak GPU memory of a LoRA/QLoRA (or full) fine-tuning run, estimated from the model's shape.

The estimate adds up, per GPU: the base weights (4-bit with their quantisation constants, 8-bit,
or 16-bit), the trainable parameters with their gradients and optimizer state, the activations
kept for the backward pass (with or without gradient checkpointing), the logits (which grow with
the vocabulary), and a fixed allowance for the CUDA context and allocator. The formula and its
sources are in ``docs/memory.md``. The model's shape comes from a local ``config.json`` (the
``base_model`` path, relative to the config file or the working directory) or from
:data:`MODELS`, a table of popular base models matched by name.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from ..records import record
from ..files.safe_paths import is_file

GIB = 1024**3


@record(frozen=True)
class Shape:
    hidden: int
    layers: int
    heads: int
    kv_heads: int
    intermediate: int
    vocab: int
    head_dim: int | None = None
    tied: bool = False

    @property
    def hd(self) -> int:
        return self.head_dim or self.hidden // self.heads


#: Popular base models (from their config.json on the Hugging Face Hub), matched by a lowercase
#: substring of the model id; longer keys are tried first.
MODELS: dict[str, Shape] = {
    "llama-3.2-1b": Shape(2048, 16, 32, 8, 8192, 128256, 64, True),
    "llama-3.2-3b": Shape(3072, 28, 24, 8, 8192, 128256, 128, True),
    "llama-3-8b": Shape(4096, 32, 32, 8, 14336, 128256),
    "llama-3.1-8b": Shape(4096, 32, 32, 8, 14336, 128256),
    "llama-3-70b": Shape(8192, 80, 64, 8, 28672, 128256),
    "llama-3.1-70b": Shape(8192, 80, 64, 8, 28672, 128256),
    "llama-3.3-70b": Shape(8192, 80, 64, 8, 28672, 128256),
    "qwen2.5-0.5b": Shape(896, 24, 14, 2, 4864, 151936, 64, True),
    "qwen2.5-1.5b": Shape(1536, 28, 12, 2, 8960, 151936, 128, True),
    "qwen2.5-3b": Shape(2048, 36, 16, 2, 11008, 151936, 128, True),
    "qwen2.5-7b": Shape(3584, 28, 28, 4, 18944, 152064),
    "qwen2.5-14b": Shape(5120, 48, 40, 8, 13824, 152064),
    "qwen2.5-32b": Shape(5120, 64, 40, 8, 27648, 152064),
    "qwen2.5-72b": Shape(8192, 80, 64, 8, 29568, 152064),
    "qwen3-0.6b": Shape(1024, 28, 16, 8, 3072, 151936, 128, True),
    "qwen3-1.7b": Shape(2048, 28, 16, 8, 6144, 151936, 128, True),
    "qwen3-4b": Shape(2560, 36, 32, 8, 9728, 151936, 128, True),
    "qwen3-8b": Shape(4096, 36, 32, 8, 12288, 151936, 128),
    "qwen3-14b": Shape(5120, 40, 40, 8, 17408, 151936, 128),
    "qwen3-32b": Shape(5120, 64, 64, 8, 25600, 151936, 128),
    "mistral-7b": Shape(4096, 32, 32, 8, 14336, 32768),
    "gemma-2-2b": Shape(2304, 26, 8, 4, 9216, 256000, 256, True),
    "gemma-2-9b": Shape(3584, 42, 16, 8, 14336, 256000, 256, True),
    "gemma-2-27b": Shape(4608, 46, 32, 16, 36864, 256000, 128, True),
    "gemma-3-1b": Shape(1152, 26, 4, 1, 6912, 262144, 256, True),
    "gemma-3-4b": Shape(2560, 34, 8, 4, 10240, 262208, 256, True),
    "gemma-3-12b": Shape(3840, 48, 16, 8, 15360, 262208, 256, True),
    "gemma-3-27b": Shape(5376, 62, 32, 16, 21504, 262208, 128, True),
    "phi-3-mini": Shape(3072, 32, 32, 32, 8192, 32064),
    "phi-3-medium": Shape(5120, 40, 40, 10, 17920, 32064),
}

#: The keys of :data:`MODELS`, longest first (sorted once here rather than for every config).
_MODELS_LONGEST_FIRST = sorted(MODELS, key=len, reverse=True)

#: CUDA context, cuBLAS workspaces and allocator slack, measured at 0.5-1 GiB on recent GPUs.
OVERHEAD_BYTES = 1 * GIB
#: Sequence length assumed when the config does not say (TRL's default ``max_length``).
DEFAULT_SEQ_LEN = 1024
#: bitsandbytes 4-bit: 0.5 byte a weight plus one fp32 absmax per block of 64 weights; with double
#: quantisation the absmax is 8-bit with one fp32 constant per 256 blocks.
NF4_BYTES = 0.5 + 4 / 64
NF4_DOUBLE_QUANT_BYTES = 0.5 + 1 / 64 + 4 / (64 * 256)
#: Optimizer state bytes per trainable parameter.
OPTIMIZER_BYTES = {"8bit": 2, "sgd": 4, "adafactor": 4 / 64, "adamw": 8}
#: Bytes a logit costs: 16-bit logits, their fp32 upcast for the loss, and fp32 gradient.
LOGIT_BYTES = 2 + 4 + 4
#: Top-level keys whose true value turns on Liger's kernels, fused linear cross-entropy included
#: Top-level keys that turn on sharded training (FSDP, DeepSpeed).
SHARDING_KEYS = ("fsdp", "fsdp_config", "fsdp_version", "deepspeed")
LINEAR_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def model_shape(base_model: Any, roots: list[Path]) -> tuple[Shape, str] | None:
    """The shape of ``base_model`` and where it came from, or None when it cannot be known."""
    if not isinstance(base_model, str) or not base_model:
        return None
    absolute = Path(base_model).is_absolute()
    for root in roots:
        config = root.joinpath(base_model, "config.json") if not absolute else Path(base_model) / "config.json"
        if is_file(config):  # noted for pytest --sftlint's cache: a config.json that appears later counts
            shape = shape_from_config(config)
            if shape is not None:
                return shape, str(config)
    lowered = base_model.lower().replace("meta-llama-3", "llama-3")
    for key in _MODELS_LONGEST_FIRST:
        if key in lowered:
            return MODELS[key], f"built-in table ('{key}')"
    return None


def shape_from_config(path: Path) -> Shape | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(data.get("text_config"), dict):
        data = {**data, **data["text_config"]}
    try:
        heads = int(data["num_attention_heads"])
        return Shape(
            int(data["hidden_size"]), int(data["num_hidden_layers"]), heads,
            int(data.get("num_key_value_heads") or heads), int(data["intermediate_size"]), int(data["vocab_size"]),
            int(data["head_dim"]) if data.get("head_dim") else None, bool(data.get("tie_word_embeddings", False)),
        )
    except (KeyError, TypeError, ValueError):
        return None


def module_shapes(s: Shape) -> dict[str, tuple[int, int]]:
    """(in, out) features of each linear module of one decoder layer."""
    q, kv = s.heads * s.hd, s.kv_heads * s.hd
    return {"q_proj": (s.hidden, q), "k_proj": (s.hidden, kv), "v_proj": (s.hidden, kv), "o_proj": (q, s.hidden),
            "gate_proj": (s.hidden, s.intermediate), "up_proj": (s.hidden, s.intermediate),
            "down_proj": (s.intermediate, s.hidden)}


def lora_targets(value: Any) -> list[str]:
    """Which linear modules get adapters (all of them for 'all-linear' and unknown names)."""
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",")]
    if not isinstance(value, list) or not value:
        return list(LINEAR_MODULES)
    names = [str(v) for v in value]
    if any(n in ("all-linear", "all", "all_linear") for n in names):
        return list(LINEAR_MODULES)
    return [m for m in LINEAR_MODULES if any(m in n for n in names)] or list(LINEAR_MODULES)


def optimizer_bytes(optim: Any) -> tuple[float, str]:
    name = str(optim or "adamw_torch").lower()
    if "8bit" in name or "8_bit" in name:
        return OPTIMIZER_BYTES["8bit"], "8-bit Adam states (2 bytes/param)"
    if "sgd" in name:
        return OPTIMIZER_BYTES["sgd"], "SGD momentum (4 bytes/param)"
    if "adafactor" in name:
        return OPTIMIZER_BYTES["adafactor"], "Adafactor factored states"
    return OPTIMIZER_BYTES["adamw"], "fp32 Adam states (8 bytes/param)"


def fused_loss(config) -> str | None:
    """The cross-entropy that never holds the whole logits tensor which the config's tool will
    use, by name; None for the plain loss, whose logits the estimate counts in full. A convention
    of the tool: :meth:`sftlint.dialects.base.Dialect.fused_loss_of`."""
    return config.dialect.fused_loss_of(config)


def chunk_rows(tokens: int, s: Shape) -> int:
    """Rows of logits a fused or chunked loss holds at once: enough tokens that a chunk of logits
    is about as large as their hidden states (Liger's rule, rounded up to a power of two)."""
    per_chunk = -(-tokens // -(-s.vocab // s.hidden))
    return min(tokens, 1 << max(per_chunk - 1, 0).bit_length())


def _whole(value, default: int) -> int:
    """A positive whole number from a config value, or ``default`` when it is none (a string such as
    ``"abc"`` or one of line breaks is a type error other rules report, not a size to compute with)."""
    if isinstance(value, bool) or value is None:
        return default
    if isinstance(value, (int, float)):
        return int(value) if math.isfinite(value) and value >= 1 else default
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    return default


def estimate_memory(config, plan, roots: list[Path] | None = None) -> dict | None:
    """Peak memory per GPU, as a dict of byte counts by term plus ``total_bytes``, or None."""
    if roots is None:
        path = config.document.path
        roots = [(path if isinstance(path, Path) else Path(path)).parent, Path.cwd()]
    found = model_shape(config.value("base_model"), roots)
    if found is None:
        return None
    s, source = found
    linear = sum(i * o for i, o in module_shapes(s).values()) * s.layers
    embedding = s.vocab * s.hidden * (1 if s.tied else 2)
    norms = (2 * s.layers + 1) * s.hidden
    params = linear + embedding + norms
    lora = config.uses_adapter
    if config.value("load_in_4bit") and lora:
        per = NF4_DOUBLE_QUANT_BYTES if config.value("bnb_4bit_use_double_quant") else NF4_BYTES
        weights, weight_note = linear * per + (embedding + norms) * 2, f"4-bit linear layers ({per:.4f} bytes/param)"
    elif config.value("load_in_8bit") and lora:
        weights, weight_note = linear * (1 + 4 / 4096) + (embedding + norms) * 2, "8-bit linear layers"
    else:
        weights, weight_note = params * 2, "16-bit weights"
    if lora:
        r = _whole(config.value("lora_r"), 8)
        shapes = module_shapes(s)
        trainable = sum(r * (shapes[m][0] + shapes[m][1]) for m in lora_targets(config.value("lora_target_modules"))) * s.layers
        master, grad_bytes = 4, 4  # adapter weights and their gradients stay fp32
    else:
        trainable, master, grad_bytes = params, 0, 2
    opt_per, opt_note = optimizer_bytes(config.value("optim"))
    seq = _whole(config.value("max_seq_length"), DEFAULT_SEQ_LEN)
    batch = _whole(plan.per_device_batch_size or config.value("per_device_train_batch_size"), 1)
    tokens = seq * batch
    checkpointing = bool(config.value("gradient_checkpointing"))
    # Korthikanti et al. 2022, eq. 2, with flash/SDPA attention (no s^2 term): 34 s b h bytes per
    # layer for a 4h MLP; the MLP's 19 of those 34 scale with the real intermediate size.
    per_layer = tokens * s.hidden * (15 + 19 * s.intermediate / (4 * s.hidden))
    if checkpointing:
        activations = 2 * tokens * s.hidden * s.layers + per_layer  # layer inputs + one layer recomputed
    else:
        activations = per_layer * s.layers
    full_logits = tokens * s.vocab * LOGIT_BYTES
    chunked_logits = chunk_rows(tokens, s) * s.vocab * LOGIT_BYTES
    fused = fused_loss(config)
    logits = chunked_logits if fused else full_logits
    # FSDP and DeepSpeed ZeRO-3 shard weights, gradients and optimizer state over the processes
    shards = int(plan.world_size or 1) if any(config.has_key(k) for k in SHARDING_KEYS) else 1
    terms = {
        "weights_bytes": int(weights / shards),
        "trainable_bytes": int(trainable * master / shards),
        "gradients_bytes": int(trainable * grad_bytes / shards),
        "optimizer_bytes": int(trainable * opt_per / shards),
        "activations_bytes": int(activations),
        "logits_bytes": int(logits),
        "overhead_bytes": OVERHEAD_BYTES,
    }
    total = sum(terms.values())
    return {
        "total_bytes": total,
        # what PyTorch's allocator holds at the peak (torch.cuda.max_memory_allocated measures
        # this): everything but the CUDA context and allocator slack
        "allocated_bytes": total - OVERHEAD_BYTES,
        **terms,
        "parameters": params,
        "trainable_parameters": trainable,
        "sequence_length": seq,
        "batch_size": batch,
        "gradient_checkpointing": checkpointing,
        "shards": shards,
        "model_source": source,
        #: the loss that computes logits a chunk at a time, if the config's tool uses one, and what
        #: such a loss holds (the runner's unsloth backend uses Unsloth's whatever the config says)
        "fused_loss": fused,
        "chunked_logits": int(chunked_logits),
        "notes": [weight_note, opt_note] + ([f"{fused}: logits are computed a chunk at a time"] if fused else []),
    }


def gib(n: float) -> str:
    return f"{n / GIB:.1f} GiB"


__all__ = ["MODELS", "Shape", "estimate_memory", "gib"]
