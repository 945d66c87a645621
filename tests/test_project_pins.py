"""A config is judged against the tool releases its own project pins: a key TRL 0.20 removed is
still valid in a project that installs ``trl==0.18.0``, and reported in one that asks for
``trl>=0.19``. Pins are read from the project's files as they are written in public projects
(``setup.py`` building ``install_requires`` from a ``_deps`` list, ``pyproject.toml``,
``requirements*.txt``, ``setup.cfg``), through the real command line.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sftlint.config import project_pins
from sftlint.files.inputs import recording, signatures, unchanged
from sftlint.config.project_pins import BEYOND, pins_for, project_pins as pins_of
from sftlint.settings.resolver import Settings

#: A TRL recipe with keys later releases removed: torch_dtype (TRL 0.27), max_seq_length (TRL
#: 0.20) and warmup_ratio (transformers 5.15).
RECIPE = """\
model_name_or_path: Qwen/Qwen2.5-0.5B
dataset_name: trl-lib/Capybara
torch_dtype: bfloat16
max_seq_length: 2048
warmup_ratio: 0.1
learning_rate: 2.0e-5
output_dir: out
"""

#: The shape of open-r1's and alignment-handbook's setup.py: a list of requirement strings, a
#: lookup table built from it by code, and install_requires taken from the table.
SETUP_PY = '''\
import re
from setuptools import setup

_deps = [
    "accelerate==1.4.0",
    "sentence-transformers==2.2.2",
    "torch==2.6.0",
    "transformers{transformers}",
    "trl[vllm]{trl}",
]
deps = {{b: a for a, b in (re.findall(r"^(([^!=<>~ ]+)(?:[!=<>~ ].*)?$)", x)[0] for x in _deps)}}
setup(name="recipes", install_requires=[deps["transformers"], deps["trl"]])
'''

MIRRORS = Path(os.environ.get("SFTLINT_MIRRORS", "/work/.mirror"))


def sftlint(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("SFTLINT_DEBUG", "SFTLINT_OUTPUT_FORMAT")}
    proc = subprocess.run([sys.executable, "-m", "sftlint", "check", "--output-format", "concise", *args],
                          cwd=cwd, capture_output=True, text=True, env=env, timeout=120)
    assert "Traceback" not in proc.stdout + proc.stderr
    return proc


def codes(proc: subprocess.CompletedProcess) -> list[str]:
    return sorted(line.split()[1] for line in proc.stdout.splitlines() if line.count(":") >= 3)


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A project folder (``.git``) with the recipe two folders down, as in recipes/<model>/sft/."""
    root = tmp_path / "recipes-project"
    (root / ".git").mkdir(parents=True)
    (root / "recipes" / "qwen").mkdir(parents=True)
    (root / "recipes" / "qwen" / "sft.yaml").write_text(RECIPE)
    return root


# -- reading requirement strings --------------------------------------------------------------------


@pytest.mark.parametrize("requirement, package, newest, bound", [
    ("trl==0.16.0", "trl", (0, 16, 0), "up to 0.16.0"),
    ("trl[vllm]==0.18.0", "trl", (0, 18, 0), "up to 0.18.0"),
    ("trl<=0.19", "trl", (0, 19, 0), "up to 0.19"),
    ("trl>=0.16,<0.20", "trl", (0, 19, BEYOND), "below 0.20"),
    ("transformers<5", "transformers", (4, BEYOND, BEYOND), "below 5"),
    ("transformers<4.50.1", "transformers", (4, 50, 0, BEYOND), "below 4.50.1"),
    ("trl~=0.16.0", "trl", (0, 16, BEYOND), "below 0.17"),
    ("trl~=0.16", "trl", (0, BEYOND, BEYOND), "below 1"),
    ("trl==0.16.*", "trl", (0, 16, BEYOND), "below 0.17"),
    ("trl (==0.11.4)", "trl", (0, 11, 4), "up to 0.11.4"),
    ("transformers==4.52.3; python_version >= '3.9'", "transformers", (4, 52, 3), "up to 4.52.3"),
    ("Transformers_==4.40", None, None, None),  # not a valid name: nothing guessed
    ("axolotl[flash-attn]==0.8.1", "axolotl", (0, 8, 1), "up to 0.8.1"),
    ("llamafactory[torch,metrics]==0.9.1", "llamafactory", (0, 9, 1), "up to 0.9.1"),
    ("llama_factory<=0.9.3", "llamafactory", (0, 9, 3), "up to 0.9.3"),
])
def test_upper_bounds(requirement, package, newest, bound):
    pin = project_pins._pin(requirement, "requirements.txt")
    if package is None:
        assert pin is None
        return
    assert (pin.package, pin.newest, pin.bound) == (package, newest, bound)


