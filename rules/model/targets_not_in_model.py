from __future__ import annotations

from sftlint import Rule, Severity, Violation
from sftlint.config.architectures import describe

from ..qlora._values import ALL_LINEAR, target_list


class TargetsNotInModel(Rule):
    """## What it does
    Reports LoRA target modules that the base model does not have, such as Llama's `q_proj` ...
    `up_proj` on a GPT-2-family model, whose layers are `c_attn`, `c_proj` and `c_fc`. The
    model's layers come from its local `config.json` (its `model_type`) or a built-in table of
    common models; for a model in neither, nothing is reported.

    ## Why is this bad?
    PEFT matches each target against the model's module names. When none matches, it stops with
    "Target modules ... not found in the base model" after the model has downloaded and loaded.
    When only some match, the others are skipped without a word and the adapter is smaller than
    the config says.

    ## Example
    ```yaml
    base_model: openai-community/gpt2
    lora_target_modules: [q_proj, v_proj]
    ```

    ## Use instead
    ```yaml
    base_model: openai-community/gpt2
    lora_target_modules: [c_attn]
    ```

    ## Options
    None.

    ## Fix safety
    No fix: which of the model's layers were meant is the author's choice.

    ## References
    - PEFT `tuners_utils.BaseTuner.inject_adapter` ("Target modules ... not found in the base model")
    - `sftlint/config/schemas_data/architectures.json`: module names by `model_type`, from the modeling
      files of transformers 5.17
    """

    code = "MD001"
    name = "lora-targets-not-in-model"
    severity = Severity.ERROR
    methods = frozenset({"lora", "qlora"})

    def check(self, ctx):
        config = ctx.config
        setting = config.get("lora_target_modules")
        if setting is None or not setting.in_file:
            return
        targets = target_list(setting.value)
        if not targets or any(t.lower() in ALL_LINEAR for t in targets):
            return
        if config.dialect.all_linear_key and config.raw(config.dialect.all_linear_key) is True:
            return  # every linear layer is adapted whatever the list says
        arch = describe(config)
        if arch is None or arch.modules is None:
            return
        missing = [t for t in targets if t.rsplit(".", 1)[-1] not in arch.modules]
        if not missing:
            return
        have = ", ".join(sorted(m for m in arch.modules if m != "lm_head"))
        kind = f"a {arch.model_type} model" if arch.model_type else "the model"
        if len(missing) == len(targets):
            yield Violation(
                f"none of the LoRA targets ({', '.join(missing)}) is a layer of '{arch.model}', {kind} "
                f"(from {arch.source}): PEFT stops with 'Target modules not found'; its layers are {have}",
                ctx.node_of(setting), data={"missing": missing, "model_type": arch.model_type},
            )
        else:
            yield Violation(
                f"LoRA targets {', '.join(missing)} are not layers of '{arch.model}', {kind} (from {arch.source}): "
                f"PEFT skips them without a word; its layers are {have}",
                ctx.node_of(setting), severity=Severity.WARNING,
                data={"missing": missing, "model_type": arch.model_type},
            )
