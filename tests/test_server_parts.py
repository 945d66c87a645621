"""The server's parts that need no editor: positions in each encoding, the key under the cursor,
and the closed value sets against the installed transformers."""

from __future__ import annotations

import pytest

pytest.importorskip("pygls")

from lsprotocol import types  # noqa: E402

from sftlint.server.keypath import key_at  # noqa: E402
from sftlint.server.positions import Lines  # noqa: E402

P = types.Position
ENC = types.PositionEncodingKind


@pytest.mark.parametrize("encoding, column", [(ENC.Utf16, 11), (ENC.Utf32, 10), (ENC.Utf8, 14)])
def test_positions_count_the_agreed_code_units(encoding, column):
    text = "a: 1\nb: '🤗é' # x\r\nc: 3"
    lines = Lines(text, encoding)
    x = text.index("x")
    assert lines.position(x) == P(1, column)
    assert lines.offset(P(1, column)) == x
    assert lines.at(2, 1 + text.splitlines()[1].index("x")) == P(1, column)
    assert lines.line(1) == "b: '🤗é' # x" and lines.position(text.index("c")) == P(2, 0)


def test_a_position_inside_a_surrogate_pair_or_past_the_line_end_is_clamped():
    lines = Lines("k: 🤗\nz: 1\n")
    assert lines.offset(P(0, 4)) == 3  # between the two halves of the emoji: before it
    assert lines.offset(P(0, 99)) == 4  # past the end of the line: its end
    assert lines.offset(P(9, 0)) == len(lines.text)


TEXT = """\
base_model: x
bnb_config_kwargs:
  bnb_4bit_quant_type: nf4
  bnb_
datasets:
  - path: a
lr_scheduler: co  # note
"lr": "cos",
"""


@pytest.mark.parametrize("line, character, kind, path, prefix", [
    (0, 3, "key", ("base_model",), "bas"),
    (0, 13, "value", ("base_model",), "x"),
    (2, 25, "value", ("bnb_config_kwargs", "bnb_4bit_quant_type"), "nf"),
    (3, 6, "key", ("bnb_config_kwargs", "bnb_"), "bnb_"),
    (6, 16, "value", ("lr_scheduler",), "co"),
    (7, 10, "value", ("lr",), "cos"),
])
def test_the_key_under_the_cursor_is_read_from_the_text(line, character, kind, path, prefix):
    at = key_at(Lines(TEXT), P(line, character))
    assert (at.kind, at.path, at.prefix, at.in_list) == (kind, path, prefix, False)


def test_keys_in_list_items_and_comments_are_not_guessed():
    assert key_at(Lines(TEXT), P(5, 6)).in_list
    assert key_at(Lines(TEXT), P(6, 22)) is None  # inside the comment


def test_closed_sets_are_the_installed_transformers_names():
    from transformers.trainer_utils import IntervalStrategy, SaveStrategy, SchedulerType
    from transformers.training_args import OptimizerNames

    from sftlint.server import closed_sets

    assert closed_sets.SCHEDULERS == tuple(s.value for s in SchedulerType)
    assert closed_sets.OPTIMIZERS == tuple(o.value for o in OptimizerNames)
    assert closed_sets.SAVE_STRATEGIES == tuple(s.value for s in SaveStrategy)
    assert closed_sets.INTERVAL_STRATEGIES == tuple(s.value for s in IntervalStrategy)


def test_the_schedulers_offered_are_the_ones_the_plan_can_draw():
    from sftlint.plan.schedules import ACCEPTED_KWARGS, ADAPTIVE
    from sftlint.server.closed_sets import SCHEDULERS

    assert set(SCHEDULERS) == set(ACCEPTED_KWARGS) | ADAPTIVE


def test_sftlint_lines_follow_yaml_breaks_and_protocol_lines_do_not():
    text = "a: 1\u2028b: 2\nc: 3\n"  # YAML: three lines; the protocol: two (U+2028 is not a break there)
    lines = Lines(text)
    assert lines.at(2, 1) == P(0, 5)  # sftlint's line 2 starts after the U+2028, inside protocol line 0
    assert lines.at(3, 4) == P(1, 3)
    assert lines.yaml_line(2) == (5, "b: 2")
