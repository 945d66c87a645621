"""Every rule fixture in tests/rules/fixtures, one test per case (see :mod:`sftlint.testing`)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from sftlint.testing import check_case, default_registry, fixture_params, load_fixtures

FIXTURES = Path(__file__).parent / "rules" / "fixtures"
#: Families whose every rule must have a fixture file with cases in at least two dialects.
COVERED_FAMILIES = ("HP", "SC", "QL", "SEC")
#: Rules whose keys exist in one dialect only, and why.
ONE_DIALECT = {"QL007": "loss_type and SFTTrainer's fused head exist only in TRL",
               "QL011": "only axolotl reads adapter: lora and load_in_4bit as two separate keys"}


@pytest.mark.parametrize("case", fixture_params(FIXTURES))
def test_rule_fixture(case, tmp_path):
    check_case(case, tmp_path)


def test_every_rule_has_fixtures_in_two_dialects():
    cases = load_fixtures(FIXTURES)
    by_rule: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for case in cases:
        by_rule[case.rule][case.expect].add(case.dialect or "?")
    missing = []
    for code, rule in sorted(default_registry().rules.items()):
        if rule.family() not in COVERED_FAMILIES:
            continue
        seen = by_rule.get(code, {})
        if len(seen.get("fail", ())) < (1 if code in ONE_DIALECT else 2) or not seen.get("pass"):
            missing.append(f"{code}: fail cases in {sorted(seen.get('fail', ()))}, pass cases in "
                           f"{sorted(seen.get('pass', ()))}")
    assert not missing, "rules without enough fixtures:\n" + "\n".join(missing)


def test_fixed_cases_exist_for_fixable_rules():
    fixed = {case.rule for case in load_fixtures(FIXTURES) if case.fixed is not None}
    lacking = [code for code, rule in default_registry().rules.items()
               if rule.family() in COVERED_FAMILIES and rule.fix_availability.value != "none" and code not in fixed]
    assert not lacking, f"fixable rules without a 'fixed' case: {sorted(lacking)}"
