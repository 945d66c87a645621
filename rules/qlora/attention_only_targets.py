from __future__ import annotations

import re

from sftlint import Rule, Severity, Violation
from sftlint.document import Scalar

from ._values import ALL_LINEAR, ATTENTION, target_list

#: PEFT's fallback targets for some architectures (``peft.utils.constants``), by the name fragment
#: that identifies them in a model id. Llama-like models get the query and value projections only.
PEFT_FALLBACK = (
    ("llama", "q_proj, v_proj"), ("mistral", "q_proj, v_proj"), ("mixtral", "q_proj, v_proj"),
    ("qwen", "q_proj, v_proj"), ("gemma", "q_proj, v_proj"), ("falcon", "query_key_value"),
    ("gpt2", "c_attn"), ("bloom", "query_key_value"), ("opt-", "q_proj, v_proj"),
)
#: Keys that give PEFT parameters to adapt besides modules (``LoraConfig.target_parameters``):
#: the fused expert weights of mixture-of-experts models, MLP included.
TARGET_PARAMETER_KEYS = ("lora_target_parameters", "target_parameters")
#: Mixture-of-experts models by name: their routed experts are fused parameters, not linear layers.
MOE_NAME = re.compile(r"moe|mixtral|[-_]a\d+(\.\d+)?b\b|deepseek-v[23]|qwen3-next|glm-4\.[5-7]|dbrx|jamba")
#: MLP layer names of architectures whose attention names tell them apart from Llama-like models.
MLP_NAMES = (("query_key_value", "dense_h_to_4h, dense_4h_to_h"), ("c_attn", "c_fc, c_proj"))


class AttentionOnlyTargets(Rule):
    """## What it does
    Reports LoRA adapters on the attention projections only, either listed so or left unset in
    tools that hand an unset list to PEFT, whose fallback for Llama, Mistral, Qwen and Gemma
    models is `q_proj` and `v_proj` alone. A config that also adapts parameters through
    `lora_target_parameters` (the fused experts of mixture-of-experts models) is not reported; the
    message names the MLP layers to add in the model's own names where they are known (GPT-NeoX,
    GPT-2, Whisper, experts of mixture-of-experts models).

    ## Why is this bad?
    The QLoRA paper found that adapting every linear layer (attention and MLP) is what it takes to
    match full 16-bit fine-tuning; the adapter's rank mattered much less than where it was placed.
    Attention-only adapters train fewer parameters but learn noticeably less for the same run.

    ## Example
    ```yaml
    use_peft: true
    lora_target_modules: [q_proj, v_proj]
    ```

    ## Use instead
    ```yaml
    use_peft: true
    lora_target_modules: all-linear
    ```

    ## Options
    None.

    ## Fix safety
    No fix: more adapted layers means more memory and a different run.

    ## References
    - Dettmers et al., QLoRA (2023), section 4: LoRA on all linear transformer block layers
    - PEFT `LoraConfig.target_modules` (`"all-linear"`) and its default target mapping
    """

    code = "QL006"
    name = "attention-only-lora-targets"
    severity = Severity.INFO

    def check(self, ctx):
        config = ctx.config
        if not config.uses_adapter:
            return
        setting = config.get("lora_target_modules")
        if setting is None or setting.value is None:
            if ctx.config.dialect.peft_default_targets:
                yield self._unset(ctx)
            return
        names = target_list(setting.value)
        if not names or any(n.lower() in ALL_LINEAR for n in names) or _targets_parameters(ctx):
            return
        leaves = {n.rsplit(".", 1)[-1].lower() for n in names}
        if leaves <= ATTENTION:
            yield Violation(
                f"LoRA adapts only attention projections ({', '.join(names)}): the QLoRA paper adapts every linear "
                f"layer, MLP included, to match full fine-tuning; {_advice(ctx, leaves)}",
                ctx.node_of(setting) if setting.in_file else None,
                data={"targets": names},
            )

    def _unset(self, ctx) -> Violation:
        model = str(ctx.config.value("base_model") or "").lower()
        fallback = next((targets for fragment, targets in PEFT_FALLBACK if fragment in model), None)
        what = f"for this model that is {fallback} only" if fallback else "for Llama, Mistral, Qwen and Gemma models " \
                                                                          "that is q_proj and v_proj only"
        key = ".".join(ctx.config.dialect.key_path("lora_target_modules") or ("lora_target_modules",))
        return Violation(
            f"'{key}' is not set, so PEFT falls back to its default per architecture ({what}); the QLoRA paper "
            "adapts every linear layer: set it to all-linear",
            None,
            data={"targets": None, "fallback": fallback},
        )


def _targets_parameters(ctx) -> bool:
    """Whether the file also adapts parameters (MoE experts) through ``lora_target_parameters``."""
    for key in TARGET_PARAMETER_KEYS:
        node = ctx.config.node(key)
        if node is not None and not (isinstance(node, Scalar) and node.text.strip().lower() in ("", "null", "~", "[]")):
            return True
    return False


def _advice(ctx, leaves: set[str]) -> str:
    """What to add, in the names of the model's own MLP layers where they are known."""
    model = f"{ctx.config.value('base_model') or ''} {ctx.config.document.path.name}".lower()
    if MOE_NAME.search(model):
        key = ctx.config.dialect.target_parameters_key or "PEFT's target_parameters"
        return f"the experts of this mixture-of-experts model are fused parameters, out of all-linear's reach: list them in {key}"
    if "whisper" in model:
        return "add fc1, fc2 (Whisper's MLP) or use all-linear"
    mlp = next((names for attention, names in MLP_NAMES if attention in leaves), "gate_proj, up_proj, down_proj")
    return f"add {mlp} or use all-linear"
