"""Every built-in rule documents itself: the sections `sftlint rule CODE` prints, a unique code and
a kebab-case name."""

from __future__ import annotations

import json

import pytest

from sftlint.plugin.loading import build_registry
from sftlint.lint.rule import CODE_PATTERN, DOC_SECTIONS, NAME_PATTERN, doc_sections, validate_rule

REGISTRY = build_registry()
BUILTIN = sorted((r for r in REGISTRY.rules.values() if r.__module__.startswith("sftlint.")), key=lambda r: r.code)


def test_builtin_families_load_without_problems():
    assert BUILTIN, "no built-in rule was registered"
    rule_problems = [p for p in REGISTRY.problems if p.plugin in {REGISTRY.origins[r.code] for r in BUILTIN}]
    assert not rule_problems


@pytest.mark.parametrize("rule", BUILTIN, ids=lambda r: r.code)
def test_rule_declaration(rule):
    assert CODE_PATTERN.match(rule.code)
    assert NAME_PATTERN.match(rule.name)
    assert validate_rule(rule) == []
    sections = doc_sections(rule)
    assert list(sections)[: len(DOC_SECTIONS)] == list(DOC_SECTIONS), "sections in the standard order"
    assert all(sections[s].strip() for s in DOC_SECTIONS), "no empty section"
    assert rule.summary()


def test_codes_and_names_are_unique():
    assert len({r.code for r in BUILTIN}) == len(BUILTIN)
    assert len({r.name for r in BUILTIN}) == len(BUILTIN)


@pytest.mark.parametrize("rule", BUILTIN, ids=lambda r: r.code)
def test_rule_command_prints_every_section(cli, rule):
    for key in (rule.code, rule.code.lower(), rule.name):
        run = cli("rule", key)
        assert run.rc == 0
        assert run.out.startswith(f"# {rule.name} ({rule.code})")
        for section in DOC_SECTIONS:
            assert f"## {section}\n" in run.out


def test_rule_command_unknown_code(cli):
    run = cli("rule", "ZZ999")
    assert run.rc == 2 and "unknown rule 'ZZ999'" in run.err


def test_rules_command_lists_every_rule(cli):
    text = cli("rules")
    assert text.rc == 0
    listed = [line.split()[0] for line in text.out.splitlines() if line.strip()]
    assert listed == sorted(REGISTRY.rules)
    as_json = json.loads(cli("rules", "--output-format", "json").out)
    assert [r["code"] for r in as_json] == sorted(REGISTRY.rules)
    assert {r["name"] for r in as_json} >= {r.name for r in BUILTIN}
