"""What a plain scalar means is what the real loaders say it means: PyYAML's ``safe_load`` for
YAML 1.1, ruamel.yaml for YAML 1.2, on every plain value of the corpus of real configs."""

from __future__ import annotations

import datetime
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus import FILES
from sftlint.document import DocumentError, iter_scalars, load_document
from sftlint.document import yaml_types

yaml = pytest.importorskip("yaml")


@pytest.mark.parametrize("pattern", [yaml_types._YAML11_INT, yaml_types._YAML11_FLOAT,
                                     yaml_types._YAML12_INT, yaml_types._YAML12_FLOAT],
                         ids=["1.1 int", "1.1 float", "1.2 int", "1.2 float"])
def test_every_number_starts_as_the_patterns_are_skipped_for(pattern):
    """Text that starts with anything but a sign, a dot or a digit skips the number patterns: none
    of them may accept such text."""

    @settings(max_examples=150, deadline=None)
    @given(st.from_regex(pattern))
    def starts_like_a_number(text):
        assert text[0] in yaml_types._NUMBER_START

    starts_like_a_number()


def corpus_plain_values() -> list[str]:
    values = set()
    for path in FILES:
        try:
            document = load_document(path)
        except DocumentError:
            continue
        values.update(v.text for _, v in iter_scalars(document.root) if v.plain and "\n" not in v.text)
    return sorted(values)


def same(ours, theirs) -> bool:
    if isinstance(theirs, float) and math.isnan(theirs):
        return isinstance(ours, float) and math.isnan(ours)
    return ours == theirs and type(ours) is type(theirs)


def test_plain_values_of_real_configs_mean_what_the_loaders_make_of_them():
    from ruamel.yaml import YAML

    ruamel = YAML(typ="safe", pure=True)
    values = corpus_plain_values()
    compared = 0
    for text in values + ["on", "0o17", "017", "2e-4", "2.0e-4", "1_000", "-.inf", ".NaN", "0x1F", "~"]:
        source = f"k: {text}\n"
        try:
            loaded11, loaded12 = yaml.safe_load(source), ruamel.load(source)
        except Exception:  # noqa: BLE001 - text that is a value only in its own file (a flow context)
            continue
        if not (isinstance(loaded11, dict) and isinstance(loaded12, dict)):
            continue
        if not isinstance(loaded11["k"], (datetime.date, datetime.datetime)):  # 1.1 timestamps stay text
            assert same(yaml_types.resolve_yaml11(text), loaded11["k"]), text
        # ruamel.yaml reads two things the YAML 1.2 core schema has no number for, which sftlint
        # keeps as text: digit separators (``1_000``) and binary (``0b11``).
        ruamel_only = "_" in text or text.lstrip("+-").startswith("0b")
        if not isinstance(loaded12["k"], (datetime.date, datetime.datetime)) and not ruamel_only:
            assert same(yaml_types.resolve_yaml12(text), loaded12["k"]), text
        compared += 1
    assert compared > min(20, len(values))
