from __future__ import annotations

from sftlint import Rule, Severity, Violation
from sftlint.config.architectures import describe

from .._shared import key_name

#: Keys that stretch the model's positions (RoPE scaling), by dialect.
ROPE_KEYS = ("rope_scaling", "rope_theta", "model_config_overrides")
#: Long-sequence machinery (context and sequence parallelism): a file that sets it up trains past
#: the usual lengths on purpose, to extend the model's context.
LONG_CONTEXT_KEYS = ("context_parallel_size", "sequence_parallel_degree", "sequence_parallel_size", "cp_size")


class SequenceBeyondPositions(Rule):
    """## What it does
    Reports a maximum sequence length (`sequence_len`, `max_length` / `max_seq_length`,
    `cutoff_len`) longer than the base model's position limit, known from its local
    `config.json` (one without the key gets its configuration class's default, as transformers
    gives it) or a built-in table of common models; nothing is reported for other models, whose
    limit sftlint does not know.

    A copy of a listed model on a mirror organisation (`unsloth/Meta-Llama-3.1-8B-bnb-4bit`) has
    the original's limit. A model the table does not list (Qwen2.5-Coder 7B and larger, Qwen2.5-Math,
    Mistral Nemo, Phi-3.5, Phi-4 ...) is unknown: nothing is reported.

    ## Why is this bad?
    A model with learned position embeddings (GPT-2, OPT, StarCoder) has one row per position:
    a longer sequence indexes past the table and the run fails ("index out of range" on CPU, a
    device-side assert on GPU): an error. A rotary model (Llama, Mistral, Pythia) runs, but beyond
    the length it was trained on its attention degrades unless RoPE scaling is configured; with
    sample packing every packed row reaches the full length. That is reported as information,
    and not at all when the file sets up RoPE scaling or context/sequence parallelism, which
    exist to train past the usual lengths on purpose.

    ## Example
    ```yaml
    base_model: TinyLlama/TinyLlama-1.1B-Chat-v1.0   # 2048 positions
    sequence_len: 4096
    ```

    ## Use instead
    ```yaml
    base_model: TinyLlama/TinyLlama-1.1B-Chat-v1.0
    sequence_len: 2048
    ```

    ## Options
    None.

    ## Fix safety
    No fix: shortening the sequences or scaling the positions are both choices.

    ## References
    - `sftlint/config/schemas_data/architectures.json` (`models`, `sources`): each limit with the
      publisher's source it was read from (repository, commit, path), the trained length for
      rotary models: meta-llama/llama-models `models/datatypes.py` (Llama 3: 8192; 3.1, 3.2,
      3.3: 131072), QwenLM/Qwen2.5 `docs/source/getting_started/concepts.md` (Qwen2 and Qwen2.5:
      32768, more only with YaRN), QwenLM/Qwen2.5-Coder `README.md` (0.5B-3B: 32768), Qwen's
      `docs/source/deployment/vllm.md` (Qwen3: 40960), google/gemma_pytorch `gemma/config.py`
      (Gemma, Gemma 2: 8192; Gemma 3 1B: 32768), jzhang38/TinyLlama `README.md` (2048), and the
      `config.json` of the publisher's own Hub repository at a named revision (SmolLM2-1.7B-Instruct,
      Mistral-7B-Instruct-v0.3); older entries without a source are each model's `config.json`
    - each model type's class default in transformers 5.17 (for a local `config.json` without
      the key), checked against the installed configuration classes in
      `tests/test_architectures_real.py`
    - transformers `GPT2Model.forward` (`wpe` lookup); Unsloth Studio scales RoPE itself, so it is
      not checked for rotary models
    """

    code = "MD002"
    name = "sequence-beyond-model-positions"
    severity = Severity.WARNING

    def check(self, ctx):
        config = ctx.config
        setting = config.get("max_seq_length")
        if setting is None or not setting.in_file or isinstance(setting.value, bool) or not isinstance(setting.value, int):
            return
        arch = describe(config)
        if arch is None or arch.max_positions is None or setting.value <= arch.max_positions:
            return
        name = key_name(config, setting, "max_seq_length")
        if arch.position_kind == "learned":
            yield Violation(
                f"'{name}: {setting.value}' is longer than the {arch.max_positions} positions of '{arch.model}' "
                f"(from {arch.source}), whose position embeddings are a table: a longer sequence fails",
                ctx.node_of(setting), severity=Severity.ERROR,
                data={"max_positions": arch.max_positions, "kind": "learned", "source": arch.reference},
            )
            return
        if arch.position_kind != "rotary" or config.dialect.scales_rope:
            return
        if any(config.has_key(k) for k in ROPE_KEYS):
            return
        for k in LONG_CONTEXT_KEYS:
            value = config.raw(k)
            if isinstance(value, int) and not isinstance(value, bool) and value > 1:
                return
        yield Violation(
            f"'{name}: {setting.value}' is longer than the {arch.max_positions} positions '{arch.model}' was trained "
            f"on (from {arch.source}): past them its attention degrades unless RoPE scaling is configured",
            ctx.node_of(setting), severity=Severity.INFO, data={"max_positions": arch.max_positions, "kind": "rotary",
                                                            "source": arch.reference},
        )
