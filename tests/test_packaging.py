"""What a user installing sftlint gets: the Pythons it runs on, the wheel's contents and metadata,
links that work where the README is shown (a package index page), and the documented install."""

from __future__ import annotations

import email
import os
import re
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from sftlint import links

ROOT = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    from sftlint.settings.toml_lines import toml_module

    return toml_module().loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_code_needs_nothing_newer_than_python_310():
    """vermin reads every module of the package (rules and runner too) for the newest syntax, module
    or function it uses: a 3.11-only name such as ``tomllib`` without its fallback fails here."""
    pytest.importorskip("vermin")
    vermin = [sys.executable, "-c", "import sys, vermin; sys.exit(vermin.main())"]
    run = subprocess.run([*vermin, "--no-tips", "--violations", "-t=3.10-", "-q",
                          "sftlint", "rules", "runner"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


def test_settings_are_read_where_tomllib_is_missing(tmp_path, hf_config):
    """Python 3.10 has no ``tomllib``: sftlint then reads pyproject.toml with ``tomli``."""
    pytest.importorskip("tomli")
    (tmp_path / "pyproject.toml").write_text('[tool.sftlint]\nselect = ["SEC"]\n', encoding="utf-8")
    (tmp_path / "cfg.yaml").write_text(hf_config, encoding="utf-8")
    script = ("import sys; sys.modules['tomllib'] = None\n"  # `import tomllib` now raises, as on 3.10
              "from sftlint.cli.main import main\n"
              "code = main(['check', '--output-format', 'concise', 'cfg.yaml'])\n"
              "assert 'tomli' in sys.modules\n"
              "sys.exit(code)\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    run = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, env=env,
                         timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr  # without the settings: YM001, exit 1
    assert "internal error" not in run.stderr


def test_declared_pythons_are_the_tested_ones():
    project = _pyproject()["project"]
    assert project["requires-python"] == ">=3.11"
    versions = sorted(c.rsplit(" ", 1)[-1] for c in project["classifiers"]
                      if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c))
    assert versions == ["3.11", "3.13"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "scripts/python313.sh" in ci and ".venv313/bin/python -m pytest" in ci  # the second Python


def test_the_repository_url_is_written_once():
    urls = _pyproject()["project"]["urls"]
    assert urls["Repository"] == links.REPOSITORY
    assert all(url.startswith(links.REPOSITORY) for url in urls.values())


def test_readme_links_work_on_a_package_index_page():
    """PyPI shows the README without the repository around it: relative links would be dead, so
    every link is absolute, and each one into the repository names a file or folder that exists."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    assert targets
    for target in targets:
        assert target.startswith(("https://", "http://", "#")), target
        inside = re.match(re.escape(links.REPOSITORY) + r"/(?:blob|tree)/main/([^#]*)", target)
        if inside:
            assert (ROOT / inside.group(1)).exists(), target
    for install in re.findall(r"git\+(\S+?)@", text):
        assert install == links.REPOSITORY


def test_every_finding_url_has_its_anchor():
    from sftlint.plugin.loading import build_registry

    page = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    codes = [code for code, rule in build_registry().rules.items() if rule.__module__.startswith("sftlint.")]
    assert codes
    for code in codes:
        url = links.rule_url(code)
        assert url.startswith(links.DOCS + "/rules.md#")
        assert f'<a id="{url.rpartition("#")[2]}"></a>' in page, code


@pytest.mark.slow
def test_the_wheel_ships_license_types_and_metadata(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is needed to copy the tree")
    out = tmp_path / "dist"
    run = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                          "-w", str(out), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    (wheel,) = out.glob("sftlint-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        meta_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        meta = email.message_from_bytes(zf.read(meta_name))
    assert "sftlint/py.typed" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert any(n.startswith("sftlint/rules/warmup/") for n in names)  # the linked folders are shipped
    assert meta["License-Expression"] == "Apache-2.0"
    assert meta["Requires-Python"] == ">=3.11"
    assert "Typing :: Typed" in meta.get_all("Classifier")
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL"))
    assert urls["Repository"] == links.REPOSITORY
    assert any(r.startswith("pathspec") for r in meta.get_all("Requires-Dist"))


@pytest.mark.slow
def test_the_documented_install_from_a_git_tag(tmp_path, hf_config):
    """``pip install "sftlint @ git+URL@TAG"``, as the README says, with a local clone standing for the
    repository: a fresh virtual environment gets a working ``sftlint`` (this needs PyPI for the
    dependencies)."""
    if shutil.which("git") is None:
        pytest.skip("git is needed")
    repo = tmp_path / "repo"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PIP_REQUIRE_VIRTUALENV")}
    env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="t",
               GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    for name in ("pyproject.toml", "README.md", "LICENSE", "sftlint", "rules", "runner"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, repo / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            repo.mkdir(exist_ok=True)
            shutil.copy2(source, repo / name)
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "release"], ["tag", "v0.1.0"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)
    venv.create(tmp_path / "venv", with_pip=True)
    bin_dir = tmp_path / "venv" / "bin"
    install = subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                              # localhost: the pip of Python 3.11's ensurepip wants a host in the URL
                              f"sftlint @ git+file://localhost{repo}@v0.1.0"], capture_output=True, text=True, env=env,
                             timeout=600)
    assert install.returncode == 0, install.stderr
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "pyproject.toml").write_text('[tool.sftlint]\nselect = ["YM"]\n', encoding="utf-8")
    (tmp_path / "p" / "cfg.yaml").write_text(hf_config, encoding="utf-8")
    run = subprocess.run([str(bin_dir / "sftlint"), "check", "--output-format", "concise", "cfg.yaml"],
                         cwd=tmp_path / "p", capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 1, run.stderr
    assert run.stdout.startswith("cfg.yaml:3:") and "YM001" in run.stdout
