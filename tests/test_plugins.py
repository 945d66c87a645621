"""Third-party plugins: found through a real installed entry point, named in settings, or broken.

The entry-point tests install a plugin the way pip leaves one on disk (a package folder plus a
``*.dist-info`` folder with ``entry_points.txt``) in a temporary folder put on ``PYTHONPATH`` of a
fresh interpreter, so discovery runs through :mod:`importlib.metadata` exactly as in real use.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from sftlint.plugin.loading import build_registry
from sftlint.settings.resolver import Settings

RULE_MODULE = '''
from sftlint import Rule, Violation


class AcmeAlways(Rule):
    """## What it does
    Reports every file, to prove the plugin ran.

    ## Why is this bad?
    It is not; this rule exists for tests.

    ## Example
    ```yaml
    learning_rate: 2.0e-4
    ```

    ## Use instead
    Nothing.

    ## Options
    None.

    ## Fix safety
    No fix.

    ## References
    - none
    """

    code = "{code}"
    name = "{name}"

    def check(self, ctx):
        yield Violation("{message}")
'''

PLUGIN_INIT = '''
from sftlint import hookimpl


@hookimpl
def sftlint_rules():
    from .rules import AcmeAlways

    return [AcmeAlways]
'''


def make_package(root: Path, package: str, code: str = "ACME001", name: str = "acme-always",
                 message: str = "acme plugin ran") -> None:
    folder = root / package
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text(PLUGIN_INIT)
    (folder / "rules.py").write_text(RULE_MODULE.format(code=code, name=name, message=message))


def make_dist_info(root: Path, dist: str, entry_points: dict[str, str]) -> None:
    info = root / f"{dist}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    lines = "".join(f"{k} = {v}\n" for k, v in entry_points.items())
    (info / "entry_points.txt").write_text(f"[sftlint]\n{lines}")


@pytest.fixture
def site(tmp_path) -> Path:
    """A folder playing the part of site-packages (not the working directory of the runs)."""
    folder = tmp_path / "site"
    folder.mkdir()
    return folder


@pytest.fixture
def project(tmp_path, hf_config) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "train.yaml").write_text(hf_config)
    return folder


def test_installed_plugin_shows_in_rules_and_check(run_sftlint, site, project):
    make_package(site, "acme_sftlint")
    make_dist_info(site, "acme_sftlint", {"acme": "acme_sftlint"})
    rules = run_sftlint("rules", cwd=project, extra_path=[site])
    assert rules.rc == 0 and "ACME001" in rules.out and "acme-always" in rules.out
    assert "YM001" in rules.out
    check = run_sftlint("check", "--output-format", "json", "train.yaml", cwd=project, extra_path=[site])
    codes = {f["code"] for f in json.loads(check.out)}
    assert {"ACME001", "YM001"} <= codes
    assert "acme" not in check.err


def test_broken_plugin_is_named_and_builtin_rules_still_fire(run_sftlint, site, project):
    (site / "broken_sftlint.py").write_text("raise RuntimeError('boom at import')\n")
    make_dist_info(site, "broken_sftlint", {"brokenthing": "broken_sftlint"})
    check = run_sftlint("check", "--output-format", "json", "train.yaml", cwd=project, extra_path=[site])
    assert "plugin 'brokenthing' was not loaded: RuntimeError: boom at import" in check.err
    assert check.rc == 2 and "YM001" in {f["code"] for f in json.loads(check.out)}  # never a silent pass


def test_installing_and_removing_a_plugin_is_seen_despite_the_cache(run_sftlint, site, project, tmp_path):
    cache = tmp_path / "cache"
    env = {"SFTLINT_CACHE_DIR": str(cache)}
    assert "ACME001" not in run_sftlint("rules", cwd=project, extra_path=[site], env=env).out
    assert list(cache.glob("entry-points-*.json")), "the first run writes the cache"
    make_package(site, "acme_sftlint")
    make_dist_info(site, "acme_sftlint", {"acme": "acme_sftlint"})
    assert "ACME001" in run_sftlint("rules", cwd=project, extra_path=[site], env=env).out
    import shutil

    shutil.rmtree(site / "acme_sftlint-1.0.dist-info")
    shutil.rmtree(site / "acme_sftlint")
    gone = run_sftlint("rules", cwd=project, extra_path=[site], env=env)
    assert gone.rc == 0 and "ACME001" not in gone.out and "acme" not in gone.err


def test_unusable_cache_folder_is_not_fatal(run_sftlint, site, project, tmp_path):
    make_package(site, "acme_sftlint")
    make_dist_info(site, "acme_sftlint", {"acme": "acme_sftlint"})
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    run = run_sftlint("rules", cwd=project, extra_path=[site], env={"SFTLINT_CACHE_DIR": str(not_a_folder / "x")})
    assert run.rc == 0 and "ACME001" in run.out


def test_plugin_named_in_settings_loads(run_sftlint, site, project):
    make_package(site, "settings_plugin", code="SET001", name="from-settings")
    (project / "sftlint.toml").write_text('plugins = ["settings_plugin"]\n')
    run = run_sftlint("check", "--output-format", "json", "train.yaml", cwd=project, extra_path=[site])
    assert "SET001" in {f["code"] for f in json.loads(run.out)}


def test_a_nested_settings_file_loads_its_own_plugins(run_sftlint, site, project, hf_config):
    make_package(site, "team_plugin", code="TEAM001", name="team-policy")
    (project / "sftlint.toml").write_text('ignore = ["HP"]\n')
    team = project / "team"
    team.mkdir()
    (team / "sftlint.toml").write_text('plugins = ["team_plugin"]\nseverity = { TEAM001 = "error" }\n')
    (team / "train.yaml").write_text(hf_config)

    run = run_sftlint("check", "--output-format", "json", ".", cwd=project, extra_path=[site])
    found = {(Path(f["filename"]).parent.name, f["code"], f["severity"]) for f in json.loads(run.out)}
    assert ("team", "TEAM001", "error") in found, run.err
    assert not [f for f in found if f[0] == "project" and f[1] == "TEAM001"]
    assert "was not loaded" not in run.err

    sarif = run_sftlint("check", "--output-format", "sarif", ".", cwd=project, extra_path=[site])
    rules = {r["id"] for r in json.loads(sarif.out)["runs"][0]["tool"]["driver"]["rules"]}
    assert "TEAM001" in rules


def test_a_code_only_a_nested_plugin_knows_is_an_error_elsewhere(run_sftlint, site, project):
    make_package(site, "team_plugin2", code="TEAM002", name="team-policy-two")
    (project / "sftlint.toml").write_text('ignore = ["TEAM002"]\n')
    team = project / "team"
    team.mkdir()
    (team / "sftlint.toml").write_text('plugins = ["team_plugin2"]\n')
    run = run_sftlint("check", ".", cwd=project, extra_path=[site])
    assert run.rc == 2
    assert "TEAM002" in run.err and "sftlint.toml:1" in run.err


def test_nothing_is_imported_from_the_working_directory(run_sftlint, project, tmp_path):
    marker = tmp_path / "imported"
    (project / "cwd_plugin.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    make_dist_info(project, "cwd_dist", {"cwdthing": "cwd_plugin"})
    (project / "sftlint.toml").write_text('plugins = ["cwd_plugin"]\n')
    run = run_sftlint("check", "train.yaml", cwd=project)
    assert not marker.exists()
    assert "plugin 'cwd_plugin' was not loaded: ModuleNotFoundError" in run.err
    assert "never from the working directory" in run.err and "pip install" in run.err
    assert "cwdthing" not in run.err, "a dist-info folder in the working directory is not installed"
    assert "YM001" in run.out


# --- in-process: validation of what a plugin provides -----------------------------------------


@pytest.fixture
def plugin_module(tmp_path, monkeypatch):
    """Write a plugin module importable by name (sys.path, not the working directory)."""
    folder = tmp_path / "importable"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    written = []

    def _module(name: str, source: str) -> str:
        (folder / f"{name}.py").write_text(textwrap.dedent(source))
        written.append(name)
        return name

    yield _module
    import sys

    for name in written:
        sys.modules.pop(name, None)


def _rule_source(code: str, name: str, doc: str) -> str:
    return (
        "from sftlint import Rule, hookimpl\n\n\n"
        f'class Bad(Rule):\n    """{doc}"""\n    code = "{code}"\n    name = "{name}"\n\n\n'
        "@hookimpl\ndef sftlint_rules():\n    return [Bad]\n"
    )


FULL_DOC = "\n".join(f"## {s}\n    text\n" for s in
                     ("What it does", "Why is this bad?", "Example", "Use instead", "Options", "Fix safety", "References"))


@pytest.mark.parametrize("code, name, doc, fragment", [
    ("acme1", "fine-name", FULL_DOC, "code 'acme1' is not a family prefix plus 3 digits"),
    ("ACME002", "Not_Kebab", FULL_DOC, "name 'Not_Kebab' is not kebab-case"),
    ("ACME003", "no-docs", "## What it does\n    only this", "docstring lacks sections Why is this bad?, Example"),
    ("YM001", "steals-a-code", FULL_DOC, "rule code YM001 is already taken by plugin 'yaml'"),
    ("ACME004", "number-read-as-string", FULL_DOC, "rule name 'number-read-as-string' is already taken by YM001"),
])
def test_bad_rule_is_rejected_by_plugin_name(plugin_module, code, name, doc, fragment):
    module = plugin_module(f"bad_{code.lower()}", _rule_source(code, name, doc))
    registry = build_registry([module])
    problems = [(p.plugin, p.message) for p in registry.problems]
    assert any(plugin == module and fragment in message for plugin, message in problems), problems
    assert code not in registry.rules or registry.rules[code].__module__ != module
    assert "YM001" in registry.rules and registry.rules["YM001"].__module__ != module


def test_non_rule_objects_are_rejected(plugin_module):
    module = plugin_module("returns_junk", """
        from sftlint import hookimpl

        @hookimpl
        def sftlint_rules():
            return ["not a rule"]
        """)
    registry = build_registry([module])
    assert any(p.plugin == module and "is not a subclass of sftlint.Rule" in p.message for p in registry.problems)


def test_unknown_hook_is_reported_and_the_plugin_dropped(plugin_module):
    module = plugin_module("typo_hook", """
        from sftlint import hookimpl

        @hookimpl
        def sftlint_rulez():
            return []
        """)
    registry = build_registry([module])
    assert any(p.plugin == module and "unknown hook 'sftlint_rulez'" in p.message for p in registry.problems)
    assert not registry.manager.has_plugin(module)
    assert "YM001" in registry.rules


def test_failing_hook_is_reported_by_plugin_name(plugin_module):
    module = plugin_module("raises_in_hook", """
        from sftlint import hookimpl

        @hookimpl
        def sftlint_rules():
            raise ValueError("no rules today")
        """)
    registry = build_registry([module])
    assert any(p.plugin == module and "ValueError: no rules today" in p.message for p in registry.problems)


def test_implementation_may_take_fewer_arguments_than_the_spec(plugin_module, tmp_path):
    module = plugin_module("few_args", """
        from sftlint import hookimpl

        CALLS = []

        @hookimpl
        def sftlint_configure():
            CALLS.append("configure")

        @hookimpl
        def sftlint_recognize_non_training():
            CALLS.append("recognize")
        """)
    registry = build_registry([module])
    assert not [p for p in registry.problems if p.plugin == module]
    registry.manager.hook.sftlint_configure(settings=Settings())
    from sftlint.document import parse_document

    registry.manager.hook.sftlint_recognize_non_training(document=parse_document(tmp_path / "a.yaml", "a: 1\n"))
    import sys

    assert sys.modules[module].CALLS == ["configure", "recognize"]


def test_same_module_as_entry_point_and_setting_registers_once():
    registry = build_registry(["sftlint.rules.yaml_pitfalls"])
    assert not registry.problems or all("yaml_pitfalls" not in p.message for p in registry.problems)
    assert registry.origins["YM001"] == "yaml"


PLAN_CONFIG = "base_model: m\nadapter: qlora\nload_in_4bit: true\nmicro_batch_size: 2\ngradient_accumulation_steps: 4\n" \
              "num_epochs: 1\nlearning_rate: 0.0002\nwarmup_steps: 2\n# sftlint: num-examples=400\n"


def test_plan_notes_from_plugins_join_the_plan_in_registration_order(plugin_module, tmp_path):
    first = plugin_module("notes_first", """
        from sftlint import hookimpl

        @hookimpl
        def sftlint_plan_notes(plan, config):
            return [f"budget: {plan.total_steps} steps at effective batch {plan.effective_batch_size}"]
        """)
    second = plugin_module("notes_second", """
        from sftlint import hookimpl

        @hookimpl
        def sftlint_plan_notes(plan):
            return None
        """)
    third = plugin_module("notes_third", """
        from sftlint import hookimpl

        @hookimpl
        def sftlint_plan_notes(config):
            return ["dialect " + config.dialect.name]
        """)
    from sftlint.document import parse_document
    from sftlint.lint.engine import lint_document

    registry = build_registry([first, second, third])
    result = lint_document(parse_document(tmp_path / "a.yml", PLAN_CONFIG), Settings(), registry)
    assert result.plan.notes[-2:] == ["budget: 50 steps at effective batch 8", "dialect axolotl"]
    assert not [f for f in result.findings if f.code == "E900"]


def test_crashing_plan_notes_hook_is_an_error_finding_not_a_crash(plugin_module, tmp_path):
    module = plugin_module("notes_broken", """
        from sftlint import hookimpl

        @hookimpl
        def sftlint_plan_notes(plan):
            raise RuntimeError("no notes today")
        """)
    from sftlint.document import parse_document
    from sftlint.lint.engine import lint_document

    registry = build_registry([module])
    result = lint_document(parse_document(tmp_path / "a.yml", PLAN_CONFIG), Settings(), registry)
    crashed = [f.message for f in result.findings if f.code == "E900"]
    assert crashed == ["plugin 'notes_broken', hook sftlint_plan_notes: crashed: RuntimeError: no notes today; "
                       "its answer was ignored, the other rules ran"]
    assert result.plan.total_steps == 50


def test_plan_command_shows_plugin_notes(run_sftlint, site, project):
    (site / "cli_notes.py").write_text(
        "from sftlint import hookimpl\n\n\n@hookimpl\ndef sftlint_plan_notes(plan):\n"
        "    return [f'team budget check: {plan.total_steps} steps']\n")
    (project / "sftlint.toml").write_text('plugins = ["cli_notes"]\n')
    (project / "train.yml").write_text(PLAN_CONFIG)
    table = run_sftlint("plan", "train.yml", cwd=project, extra_path=[site])
    assert "team budget check: 50 steps" in table.out, table.out + table.err
    as_json = run_sftlint("plan", "train.yml", "--output-format", "json", cwd=project, extra_path=[site])
    assert "team budget check: 50 steps" in json.loads(as_json.out)["notes"]
