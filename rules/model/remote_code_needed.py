from __future__ import annotations

from sftlint import Rule, Severity, Violation
from sftlint.config.architectures import describe


class RemoteCodeNeeded(Rule):
    """## What it does
    Reports a base model that needs its own code (an architecture transformers does not have,
    such as Qwen-7B's first generation, ChatGLM, Baichuan or InternLM2) when `trust_remote_code`
    is off, in the tools where it is off unless the file turns it on (axolotl, LLaMA-Factory,
    `trl sft`). Models are recognised by their local `config.json` or a built-in table.

    ## Why is this bad?
    transformers refuses to run the repository's code without `trust_remote_code: true`: in a
    job without a terminal the load stops with an error, after the download. Turning it on
    runs that code with your permissions, so pin a reviewed `revision` too (see SEC002).

    ## Example
    ```yaml
    base_model: Qwen/Qwen-7B
    ```

    ## Use instead
    ```yaml
    base_model: Qwen/Qwen-7B
    revision: <a commit you have read>
    trust_remote_code: true
    ```

    ## Options
    None.

    ## Fix safety
    No fix: whether to run a repository's code is the user's decision.

    ## References
    - transformers `dynamic_module_utils.resolve_trust_remote_code`
    - `sftlint/config/schemas_data/architectures.json` (`remote_code`: repositories whose `config.json`
      has an `auto_map` for an architecture transformers 5.17 does not have)
    """

    code = "MD003"
    name = "remote-code-needed"
    severity = Severity.ERROR
    #: the tools whose ``trust_remote_code`` is off unless the file turns it on
    dialects = frozenset({"axolotl", "llamafactory", "trl"})

    def check(self, ctx):
        config = ctx.config
        setting = config.get("trust_remote_code")
        if setting is not None and setting.value is True:
            return
        arch = describe(config)
        if arch is None or arch.remote_code is None:
            return
        where = "'trust_remote_code' is off" if setting is not None and setting.in_file else \
            f"'trust_remote_code' is off ({config.dialect.command or config.dialect.title}'s default)"
        node = ctx.node_of(setting) if setting is not None and setting.in_file else ctx.node_of(config.get("base_model"))
        yield Violation(
            f"'{arch.model}' is a {arch.remote_code} model, whose code lives in its repository (from {arch.source}), "
            f"and {where}: the model fails to load; set 'trust_remote_code: true' with a pinned 'revision'",
            node, data={"architecture": arch.remote_code},
        )
