"""The engine runs each selected rule that applies to the config: most rules hold for every config
and run without being asked, and a rule that restricts itself, by its class attributes or its own
``applies_to``, is asked for every file."""

from __future__ import annotations

from pathlib import Path

from sftlint.document import parse_document
from sftlint.lint.engine import lint_document
from sftlint.lint.rule import Rule, Violation
from sftlint.plugin.loading import build_registry
from sftlint.settings.resolver import Settings

AXOLOTL = "base_model: m\nadapter: lora\nsequence_len: 512\nmicro_batch_size: 1\nnum_epochs: 1\nlearning_rate: 0.0002\n"
HF = "output_dir: out\nlearning_rate: 1.0e-4\nnum_train_epochs: 1\nper_device_train_batch_size: 2\n"


def _rule(code: str, **attributes) -> type[Rule]:
    def check(self, ctx):
        yield Violation(f"{code} ran for {ctx.config.dialect.name}")

    return type(f"Rule{code}", (Rule,), {"code": code, "name": f"probe-{code.lower()}", "check": check,
                                          "__doc__": "Probe.", **attributes})  # attributes may replace check


def _asked(config_dialect: str):
    return classmethod(lambda cls, config: config.dialect.name == config_dialect)


def test_each_rule_runs_where_it_applies_and_only_there():
    registry = build_registry()
    registry.rules.update({
        "ZZ901": _rule("ZZ901"),  # holds everywhere
        "ZZ902": _rule("ZZ902", dialects=frozenset({"axolotl"})),
        "ZZ903": _rule("ZZ903", applies_to=_asked("hf")),  # decides for itself
        "ZZ904": _rule("ZZ904", objectives=frozenset({"dpo"})),
        "ZZ905": _rule("ZZ905", methods=frozenset({"lora"})),
    })
    ran = {}
    for name, text in (("axolotl", AXOLOTL), ("hf", HF)):
        result = lint_document(parse_document(Path(f"{name}.yaml"), text), Settings(), registry)
        assert result.choice.dialect.name == name
        ran[name] = sorted(f.code for f in result.findings if f.code.startswith("ZZ9"))
    assert ran == {"axolotl": ["ZZ901", "ZZ902", "ZZ905"], "hf": ["ZZ901", "ZZ903"]}


def test_each_rule_sees_its_own_options_and_the_same_file():
    def meddle(self, ctx):
        ctx.options["level"] = 99  # a rule changing what it was given changes nothing for the others
        yield Violation(f"meddled at {ctx.options['level']}")

    def report(self, ctx):
        yield Violation(f"level {ctx.options.get('level')} in {ctx.document.path.name} for {ctx.plan.dialect}")

    registry = build_registry()
    registry.rules.update({
        "ZZ906": _rule("ZZ906", options={"level": 1}, check=meddle),
        "ZZ907": _rule("ZZ907", options={"level": 2}, check=report),
        "ZZ908": _rule("ZZ908", check=report),
    })
    for _ in range(2):  # the second file gets fresh options too
        result = lint_document(parse_document(Path("hf.yaml"), HF), Settings(), registry)
        messages = {f.code: f.message for f in result.findings if f.code.startswith("ZZ9")}
        assert messages == {"ZZ906": "meddled at 99", "ZZ907": "level 2 in hf.yaml for hf",
                            "ZZ908": "level None in hf.yaml for hf"}
