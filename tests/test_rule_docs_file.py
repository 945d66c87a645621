"""docs/rules.md is generated from the rule docstrings and must match them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "rule_docs.py"


def _generator():
    spec = importlib.util.spec_from_file_location("rule_docs_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rules_page_is_current():
    generator = _generator()
    committed = generator.PAGE.read_text(encoding="utf-8") if generator.PAGE.exists() else ""
    assert generator.render() == committed, "docs/rules.md is stale: run python scripts/rule_docs.py"


def test_rule_command_prints_the_page_text(cli):
    from sftlint.plugin.loading import build_registry
    from sftlint.lint.rule_docs import render_rule

    rule = build_registry().rule("WS002")
    printed = cli("rule", "WS002").out
    assert printed.rstrip("\n") == render_rule(rule).rstrip("\n")
    # the page shows the same text, its headings two levels down
    page = _generator().PAGE.read_text(encoding="utf-8")
    assert render_rule(rule, level=3) in page
