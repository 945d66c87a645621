"""Model architecture (MD): settings that do not fit the base model itself (LoRA target modules
it does not have, sequences longer than its positions, code it needs loaded), judged from the
model's local config.json or a built-in table of common architectures, and silent when neither
knows the model."""

from sftlint import hookimpl


@hookimpl
def sftlint_rules():
    from .remote_code_needed import RemoteCodeNeeded
    from .sequence_beyond_positions import SequenceBeyondPositions
    from .targets_not_in_model import TargetsNotInModel

    return [TargetsNotInModel, SequenceBeyondPositions, RemoteCodeNeeded]
