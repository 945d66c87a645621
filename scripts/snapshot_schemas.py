"""Write the key schemas that the KT rules check against, as JSON under ``sftlint/config/schemas_data/``.

transformers, TRL and PEFT are read from the installed packages (their dataclasses); axolotl and
LLaMA-Factory are parsed statically (``ast``) from a source checkout given on the command line, so
neither needs to be installed; Unsloth Studio's keys are collected from its bundled YAML configs.
The linter only ever reads the JSON.

    python scripts/snapshot_schemas.py                        # transformers, trl, peft
    python scripts/snapshot_schemas.py --axolotl ~/src/axolotl --llamafactory ~/src/LLaMA-Factory \
        --unsloth ~/src/unsloth

Each file maps a class (or config section) to ``{key: {"type": [...], "default": value}}``. A type
is a list of the YAML kinds the key accepts: ``int``, ``float``, ``bool``, ``str``, ``list``,
``dict``, ``null``, or ``any`` when the annotation names something else.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import json
import re
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "sftlint" / "config" / "schemas_data"

#: Keys that older releases accepted and newer ones reject, established by comparing the
#: TrainingArguments fields of transformers 4.57.1, 5.0.0, 5.1.0, 5.2.0, 5.3.0, 5.5.0, 5.8.0,
#: 5.12.0-5.16.0 and 5.17.0, and SFTConfig of TRL 0.19, 0.24 and 1.15. ``since`` is the first
#: release without the key; ``to`` is the key that replaces it (None: removed outright); ``ratio``
#: marks a value that carries over unchanged because the new key reads values below 1 as a ratio.
TRANSFORMERS_REMOVED = {
    "evaluation_strategy": {"since": "4.46", "to": "eval_strategy"},
    "per_gpu_train_batch_size": {"since": "5.0", "to": "per_device_train_batch_size"},
    "per_gpu_eval_batch_size": {"since": "5.0", "to": "per_device_eval_batch_size"},
    "no_cuda": {"since": "5.0", "to": "use_cpu"},
    "use_mps_device": {"since": "5.0", "to": None},
    "push_to_hub_token": {"since": "5.0", "to": "hub_token"},
    "push_to_hub_model_id": {"since": "5.0", "to": "hub_model_id"},
    "push_to_hub_organization": {"since": "5.0", "to": None},
    "fp16_backend": {"since": "5.0", "to": None},
    "half_precision_backend": {"since": "5.0", "to": None},
    "tpu_num_cores": {"since": "5.0", "to": None},
    "include_inputs_for_metrics": {"since": "5.0", "to": "include_for_metrics"},
    "include_tokens_per_second": {"since": "5.0", "to": None},
    "overwrite_output_dir": {"since": "5.0", "to": None},
    "save_safetensors": {"since": "5.0", "to": None},
    "adafactor": {"since": "5.0", "to": None},
    "torchdynamo": {"since": "5.0", "to": None},
    "group_by_length": {"since": "5.2", "to": None},
    "logging_dir": {"since": "5.15", "to": None},
    "warmup_ratio": {"since": "5.15", "to": "warmup_steps", "ratio": True},
}
TRL_REMOVED = {
    "max_seq_length": {"since": "0.20", "to": "max_length"},
    # ModelConfig: renamed with transformers' own rename, dropped in "Remove deprecated functions
    # and parameters" (first in v0.27.0)
    "torch_dtype": {"since": "0.27", "to": "dtype"},
    # gone from GRPOConfig in v0.28.0 and from DPOConfig (the DPO refactor) and RLOOConfig in v0.29.0;
    # the later release is recorded, so that no release still accepting it is reported
    "max_prompt_length": {"since": "0.29", "to": None},
}


# -- type annotations to YAML kinds --------------------------------------------------------------
_KINDS = {
    "int": "int", "float": "float", "bool": "bool", "str": "str", "None": "null", "NoneType": "null",
    "list": "list", "List": "list", "tuple": "list", "Tuple": "list", "Sequence": "list", "set": "list",
    "dict": "dict", "Dict": "dict", "Mapping": "dict",
}
_TRANSPARENT = {"Optional", "Union", "typing", "Annotated"}


def kinds_of(annotation: str) -> list[str]:
    """YAML kinds an annotation (as source text) accepts, outermost level only."""
    text = annotation.replace("typing.", "").replace("NoneType", "None")
    tree = ast.parse(text, mode="eval").body
    found: set[str] = set()
    _collect(tree, found)
    if "any" in found:  # a class or enum: alone it says nothing; beside `str` it is an enum's value
        found.discard("any")
        if not found - {"null"}:
            return ["any"]
    return sorted(found)


def _collect(node: ast.AST, found: set[str]) -> None:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        _collect(node.left, found)
        _collect(node.right, found)
    elif isinstance(node, ast.Subscript):
        name = _name(node.value)
        if name in ("Optional", "Union"):
            inner = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            for part in inner:
                _collect(part, found)
            if name == "Optional":
                found.add("null")
        elif name == "Literal":
            values = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            for v in values:
                if isinstance(v, ast.Constant):
                    found.add(_KINDS.get(type(v.value).__name__, "any") if v.value is not None else "null")
        elif name == "Annotated":
            first = node.slice.elts[0] if isinstance(node.slice, ast.Tuple) else node.slice
            _collect(first, found)
        else:
            found.add(_KINDS.get(name, "any"))
    elif isinstance(node, ast.Constant):
        if node.value is None:
            found.add("null")
        elif isinstance(node.value, str):  # a forward reference
            _collect(ast.parse(node.value, mode="eval").body, found)
        else:
            found.add("any")
    else:
        found.add(_KINDS.get(_name(node), "any"))


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _plain(value: Any) -> Any:
    """A JSON value for a default, or a marker that it is not plain data."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    if isinstance(value, (list, tuple)) and all(v is None or isinstance(v, (bool, int, float, str)) for v in value):
        return list(value)
    if hasattr(value, "value") and isinstance(getattr(value, "value"), str):  # an enum member
        return value.value
    return "<computed>"


