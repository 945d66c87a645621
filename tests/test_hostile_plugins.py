"""Plugins are isolated: whatever one raises, exits with or returns, the run reports it by plugin
and hook, keeps every other finding, never exits 0 silently, and keeps stdout for the report."""

from __future__ import annotations

import json

import pytest

from hostile_plugins import PLUGINS, install

CONFIG = """\
output_dir: out
learning_rate: 2e-4
per_device_train_batch_size: 4
num_train_epochs: 1
"""


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PLUGINS))
def test_a_hostile_plugin_is_reported_and_the_run_goes_on(tmp_path, run_sftlint, name):
    site = tmp_path / "site"
    site.mkdir()
    module = install(site, name)
    project = tmp_path / "project"
    project.mkdir()
    (project / "sftlint.toml").write_text(f'plugins = ["{module}"]\n')
    (project / "train.yaml").write_text(CONFIG)
    words = PLUGINS[name][1]
    check = run_sftlint("check", "--output-format", "json", "train.yaml", cwd=project, extra_path=[site])
    assert "Traceback" not in check.err and "internal error" not in check.err
    findings = json.loads(check.out)  # stdout is the report, and only the report
    assert "YM001" in {f["code"] for f in findings}, "the built-in rules' findings survive"
    if name.startswith("print-"):
        assert check.rc == 1 and words in check.err  # said on stderr, out of the report's way
    elif words:
        assert check.rc == 2, "a plugin that failed never passes silently"
        assert words in check.err + check.out
        if name not in ("print-at-import",):
            assert module in check.err + check.out or "HOST001" in check.out, "the plugin is named"
    assert "hf_Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv" not in check.out + check.err
    plan = run_sftlint("plan", "train.yaml", "--output-format", "json", cwd=project, extra_path=[site])
    assert "Traceback" not in plan.err and "internal error" not in plan.err
    assert json.loads(plan.out)["effective_batch_size"] == 4 if plan.out else plan.rc == 2


def test_garbage_from_one_rule_keeps_its_good_findings_and_the_other_rules(tmp_path, monkeypatch):
    """In-process: the rule yields a bad node, then a good finding; both the good finding and the
    later built-in rules' findings are kept."""
    import sys

    from sftlint.document import parse_document
    from sftlint.lint.engine import lint_document
    from sftlint.plugin.loading import build_registry
    from sftlint.settings.resolver import Settings

    install(tmp_path, "wrong-node-type")
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("hostile_wrong_node_type", None)
    registry = build_registry(["hostile_wrong_node_type"])
    assert not registry.problems, registry.problems
    result = lint_document(parse_document(tmp_path / "t.yaml", CONFIG), Settings(), registry)
    codes = [f.code for f in result.findings]
    assert "YM001" in codes and "HOST001" in codes and "E900" in codes
    bad = next(f for f in result.findings if f.code == "E900")
    assert "hostile_wrong_node_type" in bad.message and "hook check" in bad.message
