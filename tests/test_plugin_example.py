"""The example plugin in ``examples/plugin/``, installed by pip and found through its entry point.

It is installed with ``pip install --target`` into a temporary folder put on ``PYTHONPATH`` of a
fresh ``python -m sftlint``: the same discovery (``importlib.metadata`` entry points) as for a
plugin installed into a virtual environment, without touching the test environment.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PLUGIN = Path(__file__).resolve().parents[1] / "examples" / "plugin"

UNSEEDED = """\
# sftlint: dialect=hf
output_dir: out
learning_rate: 2.0e-5
per_device_train_batch_size: 4
num_train_epochs: 1
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """A folder holding the installed plugin (built from a copy, so no build files land here)."""
    source = tmp_path_factory.mktemp("plugin-source") / "plugin"
    shutil.copytree(PLUGIN, source)
    target = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--no-index", "--target", str(target), str(source)], check=True, capture_output=True, text=True)
    return target


def test_the_plugin_rule_runs_in_check(run_sftlint, write, site):
    write("train.yaml", UNSEEDED)
    run = run_sftlint("check", "train.yaml", "--output-format", "concise", extra_path=[site])
    assert run.rc == 1, run.err
    assert "train.yaml:1:1: TEAM001 the config does not set 'seed'; our runs pin their seed" in run.out
    assert "warning: plugin" not in run.err
    without = run_sftlint("check", "train.yaml", "--output-format", "concise")
    assert "TEAM001" not in without.out  # not installed, not run


def test_the_plugin_rule_is_selectable_by_prefix(run_sftlint, write, site):
    write("train.yaml", UNSEEDED.replace("2.0e-5", "2e-5"))  # plus a YM001 finding
    run = run_sftlint("check", "train.yaml", "--output-format", "concise", "--select", "TEAM", extra_path=[site])
    assert [line.split()[1] for line in run.out.splitlines()] == ["TEAM001"]
    ignored = run_sftlint("check", "train.yaml", "--output-format", "concise", "--ignore", "TEAM001",
                          extra_path=[site])
    assert "TEAM001" not in ignored.out and "YM001" in ignored.out


def test_the_plugin_rule_is_suppressed_by_a_comment(run_sftlint, write, site):
    write("train.yaml", UNSEEDED.replace("dialect=hf", "dialect=hf  # sftlint: disable=TEAM001"))
    run = run_sftlint("check", "train.yaml", extra_path=[site])
    assert run.rc == 0, run.out


def test_the_plugin_rule_is_listed_and_explained(run_sftlint, site):
    listed = run_sftlint("rules", extra_path=[site])
    assert any(line.startswith("TEAM001") and "seed-not-set" in line for line in listed.out.splitlines())
    explained = run_sftlint("rule", "TEAM001", extra_path=[site])
    assert explained.rc == 0
    assert "# seed-not-set (TEAM001)" in explained.out and "## Why is this bad?" in explained.out


def test_the_hook_reference_in_docs_is_current():
    import importlib.util

    path = PLUGIN.parents[1] / "scripts" / "plugin_docs.py"
    spec = importlib.util.spec_from_file_location("plugin_docs", path)
    plugin_docs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plugin_docs)
    page = plugin_docs.PAGE.read_text(encoding="utf-8")
    assert plugin_docs.page_with(plugin_docs.render(), page) == page, "docs/plugins.md is stale: python scripts/plugin_docs.py"
    from sftlint.plugin import hookspecs

    hooks = [name for name in vars(hookspecs) if name.startswith("sftlint_")]
    assert hooks and all(f"### `{name}(" in page for name in hooks)