def _entry(kinds: list[str], default: Any = dataclasses.MISSING) -> dict:
    entry: dict[str, Any] = {"type": kinds}
    if default is not dataclasses.MISSING and default != "<computed>":
        entry["default"] = default
    return entry


# -- installed dataclasses -----------------------------------------------------------------------
def dataclass_fields(cls, skip: set[str] = frozenset()) -> dict[str, dict]:
    out = {}
    for f in dataclasses.fields(cls):
        if f.name in skip or f.name.startswith("_") or not f.init:
            continue
        annotation = f.type if isinstance(f.type, str) else _annotation_text(f.type)
        if f.default is not dataclasses.MISSING:
            default = _plain(f.default)
        elif f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
            default = _plain(f.default_factory())  # type: ignore[misc]
        else:
            default = dataclasses.MISSING
        out[f.name] = _entry(kinds_of(annotation), default)
    return dict(sorted(out.items()))


def _annotation_text(tp) -> str:
    if isinstance(tp, type):
        return tp.__name__
    return re.sub(r"<class '([^']+)'>", r"\1", str(tp))


def snapshot_transformers() -> dict:
    import transformers
    from transformers import Seq2SeqTrainingArguments, TrainingArguments

    base = dataclass_fields(TrainingArguments)
    removed = {k: v for k, v in TRANSFORMERS_REMOVED.items() if k not in base}
    return {
        "package": "transformers",
        "version": transformers.__version__,
        "classes": {
            "TrainingArguments": base,
            "Seq2SeqTrainingArguments": dataclass_fields(Seq2SeqTrainingArguments, set(base)),
        },
        "removed": removed,
    }


#: TRL's config classes, as ``trl`` exports them (the ORPO and CPO trainers live in
#: ``trl.experimental`` since TRL 1.0). ``trl sft|dpo|grpo|kto|reward|rloo --config`` and the recipe
#: scripts built on ``TrlParser`` parse a file into one of them plus ModelConfig and ScriptArguments.
TRL_CONFIGS = {
    "SFTConfig": "trl", "DPOConfig": "trl", "KTOConfig": "trl", "GRPOConfig": "trl", "RLOOConfig": "trl",
    "RewardConfig": "trl", "ORPOConfig": "trl.experimental.orpo", "CPOConfig": "trl.experimental.cpo",
}