@pytest.mark.parametrize("requirement", [
    "trl>=0.19.1",  # a fresh install gets the newest: no bound
    "trl",
    "trl!=0.17.0",
    "trl @ git+https://github.com/huggingface/trl.git@v0.16.0",
    "sentence-transformers==2.2.2",
    "transformers-stream-generator==0.0.5",
    "trl==not-a-version",
])
def test_no_upper_bound_is_no_pin(requirement):
    assert project_pins._pin(requirement, "requirements.txt") is None


def test_a_bound_compares_with_removal_releases():
    """``<0.20`` keeps what 0.20 removed and not what 0.19 removed; ``==0.20.0`` has lost both."""
    from sftlint.config.key_snapshots import version

    below = project_pins._pin("trl<0.20", "x").newest
    assert version("0.19") <= below < version("0.20") and below < version("0.20.0")
    exact = project_pins._pin("trl==0.20.0", "x").newest
    assert exact >= version("0.20") and exact >= version("0.20.0") and exact < version("0.20.1")
    twelve = project_pins._pin("axolotl==0.12", "x").newest
    assert twelve >= version("0.12.0")


# -- finding the project and its files ------------------------------------------------------------


def test_setup_py_is_parsed_not_run(project):
    (project / "setup.py").write_text(SETUP_PY.format(transformers="==4.52.3", trl="==0.18.0")
                                      + "raise SystemExit('setup.py was executed')\n")
    pins = pins_of(project / "recipes" / "qwen" / "sft.yaml")
    assert pins.root == project
    assert {p: pin.newest for p, pin in pins.pins.items()} == {"transformers": (4, 52, 3), "trl": (0, 18, 0)}
    assert pins.pin("trl").requirement == "trl[vllm]==0.18.0"
    assert pins.read == (str(project / "setup.py"),)


def test_pyproject_requirements_and_setup_cfg_the_tightest_wins(project):
    (project / "pyproject.toml").write_text(
        '[project]\nname = "x"\ndependencies = ["transformers>=4.40", "trl<0.25"]\n'
        '[project.optional-dependencies]\ntrain = ["axolotl==0.8.0"]\n'
        '[tool.other]\ntrl = "==0.1"\n')
    (project / "requirements-train.txt").write_text("# training\n-r requirements-base.txt\ntrl==0.16.0  # old\n")
    (project / "setup.cfg").write_text("[options]\ninstall_requires =\n    transformers<4.50\n")
    pins = pins_of(project / "recipes" / "qwen" / "sft.yaml")
    assert pins.pin("trl").newest == (0, 16, 0) and pins.pin("trl").source.endswith("requirements-train.txt")
    assert pins.pin("transformers").bound == "below 4.50"
    assert pins.pin("axolotl").newest == (0, 8, 0)


