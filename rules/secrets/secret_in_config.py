from __future__ import annotations

from sftlint import Rule, Severity, Violation
from sftlint.document import Scalar
from sftlint.redact import MIN_SECRET_LENGTH, find_secret

from .._scalar_walk import scalar_walk


class SecretInConfig(Rule):
    """## What it does
    Finds credentials written into a config: real-looking values of keys such as `hub_token`,
    `hf_token`, `wandb_api_key`, `aws_secret_access_key` or any key naming a secret, password,
    API key or access token (and anything below such a key), and values shaped like a Hugging Face
    token (`hf_` and 30 or more letters and digits), an OpenAI or Anthropic key (`sk-...`,
    `sk-ant-...`), a GitHub token (`ghp_...`, `github_pat_...`), a Slack token (`xoxb-...`), an
    AWS access key id (`AKIA...`) or a password in a URL (`https://user:pass@host`), under any
    key; and a W&B key (40 hex digits) under a W&B key.

    ## Why is this bad?
    Training configs are committed, shared in issues, uploaded to the Hub next to the model
    (`push_to_hub`) and copied into logs and experiment trackers. A token in one is as good as
    published: anyone holding it can push to your repositories or bill your account. sftlint
    never prints one: every string it writes (messages, source snippets, diffs, plan tables and
    JSON, errors) passes one mask that shows only a redacted form (`hf_…(37 chars)`), wherever in
    the file the credential stands; and no fix moves a credential to another key.

    ## Example
    ```yaml
    hub_model_id: me/llama-3-sft
    hub_token: hf_...   # the real token
    ```

    ## Use instead
    ```yaml
    hub_model_id: me/llama-3-sft
    # export HF_TOKEN=... (or `hf auth login`); the Hub libraries read it from the environment
    ```

    ## Options
    None.

    ## Fix safety
    No fix: deleting the line does not un-publish the token. Revoke it, then remove it.

    ## References
    - Hugging Face Hub docs, User access tokens: keep them secret; `HF_TOKEN` environment variable
    - W&B docs, environment variables: `WANDB_API_KEY`
    """

    code = "SEC001"
    name = "secret-in-config"
    severity = Severity.ERROR

    def check(self, ctx):
        for key, node in _walk(ctx.document):
            if len(node.text) < MIN_SECRET_LENGTH:
                continue  # shorter than any credential (most values): not worth asking
            secret = find_secret(key, node.text)
            if secret is None:
                continue
            where = f"'{key}'" if key else "a list item"
            yield Violation(
                f"{where} holds {_article(secret.kind)} {secret.kind} ({secret.redacted}) written into the config: "
                "anyone who sees the file can use it; revoke it, and pass it through an environment variable "
                "(HF_TOKEN, WANDB_API_KEY)",
                node,
                data={"key": key, "kind": secret.kind, "length": secret.length},
            )


def _walk(document, limit: int = 100_000) -> list[tuple[str | None, Scalar]]:
    """(key, scalar) for every scalar value, keys included as the nearest mapping key: each node
    once (an alias's target too), depth first in file order, and no more than ``limit`` nodes
    visited (a revisited alias counts), so a hostile file stays cheap."""
    return scalar_walk(document).named_within(limit)


def _article(noun: str) -> str:
    return "an" if noun[:1].lower() in "aeiou" else "a"