def snapshot_trl() -> dict:
    import importlib

    import trl
    from transformers import TrainingArguments
    from trl import DatasetMixtureConfig, ModelConfig, ScriptArguments

    inherited = {f.name for f in dataclasses.fields(TrainingArguments)}
    configs = {name: dataclass_fields(getattr(importlib.import_module(module), name), inherited)
               for name, module in TRL_CONFIGS.items()}
    return {
        "package": "trl",
        "version": trl.__version__,
        "note": "Each *Config lists only the fields it adds to TrainingArguments (see transformers.json).",
        "classes": {
            **configs,
            "ModelConfig": dataclass_fields(ModelConfig),
            "ScriptArguments": dataclass_fields(ScriptArguments),
            "DatasetMixtureConfig": dataclass_fields(DatasetMixtureConfig),
            "TrlParser": {"env": _entry(["dict"])},
        },
        "removed": {k: v for k, v in TRL_REMOVED.items()
                    if not any(k in fields for fields in configs.values()) and k not in dataclass_fields(ModelConfig)},
    }


def trl_known_keys(trl: dict, transformers: dict) -> dict:
    """``dialects/known_keys/trl.json``: every key ``TrlParser`` accepts for one of TRL's trainers."""
    keys = set(transformers["classes"]["TrainingArguments"])
    for fields in trl["classes"].values():
        keys |= set(fields)
    return {
        "source": f"TRL {trl['version']}: {', '.join(TRL_CONFIGS)}, ModelConfig, ScriptArguments, "
                  "DatasetMixtureConfig fields, TrainingArguments, and the CLI's 'env'",
        "keys": sorted(keys),
    }


def snapshot_peft() -> dict:
    import peft
    from peft import LoraConfig

    return {"package": "peft", "version": peft.__version__, "classes": {"LoraConfig": dataclass_fields(LoraConfig)}}


# -- sources parsed statically -------------------------------------------------------------------
@dataclasses.dataclass
class ParsedClass:
    name: str
    bases: list[str]
    fields: dict[str, dict]


