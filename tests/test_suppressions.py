"""``# sftlint: disable=...`` and ``# sftlint: disable-file`` comments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sftlint.document import parse_document
from sftlint.lint.suppressions import skips_file, suppressions


def doc(text: str):
    return parse_document(Path("t.yaml"), text)


def test_disable_covers_only_its_own_line():
    s = suppressions(doc("a: 1  # sftlint: disable=YM001\nb: 2\n"))
    assert s.covers("YM001", 1, 1)
    assert not s.covers("YM001", 2, 2)
    assert not s.covers("WS001", 1, 1)


def test_disable_takes_several_codes_and_prefixes():
    s = suppressions(doc("a: 1  # sftlint: disable=ws, YM0\n"))
    assert s.covers("WS001", 1, 1) and s.covers("YM001", 1, 1) and not s.covers("YM101", 1, 1)


def test_bare_disable_covers_every_rule_on_the_line():
    s = suppressions(doc("a: 1  # sftlint: disable\n"))
    assert s.covers("YM001", 1, 1) and s.covers("ANY999", 1, 1)


@pytest.mark.parametrize("text, value_line", [
    ("lr:  # sftlint: disable=YM001\n  2e-4\n", 2),
    ("lr:\n  2e-4  # sftlint: disable=YM001\n", 1),
])
def test_split_key_and_value_share_the_comment(text, value_line):
    s = suppressions(doc(text))
    assert s.covers("YM001", value_line, value_line)


def test_comment_on_a_key_with_a_nested_mapping_does_not_spread():
    s = suppressions(doc("outer:  # sftlint: disable=YM001\n  inner: 2e-4\n"))
    assert not s.covers("YM001", 2, 2)


def test_disable_file_with_codes_covers_every_line():
    d = doc("a: 1\nb: 2\n# sftlint: disable-file=YM001\n")
    assert not skips_file(d)
    s = suppressions(d)
    assert s.covers("YM001", 1, 1) and s.covers("YM001", 2, 2) and not s.covers("WS001", 1, 1)


def test_bare_disable_file_skips_the_file():
    assert skips_file(doc("# sftlint: disable-file\na: 1\n"))
    assert not skips_file(doc("a: 1  # sftlint: disable\n"))


# --- end to end ----------------------------------------------------------------------------------


def findings(cli, *paths) -> list[dict]:
    run = cli("check", "--select", "YM001", "--output-format", "json", *paths)
    assert run.rc in (0, 1), run.err
    return json.loads(run.out)


def lines_of(found) -> list[int]:
    return sorted(f["location"]["row"] for f in found)


def test_end_to_end_disable_silences_one_line(cli, write):
    write("a.yaml", """\
        # sftlint: dialect=hf
        learning_rate: 2e-4  # sftlint: disable=YM001
        weight_decay: 1e-2
        """)
    assert lines_of(findings(cli, "a.yaml")) == [3]


def test_end_to_end_disable_other_code_silences_nothing(cli, write):
    write("a.yaml", "# sftlint: dialect=hf\nlearning_rate: 2e-4  # sftlint: disable=WS001\n")
    assert lines_of(findings(cli, "a.yaml")) == [2]


def test_end_to_end_key_and_value_on_two_lines(cli, write):
    write("a.yaml", """\
        # sftlint: dialect=hf
        learning_rate:  # sftlint: disable=YM001
          2e-4
        weight_decay:
          1e-2
        """)
    assert lines_of(findings(cli, "a.yaml")) == [5]


def test_end_to_end_disable_file(cli, write, hf_config):
    write("skipped.yaml", "# sftlint: disable-file\n" + hf_config)
    write("some.yaml", hf_config + "# sftlint: disable-file=YM\n")
    write("kept.yaml", hf_config)
    found = findings(cli, "skipped.yaml", "some.yaml", "kept.yaml")
    assert [(Path(f["filename"]).name, f["code"]) for f in found] == [("skipped.yaml", None), ("kept.yaml", "YM001")]
    assert found[0]["skipped"] == "disabled by '# sftlint: disable-file'"
