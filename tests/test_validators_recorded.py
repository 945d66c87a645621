"""TV001 and TV002 against what the released tools answered: every case of
bench/validators/<tool>_cases.yaml was run through axolotl's ``validate_config`` and
LLaMA-Factory's ``get_train_args`` (bench/validators/check_real.py, in environments of their own)
and the answers recorded beside it. sftlint must report a TV finding exactly on the configs the
tool refused, and say nothing on those it accepted. Neither tool is needed here."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "validators"
sys.path.insert(0, str(BENCH))

import check_real  # noqa: E402

TOOLS = ("axolotl", "llamafactory")


def _cases():
    for tool in TOOLS:
        spec = check_real.load_cases(tool)
        recorded = json.loads((BENCH / f"{tool}-real.json").read_text(encoding="utf-8"))
        for case in spec["cases"]:
            yield pytest.param(tool, spec, case, recorded, id=f"{tool}-{case['name']}")


@pytest.mark.parametrize(("tool", "spec", "case", "recorded"), list(_cases()))
def test_sftlint_refuses_exactly_what_the_tool_refused(tool, spec, case, recorded):
    assert recorded["release"] == spec["release"]
    answer = recorded["cases"][case["name"]]
    assert answer["refused"] == case["refused"], f"{tool} answered {answer}"
    if case.get("says"):
        assert case["says"] in answer["message"]
    found = check_real.sftlint_refuses(tool, check_real.config_of(spec, case))
    assert bool(found) == answer["refused"], (answer["message"], found)


@pytest.mark.parametrize("tool", TOOLS)
def test_every_case_has_a_recorded_answer_and_both_verdicts_occur(tool):
    spec = check_real.load_cases(tool)
    recorded = json.loads((BENCH / f"{tool}-real.json").read_text(encoding="utf-8"))
    assert {case["name"] for case in spec["cases"]} == set(recorded["cases"])
    verdicts = {answer["refused"] for answer in recorded["cases"].values()}
    assert verdicts == {True, False}
