from __future__ import annotations

from sftlint import Rule, Severity, Violation


class TrustRemoteCode(Rule):
    """## What it does
    Reports `trust_remote_code: true`.

    ## Why is this bad?
    It lets transformers import and run the Python files (`modeling_*.py`, `tokenization_*.py`)
    published in the model's Hub repository, with your user's permissions, on every machine the
    config runs on: a changed or compromised repository runs its new code on your next job, with
    access to your tokens, data and cloud credentials. Most architectures are built into
    transformers and need no remote code; when one does, pin the repository to a reviewed commit
    with `revision`. A model read from a local folder runs the files in that folder, which
    `revision` does not pin: read them before each run.

    ## Example
    ```yaml
    base_model: some-org/new-model
    trust_remote_code: true
    ```

    ## Use instead
    ```yaml
    base_model: some-org/new-model
    revision: 3f2a9c1   # a commit whose code you have read
    trust_remote_code: true   # sftlint: disable=SEC002
    ```

    ## Options
    None.

    ## Fix safety
    No fix: models that need their own code fail to load without it.

    ## References
    - transformers docs, "Customizing models": `trust_remote_code` and pinning a `revision`
    """

    code = "SEC002"
    name = "trust-remote-code"
    severity = Severity.WARNING

    def check(self, ctx):
        config = ctx.config
        setting = config.get("trust_remote_code")
        if setting is None or not setting.in_file or setting.value is not True:
            return
        model = config.value("base_model")
        if isinstance(model, str) and _is_folder(model):  # no Hub repository, and 'revision' does not apply
            yield Violation(
                f"trust_remote_code runs the Python files in the local folder '{model}' with your permissions, at "
                "every load: read them before each run, or drop it if transformers supports the architecture "
                "natively",
                ctx.node_of(setting),
            )
            return
        whose = f"'{model}'" if isinstance(model, str) else "the model's"
        yield Violation(
            f"trust_remote_code runs the Python files in {whose} Hub repository with your permissions, at every "
            "load: pin a reviewed 'revision', or drop it if transformers supports the architecture natively",
            ctx.node_of(setting),
        )


def _is_folder(model: str) -> bool:
    """Whether ``model`` is written as a folder on disk rather than a Hub id (``name`` or
    ``org/name``): an absolute, relative or home path, a Windows drive, or more than one ``/``."""
    return (model.startswith(("/", "./", "../", "~", "\\")) or model.count("/") > 1
            or (len(model) > 2 and model[1] == ":" and model[2] in "/\\"))
