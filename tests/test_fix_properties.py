"""Properties of fixing, on generated configs: comments, blank lines, quoting and key order mixed
with values the rules fix (numbers YAML 1.1 reads as strings, yes/on booleans, renamed keys, warmup
settings, both warmup keys), in three dialects (one with nested sections).

For every generated file, with safe fixes and with unsafe ones too:

1. fixing is idempotent: fixing the fixed text changes nothing;
2. every comment of the original, on its own line or at a line's end, is still there, in order
   (only the comment of an entry a fix deleted may go with it);
3. the result loads (PyYAML ``safe_load`` and ruamel.yaml) to the same values everywhere except
   the keys on the lines the fixes changed, and only keys that have fixes are on those lines;
   untouched keys keep their order;
4. the result always parses.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st
from ruamel.yaml import YAML

from sftlint.document import parse_document
from sftlint.lint.fixer import fix_text
from sftlint.plugin.loading import build_registry
from sftlint.settings.resolver import Settings

REGISTRY = build_registry()
RUAMEL = YAML(typ="safe", pure=True)

_Q = lambda word: [word, f"'{word}'", f'"{word}"']  # noqa: E731 - the three quoting styles

#: dialect -> section (None: top level) -> key -> the values it may be written with
POOLS: dict[str, dict[str | None, dict[str, list[str]]]] = {
    "hf": {None: {
        "output_dir": _Q("out"),
        "learning_rate": ["2e-5", "2.0e-5", "1e-5", "0.00002", "'2e-5'", "3E-5"],
        "per_device_train_batch_size": ["4", "8"],
        "num_train_epochs": ["1", "3"],
        "bf16": ["yes", "on", "true", "Off", "no"],
        "evaluation_strategy": [*_Q("steps"), "no", '"no"', "epoch"],
        "eval_strategy": ["steps", "epoch"],
        "save_strategy": ["no", "steps", "'epoch'"],
        "warmup_steps": ["10", "0", "100", "3"],
        "warmup_ratio": ["0.05", "0.1", "0.03"],
        "logging_steps": ["10", "010", "5000"],
        "seed": ["42", "0123"],
        "max_steps": ["100", "-1"],
        "save_steps": ["50", "500"],
        "report_to": _Q("none"),
    }},
    "llamafactory": {None: {
        "model_name_or_path": _Q("Qwen/Qwen2.5-0.5B"),
        "stage": _Q("sft"),
        "finetuning_type": ["lora"],
        "use_unsloth": ["true", "yes"],
        "lora_dropout": ["0.05", "0"],
        "evaluation_strategy": [*_Q("steps"), "no"],
        "plot_loss": ["yes", "true", "ON"],
        "warmup_ratio": ["0.05", "0.1"],
        "warmup_steps": ["10", "0"],
        "learning_rate": ["2e-4", "1.0e-4"],
        "quantization_bit": ["4"],
        "save_strategy": ["no", "steps"],
        "logging_steps": ["010", "10"],
        "num_train_epochs": ["1.0", "3"],
    }},
    "axolotl": {None: {
        "base_model": _Q("meta-llama/Llama-3.2-1B"),
        "adapter": ["qlora", "lora"],
        "load_in_4bit": ["true", "on"],
        "sample_packing": ["on", "true", "off"],
        "learning_rate": ["2e-4", "0.0002"],
        "warmup_steps": ["10", "0"],
        "warmup_ratio": ["0.05"],
        "evaluation_strategy": _Q("steps"),
        "gradient_checkpointing": ["false", "true"],
        "lora_dropout": ["0.05"],
        "micro_batch_size": ["2"],
        "datasets": ["\n  - path: data.jsonl\n    type: alpaca", "\n- path: data.jsonl"],
    }},
    "unsloth": {
        None: {"model": _Q("unsloth/Qwen2.5-0.5B")},
        "training": {
            "load_in_4bit": ["true", "on"],
            "learning_rate": ["2e-4", "0.0001"],
            "packing": ["on", "off", "true"],
            "max_steps": ["100", "60"],
            "save_steps": ["500", "50"],
            "warmup_steps": ["5", "10"],
            "gradient_checkpointing": ["false", *_Q("unsloth"), "true"],
            "batch_size": ["2", "4"],
        },
        "lora": {
            "lora_r": ["16", "8"],
            "lora_dropout": ["0.1", "0", "0.05"],
            "lora_alpha": ["16", "32"],
        },
    },
}

#: keys no built-in fix may touch in these files: their lines must come out byte for byte
PROTECTED = {"output_dir", "model_name_or_path", "model", "stage", "finetuning_type", "per_device_train_batch_size",
             "num_train_epochs", "max_steps", "lora_r", "lora_alpha", "report_to", "quantization_bit",
             "batch_size", "training", "lora", "base_model", "adapter", "micro_batch_size",
             "datasets", "path"}

COMMENT_TEXT = st.text(alphabet="abc xyz:'\"#-é😀", max_size=8)
KEY_LINE = re.compile(r"""^(?P<indent> *)(?:- )?(?P<q>['"]?)(?P<key>[a-z_0-9]+)(?P=q):(?:\s|$)""")
RENAMES = {"evaluation_strategy": "eval_strategy", "warmup_ratio": "warmup_steps"}


@st.composite
def configs(draw):
    dialect = draw(st.sampled_from(sorted(POOLS)))
    pool = POOLS[dialect]
    counter = iter(range(10_000))
    lines: list[str] = [f"# sftlint: dialect={dialect}"]

    def fillers(indent: str) -> None:
        for _ in range(draw(st.integers(0, 2))):
            if draw(st.booleans()):
                lines.append("")
            else:
                where = draw(st.sampled_from(["", indent]))
                lines.append(f"{where}# own{next(counter)}{draw(COMMENT_TEXT)}")

    def entry(indent: str, key: str, value: str | None) -> None:
        q = draw(st.sampled_from(["", "", "'", '"']))
        text = f"{indent}{q}{key}{q}:" + (f" {value}" if value is not None else "")
        if draw(st.booleans()):
            text += " " * draw(st.integers(1, 3)) + f"# eol{next(counter)}@{key}@{draw(COMMENT_TEXT)}"
        lines.append(text)

    fillers("")
    sections = draw(st.permutations(list(pool)))
    for section in sections:
        keys = draw(st.lists(st.sampled_from(sorted(pool[section])), unique=True, min_size=1))
        if section is None:
            if dialect == "unsloth":
                keys = ["model"]
            for key in keys:
                entry("", key, draw(st.sampled_from(pool[None][key])))
                fillers("")
        elif draw(st.integers(0, 3)) == 0:  # a flow mapping: {key: value, ...}
            pairs = ", ".join(f"{key}: {draw(st.sampled_from(pool[section][key]))}" for key in keys)
            entry("", section, "{" + pairs + "}")
            fillers("")
        else:
            entry("", section, None)
            for key in keys:
                entry("  ", key, draw(st.sampled_from(pool[section][key])))
                fillers("  ")
    newline = draw(st.sampled_from(["\n", "\n", "\n", "\r\n"]))
    text = newline.join(lines) + (newline if draw(st.booleans()) else "")
    target = draw(st.sampled_from([None, "4.57", "5.8"]))
    return dialect, text, target


#: JSON values for the keys of a plain TrainingArguments file, as JSON text
JSON_POOL = {
    "output_dir": ['"out"'], "learning_rate": ["2e-05", "0.0002", '"2e-5"'], "num_train_epochs": ["1", "3"],
    "per_device_train_batch_size": ["4"], "evaluation_strategy": ['"steps"', '"no"'], "eval_strategy": ['"epoch"'],
    "warmup_steps": ["10", "0", "500"], "warmup_ratio": ["0.05", "0.1"], "bf16": ["true", "false"],
    "save_strategy": ['"steps"'], "save_steps": ["50", "5000"], "logging_steps": ["10", "10000"],
    "load_best_model_at_end": ["true"], "eval_steps": ["30", "40"],
}


@st.composite
def json_configs(draw):
    keys = draw(st.permutations(sorted(JSON_POOL)))[: draw(st.integers(1, len(JSON_POOL)))]
    pairs = [f'"{key}": {draw(st.sampled_from(JSON_POOL[key]))}' for key in keys]
    if draw(st.booleans()):
        text = "{\n" + ",\n".join("  " + p for p in pairs) + "\n}\n"
    else:
        text = "{" + ", ".join(pairs) + "}"
    return text, draw(st.sampled_from([None, "4.57", "5.8"]))


def flatten(data, prefix=()) -> dict[tuple, object]:
    out = {}
    for key, value in (data or {}).items():
        if isinstance(value, dict):
            out.update(flatten(value, (*prefix, key)))
        else:
            out[(*prefix, key)] = value
    return out


def comments(text: str) -> list[str]:
    """The comments of a generated file, in order (their markers are unique)."""
    return re.findall(r"# (?:own|eol)\d+[^\r\n]*", text)


def entry_keys(lines: list[str]) -> list[str | None]:
    return [(m["key"] if (m := KEY_LINE.match(line)) else None) for line in lines]


def check_properties(path: Path, text: str, settings_: Settings, unsafe: bool) -> None:
    outcome = fix_text(path, text, settings_, REGISTRY, unsafe=unsafe)
    fixed = outcome.text
    assert not any("did not converge" in p for p in outcome.problems), outcome.problems
    assert not outcome.problems, outcome.problems  # no built-in fix may break a file

    # (4) the result parses, for sftlint and both loaders
    parse_document(path, fixed)
    loaded11, loaded12 = yaml.safe_load(fixed), RUAMEL.load(fixed)

    # (1) idempotent
    again = fix_text(path, fixed, settings_, REGISTRY, unsafe=unsafe)
    assert again.text == fixed and not again.applied, (again.applied, fixed)

    # (3) which lines changed, and what is on them
    old_lines, new_lines = text.splitlines(keepends=True), fixed.splitlines(keepends=True)
    if old_lines and not text.endswith("\n") and fixed.endswith("\n"):
        old_lines[-1] += "\r\n" if "\r\n" in text else "\n"  # the last line may gain the line break it lacked
    blank = lambda lines: sum(1 for line in lines if not line.strip())  # noqa: E731
    assert blank(old_lines) == blank(new_lines), "blank lines are kept"
    # blank lines aside, so that the diff cannot pair a blank line with a changed entry
    old_lines, new_lines = [x for x in old_lines if x.strip()], [x for x in new_lines if x.strip()]
    old_keys, new_keys = entry_keys(old_lines), entry_keys(new_lines)
    touched: set[str] = set()
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        for i in range(i1, i2):
            assert old_keys[i] is not None, f"a line that is not an entry changed: {old_lines[i]!r}\n{fixed}"
            touched.add(old_keys[i])
        for j in range(j1, j2):
            assert new_keys[j] is not None, f"a line that is not an entry was added: {new_lines[j]!r}"
            touched.add(new_keys[j])
    # a renamed key keeps its quoting; an added entry follows an entry, not a comment or blank line
    styles = lambda lines: {m["key"]: m["q"] for line in lines if (m := KEY_LINE.match(line))}  # noqa: E731
    old_styles, new_styles = styles(text.splitlines()), styles(fixed.splitlines())
    for key, q in old_styles.items():
        renamed = RENAMES.get(key) if key not in new_styles and RENAMES.get(key) not in old_styles else None
        if (renamed or key) in new_styles:
            assert new_styles[renamed or key] == q, (key, text, fixed)
    all_new = fixed.splitlines()
    for number, line in enumerate(all_new):
        m = KEY_LINE.match(line)
        if m and m["key"] not in old_styles and m["key"] not in RENAMES.values() and number:
            above = all_new[number - 1].strip()
            assert above and not above.startswith("#"), (line, text, fixed)
    for section in ("training", "lora"):  # a flow mapping on one line: what changed inside it
        if section in touched:
            touched.discard(section)
            for old, new in ((yaml.safe_load(text), loaded11), (RUAMEL.load(text), loaded12)):
                old, new = (old or {}).get(section) or {}, (new or {}).get(section) or {}
                touched |= {k for k in {*old, *new} if old.get(k, "gone") != new.get(k, "gone")}
    assert not touched & PROTECTED, (touched, text, fixed)

    before11, before12 = flatten(yaml.safe_load(text)), flatten(RUAMEL.load(text))
    after11, after12 = flatten(loaded11), flatten(loaded12)
    for before, after in ((before11, after11), (before12, after12)):
        for key_path, value in before.items():
            if key_path[-1] in touched:
                continue
            assert key_path in after and after[key_path] == value, (key_path, text, fixed)
        assert {k for k in after if k[-1] not in touched} == {k for k in before if k[-1] not in touched}
    # untouched keys keep their order
    kept = [k for k in old_keys if k is not None and k not in touched]
    assert [k for k in new_keys if k is not None and k not in touched] == kept

    # (2) every comment survives, in order; an entry's own end-of-line comment may go with it
    gone_keys = {k[-1] for k in before11} - {k[-1] for k in after11}
    expected = [c for c in comments(text) if not (c.startswith("# eol") and c.split("@")[1] in gone_keys)]
    survivors = comments(fixed)
    assert [c for c in survivors if c in expected] == expected, (text, fixed)


COMMON = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)


def _settings(dialect: str, target: str | None) -> Settings:
    return Settings(dialect=dialect, target_transformers=target, num_examples=1000)


@COMMON
@given(configs())
def test_safe_fixes_keep_the_file(case):
    dialect, text, target = case
    check_properties(Path("train.yaml"), text, _settings(dialect, target), unsafe=False)


@COMMON
@given(configs())
def test_unsafe_fixes_keep_the_file(case):
    dialect, text, target = case
    check_properties(Path("train.yaml"), text, _settings(dialect, target), unsafe=True)


@COMMON
@given(json_configs(), st.booleans())
def test_json_fixes_keep_valid_json(case, unsafe):
    import json

    text, target = case
    path, settings_ = Path("train.json"), _settings("hf", target)
    outcome = fix_text(path, text, settings_, REGISTRY, unsafe=unsafe)
    assert not outcome.problems, (outcome.problems, text)
    before, after = json.loads(text), json.loads(outcome.text)  # (4) still JSON
    parse_document(path, outcome.text)
    again = fix_text(path, outcome.text, settings_, REGISTRY, unsafe=unsafe)  # (1)
    assert again.text == outcome.text
    renamed = {"evaluation_strategy": "eval_strategy", "warmup_ratio": "warmup_steps"}
    untouched = [k for k in before if k in after and after[k] == before[k]]
    assert [k for k in after if k in untouched] == untouched  # order kept
    fixable = {"evaluation_strategy", "eval_strategy", "warmup_steps", "warmup_ratio", "save_steps", "logging_steps",
               "eval_steps", "learning_rate"}
    for key in before:
        if key not in fixable:
            assert after.get(key, "gone") == before[key], (key, text, outcome.text)
    assert set(after) - set(before) <= set(renamed.values()) | fixable


@pytest.mark.parametrize("dialect", sorted(POOLS))
def test_the_generator_makes_files_the_rules_fix(dialect):
    """The strategy is worth running: typical draws get fixes in every dialect."""
    text = {
        "hf": "# sftlint: dialect=hf\nlearning_rate: 2e-5  # eol0@learning_rate\nbf16: yes\n",
        "llamafactory": "# sftlint: dialect=llamafactory\nplot_loss: yes\nevaluation_strategy: steps\n",
        "axolotl": "# sftlint: dialect=axolotl\nbase_model: m\nadapter: qlora  # eol1@adapter@\n# own2\n",
        "unsloth": "# sftlint: dialect=unsloth\nmodel: m\ntraining:\n  packing: on\nlora:\n  lora_dropout: 0.1\n",
    }[dialect]
    outcome = fix_text(Path("train.yaml"), text, _settings(dialect, None), REGISTRY, unsafe=True)
    assert outcome.applied and outcome.text != text
    check_properties(Path("train.yaml"), text, _settings(dialect, None), unsafe=True)
