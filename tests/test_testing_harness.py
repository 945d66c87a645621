"""The fixture harness itself: a broken expectation must fail, a malformed fixture must be refused."""

from __future__ import annotations

import pytest

from sftlint.testing import FixtureError, RuleCase, check_case, load_fixture

QLORA_FP4 = "model_name_or_path: Qwen/Qwen2.5-0.5B\nuse_peft: true\nload_in_4bit: true\nbnb_4bit_quant_type: fp4\n"


def case(**kw) -> RuleCase:
    base = dict(rule="QL004", name="t", dialect="trl", config=QLORA_FP4, expect="fail")
    base.update(kw)
    return RuleCase(**base)


def test_fail_case_on_a_clean_config_fails(tmp_path):
    with pytest.raises(AssertionError, match="expected a QL004 finding"):
        check_case(case(config=QLORA_FP4.replace("fp4", "nf4")), tmp_path)


def test_pass_case_on_a_finding_fails(tmp_path):
    with pytest.raises(AssertionError, match="expected no findings"):
        check_case(case(expect="pass"), tmp_path)


def test_missing_message_fails(tmp_path):
    with pytest.raises(AssertionError, match="no message contains"):
        check_case(case(messages=["something else"]), tmp_path)


def test_wrong_fixed_text_fails(tmp_path):
    with pytest.raises(AssertionError, match="fixed text differs"):
        check_case(case(unsafe=True, fixed=QLORA_FP4.replace("fp4", "int4")), tmp_path)


def test_unsafe_fix_needs_unsafe(tmp_path):
    with pytest.raises(AssertionError, match="no finding has a safe fix"):
        check_case(case(fixed=QLORA_FP4.replace("fp4", "nf4")), tmp_path)


def test_wrong_severity_fails(tmp_path):
    with pytest.raises(AssertionError, match="severities"):
        check_case(case(severity="error"), tmp_path)


def test_exact_positions_and_count_are_checked(tmp_path):
    assert check_case(case(where=[(4, 22)], count=1), tmp_path), "the finding is on the quant type's value"
    with pytest.raises(AssertionError, match=r"findings at \[\(4, 22\)\], expected at \[\(4, 1\)\]"):
        check_case(case(where=[(4, 1)]), tmp_path)
    with pytest.raises(AssertionError, match="expected 2 findings"):
        check_case(case(count=2), tmp_path)


def test_only_the_rule_under_test_runs(tmp_path):
    found = check_case(case(config=QLORA_FP4 + "trust_remote_code: true\n"), tmp_path)
    assert {f.code for f in found} == {"QL004"}


@pytest.mark.parametrize("body, message", [
    ("rule: QL004\ncases:\n  - {name: a, config: 'x: 1', expect: maybe}\n", "'expect' must be pass or fail"),
    ("rule: QL004\ncases:\n  - {name: a, config: 'x: 1', expect: pass, colour: red}\n", "unknown keys colour"),
    ("rule: QL004\ncases:\n  - {name: a, config: 'x: 1', expect: pass}\n  - {name: a, config: 'x: 1', expect: pass}\n",
     "duplicate case name"),
    ("cases: []\n", "needs 'rule: CODE'"),
    ("rule: QL004\ncases:\n  - {name: a, config: 'x: 1', expect: fail, where: [4]}\n", "is not \"line:column\""),
    ("rule: QL004\ncases:\n  - {name: a, config: 'x: 1', expect: fail, where: ['4:2'], count: 2}\n",
     "'count' is 2 but 'where' lists 1"),
])
def test_malformed_fixtures_are_refused(tmp_path, body, message):
    path = tmp_path / "bad.yaml"
    path.write_text(body)
    with pytest.raises(FixtureError, match=message):
        load_fixture(path)
