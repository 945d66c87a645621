"""The base model's architecture, looked up once per file for the model rules."""

from __future__ import annotations

from sftlint.config.architectures import Architecture, describe

from .._shared import per_file


def architecture(config) -> Architecture | None:
    """:func:`describe` of ``config``, shared by the rules of a file: each lookup may look for a
    local config.json on disk, and three rules ask for the same model."""
    model = config.value("base_model")
    if not isinstance(model, str):
        return None  # describe knows no model that is not a name
    return per_file(config, ("architecture", model), lambda: describe(config))
