"""``pytest --sftlint`` run for real by pytest's own ``pytester``, each run in a fresh interpreter.

Whether a run linted a file is observed through a real sftlint plugin, loaded by the ``plugins``
setting, whose one rule writes the name of every file it checks to a log: a cached file leaves no
line there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

pytest_plugins = ["pytester"]

CLEAN = """\
# sftlint: dialect=hf
output_dir: out
learning_rate: 2.0e-5
per_device_train_batch_size: 4
num_train_epochs: 1
seed: 42
"""
LAUNCHER = """\
compute_environment: LOCAL_MACHINE
distributed_type: MULTI_GPU
num_processes: 2
"""
COUNTING_PLUGIN = '''
import os

import sftlint
from sftlint import Rule


class CountChecks(Rule):
    """## What it does
    Writes the name of each checked file to the file named by COUNT_LOG.

    ## Why is this bad?
    It is not; it counts.

    ## Example
    Any config.

    ## Use instead
    Any config.

    ## Options
    None.

    ## Fix safety
    No fix.

    ## References
    None.
    """

    code = "CNT001"
    name = "count-checks"

    def check(self, ctx):
        with open(os.environ["COUNT_LOG"], "a", encoding="utf-8") as log:
            log.write(ctx.document.path.name + "\\n")
        return ()


@sftlint.hookimpl
def sftlint_rules():
    return [CountChecks]
'''


@pytest.fixture
def project(pytester, monkeypatch):
    """A folder with settings that load the counting plugin; returns a function reading its log."""
    plugins = pytester.mkdir("plugins")
    (plugins / "counting_rule.py").write_text(COUNTING_PLUGIN, encoding="utf-8")
    log = pytester.path / "checked.log"
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(plugins), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("COUNT_LOG", str(log))
    pytester.makepyprojecttoml('[tool.sftlint]\nplugins = ["counting_rule"]\n')

    def checked() -> list[str]:
        return sorted(log.read_text(encoding="utf-8").split()) if log.exists() else []

    return checked


def cached_entries(pytester) -> dict:
    path = pytester.path / ".pytest_cache" / "v" / "sftlint" / "lint"
    return json.loads(path.read_text(encoding="utf-8"))


def test_collects_the_files_sftlint_check_would_lint(pytester):
    pytester.makefile(".yaml", clean=CLEAN)
    pytester.makefile(".json", trainer=json.dumps({"output_dir": "o", "learning_rate": 2e-5}))
    pytester.makefile(".json", package=json.dumps({"name": "not a config"}))
    pytester.makefile(".yaml", **{".pre-commit-config": "repos: []\n"})
    pytester.mkdir(".github")
    pytester.mkdir(".github/workflows")
    (pytester.path / ".github/workflows/ci.yml").write_text("on: push\n", encoding="utf-8")
    pytester.mkdir("outputs")
    (pytester.path / "outputs/run.yaml").write_text(CLEAN, encoding="utf-8")

    result = pytester.runpytest_subprocess("--sftlint", "--collect-only", "-q", "-m", "sftlint", "--strict-markers")

    collected = sorted(line for line in result.outlines if "::" in line)
    assert collected == ["clean.yaml::sftlint", "trainer.json::sftlint"]
    assert pytester.runpytest_subprocess("--collect-only", "-q").ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_findings_fail_the_item_as_the_cli_shows_them(pytester):
    bad = pytester.makefile(".yaml", bad=CLEAN.replace("2.0e-5", "2e-4"))

    result = pytester.runpytest_subprocess("--sftlint", "bad.yaml")

    result.assert_outcomes(failed=1)
    cli = subprocess.run([sys.executable, "-m", "sftlint", "check", "--output-format", "full", "--color", "never",
                          str(bad.name)], cwd=pytester.path, capture_output=True, text=True, check=False)
    assert cli.returncode == 1 and "YM001" in cli.stdout
    for line in cli.stdout.strip().splitlines():
        assert line in result.outlines, line  # the same lines, paths relative as the CLI prints them


def test_non_training_configs_are_skipped_with_the_reason(pytester):
    pytester.makefile(".yaml", accelerate=LAUNCHER)

    result = pytester.runpytest_subprocess("--sftlint", "-rs")

    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*accelerate launcher config, not a training config*"])


def test_settings_come_from_tool_sftlint(pytester):
    pytester.makefile(".yaml", bad=CLEAN.replace("2.0e-5", "2e-4"))
    pytester.makepyprojecttoml('[tool.sftlint]\nignore = ["YM001", "KT003"]\nexclude = ["excluded/**"]\n')
    pytester.mkdir("excluded")
    (pytester.path / "excluded/other.yaml").write_text(CLEAN.replace("2.0e-5", "2e-4"), encoding="utf-8")

    pytester.runpytest_subprocess("--sftlint").assert_outcomes(passed=1)


def test_a_clean_run_writes_the_cache_and_the_next_one_lints_nothing(pytester, project):
    pytester.makefile(".yaml", a=CLEAN, b=CLEAN.replace("seed: 42", "seed: 7"))
    pytester.makefile(".yaml", accelerate=LAUNCHER)

    pytester.runpytest_subprocess("--sftlint").assert_outcomes(passed=2, skipped=1)
    assert project() == ["a.yaml", "b.yaml"]
    assert sorted(cached_entries(pytester)) == ["a.yaml", "accelerate.yaml", "b.yaml"]

    pytester.runpytest_subprocess("--sftlint").assert_outcomes(passed=2, skipped=1)
    assert project() == ["a.yaml", "b.yaml"]  # nothing linted the second time

    (pytester.path / "b.yaml").write_text(CLEAN.replace("seed: 42", "seed: 8"), encoding="utf-8")
    pytester.runpytest_subprocess("--sftlint").assert_outcomes(passed=2, skipped=1)
    assert project() == ["a.yaml", "b.yaml", "b.yaml"]  # only the changed file


def test_changed_settings_lint_again(pytester, project):
    pytester.makefile(".yaml", a=CLEAN)
    pytester.runpytest_subprocess("--sftlint").assert_outcomes(passed=1)

    pytester.makepyprojecttoml('[tool.sftlint]\nplugins = ["counting_rule"]\nworld-size = 2\n')
    pytester.runpytest_subprocess("--sftlint").assert_outcomes(passed=1)

    assert project() == ["a.yaml", "a.yaml"]


def test_failing_files_are_linted_every_time(pytester, project):
    pytester.makefile(".yaml", bad=CLEAN.replace("2.0e-5", "2e-4"))
    for _ in range(2):
        pytester.runpytest_subprocess("--sftlint").assert_outcomes(failed=1)
    assert project() == ["bad.yaml", "bad.yaml"]
    assert cached_entries(pytester) == {}


def test_an_empty_run_still_writes_the_cache(pytester):
    pytester.makepyfile(test_nothing="def test_ok():\n    pass\n")

    pytester.runpytest_subprocess("--sftlint").assert_outcomes(passed=1)

    assert cached_entries(pytester) == {}


def test_xdist_workers_hand_their_results_to_the_controller(pytester, project):
    pytest.importorskip("xdist")
    names = [f"c{i}" for i in range(4)]
    pytester.makefile(".yaml", **{n: CLEAN.replace("seed: 42", f"seed: {i}") for i, n in enumerate(names)})

    pytester.runpytest_subprocess("--sftlint", "-n", "2").assert_outcomes(passed=4)
    assert sorted(cached_entries(pytester)) == [f"{n}.yaml" for n in names]

    pytester.runpytest_subprocess("--sftlint").assert_outcomes(passed=4)
    assert project() == [f"{n}.yaml" for n in names]  # each linted once, by one worker


def test_the_plugin_module_imports_nothing_heavy():
    code = textwrap.dedent("""
        import sys
        import sftlint.pytest.plugin, sftlint.pytest.lint
        heavy = sorted(m for m in ("torch", "transformers", "sftlint.lint.engine", "sftlint.runner") if m in sys.modules)
        print(heavy)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


