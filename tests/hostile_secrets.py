"""Made-up credentials of every recognised shape, and the places a config can hold them.

Shared by the tests and the fuzz campaign in bench/. None of these is a real credential: each is
a fixed pattern of letters with the right prefix and length.
"""

from __future__ import annotations

#: name -> a fake credential with the shape of the real thing
TOKENS = {
    "huggingface": "hf_" + "Qz7Kp2Lm9X" * 4,
    "openai": "sk-proj-" + "Vb3Nt8Rw1Y" * 3,
    "anthropic": "sk-ant-api03-" + "Jd5Fh6Gk0P" * 3,
    "wandb": "9f8e7d6c5b" * 4,
    "aws-key-id": "AKIA" + "QWERTYUI23456789",
    "github-classic": "ghp_" + "Tm4Ws9Xc2Ve7" * 3,
    "github-fine-grained": "github_pat_" + "11AB2CD3EF_" + "Kq8Lp3Mz6Nb" * 5,
    "slack": "xoxb-" + "1234567890-0987654321-" + "Hy6Ju7Ki8Lo9",
    "url-password": "Pw9Qx8Rz7Sy6",
    "opaque-under-secret-key": "Opq8Rst7Uvw6Xyz5",
}

#: name -> the public part an output may still show
PREFIXES = {"huggingface": "hf_", "openai": "sk-", "anthropic": "sk-ant-", "github-fine-grained": "github_pat_",
            "slack": "xox"}


def core(token: str) -> str:
    """A part of ``token`` that no output may contain (what follows its public prefix)."""
    body = token
    for prefix in ("github_pat_", "sk-ant-api03-", "sk-proj-", "hf_", "ghp_", "xoxb-", "AKIA"):
        if body.startswith(prefix):
            body = body[len(prefix):]
            break
    return body[2:12]


BASE = "model_name_or_path: Qwen/Qwen2.5-0.5B\nuse_peft: true\nlearning_rate: 2e-4\nreport_to: wandb\n"


def placements(name: str, token: str) -> dict[str, str]:
    """Config texts (TRL dialect) holding ``token`` in each way YAML allows."""
    key = "wandb_api_key" if name == "wandb" else "hub_token"
    if name == "url-password":
        url = f"https://trainer:{token}@data.example.com/set.jsonl"
        return {
            "url-in-dataset": BASE + f"dataset_name: {url}\n",
            "url-in-list": BASE + f"datasets:\n  - path: {url}\n",
            "url-in-comment": BASE + f"# mirror: {url}\n",
        }
    if name == "opaque-under-secret-key":
        return {
            "plain": BASE + f"hub_token: {token}\n",
            "next-line": BASE + f"hub_token:\n  {token}\n",
            "nested-under-secret": BASE + f"credentials:\n  service: {token}\n",
            "list-under-secret": BASE + f"api_keys:\n  - {token}\n",
            "aws-secret": BASE + f"aws_secret_access_key: {token}\n",
            "db-password": BASE + f"db_password: '{token}'\n",
        }
    shaped = {  # a token recognised by its shape alone, wherever it stands (W&B keys are only hex)
        "anchor-named-like-it": BASE + f"{key}: &{token} x\n",
        "numeric-key": BASE + f"123: {token}\n",
        "key-is-token": BASE + f"{token}: 1\n",
        "comment": BASE + f"# note: {token}\n",
        "undefined-alias": BASE + f"{key}: *{token}\n",
    } if name != "wandb" else {}
    return {
        **shaped,
        "plain": BASE + f"{key}: {token}\n",
        "double-quoted": BASE + f'{key}: "{token}"\n',
        "single-quoted": BASE + f"{key}: '{token}'\n",
        "next-line": BASE + f"{key}:\n  {token}\n",
        "block-literal": BASE + f"{key}: |\n  {token}\n",
        "block-folded": BASE + f"{key}: >-\n  {token}\n",
        "list-item": BASE + f"{key}:\n  - {token}\n",
        "anchor": BASE + f"{key}: &tok {token}\nother: *tok\n",
        "tag": BASE + f"{key}: !!str {token}\n",
        "flow-mapping": BASE + f"secrets: {{{key}: {token}, other: 1}}\n",
        "complex-key": BASE + f"? {key}\n: {token}\n",
        "unknown-key": BASE + f"{'wandb_api_kye' if name == 'wandb' else 'hub_tokn'}: {token}\n",
        "escaped-in-quotes": BASE + f'{key}: "{token[:5]}\\u{ord(token[5]):04x}{token[6:]}"\n',
    }


def json_placement(name: str, token: str) -> str:
    """One line of JSON (TrainingArguments) holding the token."""
    key = "wandb_api_key" if name == "wandb" else "hub_token"
    return ('{"output_dir": "o", "learning_rate": 0.0002, "per_device_train_batch_size": 4, '
            f'"{key}": "{token}", "warmup_ratio": 0.1, "warmup_steps": 3}}')