def test_a_pip_compile_lock_file_with_hashes(project):
    """pip-compile writes each pin with a line continuation and ``--hash`` options."""
    (project / "requirements.txt").write_text(
        "# via -r requirements.in\n"
        "transformers==4.46.3 \\\n    --hash=sha256:aaaa \\\n    --hash=sha256:bbbb\n"
        "trl==0.12.2 --hash=sha256:cccc\n"
        "-r requirements-base.txt\n--index-url https://example.invalid/simple\n")
    pins = pins_of(project / "recipes" / "qwen" / "sft.yaml")
    assert {p: pin.requirement for p, pin in pins.pins.items()} == {"transformers": "transformers==4.46.3",
                                                                   "trl": "trl==0.12.2"}


def test_the_nearest_project_folder_counts(project):
    """A sub-project with its own requirements file is the project of the configs below it."""
    (project / "setup.py").write_text(SETUP_PY.format(transformers="==4.52.3", trl="==0.18.0"))
    (project / "recipes" / "requirements.txt").write_text("torch\n")
    pins = pins_of(project / "recipes" / "qwen" / "sft.yaml")
    assert pins.root == project / "recipes" and pins.pins == {}


def test_the_search_stops_at_the_settings_folder(project):
    (project / "setup.py").write_text(SETUP_PY.format(transformers="==4.52.3", trl="==0.18.0"))
    settings_file = project / "recipes" / "sftlint.toml"
    settings_file.write_text("")
    assert pins_for(Settings(path=settings_file), project / "recipes" / "qwen" / "sft.yaml").pins == {}
    assert pins_for(Settings(), project / "recipes" / "qwen" / "sft.yaml").pin("trl").newest == (0, 18, 0)


def test_no_project_above_a_temporary_folder(tmp_path):
    (tmp_path / "sft.yaml").write_text(RECIPE)
    pins = pins_of(tmp_path / "sft.yaml")
    assert pins.root is None and pins.pins == {}


def test_the_temporary_folder_python_chooses_is_never_a_project(monkeypatch, tmp_path):
    import tempfile

    from sftlint.config.project_pins import _not_projects

    assert os.path.abspath(tempfile.gettempdir()) in _not_projects()
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)  # forget the folder chosen before
    assert os.path.abspath(tempfile.gettempdir()) == str(tmp_path)
    assert str(tmp_path) in _not_projects()


def test_big_and_broken_files_are_not_pins(project):
    (project / "requirements.txt").write_text("trl==0.16.0\n" + "# padding\n" * 40_000)  # over the size limit
    (project / "pyproject.toml").write_text("[project\ndependencies = ['trl==0.15.0']\n")  # not TOML
    (project / "setup.py").write_text("setup(install_requires=['trl==0.14.0'\n")  # not Python
    pins = pins_of(project / "recipes" / "qwen" / "sft.yaml")
    assert pins.root == project and pins.pins == {}


def test_an_edited_pin_is_read_again_in_the_same_process(project, monkeypatch):
    monkeypatch.setattr(project_pins, "RECHECK_AFTER", 0.0)  # a long-running process, a second later
    (project / "requirements.txt").write_text("trl==0.16.0\n")
    config = project / "recipes" / "qwen" / "sft.yaml"
    assert pins_of(config).pin("trl").newest == (0, 16, 0)
    (project / "requirements.txt").write_text("trl==0.17.0\n")
    os.utime(project / "requirements.txt", ns=(10**18, 10**18))  # a new mtime even on a coarse clock
    assert pins_of(config).pin("trl").newest == (0, 17, 0)
    (project / "requirements-old.txt").write_text("trl==0.15.0\n")
    os.utime(project, ns=(10**18, 10**18))
    assert pins_of(config).pin("trl").newest == (0, 15, 0)