AXOLOTL_WITH_DATA = """\
base_model: NousResearch/Llama-3.2-1B
adapter: lora
lora_r: 16
lora_alpha: 32
lora_dropout: 0.05
lora_target_linear: true
datasets:
  - path: data.jsonl
    type: alpaca
micro_batch_size: 2
gradient_accumulation_steps: 1
num_epochs: 1
learning_rate: 0.0002
warmup_steps: 10
sequence_len: 512
output_dir: ./out
seed: 1
optimizer: adamw_torch
lr_scheduler: cosine
"""


def _rows(n: int) -> str:
    return "".join(json.dumps({"instruction": "a", "input": "", "output": "b"}) + "\n" for _ in range(n))


def test_a_shrunk_dataset_is_linted_again(pytester, project):
    """The result depends on the dataset the config names: 200 rows give 100 steps (warmup 10 is
    fine), 4 rows give 2 steps, and WS001 must fail the next run without ``--cache-clear``."""
    pytester.makefile(".yaml", train=AXOLOTL_WITH_DATA)
    (pytester.path / "data.jsonl").write_text(_rows(200), encoding="utf-8")
    pytester.runpytest_subprocess("--sftlint").assert_outcomes(passed=1)
    pytester.runpytest_subprocess("--sftlint").assert_outcomes(passed=1)
    assert project() == ["train.yaml"]  # cached while nothing changed
    entry = cached_entries(pytester)["train.yaml"]
    assert str(pytester.path / "data.jsonl") in entry["inputs"]

    (pytester.path / "data.jsonl").write_text(_rows(4), encoding="utf-8")
    result = pytester.runpytest_subprocess("--sftlint")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*WS001*warmup 10 steps >= 2 total steps*"])


