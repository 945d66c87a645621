"""What the rule docs and schemas say is what the linter does: each example of a case once
reported as disagreeing is run through the real ``sftlint check``."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

HF_HEAD = "# sftlint: dialect=hf\noutput_dir: out\nlearning_rate: 2.0e-5\n"


def test_ws007_example_is_reported_and_its_fix_is_the_use_instead(cli, write):
    from sftlint.plugin.loading import build_registry
    from sftlint.lint.rule import doc_sections

    docs = doc_sections(build_registry().rule("WS007"))
    assert "4000 examples" in docs["Example"] and "save_steps: 500" in docs["Example"]
    assert "save_steps: 125" in docs["Use instead"]
    config = write("a.yaml", "# sftlint: num-examples=4000\n" + HF_HEAD + "per_device_train_batch_size: 4\n"
                   "gradient_accumulation_steps: 4\nnum_train_epochs: 1\nsave_strategy: steps\nsave_steps: 500\n")
    run = cli("check", "--select", "WS007", "--output-format", "json", "a.yaml")
    (finding,) = json.loads(run.out)
    assert finding["code"] == "WS007"
    cli("check", "--select", "WS007", "--fix", "--unsafe-fixes", "a.yaml")
    assert "save_steps: 125\n" in config.read_text(encoding="utf-8")


def test_a_number_read_as_string_is_reported_once(cli, write):
    write("a.yaml", HF_HEAD.replace("2.0e-5", "2e-4") + "per_device_train_batch_size: 4\nnum_train_epochs: 1\n")
    findings = json.loads(cli("check", "--output-format", "json", "a.yaml").out)
    at_lr = [f["code"] for f in findings if f["location"]["row"] == 3]
    assert at_lr == ["YM001"]
    # without YM001, the wrong type is still reported, by KT003
    findings = json.loads(cli("check", "--output-format", "json", "--ignore", "YM001", "a.yaml").out)
    assert [f["code"] for f in findings if f["location"]["row"] == 3] == ["KT003"]
    # a quoted number is KT003's alone: YM001 is about plain scalars
    write("b.yaml", HF_HEAD.replace("2.0e-5", '"2e-4"') + "per_device_train_batch_size: 4\nnum_train_epochs: 1\n")
    findings = json.loads(cli("check", "--output-format", "json", "b.yaml").out)
    assert [f["code"] for f in findings if f["location"]["row"] == 3] == ["KT003"]


def test_the_caret_underlines_the_mask_not_the_secret(cli, write):
    token = "hf_" + "abcdefghijklmnopqrstuvwxyzABCDEFGHIJK"
    write("a.yaml", HF_HEAD + f"per_device_train_batch_size: 4\nhub_token: {token}  # keep\n")
    out = cli("check", "--select", "SEC001", "a.yaml").out
    lines = out.splitlines()
    shown = next(line for line in lines if "hub_token:" in line)
    caret = lines[lines.index(shown) + 1]
    assert token not in out
    value = shown.split("hub_token: ", 1)[1].split("  # keep")[0]
    start = shown.index(value)
    assert caret.index("^") == start and caret.count("^") == len(value)


def test_a_ratio_below_one_is_promised_only_where_a_fraction_is_accepted():
    for schema_file in sorted((ROOT / "schemas").glob("*.json")):
        schema = json.loads(schema_file.read_text(encoding="utf-8"))

        def walk(properties):
            for key, entry in properties.items():
                yield key, entry
                yield from walk(entry.get("properties", {}))

        for key, entry in walk(schema.get("properties", {})):
            if "ratio" in entry.get("description", "") and "below 1" in entry.get("description", ""):
                types = entry.get("type", ["number"])
                assert "number" in (types if isinstance(types, list) else [types]), (schema_file.name, key)
