"""Run by tests/test_architectures_real.py in a fresh interpreter: builds a tiny random model of
each model_type in sftlint's architecture table with the installed transformers, and prints the
leaf names of its layers that LoRA can adapt (linear, GPT-2's Conv1D, embeddings), its
configuration class's default position limit, and which
target lists PEFT's get_peft_model refuses on a tiny GPT-2. Request and answer are JSON."""

from __future__ import annotations

import json
import sys
import warnings

warnings.simplefilter("ignore")

import torch  # noqa: E402
from transformers import AutoConfig, AutoModelForCausalLM  # noqa: E402
from transformers.pytorch_utils import Conv1D  # noqa: E402

TINY = {"hidden_size": 64, "n_embd": 64, "d_model": 64, "num_hidden_layers": 1, "n_layer": 1, "n_layers": 1,
        "num_attention_heads": 4, "n_head": 4, "n_heads": 4, "num_key_value_heads": 4, "intermediate_size": 128,
        "ffn_dim": 128, "n_inner": 128, "vocab_size": 128, "head_dim": 16, "rotary_dim": 8, "expansion_ratio": 2}


#: where configuration classes keep the position limit (sftlint.config.architectures.POSITION_KEYS)
POSITION_KEYS = ("max_position_embeddings", "n_positions", "max_sequence_length", "seq_length", "n_ctx")


def tiny_model(model_type: str):
    config = AutoConfig.for_model(model_type)
    for key, value in TINY.items():
        if hasattr(config, key):
            try:
                setattr(config, key, value)
            except AttributeError:
                pass  # a property computed from the others
    for key in ("pad_token_id", "bos_token_id", "eos_token_id"):
        if isinstance(getattr(config, key, None), int) and getattr(config, key) >= TINY["vocab_size"]:
            setattr(config, key, 0)
    return AutoModelForCausalLM.from_config(config)


def layer_names(model) -> list[str]:
    kinds = (torch.nn.Linear, Conv1D, torch.nn.Embedding)
    return sorted({name.rsplit(".", 1)[-1] for name, m in model.named_modules() if name and isinstance(m, kinds)})


def main() -> None:
    from peft import LoraConfig, get_peft_model

    request = json.load(sys.stdin)
    layers, positions = {}, {}
    for model_type in request["model_types"]:
        torch.manual_seed(0)
        layers[model_type] = layer_names(tiny_model(model_type))
        config = AutoConfig.for_model(model_type)
        positions[model_type] = next((getattr(config, k) for k in POSITION_KEYS
                                      if isinstance(getattr(config, k, None), int)), None)
    refused = {}
    for targets in request["gpt2_targets"]:
        try:
            get_peft_model(tiny_model("gpt2"), LoraConfig(r=2, target_modules=targets))
            refused[",".join(targets)] = False
        except ValueError:
            refused[",".join(targets)] = True
    print(json.dumps({"layers": layers, "positions": positions, "refused": refused}))


if __name__ == "__main__":
    main()