def test_a_dataset_that_appears_later_is_noticed(pytester, project):
    """A path looked for and not found is an input too: the config is linted again once it exists."""
    pytester.makefile(".yaml", train=AXOLOTL_WITH_DATA)
    pytester.runpytest_subprocess("--sftlint").assert_outcomes(passed=1)

    (pytester.path / "data.jsonl").write_text(_rows(4), encoding="utf-8")
    pytester.runpytest_subprocess("--sftlint").assert_outcomes(failed=1)
    assert project() == ["train.yaml", "train.yaml"]


def test_an_edited_plugin_lints_again(pytester, project):
    """The plugin's code is part of the key, even when its version does not change."""
    pytester.makefile(".yaml", a=CLEAN)
    pytester.runpytest_subprocess("--sftlint").assert_outcomes(passed=1)
    plugin = pytester.path / "plugins" / "counting_rule.py"
    plugin.write_text(plugin.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    os.utime(plugin, ns=(plugin.stat().st_atime_ns, plugin.stat().st_mtime_ns + 10**9))

    pytester.runpytest_subprocess("--sftlint").assert_outcomes(passed=1)

    assert project() == ["a.yaml", "a.yaml"]


def test_git_ignored_configs_are_not_collected(pytester):
    pytester.makefile(".yaml", clean=CLEAN)
    pytester.mkdir("out")
    (pytester.path / "out" / "copy.yaml").write_text(CLEAN, encoding="utf-8")
    (pytester.path / ".gitignore").write_text("out/\n", encoding="utf-8")
    pytester.mkdir(".git")

    result = pytester.runpytest_subprocess("--sftlint", "--collect-only", "-q", "-m", "sftlint")

    assert sorted(line for line in result.outlines if "::" in line) == ["clean.yaml::sftlint"]


def test_a_model_config_that_appears_later_is_noticed(pytester, project):
    """A local model folder's config.json is an input of the memory and architecture rules."""
    pytester.makefile(".yaml", a=AXOLOTL_WITH_DATA.replace("NousResearch/Llama-3.2-1B", "./model"))
    (pytester.path / "data.jsonl").write_text(_rows(200), encoding="utf-8")
    pytester.runpytest_subprocess("--sftlint").assert_outcomes(passed=1)
    entry = cached_entries(pytester)["a.yaml"]
    assert str(pytester.path / "model" / "config.json") in entry["inputs"]
    pytester.mkdir("model")
    (pytester.path / "model" / "config.json").write_text('{"model_type": "llama"}', encoding="utf-8")

    pytester.runpytest_subprocess("--sftlint")

    assert project() == ["a.yaml", "a.yaml"]  # linted again: the result may depend on it


def test_a_changed_pin_of_the_project_lints_again(pytester, project):
    """The releases a project pins decide whether a removed key is a finding: ``warmup_ratio`` is
    valid with transformers 4.52.3, and once requirements.txt allows the newest release the next
    run must fail without ``--cache-clear``; pytest's own cache folder appearing is no change."""
    pytester.makefile(".yaml", train=CLEAN + "warmup_ratio: 0.1\n")
    (pytester.path / "requirements.txt").write_text("transformers==4.52.3\n", encoding="utf-8")
    pytester.runpytest_subprocess("--sftlint").assert_outcomes(passed=1)
    pytester.runpytest_subprocess("--sftlint").assert_outcomes(passed=1)
    assert project() == ["train.yaml"]  # the second run used the cache
    assert str(pytester.path / "requirements.txt") in cached_entries(pytester)["train.yaml"]["inputs"]

    (pytester.path / "requirements.txt").write_text("transformers>=4.52.3\n", encoding="utf-8")
    result = pytester.runpytest_subprocess("--sftlint")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*WS004*'warmup_ratio' was removed in transformers 5.15*"])
