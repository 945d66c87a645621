"""JSON Schemas (draft 2020-12) of each dialect's config, for editors: ``sftlint schema``.

An editor with a YAML language server completes keys, shows what they mean and underlines values of
the wrong kind as they are typed. The schema is built from the data the key rules use, so the two
never disagree: the dialect's known keys (``dialects/known_keys/``), the kinds of their values and
the keys newer releases removed (``schemas_data/`` snapshots), the descriptions of the canonical
fields, and the usual ranges of the range rules, quoted in descriptions.

What a schema rejects is what the tool itself rejects, never less usual values: a learning rate
outside the usual range is legal, so the range is said in the description, not enforced. Only
limits the tool enforces (a rank of at least 1, a dropout probability) become ``minimum`` and
``maximum``.

Unknown keys are allowed (``additionalProperties`` stays true): the key lists are snapshots of one
release of each tool, real configs carry keys of newer releases and of the tools' plugins, and an
editor that underlines every such key teaches users to ignore it. Reporting unknown keys, with a
suggestion and the targeted release, is the unknown-key rule's job.
"""

from __future__ import annotations

import json
from typing import Any

from .. import __version__
from ..config.canonical import FIELDS
from ..rules.keys.wrong_type import BOOL_WORDS, SCALAR_KINDS

DRAFT = "https://json-schema.org/draft/2020-12/schema"

#: Snapshot kinds -> JSON Schema types ("any" puts no constraint).
JSON_TYPES = {"bool": "boolean", "int": "integer", "float": "number", "str": "string", "list": "array",
              "dict": "object", "null": "null"}

#: Limits the tools enforce on canonical fields (they raise, or the value means nothing), as
#: JSON Schema keywords. Usual ranges are not here: those are advice, quoted in descriptions.
LIMITS: dict[str, dict[str, float]] = {
    "lora_r": {"minimum": 1},  # PEFT raises for r <= 0
    "lora_dropout": {"minimum": 0, "maximum": 1},  # torch.nn.Dropout raises outside [0, 1]
    "warmup_ratio": {"minimum": 0, "maximum": 1},  # transformers raises outside [0, 1]
    "per_device_train_batch_size": {"minimum": 1},
    "gradient_accumulation_steps": {"minimum": 1},
    "learning_rate": {"minimum": 0},
    "weight_decay": {"minimum": 0},
    "num_train_epochs": {"minimum": 0},
    "warmup_steps": {"minimum": 0},
}



def _boolean_string() -> dict[str, Any]:
    """Strings a lenient loader (pydantic in lax mode, argparse) turns into booleans."""
    # spelled out in three cases: editors run the pattern as an ECMAScript regex, without (?i)
    words = "|".join(sorted({v for w in BOOL_WORDS for v in (w, w.capitalize(), w.upper())}))
    return {"type": "string", "pattern": f"^\\s*({words})\\s*$",
            "description": "true or false written as a string; this tool converts it"}


#: Canonical fields whose description speaks of fractions, said again for tools that type them as
#: whole numbers (axolotl's and Unsloth's ``warmup_steps`` are integers: their ratio is a key of its own).
WHOLE_IN_SOME_TOOLS = {"warmup_steps": "warmup, in optimizer steps (a whole number for this tool, never a ratio)"}


