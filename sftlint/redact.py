"""Recognising credentials in a config, and showing them only in redacted form.

Used by the secrets rules to find tokens and by the ``full`` output format, which prints the
lines around each finding: a line holding a credential is shown with the value masked, so no
output format ever repeats a secret that was written into a config.
"""

from __future__ import annotations

import re
from typing import NamedTuple

#: Keys whose string value is a credential, whatever it looks like (lower-case).
SECRET_KEYS = frozenset({
    "hub_token", "hf_token", "hf_hub_token", "huggingface_token", "ms_hub_token", "om_hub_token",
    "wandb_api_key", "wandb_key", "comet_api_key", "neptune_api_token", "mlflow_tracking_token",
    "openai_api_key", "api_key", "access_token", "auth_token", "secret_key",
})

# The patterns are kept as source and compiled by ``re`` on first use (it caches them): most
# runs meet no value that contains a token prefix, and compiling them all up front was a
# noticeable share of a one-file check.

#: Values that are credentials under any key: (what they are, public prefix, pattern). A value
#: without the prefix cannot match, so the pattern is only tried on values that contain it.
SHAPES = (
    ("Hugging Face token", "hf_", r"\bhf_[A-Za-z0-9]{30,}\b"),
    ("API key", "sk-", r"\bsk-[A-Za-z0-9_\-]{20,}"),
)
#: A W&B API key: 40 hex digits (86 in newer keys, with a prefix); only under a W&B-ish key.
WANDB_KEY = r"^(?:[a-z0-9]+-)?[0-9a-f]{40,86}$"

#: Values that stand for a credential without being one.
_PLACEHOLDER = (r"(?i)^(?:\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|<[^>]*>|\{\{.*\}\}|x+|\*+|\.\.\.|"
                r"(?:your|my)[_\- ].*|changeme|none|null|todo|tbd|secret|token)$")

_KEY_VALUE = r"""^(?P<lead>\s*(?:-\s+)?["']?(?P<key>[A-Za-z0-9_.\-]+)["']?\s*:\s*)(?P<value>\S.*?)\s*(?P<tail>,?\s*(?:#.*)?)$"""


class Secret(NamedTuple):
    """A credential found in a value: what it is and a redacted form safe to print."""

    kind: str
    length: int
    prefix: str = ""

    @property
    def redacted(self) -> str:
        return f"{self.prefix}\u2026({self.length} chars)"


def find_secret(key: str | None, value: object) -> Secret | None:
    """The credential held by ``value`` under ``key``, or None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    for kind, prefix, pattern in SHAPES:
        if prefix in text and re.search(pattern, text):
            return Secret(kind, len(text), prefix if text.startswith(prefix) else "")
    name = (key or "").lower()
    if "wandb" in name and re.match(WANDB_KEY, text):
        return Secret("W&B API key", len(text))
    if name in SECRET_KEYS and _looks_real(text):
        return Secret("credential", len(text))
    return None


def _looks_real(text: str) -> bool:
    return len(text) >= 8 and " " not in text and not re.match(_PLACEHOLDER, text)


def redact_line(line: str) -> str:
    """``line`` with every credential replaced by its redacted form (unchanged when it has none)."""
    for _, prefix, pattern in SHAPES:
        if prefix in line:
            line = re.sub(pattern, lambda m, p=prefix: f"{p}\u2026({len(m.group(0))} chars)", line)
    match = re.match(_KEY_VALUE, line)
    if match:
        raw = match["value"]
        value = raw[1:-1] if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"" else raw
        secret = find_secret(match["key"], value)
        if secret is not None:
            line = match["lead"] + secret.redacted + match["tail"]
    return line


def redact_diff_line(line: str) -> str:
    """A unified-diff line with credentials redacted in its content (the +/-/space mark is kept)."""
    if line.startswith(("---", "+++", "@@")) or not line:
        return line
    end = "\n" if line.endswith("\n") else ""
    return line[0] + redact_line(line[1:].rstrip("\n")) + end
