"""Tool validators (TV): combinations of settings that axolotl's config schema, LLaMA-Factory's
argument parser or TRL's and transformers' argument classes reject at start-up, found before the
launch. Each rule names the tool release whose validator it follows."""

from sftlint import hookimpl


@hookimpl
def sftlint_rules():
    from .axolotl_rejects import AxolotlRejectsConfig
    from .llamafactory_rejects import LlamaFactoryRejectsConfig
    from .trainer_rejects import TrainerRejectsConfig

    return [AxolotlRejectsConfig, LlamaFactoryRejectsConfig, TrainerRejectsConfig]