def parse_classes(path: Path) -> dict[str, ParsedClass]:
    """Every class in a module with its base names and annotated fields (pydantic or dataclass)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = {}
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        fields: dict[str, dict] = {}
        for item in node.body:
            if not (isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)):
                continue
            name = item.target.id
            if name.startswith("_") or name == "model_config":
                continue
            annotation = ast.unparse(item.annotation)
            if annotation.startswith("ClassVar"):
                continue
            default, alias = _static_default(item.value)
            entry = _entry(kinds_of(annotation), default)
            fields[alias or name] = entry
        out[node.name] = ParsedClass(node.name, [_name(b) for b in node.bases], fields)
    return out


def _static_default(value: ast.AST | None) -> tuple[Any, str | None]:
    """The default of ``= value`` / ``= Field(default=...)`` / ``= field(default=...)``, and an alias."""
    if value is None:
        return dataclasses.MISSING, None
    if isinstance(value, ast.Call) and _name(value.func) in ("Field", "field"):
        default: Any = dataclasses.MISSING
        alias = None
        if value.args:
            default = _literal(value.args[0])
        for kw in value.keywords:
            if kw.arg == "default":
                default = _literal(kw.value)
            elif kw.arg == "alias" and isinstance(kw.value, ast.Constant):
                alias = kw.value.value
        return default, alias
    return _literal(value), None


def _literal(node: ast.AST) -> Any:
    try:
        return _plain(ast.literal_eval(node))
    except ValueError:
        return "<computed>"


def _closure(classes: dict[str, ParsedClass], root: str) -> dict[str, dict]:
    """Fields of ``root`` and all its bases found in ``classes`` (subclass entries win)."""
    out: dict[str, dict] = {}
    seen: set[str] = set()

    def walk(name: str) -> None:
        if name in seen or name not in classes:
            return
        seen.add(name)
        for base in reversed(classes[name].bases):
            walk(base)
        out.update(classes[name].fields)

    walk(root)
    return dict(sorted(out.items()))


def snapshot_axolotl(root: Path) -> dict:
    classes: dict[str, ParsedClass] = {}
    for path in sorted((root / "src/axolotl/utils/schemas").rglob("*.py")):
        classes.update(parse_classes(path))
    top = _closure(classes, "AxolotlInputConfig")
    top.update(_closure(classes, "AxolotlConfigWCapabilities"))
    plugins: dict[str, dict] = {}
    for path in sorted((root / "src/axolotl/integrations").glob("*/args.py")):
        for cls in parse_classes(path).values():
            plugins.update(cls.fields)
    deprecated = sorted(classes["DeprecatedParameters"].fields) if "DeprecatedParameters" in classes else []
    return {
        "package": "axolotl",
        "source": _describe(root),
        "classes": {"AxolotlInputConfig": dict(sorted(top.items())), "integrations": dict(sorted(plugins.items()))},
        "deprecated": dict(sorted({**{name: AXOLOTL_RENAMED.get(name) for name in deprecated},
                                   **{k: v for k, v in AXOLOTL_LEGACY.items() if k in top}}.items())),
        "dropped": {k: v for k, v in AXOLOTL_DROPPED.items() if k not in top},
    }


#: axolotl's DeprecatedParameters that its validators point to a replacement for.
AXOLOTL_RENAMED = {
    "evaluation_strategy": "eval_strategy",
    "noisy_embedding_alpha": "neftune_noise_alpha",
    "dpo_beta": "rl_beta",
    "eval_max_new_tokens": "generation_max_new_tokens",
}

#: Keys axolotl 0.19 still reads but rewrites to a newer spelling, with a deprecation warning (its
#: validators ``check_multipack_buffer_size``, ``check_context_parallel_size``, ``migrate_gc_steps``
#: and ``normalize_attn_implementation``). A replacement written ``key: value`` stands for a switch
#: that is replaced by a setting: only the switch turned on means it (axolotl drops it when off).
AXOLOTL_LEGACY = {
    "pretrain_multipack_buffer_size": "streaming_multipack_buffer_size",
    "sequence_parallel_degree": "context_parallel_size",
    "gc_steps": "torch_empty_cache_steps and gc_collect_steps",
    "xformers_attention": "attn_implementation: xformers",
    "sage_attention": "attn_implementation: sage",
    "flex_attention": "attn_implementation: flex_attention",
    "flash_attention": "attn_implementation: flash_attention_2",
    "sdp_attention": "attn_implementation: sdpa",
    "eager_attention": "attn_implementation: eager",
}


#: Keys axolotl's schema dropped for a new name (it then ignores the old one without a word),
#: with the first release without them (from the git history of ``src/axolotl/utils/schemas/``).
AXOLOTL_DROPPED = {
    "relora_steps": {"since": "0.12.0", "to": "jagged_restart_steps"},
    "relora_warmup_steps": {"since": "0.12.0", "to": "jagged_restart_warmup_steps"},
    "relora_anneal_steps": {"since": "0.12.0", "to": "jagged_restart_anneal_steps"},
}


def snapshot_llamafactory(root: Path) -> dict:
    classes: dict[str, ParsedClass] = {}
    for path in sorted((root / "src/llamafactory/hparams").glob("*.py")):
        classes.update(parse_classes(path))
    out = {}
    for name in ("ModelArguments", "DataArguments", "FinetuningArguments", "TrainingArguments",
                 "GeneratingArguments", "EvaluationArguments"):
        if name in classes:
            out[name] = _closure(classes, name)
    return {
        "package": "llamafactory",
        "source": _describe(root),
        "note": "TrainingArguments also takes every transformers Seq2SeqTrainingArguments field.",
        "requires": _requirements(root / "pyproject.toml", ("transformers", "trl")),
        "classes": out,
    }


def _requirements(pyproject: Path, names: tuple[str, ...]) -> dict[str, str]:
    """The version specifiers a project's pyproject.toml puts on ``names``."""
    import tomllib

    try:
        deps = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {}).get("dependencies", [])
    except OSError:
        return {}
    out = {}
    for dep in deps:
        match = re.match(r"^\s*([A-Za-z0-9_.-]+)\s*([^;]*)", dep)
        if match and match[1].lower() in names and match[2].strip():
            out[match[1].lower()] = match[2].strip()
    return out