def test_the_folders_above_many_configs_are_listed_once_while_unchanged(tmp_path, monkeypatch):
    """Configs in sibling folders share the folders above them: each is listed once, and listed
    again when a name in it changes (its modification time does); checking an answer again asks
    about each folder once, not about each name looked for in it."""
    monkeypatch.setattr(project_pins, "RECHECK_AFTER", 0.0)
    root = tmp_path / "repo"
    for sub in ("a", "b"):
        (root / "configs" / sub).mkdir(parents=True)
    settled = time.time_ns() - 10 * 10**9  # changed long ago, as a checkout's folders are
    for folder in (root, root / "configs", root / "configs" / "a", root / "configs" / "b"):
        os.utime(folder, ns=(settled, settled))
    listed: list[str] = []
    scandir = os.scandir
    monkeypatch.setattr(os, "scandir", lambda path=".": listed.append(os.fspath(path)) or scandir(path))
    assert pins_of(root / "configs" / "a" / "x.yaml", root).root is None
    assert pins_of(root / "configs" / "b" / "y.yaml", root).root is None
    asked: list[str] = []
    stat = os.stat
    monkeypatch.setattr(os, "stat", lambda path, *a, **k: asked.append(os.fspath(path)) or stat(path, *a, **k))
    assert pins_of(root / "configs" / "a" / "x.yaml", root).root is None  # checked again: one look per folder
    monkeypatch.setattr(os, "stat", stat)
    assert sorted(asked) == sorted(str(f) for f in (root, root / "configs", root / "configs" / "a"))
    assert listed.count(str(root)) == 1 and listed.count(str(root / "configs")) == 1
    (root / "requirements.txt").write_text("trl==0.16.0\n")
    pins = pins_of(root / "configs" / "b" / "y.yaml", root)
    assert pins.root == root and pins.pin("trl").newest == (0, 16, 0)
    assert listed.count(str(root)) == 2


def test_pytest_cache_records_the_pin_files_but_not_the_folder_listing(project):
    (project / "requirements.txt").write_text("trl==0.16.0\n")
    config = project / "recipes" / "qwen" / "sft.yaml"
    for _ in range(2):  # the second time from the in-process cache: the same paths are recorded
        with recording() as seen:
            pins_of(config)
        recorded = signatures(seen)
        assert recorded[str(project / "requirements.txt")][0] == "file"
        assert recorded[str(project / "setup.py")] == ["missing"]
        assert recorded[str(project / "requirements*.txt")][0] == "glob"
        assert recorded.get(str(project), ["dir"]) == ["dir"]  # never its listing
    (project / ".pytest_cache").mkdir()  # pytest's own folder appearing is no change
    assert unchanged(recorded)
    (project / "requirements-dev.txt").write_text("trl==0.15.0\n")  # a new pin file is
    assert not unchanged(recorded)


# -- what the rules report -----------------------------------------------------------------------------


def test_removed_keys_are_valid_where_the_project_pins_an_older_release(project):
    (project / "setup.py").write_text(SETUP_PY.format(transformers="==4.52.3", trl="==0.18.0"))
    proc = sftlint(project, "--select", "KT002,WS004", ".")
    assert proc.returncode == 0 and proc.stdout == "", proc.stdout


def test_a_lower_bound_only_keeps_the_findings(project):
    """alignment-handbook asks for trl>=0.19.1: a fresh install gets the newest TRL."""
    (project / "setup.py").write_text(SETUP_PY.format(transformers=">=4.53.3", trl=">=0.19.1"))
    proc = sftlint(project, "--select", "KT002,WS004", ".")
    assert codes(proc) == ["KT002", "KT002", "WS004"]
    assert "(targeting the newest transformers)" in proc.stdout
    # no upper bound and no setting: the removed-key findings say which release they judged
    assert proc.stdout.count("(judged against the newest trl; set target-trl if the project runs an older one)") == 2


def test_a_pin_between_removals_keeps_only_the_later_keys(project):
    """trl<0.25: max_seq_length (gone in 0.20) is reported, torch_dtype (gone in 0.27) is not;
    transformers<5.20 still allows 5.15, which removed warmup_ratio, and the message says so."""
    (project / "requirements.txt").write_text("trl>=0.19,<0.25\ntransformers>=4.50,<5.20\n")
    proc = sftlint(project, "--select", "KT002,WS004", ".")
    assert codes(proc) == ["KT002", "WS004"]
    assert "'max_seq_length' was removed in trl 0.20" in proc.stdout
    assert "(targeting transformers>=4.50,<5.20, pinned in requirements.txt)" in proc.stdout
    assert "judged against" not in proc.stdout  # judged against the pin, which the project chose


