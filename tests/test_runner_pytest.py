"""The runner's pytest side, run for real in fresh pytest processes: the ``sft_run`` fixture,
``--sft-runs DIR`` items (collected and counted like tests, unreadable configs failing), ``gpu``
skips without CUDA, and the summary table, also under pytest-xdist."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]
pytest.importorskip("trl")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture
def project(pytester, monkeypatch, tmp_path_factory):
    monkeypatch.setenv("SFTLINT_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "sftlint-runner-cache"))
    configs = pytester.mkdir("configs")
    shutil.copy(EXAMPLES / "trl-sft.yaml", configs / "trl-sft.yaml")
    shutil.copytree(EXAMPLES / "data", configs / "data")
    (configs / "notes.md").write_text("not a config\n")
    return configs


@pytest.mark.slow
def test_sft_run_fixture_trains_and_gpu_tests_skip(pytester, project):
    pytester.makepyfile(test_user=f"""
        import pytest
        CONFIG = {str(project / "trl-sft.yaml")!r}

        @pytest.mark.smoke
        def test_smoke(sft_run):
            result = sft_run(CONFIG, backend="hf", model="synthetic:tiny", steps=4)
            assert result.passed, result.explain()
            assert result.steps == 4 and result.check("lr_schedule").passed

        def test_config_model_needs_gpu(sft_run):
            sft_run(CONFIG)  # the config's own hub model: a GPU run

        @pytest.mark.gpu
        def test_marked_gpu():
            raise AssertionError("ran without CUDA")
    """)
    result = pytester.runpytest_subprocess("-rs", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, skipped=2)
    result.stdout.fnmatch_lines([
        "*sftlint training runs*",
        "run*backend*steps*loss first->last*tok/s*peak*estimate*verdict",
        "trl-sft.yaml ?smoke?*hf*4/4*pass",
        "*SKIPPED*with model from the config needs a CUDA device and none is present",
        "*SKIPPED*test_marked_gpu (marked gpu) needs a CUDA device and none is present",
    ])


@pytest.mark.slow
def test_sft_runs_collects_configs_as_smoke_items(pytester, project):
    result = pytester.runpytest_subprocess("--sft-runs", str(project), "--sft-runs-model", "synthetic:tiny",
                                           "--sft-runs-backend", "hf", "--sft-runs-steps", "4", "-v",
                                           "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*trl-sft.yaml::smoke PASSED*", "*sftlint training runs*", "*hf*4/4*pass*"])


def test_sft_runs_with_the_configs_models_are_gpu_items(pytester, project):
    result = pytester.runpytest_subprocess("--sft-runs", str(project), "-m", "gpu", "-rs", "-p", "no:cacheprovider")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["collected 1 item", "*trl-sft.yaml::smoke (marked gpu) needs a CUDA device*"])


def test_markers_are_registered(pytester):
    result = pytester.runpytest_subprocess("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.gpu:*CUDA*", "@pytest.mark.smoke:*", "@pytest.mark.full:*"])


@pytest.fixture
def mixed(project):
    """The trl example, the unsloth example, a broken YAML file and a YAML file that is no config."""
    shutil.copy(EXAMPLES / "unsloth-lora.yaml", project / "unsloth-lora.yaml")
    (project / "broken.yaml").write_text("model_name_or_path: m\nlearning_rate: [1, 2\nuse_peft: true\n")
    (project / "colours.yaml").write_text("colour: blue\n")
    return project


def test_sft_runs_items_are_collected_and_counted_like_tests(pytester, mixed):
    result = pytester.runpytest_subprocess("--sft-runs", str(mixed), "--co", "-q", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*broken.yaml::smoke", "*colours.yaml::smoke", "*trl-sft.yaml::smoke",
                                 "*unsloth-lora.yaml::smoke", "4 tests collected*"])
    result = pytester.runpytest_subprocess("--sft-runs", str(mixed), "--co", "-k", "unsloth", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["collected 4 items / 3 deselected / 1 selected", "*<SftRunItem smoke>*"])
    result.stdout.no_fnmatch_line("*-1 selected*")


def test_a_config_with_a_yaml_error_fails_its_item(pytester, mixed):
    result = pytester.runpytest_subprocess("--sft-runs", str(mixed), "-k", "broken or colours", "-rs",
                                           "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1, skipped=1)
    result.stdout.fnmatch_lines(["*broken.yaml: cannot be run: *broken.yaml:3:*",
                                 "SKIPPED*colours.yaml: no training plan: *"])


@pytest.mark.slow
def test_the_table_is_printed_under_xdist(pytester, project):
    pytest.importorskip("xdist")
    result = pytester.runpytest_subprocess("-n", "2", "--sft-runs", str(project), "--sft-runs-model", "synthetic:tiny",
                                           "--sft-runs-backend", "hf", "--sft-runs-steps", "3",
                                           "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*sftlint training runs*", "trl-sft.yaml ?smoke?*hf*3/3*pass"])
