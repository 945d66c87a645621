"""sftlint's own plugins load on a small manager of sftlint's, and it answers exactly as pluggy would.

A run with only the built-in plugins never imports pluggy (a tenth of a one-file check); these
tests hold the two managers to the same registry, the same hook implementations in the same order,
and the same calling rules, and check that sftlint's markers are pluggy's to pluggy itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
import types

import pluggy
import pytest

from sftlint import hookimpl
from sftlint.plugin import hookspecs
from sftlint.plugin.builtin_manager import BuiltinManager
from sftlint.plugin.loading import build_registry
from sftlint.settings.resolver import Settings


def _impls(manager, hook: str) -> list[tuple[str, tuple[str, ...], str]]:
    return [(impl.plugin_name, tuple(impl.argnames), impl.function.__qualname__)
            for impl in getattr(manager.hook, hook).get_hookimpls()]


def test_the_builtin_registry_is_the_same_on_either_manager():
    light = build_registry(use_pluggy=False)
    full = build_registry(use_pluggy=True)
    assert isinstance(light.manager, BuiltinManager)
    assert isinstance(full.manager, pluggy.PluginManager)
    assert light.rules == full.rules and len(light.rules) > 40
    assert light.origins == full.origins
    assert list(light.dialects) == list(full.dialects)
    assert [type(d) for d in light.dialects.values()] == [type(d) for d in full.dialects.values()]
    assert light.tables.keys() == full.tables.keys() and light.tables
    assert light.problems == full.problems == []
    for hook in ("sftlint_rules", "sftlint_dialects", "sftlint_settings_tables", "sftlint_configure",
                 "sftlint_recognize_non_training", "sftlint_plan_notes"):
        assert _impls(light.manager, hook) == _impls(full.manager, hook), hook
    assert _impls(light.manager, "sftlint_recognize_non_training")  # the launchers plugin answers it
    assert light.manager.list_name_plugin() == full.manager.list_name_plugin()
    assert light.manager.get_plugins() == full.manager.get_plugins()


def test_a_plain_run_takes_the_builtin_manager_and_a_named_plugin_brings_pluggy():
    assert isinstance(build_registry().manager, BuiltinManager)
    registry = build_registry(["json"])  # a module with no hooks is still a plugin to register
    assert isinstance(registry.manager, pluggy.PluginManager)
    assert registry.manager.has_plugin("json")
    assert registry.rules == build_registry().rules


def _plugin(**functions) -> types.ModuleType:
    module = types.ModuleType("acme_plugin")
    for name, function in functions.items():
        setattr(module, name, function)
    return module


def _both():
    full = pluggy.PluginManager("sftlint")
    full.add_hookspecs(hookspecs)
    return BuiltinManager(hookspecs), full


def test_calling_a_hook_follows_pluggy_order_and_firstresult():
    first = _plugin(sftlint_recognize_non_training=hookimpl(lambda document: None),
                    sftlint_plan_notes=hookimpl(lambda plan: [f"first {plan}"]))
    second = _plugin(sftlint_recognize_non_training=hookimpl(lambda document: f"second {document}"),
                     sftlint_plan_notes=hookimpl(lambda plan, config: [f"second {plan} {config}"]))
    third = _plugin(sftlint_recognize_non_training=hookimpl(lambda document: f"third {document}"))
    for manager in _both():
        for index, plugin in enumerate((first, second, third)):
            manager.register(plugin, name=f"p{index}")
        # firstresult: the last registered is asked first
        assert manager.hook.sftlint_recognize_non_training(document="d") == "third d"
        assert manager.hook.sftlint_plan_notes(plan="P", config="C") == [["second P C"], ["first P"]]
        assert [i.argnames for i in manager.hook.sftlint_plan_notes.get_hookimpls()] == [("plan",), ("plan", "config")]


def test_an_argument_with_a_default_is_optional_on_either_manager():
    def notes(plan, config=None):
        return [f"{plan} {config}"]

    answers = []
    for manager in _both():
        manager.register(_plugin(sftlint_plan_notes=hookimpl(notes)), name="p")
        assert tuple(manager.hook.sftlint_plan_notes.get_hookimpls()[0].argnames) == ("plan",)
        answers.append(manager.hook.sftlint_plan_notes(plan="P", config="C"))
    assert answers[0] == answers[1]


@pytest.mark.parametrize("plugin, fragment", [
    (_plugin(sftlint_no_such_hook=hookimpl(lambda: None)), "unknown hook"),
    (_plugin(sftlint_rules=hookimpl(tryfirst=True)(lambda: [])), "needs pluggy (tryfirst)"),
    (_plugin(sftlint_plan_notes=hookimpl(lambda plan, bogus: None)), "unknown arguments ['bogus']"),
])
def test_the_builtin_manager_refuses_what_only_pluggy_handles(plugin, fragment):
    manager = BuiltinManager(hookspecs)
    with pytest.raises(ValueError, match=fragment.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        manager.register(plugin, name="acme")
    assert not manager.has_plugin("acme") and not manager.hook.sftlint_rules.get_hookimpls()


def test_sftlints_markers_are_pluggys_to_pluggy():
    """A third-party plugin marked with ``sftlint.hookimpl`` is registered by pluggy's manager, and
    the specs' options (``firstresult``) reach pluggy."""
    full = pluggy.PluginManager("sftlint")
    full.add_hookspecs(hookspecs)
    assert full.hook.sftlint_recognize_non_training.spec.opts["firstresult"] is True
    assert full.hook.sftlint_rules.spec.opts["firstresult"] is False
    full.register(_plugin(sftlint_rules=hookimpl(lambda: ["R"]),
                          sftlint_configure=hookimpl(trylast=True)(lambda settings: None)), name="acme")
    full.check_pending()
    assert full.hook.sftlint_rules() == [["R"]]
    assert full.hook.sftlint_configure.get_hookimpls()[0].trylast is True
    pluggy_marked = _plugin(sftlint_rules=pluggy.HookimplMarker("sftlint")(lambda: ["S"]))
    light = BuiltinManager(hookspecs)
    light.register(pluggy_marked, name="other")  # and pluggy's own marker is understood here
    assert light.hook.sftlint_rules() == [["S"]]


def test_configure_reaches_the_builtin_plugins():
    registry = build_registry()
    assert registry.manager.hook.sftlint_configure(settings=Settings()) == []


def test_a_one_file_check_never_imports_pluggy(tmp_path, hf_config):
    config = tmp_path / "hf.yaml"
    config.write_text(hf_config, encoding="utf-8")
    probe = ("import json, sys\nfrom sftlint.cli.main import main\n"
             f"code = main(['check', {str(config)!r}])\n"
             "print(json.dumps([code, 'pluggy' in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    code, imported = json.loads(out.stdout.strip().splitlines()[-1])
    assert code in (0, 1), out.stderr
    assert imported is False
