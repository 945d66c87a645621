"""Walking a config's keys as its tool sees them: top-level keys, and ``section.key`` pairs in
tools whose configs are sectioned (Unsloth)."""

from __future__ import annotations

from typing import Iterator

from sftlint.document import Mapping, Node, Scalar
from sftlint.findings import Severity
from sftlint.schemas import KeySchema

#: What each tool does with a top-level key it does not know, read in its source:
#: - transformers: ``TrainingArguments(**config)`` raises TypeError (unexpected keyword argument),
#:   ``HfArgumentParser.parse_dict``/``parse_yaml_file`` raise ValueError ("Some keys are not used").
#: - TRL 1.15: ``trl sft --config`` hands keys its parser does not consume to ``accelerate launch``,
#:   which stops with "unrecognized arguments"; scripts calling ``TrlParser.parse_args_and_config``
#:   raise ValueError ("Unknown arguments from config file").
#: - LLaMA-Factory: ``HfArgumentParser.parse_dict(..., allow_extra_keys=False)`` raises ValueError
#:   unless ALLOW_EXTRA_ARGS is set (``hparams/parser.py``).
#: - axolotl: the pydantic ``AxolotlInputConfig`` ignores extra fields and ``validate_config``
#:   returns its ``model_dump``, so the key is dropped before training.
#: - Unsloth Studio: its trainer reads the keys it knows from each section and ignores the rest.
CONSEQUENCES = {
    "hf": "TrainingArguments(**config) stops with a TypeError (unexpected keyword argument), and "
          "HfArgumentParser with a ValueError",
    "trl": "`trl sft` passes it on to `accelerate launch`, which stops with 'unrecognized arguments' "
           "(TrlParser scripts stop with 'Unknown arguments from config file')",
    "llamafactory": "LLaMA-Factory stops with 'Some keys are not used by the HfArgumentParser'",
    "axolotl": "axolotl's schema drops it when the config is validated, so it has no effect",
    "unsloth": "Unsloth Studio ignores it",
}
#: Tools that stop with an error on a key they do not accept; the others drop it silently.
REJECTING = frozenset({"hf", "trl", "llamafactory"})
#: Tools whose configs are often read by a project's own script that adds arguments of its own
#: (HfArgumentParser and TrlParser take several dataclasses): there a key is reported only when it
#: is a near miss of a key the tool knows, since any other key may be the script's.
EXTENSIBLE = frozenset({"hf", "trl"})


def entries(root: Mapping, schema: KeySchema) -> Iterator[tuple[str, Scalar, Node, Mapping]]:
    """(dotted key, key node, value node, mapping holding it) for every key the schema governs."""
    for key, value in root.pairs:
        if not isinstance(key, Scalar):
            continue
        yield key.text, key, value, root
        if key.text in schema.sections and isinstance(value, Mapping):
            for sub, subvalue in value.pairs:
                if isinstance(sub, Scalar):
                    yield f"{key.text}.{sub.text}", sub, subvalue, value


def severity_for(dialect_name: str) -> Severity:
    return Severity.ERROR if dialect_name in REJECTING else Severity.WARNING


def consequence(dialect) -> str:
    if dialect.name in CONSEQUENCES:
        return CONSEQUENCES[dialect.name]
    if dialect.name in REJECTING:
        return f"{dialect.title} stops with an error on it"
    return f"{dialect.title} silently ignores it"