def dialect_schema(dialect, rules=()) -> dict[str, Any]:
    """The schema of ``dialect`` (a :class:`~sftlint.dialects.base.Dialect`); ``rules`` are the
    loaded rule classes, whose ranges are quoted in descriptions."""
    snapshot = dialect.key_schema()
    kinds: dict[str, tuple[str, ...]] = dict(snapshot.keys) if snapshot else {}
    fields = _fields_by_key(dialect)
    converted = {".".join(k.path) for k in dialect.keys if k.read is not None}
    ranges = _usual_ranges(rules)
    lenient = bool(dialect.coerces_numeric_strings)
    sections = set(snapshot.sections) if snapshot else set()

    def prop(dotted: str) -> dict[str, Any]:
        field = fields.get(dotted)
        kind = kinds.get(dotted, ("any",))
        # as the wrong-type rule: tools that build dataclasses check only numbers and booleans
        checked = dotted not in sections and (dialect.validates_types or set(kind) <= SCALAR_KINDS)
        out = _typed(kind, lenient) if checked else {}
        # a converted value (``adapter: qlora``) is not the canonical field's value: name it only
        words = [FIELDS[field]] if field in FIELDS and dotted not in converted else []
        if words and field in WHOLE_IN_SOME_TOOLS and "number" not in out.get("type", ["number"]):
            words = [WHOLE_IN_SOME_TOOLS[field]]  # this tool takes whole steps only: no ratio below 1
        if field and (field != dotted.rsplit(".", 1)[-1] or dotted in converted):
            words.append(f"sftlint reads it as '{field}'")
        if field in ranges:
            words.append(ranges[field])
        if words:
            out = {"description": "; ".join(words) + ".", **out}
        if field in LIMITS and _numeric(out):
            out.update(LIMITS[field])
        return out

    top: dict[str, Any] = {}
    names = set(dialect.known_keys) | {k for k in kinds if "." not in k} | {k.path[0] for k in dialect.keys}
    for name in sorted(names):
        top[name] = prop(name)
    for dotted in sorted({*(k for k in kinds if "." in k), *(".".join(k.path) for k in dialect.keys if len(k.path) > 1)}):
        parent, _, child = dotted.rpartition(".")
        holder = _object_at(top, parent.split("."))
        if holder is not None:
            holder.setdefault("properties", {})[child] = prop(dotted)
    for section in sections & top.keys():
        top[section]["type"] = ["object", "null"]
    if snapshot:
        for removed in snapshot.removed.values():
            if "." not in removed.key:
                since = f" in {removed.package} {removed.since}" if removed.since else f" by {removed.package}"
                instead = f": use '{removed.to}'" if removed.to else ""
                entry = top.setdefault(removed.key, {})
                entry["description"] = f"Removed{since}{instead}."
                entry["deprecated"] = True
    schema: dict[str, Any] = {
        "$schema": DRAFT,
        "title": f"{dialect.title} training config",
        "description": (f"Keys of {dialect.title} fine-tuning configs, generated by sftlint {__version__} "
                        "('sftlint schema'). Unknown keys are allowed: 'sftlint check' reports them."),
        "type": "object",
        "properties": top,
        "additionalProperties": True,
    }
    if lenient:
        schema["$defs"] = {"boolean-string": _boolean_string()}
    return schema


def render(schema: dict[str, Any]) -> str:
    """The schema as committed under ``schemas/``: sorted keys, two-space indent, final newline."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _fields_by_key(dialect) -> dict[str, str]:
    out: dict[str, str] = {}
    for k in dialect.keys:
        out.setdefault(".".join(k.path), k.field)
    return out


def _typed(kinds: tuple[str, ...], lenient: bool) -> dict[str, Any]:
    """The schema for the snapshot kinds, accepting what the wrong-type rule accepts."""
    if "any" in kinds or not kinds:
        return {}
    types = {JSON_TYPES[k] for k in kinds if k in JSON_TYPES} | {"null"}
    if "number" in types:
        types.discard("integer")  # and JSON Schema's integer takes 2.0, as the rule does
    if "integer" in types:
        types.add("boolean")  # a bool is an int to Python and to pydantic's lax mode
    alternatives: list[dict[str, Any]] = []
    if "bool" in kinds and not {"int", "float"} & set(kinds):
        alternatives.append({"enum": [0, 1]})
    if lenient and "bool" in kinds and "str" not in kinds:
        alternatives.append({"$ref": "#/$defs/boolean-string"})
    typed = {"type": sorted(types)}
    return {"anyOf": [typed, *alternatives]} if alternatives else typed


def _numeric(prop: dict[str, Any]) -> bool:
    types = prop.get("type") or next((a["type"] for a in prop.get("anyOf", ()) if "type" in a), [])
    return "number" in types or "integer" in types


def _object_at(top: dict[str, Any], path: list[str]) -> dict[str, Any] | None:
    """The property schema at ``path`` (created for nested keys), or None if it is not an object."""
    holder = top.setdefault(path[0], {})
    for part in path[1:]:
        holder = holder.setdefault("properties", {}).setdefault(part, {})
    types = holder.get("type", ["object"])
    return holder if "object" in types else None


def _usual_ranges(rules) -> dict[str, str]:
    """Canonical field -> the usual range the range rules give it, as a phrase with the rule code.

    A range rule names its ``field`` and has options in pairs ``<what>-min``/``<what>-max``."""
    from ..settings.options import defaults

    out: dict[str, str] = {}
    for rule in sorted(rules, key=lambda r: r.code):
        field = getattr(rule, "field", None)
        if not isinstance(field, str):
            continue
        pairs = []
        options = defaults(rule.options)
        for name, low in options.items():
            high = options.get(name[:-3] + "max")
            if name.endswith("min") and isinstance(low, (int, float)) and isinstance(high, (int, float)):
                what = name[:-3].rstrip("-")
                pairs.append(f"{what + ' ' if what else ''}{low:g}..{high:g}")
        if pairs:
            out[field] = f"usual range {', '.join(pairs)} ({rule.code})"
    return out
