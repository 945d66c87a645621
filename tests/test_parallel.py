"""Linting on several cores reports exactly what linting in one process does."""

from __future__ import annotations

import json
import os

import pytest

from sftlint.lint import parallel
from sftlint.cli.main import main

CONFIG = """\
# sftlint: dialect=hf
output_dir: out
learning_rate: {lr}
per_device_train_batch_size: 4
num_train_epochs: 1
warmup_steps: {warmup}
"""


@pytest.fixture
def many_configs(tmp_path):
    for i in range(parallel.MIN_FILES + 10):
        lr = "2e-4" if i % 3 == 0 else "2.0e-4"  # every third is a YAML 1.1 string: a finding
        (tmp_path / f"run{i:03d}.yaml").write_text(CONFIG.format(lr=lr, warmup=i), encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("a: [\n", encoding="utf-8")
    return tmp_path


def run_json(capsys, *args) -> list[dict]:
    main(["check", *args, "--output-format", "json", "--exit-zero"])
    return json.loads(capsys.readouterr().out)


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one core: no workers to compare with")
def test_workers_find_the_same_findings_in_the_same_order(many_configs, capsys, monkeypatch):
    assert parallel.workers_for(len(list(many_configs.iterdir()))) > 1
    spread = run_json(capsys, str(many_configs))
    monkeypatch.setattr(parallel, "MIN_FILES", 10**9)  # force one process
    assert parallel.workers_for(len(list(many_configs.iterdir()))) == 1
    serial = run_json(capsys, str(many_configs))
    assert spread == serial
    codes = {f["code"] for f in serial}
    assert {"YM001", "E001"} <= codes
    # the source snippets of the full format need each file's text, which workers send back
    main(["check", str(many_configs), "--select", "YM001", "--exit-zero"])
    assert "learning_rate: 2e-4" in capsys.readouterr().out


def test_small_runs_stay_in_one_process():
    assert parallel.workers_for(parallel.MIN_FILES - 1) == 1
    assert parallel.workers_for(0) == 1


def test_what_a_worker_sends_back_leaves_the_dialect_caches_behind(tmp_path):
    """A worker pickles each file's result for the parent; the dialect it names travels without
    its key cache (thousands of keys per file otherwise), and still answers the same."""
    import pickle

    from sftlint.lint.session import Session

    config = tmp_path / "axolotl.yaml"
    config.write_text("base_model: m\nadapter: qlora\nmicro_batch_size: 2\nnum_epochs: 1\n"
                      "learning_rate: 0.0002\nsequence_len: 2048\n", encoding="utf-8")
    result = parallel.slim(Session().lint(config))
    dialect = result.choice.dialect
    keys = dialect.accepted_keys()  # fills the cache
    assert len(keys) > 100
    sent = pickle.dumps(result)
    assert len(pickle.dumps(keys)) > len(sent)  # the cache alone outweighs the whole result
    back = pickle.loads(sent).choice.dialect
    assert back.name == dialect.name and back.accepted_keys() == keys


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one core: no workers")
def test_a_plugin_killing_its_worker_costs_one_file_in_a_real_run(tmp_path, run_sftlint):
    """End to end, in a fresh ``sftlint`` process: a plugin rule that ends its process on one file
    of many. That file gets an E999 finding naming how its worker ended; every other file, those
    the same worker had linted before it included, keeps its own findings."""
    from hostile_plugins import _rule

    site = tmp_path / "site"
    site.mkdir()
    (site / "fatal_rule.py").write_text(_rule("if ctx.document.path.name == 'run013.yaml':\n"
                                              "    os._exit(7)\nyield from ()"))
    project = tmp_path / "project"
    project.mkdir()
    (project / "sftlint.toml").write_text('plugins = ["fatal_rule"]\n')
    count = parallel.MIN_FILES + 12
    for i in range(count):
        (project / f"run{i:03d}.yaml").write_text(CONFIG.format(lr="2e-4", warmup=i), encoding="utf-8")
    run = run_sftlint("check", ".", "--output-format", "concise", "--select", "YM001,HOST001", cwd=project,
                      extra_path=[site])
    lines = run.out.splitlines()
    dead = [line for line in lines if "E999" in line]
    assert len(dead) == 1 and dead[0].startswith("run013.yaml:") and "status 7" in dead[0], run.out + run.err
    ym = {line.split(":")[0] for line in lines if "YM001" in line}
    assert ym == {f"run{i:03d}.yaml" for i in range(count) if i != 13}
    assert run.rc == 2 and "Traceback" not in run.err  # a file that could not be linted
