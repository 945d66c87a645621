"""Random-init Llama models and a locally trained tokenizer, so runs need nothing from the network.

``--model synthetic:tiny`` (~100k parameters, trains on a CPU in seconds) and ``synthetic:1b``
(Llama-shaped, about a billion parameters, for GPU smoke runs and benchmarks) are written once to a
local folder with ``config.json``, safetensors weights and tokenizer files, which is what both
``transformers`` and Unsloth's ``from_pretrained`` expect. The folder is keyed by spec and recipe
version under the cache directory and built atomically, so parallel runs share one copy.

The tokenizer is a byte-level BPE trained with ``tokenizers`` on the synthetic task and a little
prose (any text still encodes, byte by byte), with a chat template so ``messages`` data works.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

PREFIX = "synthetic:"
#: Bump when the recipe changes, so stale cached folders are not reused.
RECIPE_VERSION = 1

SPECIAL_TOKENS = ["<|pad|>", "<|bos|>", "<|end|>", "<|system|>", "<|user|>", "<|assistant|>"]
CHAT_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}<|{{ message['role'] }}|>\n"
    "{{ message['content'] }}<|end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)


@dataclass(frozen=True)
class SyntheticSpec:
    name: str
    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    tokenizer_vocab: int
    #: Model vocabulary; larger than the tokenizer's for ``1b`` so the embedding has Llama's shape.
    vocab_size: int | None = None
    tie_word_embeddings: bool = True
    max_position_embeddings: int = 4096
    seed: int = 0


SPECS = {
    "tiny": SyntheticSpec("tiny", hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                          num_attention_heads=4, num_key_value_heads=4, tokenizer_vocab=512, vocab_size=512),
    # Llama-3.2-1B's body (2048 hidden, 16 layers, GQA 32/8, MLP 8192) with a 32k vocabulary: ~1.04B.
    "1b": SyntheticSpec("1b", hidden_size=2048, intermediate_size=8192, num_hidden_layers=16,
                        num_attention_heads=32, num_key_value_heads=8, tokenizer_vocab=4096, vocab_size=32768),
}


def is_synthetic(model: str | None) -> bool:
    return bool(model) and str(model).startswith(PREFIX)


def spec_for(model: str) -> SyntheticSpec:
    name = model[len(PREFIX):] if model.startswith(PREFIX) else model
    if name not in SPECS:
        raise ValueError(f"unknown synthetic model {model!r}; known: {', '.join(PREFIX + n for n in SPECS)}")
    return SPECS[name]


def needs_gpu(model: str | None) -> bool:
    """True for synthetic models too large to train on a CPU in a test."""
    return is_synthetic(model) and spec_for(model).name != "tiny"


def cache_root() -> Path:
    base = os.environ.get("SFTLINT_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache"), "sftlint")
    return Path(base)


def model_dir(model: str, root: Path | None = None) -> Path:
    spec = spec_for(model)
    return (root or cache_root()) / "synthetic" / f"{spec.name}-r{RECIPE_VERSION}"


def parameter_count(spec: SyntheticSpec) -> int:
    """Parameters of the model a spec builds, computed from its shape (no weights needed)."""
    h, i, layers = spec.hidden_size, spec.intermediate_size, spec.num_hidden_layers
    head_dim = h // spec.num_attention_heads
    kv = spec.num_key_value_heads * head_dim
    vocab = spec.vocab_size or spec.tokenizer_vocab
    per_layer = 2 * h * h + 2 * h * kv + 3 * h * i + 2 * h
    embeddings = vocab * h * (1 if spec.tie_word_embeddings else 2)
    return layers * per_layer + embeddings + h


def ensure_model(model: str, root: Path | None = None) -> Path:
    """Return the local folder of a synthetic model, building it the first time."""
    target = model_dir(model, root)
    if (target / "config.json").is_file() and (target / "tokenizer.json").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        build(spec_for(model), staging)
        try:
            os.rename(staging, target)
        except OSError:  # another process finished first: keep theirs
            if not (target / "config.json").is_file():
                raise
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target


def build_tokenizer(spec: SyntheticSpec):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    from .synthetic_data import tokenizer_corpus

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=spec.tokenizer_vocab, special_tokens=SPECIAL_TOKENS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(tokenizer_corpus(), trainer=trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|bos|>", eos_token="<|end|>", pad_token="<|pad|>",
                                   chat_template=CHAT_TEMPLATE, model_max_length=spec.max_position_embeddings)


def build(spec: SyntheticSpec, folder: Path) -> None:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = build_tokenizer(spec)
    vocab = max(spec.vocab_size or 0, len(tokenizer))
    config = LlamaConfig(
        vocab_size=vocab, hidden_size=spec.hidden_size, intermediate_size=spec.intermediate_size,
        num_hidden_layers=spec.num_hidden_layers, num_attention_heads=spec.num_attention_heads,
        num_key_value_heads=spec.num_key_value_heads, max_position_embeddings=spec.max_position_embeddings,
        tie_word_embeddings=spec.tie_word_embeddings, bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(spec.seed)
    big = spec.name != "tiny"
    device = "cuda" if big and torch.cuda.is_available() else "cpu"
    with torch.device(device):
        model = LlamaForCausalLM(config)
    if big:
        model = model.to(torch.bfloat16)
        config.torch_dtype = "bfloat16"
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    (folder / "synthetic.json").write_text(json.dumps({**asdict(spec), "recipe": RECIPE_VERSION}, indent=2))


def is_built(model: str, root: Path | None = None) -> bool:
    target = model_dir(model, root)
    return (target / "config.json").is_file() and (target / "tokenizer.json").is_file()


def ensure_model_quietly(model: str, root: Path | None = None) -> Path:
    """:func:`ensure_model` in a child process whose output is kept unless the build fails.

    Building imports torch and transformers, whose import-time warnings (torchao's missing
    kernels, triton's leak report at exit) would otherwise land on the user's terminal; it also
    keeps those packages out of the process that only judges the run.
    """
    import subprocess
    import sys

    spec_for(model)  # an unknown name fails here, with the known ones
    if is_built(model, root):
        return model_dir(model, root)
    command = [sys.executable, "-m", "sftlint.runner.synthetic_model", model]
    if root is not None:
        command.append(str(root))
    proc = subprocess.run(command, capture_output=True, text=True)
    if proc.returncode != 0 or not is_built(model, root):
        tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-3:])
        raise ValueError(f"could not build the synthetic model {model}: {tail}")
    return model_dir(model, root)


def main(argv: list[str] | None = None) -> int:
    import sys

    argv = sys.argv[1:] if argv is None else argv
    if len(argv) not in (1, 2):
        print("usage: python -m sftlint.runner.synthetic_model synthetic:NAME [CACHE_ROOT]", file=sys.stderr)
        return 2
    print(ensure_model(argv[0], Path(argv[1]) if len(argv) == 2 else None))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
