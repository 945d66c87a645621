"""A dialect supplies its tool's conventions, and the plan and the rules follow them whatever the
dialect is called: a plugin dialect gets the same treatment as a built-in one, without editing
sftlint (the built-in dialects' conventions are pinned by the plan and rule fixture tests)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sftlint.dialects.builtin import sftlint_dialects
from sftlint.document import parse_document
from sftlint.lint.engine import lint_document
from sftlint.plugin.loading import build_registry
from sftlint.settings.resolver import Settings

#: A tool of its own: keys of its own names, a loader that stops on duplicate keys, enum values
#: checked against transformers' table, and its own way of counting the run and the warmup.
PLUGIN = '''
    from sftlint import hookimpl
    from sftlint.dialects.base import Detection, Dialect, key
    from sftlint.config.key_snapshots import KeySchema


    class Acme(Dialect):
        name = "acme"
        title = "Acme Trainer"
        yaml_version = "1.2"
        keys = (key("base_model", "base_model"), key("batch", "per_device_train_batch_size"),
                key("epochs", "num_train_epochs"), key("lr", "learning_rate"), key("warmup", "warmup_steps"),
                key("schedule", "lr_scheduler_type"))
        defaults = {"gradient_accumulation_steps": 1}
        duplicate_key_error = "Acme's loader stops with 'duplicate {key}'"
        rejects_unknown_values = True
        value_keys = {"transformers": {"optimizer": "optim"}}
        computes_run_length = True
        rejects_unknown_keys = True
        unknown_key_effect = "Acme stops with 'no such setting'"

        def key_schema(self):
            return KeySchema({k: ("any",) for k in ("base_model", "batch", "epochs", "lr", "warmup", "schedule",
                                                    "optimizer")} | {"batch": ("int",)})

        def detect(self, document):
            return Detection(self.name, 0.0, [])

        def objective(self, config):
            return "dpo", "Acme trains on preference pairs"

        def adjust_trainer_arguments(self, config, inputs, plan, args):
            # Acme always trains 7 steps and warms up for 3 of them, whatever the file says
            args["max_steps"], args["warmup_steps"], args["warmup_ratio"] = 7, 3, None
            plan.notes.append("Acme runs 7 steps")


    class Bare(Dialect):
        """The same keys, and no conventions declared."""
        name = "bare"
        title = "Bare Trainer"
        yaml_version = "1.2"
        keys = Acme.keys
        defaults = Acme.defaults

        def detect(self, document):
            return Detection(self.name, 0.0, [])


    @hookimpl
    def sftlint_dialects():
        return [Acme(), Bare()]
'''

CONFIG = """\
# sftlint: dialect=acme
# sftlint: num-examples=100
base_model: m
batch: 4
epochs: 1
lr: 0.001
warmup: 0
schedule: linear
optimizer: adamw_hf
batch: 4
colour: red
"""


@pytest.fixture
def acme(tmp_path, monkeypatch):
    folder = tmp_path / "importable"
    folder.mkdir()
    (folder / "acme_dialect.py").write_text(textwrap.dedent(PLUGIN))
    monkeypatch.syspath_prepend(str(folder))
    yield build_registry(["acme_dialect"])
    import sys

    sys.modules.pop("acme_dialect", None)


def test_a_plugin_dialects_conventions_reach_the_plan_and_the_rules(acme, tmp_path):
    result = lint_document(parse_document(tmp_path / "train.yaml", CONFIG), Settings(), acme)
    assert result.choice is not None and result.choice.dialect.name == "acme"
    plan = result.plan
    # the tool's own run length and warmup, not the Trainer's 25 steps and no warmup
    assert plan.total_steps == 7 and plan.warmup_steps == 3
    assert "Acme runs 7 steps" in plan.notes
    assert plan.objective == "dpo" and result.config.get("objective").note == "Acme trains on preference pairs"
    # a tool that counts the run itself passes max_steps on purpose: no note that it overrides epochs
    assert not [n for n in plan.notes if "overrides num_train_epochs" in n]
    findings = {f.code: f for f in result.findings}
    assert "Acme's loader stops with 'duplicate batch'" in findings["YM004"].message
    assert findings["YM004"].severity.name == "ERROR"
    assert "'optimizer: adamw_hf'" in findings["KT004"].message
    # its own key schema: an unknown key, with what the tool does with it
    assert findings["KT001"].message == "unknown key 'colour': Acme stops with 'no such setting'"
    assert findings["KT001"].severity.name == "ERROR"


def test_a_dialect_without_conventions_is_a_tool_that_passes_its_values_on(acme, tmp_path):
    text = CONFIG.replace("dialect=acme", "dialect=bare")
    result = lint_document(parse_document(tmp_path / "train.yaml", text), Settings(), acme)
    assert result.choice is not None and result.choice.dialect.name == "bare"
    # the Trainer's own arithmetic: 100 examples / batch 4 = 25 steps, the file's warmup
    assert result.plan.total_steps == 25 and result.plan.warmup_steps == 0
    assert result.plan.objective == "sft" and result.config.get("objective").note == "Bare Trainer fine-tunes"
    findings = {f.code: f for f in result.findings}
    assert "Bare Trainer uses the value on line 10" in findings["YM004"].message
    assert findings["YM004"].severity.name == "WARNING"
    assert "KT004" not in findings  # no enum keys declared, so none checked
    assert "KT001" not in findings  # no key schema: the keys the tool accepts are not known


def test_each_built_in_dialect_answers_to_its_own_name_only():
    dialects = sftlint_dialects()
    names = {d.name for d in dialects}
    for dialect in dialects:
        assert dialect.answers_to({dialect.name})
        assert not dialect.answers_to(names - {dialect.name})


@pytest.mark.parametrize("rl, checked", [("grpo", True), ("ebft", False)])
def test_axolotls_grpo_keys_live_in_its_trl_section(tmp_path, rl, checked):
    from sftlint.dialects.axolotl import Axolotl
    from sftlint.lint.engine import apply_hints
    from sftlint.plan.build import build_plan

    text = (f"base_model: m\nrl: {rl}\nmicro_batch_size: 2\ngradient_accumulation_steps: 1\nnum_epochs: 1\n"
            "trl:\n  num_generations: 3\n")
    settings = Settings(num_examples=12, overridden=frozenset({"world_size"}))  # one process, as given
    config = Axolotl().read(parse_document(tmp_path / "grpo.yaml", text))
    apply_hints(config, settings)
    plan = build_plan(config, settings)
    assert plan.objective == "grpo"
    # rl: grpo hands trl: to GRPOConfig, which refuses 2 completions in groups of 3; ebft has its own config
    refused = [e for e in plan.trainer_errors if "num_generations 3" in e]
    assert bool(refused) is checked, plan.trainer_errors


def test_a_dialect_overriding_node_value_reads_the_values_inside_lists_and_mappings_too():
    """``scalar_value`` is the place to change how a tool reads scalars; a dialect written against
    ``node_value`` alone must still see every scalar, nested ones included."""
    from sftlint.dialects.base import Dialect
    from sftlint.document import Scalar

    class Shouting(Dialect):
        name = "shouting"
        title = "Shouting"

        def node_value(self, node, _depth=0):
            if isinstance(node, Scalar):
                return node.text.upper()
            return super().node_value(node, _depth)

    root = parse_document(Path("s.yaml"), "a: x\nb: [y, {c: z}]\nd: {e: w}\n").root
    assert Shouting().node_value(root) == {"a": "X", "b": ["Y", {"c": "Z"}], "d": {"e": "W"}}
    assert Dialect.node_value(Shouting(), root) == {"a": "X", "b": ["Y", {"c": "Z"}], "d": {"e": "W"}}