def test_the_target_setting_wins_over_the_pin(project):
    (project / "setup.py").write_text(SETUP_PY.format(transformers="==4.52.3", trl="==0.18.0"))
    (project / "sftlint.toml").write_text('target-trl = "0.29"\n')
    proc = sftlint(project, "--select", "KT002,WS004", ".")
    assert codes(proc) == ["KT002", "KT002"]  # TRL's removals; transformers still from the pin
    shown = sftlint(project, "--show-settings", "recipes/qwen/sft.yaml").stdout
    assert "#   trl: 0.29, from the target-trl setting (which wins over trl[vllm]==0.18.0 in setup.py)" in shown
    assert f"#   transformers: up to 4.52.3, from transformers==4.52.3 in setup.py (the project at {project})" in shown


def test_show_settings_without_a_project(tmp_path):
    (tmp_path / "sftlint.toml").write_text("")
    (tmp_path / "sft.yaml").write_text(RECIPE)
    shown = sftlint(tmp_path, "--show-settings", "sft.yaml").stdout
    assert "#   trl: the newest release (no project folder above it: none with .git, pyproject.toml" in shown
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["trl>=0.19"]\n')
    shown = sftlint(tmp_path, "--show-settings", "sft.yaml").stdout
    assert f"#   trl: the newest release (the project at {tmp_path} pins no upper bound)" in shown


def test_a_llamafactory_pin_keeps_a_removed_template(tmp_path):
    """KT004 on `template: cpm3` (removed in LLaMA-Factory 0.9.5) holds unless the project pins an
    older LLaMA-Factory."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "train.yaml").write_text(
        "model_name_or_path: openbmb/MiniCPM3-4B\nstage: sft\ndo_train: true\nfinetuning_type: lora\n"
        "dataset: alpaca_en_demo\ntemplate: cpm3\noutput_dir: out\n")
    assert "KT004" in codes(sftlint(tmp_path, "--select", "KT004", "train.yaml"))
    (tmp_path / "requirements.txt").write_text("llamafactory==0.9.3\n")
    assert codes(sftlint(tmp_path, "--select", "KT004", "train.yaml")) == []


# -- the real files of public projects, where a fetched copy is present ---------------------------------


def _show(repo: str, path: str) -> str | None:
    git_dir = MIRRORS / repo.replace("/", "+") / "repo"
    if not git_dir.is_dir():
        return None
    proc = subprocess.run(["git", "-C", str(git_dir), "show", f"HEAD:{path}"], capture_output=True, text=True)
    return proc.stdout if proc.returncode == 0 else None


@pytest.mark.parametrize("repo, trl, transformers", [
    ("huggingface/open-r1", (0, 18, 0), (4, 52, 3)),  # "trl[vllm]==0.18.0", "transformers==4.52.3"
    ("huggingface/alignment-handbook", None, None),  # "trl>=0.19.1": no upper bound
])
def test_real_setup_py(tmp_path, repo, trl, transformers):
    text = _show(repo, "setup.py")
    if text is None:
        pytest.skip(f"no fetched copy of {repo} under {MIRRORS}")
    (tmp_path / "project" / "recipes").mkdir(parents=True)
    (tmp_path / "project" / "setup.py").write_text(text)
    pins = pins_of(tmp_path / "project" / "recipes" / "config.yaml")
    assert pins.root == tmp_path / "project"
    assert (pins.pin("trl").newest if pins.pin("trl") else None) == trl
    assert (pins.pin("transformers").newest if pins.pin("transformers") else None) == transformers
