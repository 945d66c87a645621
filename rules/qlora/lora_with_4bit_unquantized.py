from __future__ import annotations

from sftlint import Rule, Severity, Violation
from sftlint.document import Scalar

#: The first axolotl release that builds the 4-bit quantization config for ``adapter: qlora`` only.
SINCE = "0.13.0"


class LoraWith4bitUnquantized(Rule):
    """## What it does
    Reports an axolotl config with `adapter: lora` and `load_in_4bit: true`.

    ## Why is this bad?
    From axolotl 0.13.0 the model loader builds the 4-bit (NF4) `BitsAndBytesConfig` only for
    `adapter: qlora`; with `adapter: lora` it no longer passes `load_in_4bit` to transformers at
    all. The base model then loads in 16 bits, the `bnb_config_kwargs` do nothing, and the run
    needs about four times the weight memory the author planned for while the file reads like
    QLoRA. Up to axolotl 0.12 the same file did load in 4 bits (through transformers' legacy
    `load_in_4bit` argument), which is why older examples and tutorials write it this way.

    ## Example
    ```yaml
    adapter: lora
    load_in_4bit: true
    ```

    ## Use instead
    ```yaml
    adapter: qlora
    load_in_4bit: true
    ```

    ## Options
    None.

    ## Fix safety
    No fix: `adapter` names the training method, which fixes leave to the author; changing it
    to `qlora` (or dropping `load_in_4bit`) is the author's choice between two runs.

    ## References
    - axolotl `src/axolotl/loaders/model.py` (`ModelLoader._set_quantization_config`), changed in
      commit aa1240a ("transformers deprecate load_in_Xbit in model_kwargs"), first released in
      0.13.0; checked up to commit 067b021 (0.18.x)
    """

    code = "QL011"
    name = "lora-adapter-with-4bit-not-quantized"
    severity = Severity.WARNING
    dialects = frozenset({"axolotl"})
    methods = frozenset({"lora", "qlora"})

    def check(self, ctx):
        config = ctx.config
        adapter = config.get("finetuning_type")
        four_bit = config.get("load_in_4bit")
        if adapter is None or not adapter.in_file or not isinstance(adapter.node, Scalar):
            return
        if adapter.node.text.strip().lower() != "lora":
            return
        if four_bit is None or not four_bit.in_file or four_bit.value is not True:
            return
        if config.value("load_in_8bit") is True:
            return  # the 8-bit path applies to adapter: lora; the pair is another mistake
        yield Violation(
            f"'adapter: lora' with 'load_in_4bit: true': axolotl >= {SINCE} builds the 4-bit quantization "
            "config only for 'adapter: qlora', so the base model loads in 16 bits and any bnb_4bit settings "
            "do nothing; write 'adapter: qlora' for QLoRA",
            ctx.node_of(four_bit), data={"since": SINCE},
        )
