"""Reading the QLoRA-related values the dialects leave in their tools' own spellings."""

from __future__ import annotations

import re
from typing import Any

from .._shared import origin_phrase

_DTYPES = {
    "bfloat16": "bfloat16", "bf16": "bfloat16",
    "float16": "float16", "fp16": "float16", "half": "float16",
    "float32": "float32", "fp32": "float32", "float": "float32",
}


def dtype_name(value: Any) -> str | None:
    """``torch.bfloat16``, ``bf16``, ``"bfloat16"`` -> ``"bfloat16"``; None when not a known dtype."""
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    text = text[len("torch."):] if text.startswith("torch.") else text
    return _DTYPES.get(text)


def mixed_precision(config) -> str | None:
    """The dtype mixed precision trains in, from bf16/fp16, or None when neither is on."""
    if config.value("bf16") is True:
        return "bfloat16"
    if config.value("fp16") is True:
        return "float16"
    return None


def target_list(value: Any) -> list[str] | None:
    """Target modules as a list of names; None for a regex or anything that is not a list of names."""
    if isinstance(value, str):
        if re.search(r"[\\^$*+?()\[\]|]", value):
            return None  # a regular expression: matches cannot be known without the model
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value]
    return None


#: Tokens that mean "every linear layer" in the tools' spellings.
ALL_LINEAR = frozenset({"all-linear", "all_linear", "all"})
#: Attention projections across the architectures in PEFT's default target mapping.
ATTENTION = frozenset({
    "q_proj", "k_proj", "v_proj", "o_proj", "qkv_proj", "c_attn", "query_key_value", "wqkv", "query", "key",
    "value", "q", "k", "v", "o", "in_proj", "query_proj", "value_proj", "key_proj", "self_attn", "attn",
})


def four_bit(config) -> str:
    """'a 4-bit base model', saying so when 4-bit loading is the tool's default (nothing in the file
    asks for it, as in Unsloth Studio)."""
    setting = config.get("load_in_4bit")
    default = setting is not None and setting.origin.value == "default"
    return "a 4-bit base model" + (origin_phrase(config, setting, "load_in_4bit") if default else "")