def snapshot_unsloth(root: Path) -> dict:
    """Unsloth's sectioned config: the pydantic sections of ``unsloth_cli/config.py``, plus keys the
    YAML files Unsloth Studio ships pass on (their kinds read from the values)."""
    import yaml

    classes = parse_classes(root / "unsloth_cli/config.py")
    top = classes["Config"]
    sections: dict[str, dict[str, dict]] = {"": {}}
    for name, item in _section_types(root / "unsloth_cli/config.py").items():
        if item in classes:
            sections[name] = dict(classes[item].fields)
        else:
            sections[""][name] = top.fields[name]
    for path in sorted((root / "studio/backend/assets/configs").rglob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            continue
        for key, value in data.items():
            if not isinstance(value, dict):
                sections[""].setdefault(str(key), {"type": [_yaml_kind(value)]})
                continue
            section = sections.setdefault(str(key), {})
            for sub, subvalue in value.items():
                entry = section.setdefault(str(sub), {"type": []})  # Studio takes what it ships
                if _yaml_kind(subvalue) not in entry["type"] and "any" not in entry["type"]:
                    entry["type"] = sorted({*entry["type"], _yaml_kind(subvalue)})
    return {
        "package": "unsloth",
        "source": _describe(root),
        "note": "'' holds the top-level keys that are not sections.",
        "classes": {name: dict(sorted(keys.items())) for name, keys in sorted(sections.items())},
    }


def _section_types(path: Path) -> dict[str, str]:
    """``Config``'s fields and the class each is annotated with."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ClassDef) and node.name == "Config":
            return {i.target.id: _name(i.annotation) for i in node.body
                    if isinstance(i, ast.AnnAssign) and isinstance(i.target, ast.Name)}
    return {}


def _yaml_kind(value: Any) -> str:
    if value is None:
        return "null"
    for kind in (bool, int, float, str, list, dict):
        if isinstance(value, kind):
            return kind.__name__
    return "any"


def _describe(root: Path) -> str:
    head = root / ".git" / "HEAD"
    return root.name if not head.exists() else f"{root.name} checkout"


def dump(data: dict) -> str:
    """JSON with one line per key (small, and diffs read well)."""
    lines = ["{"]
    items = list(data.items())
    for i, (key, value) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        if isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
            lines.append(f" {json.dumps(key)}: {{")
            inner = list(value.items())
            for j, (name, fields) in enumerate(inner):
                inner_comma = "," if j < len(inner) - 1 else ""
                if fields and all(isinstance(v, dict) for v in fields.values()):
                    lines.append(f"  {json.dumps(name)}: {{")
                    rows = [f"   {json.dumps(k)}: {json.dumps(v)}" for k, v in fields.items()]
                    lines.append(",\n".join(rows))
                    lines.append(f"  }}{inner_comma}")
                else:
                    lines.append(f"  {json.dumps(name)}: {json.dumps(fields)}{inner_comma}")
            lines.append(f" }}{comma}")
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(value)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def write(name: str, data: dict, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.json"
    path.write_text(dump(data), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help="folder to write the JSON files to")
    parser.add_argument("--axolotl", type=Path, help="an axolotl source checkout")
    parser.add_argument("--llamafactory", type=Path, help="a LLaMA-Factory source checkout")
    parser.add_argument("--unsloth", type=Path, help="an unsloth source checkout (for Unsloth Studio)")
    parser.add_argument("--skip-installed", action="store_true", help="do not snapshot transformers/trl/peft")
    args = parser.parse_args(argv)
    jobs = []
    if not args.skip_installed:
        jobs += [("transformers", snapshot_transformers), ("trl", snapshot_trl), ("peft", snapshot_peft)]
    if args.axolotl:
        jobs.append(("axolotl", lambda: snapshot_axolotl(args.axolotl)))
    if args.llamafactory:
        jobs.append(("llamafactory", lambda: snapshot_llamafactory(args.llamafactory)))
    if args.unsloth:
        jobs.append(("unsloth", lambda: snapshot_unsloth(args.unsloth)))
    written = {}
    for name, job in jobs:
        written[name] = job()
        print(write(name, written[name], args.out), file=sys.stderr)
    if "trl" in written and args.out == OUT:
        known = OUT.parent / "dialects" / "known_keys" / "trl.json"
        known.write_text(_known_keys_text(trl_known_keys(written["trl"], written["transformers"])), encoding="utf-8")
        print(known, file=sys.stderr)
    return 0


def _known_keys_text(data: dict) -> str:
    """The known-keys layout: one key a line."""
    keys = ",\n".join(json.dumps(k) for k in data["keys"])
    return f'{{\n"source": {json.dumps(data["source"])},\n"keys": [\n{keys}\n]\n}}\n'



if __name__ == "__main__":
    sys.exit(main())
