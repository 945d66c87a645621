"""Secrets and code execution (SEC): credentials written into a config, and settings that run code
from a model repository. Findings never repeat a secret: they name the key and a redacted form."""

from sftlint import hookimpl


@hookimpl
def sftlint_rules():
    from .secret_in_config import SecretInConfig
    from .trust_remote_code import TrustRemoteCode

    return [SecretInConfig, TrustRemoteCode]
