"""``sftlint check --fix / --unsafe-fixes / --diff`` through the real CLI, on real files.

What is promised: safe fixes with ``--fix``, the others too with ``--unsafe-fixes``; ``--diff``
writes nothing; only the fixed lines change (comments, order, quoting and every other byte stay);
fixing is repeated until nothing changes and a second run changes nothing; a fix that would break
the file, or fixes that never settle, leave the file untouched with a message naming it; writes
are atomic and keep the permission bits.
"""

from __future__ import annotations

import json
import os
import stat
import textwrap
from pathlib import Path

import pytest

from sftlint.document import parse_document
from sftlint.lint.edits import apply_edits, delete_entry, format_scalar, insert_entry, rename_key
from sftlint.lint.fixer import MAX_PASSES, fix_text
from sftlint.plugin.loading import build_registry
from sftlint.settings.resolver import Settings
from sftlint.document.yaml_types import resolve_yaml11, resolve_yaml12

HF = """\
# sftlint: dialect=hf
# a plain TrainingArguments file
output_dir: 'out'   # quoted on purpose
learning_rate: 2e-5  # peak

evaluation_strategy: steps
per_device_train_batch_size: 4
num_train_epochs: 1
warmup_steps: 10
warmup_ratio: 0.05   # both set
bf16: yes
"""


def changed_lines(before: str, after: str) -> dict[int, tuple[str, str]]:
    """Line number -> (old, new) for a fix that keeps the line count (no deletes or inserts)."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    assert len(old) == len(new), (before, after)
    return {i + 1: (a, b) for i, (a, b) in enumerate(zip(old, new)) if a != b}


def snapshot(path: Path) -> tuple[bytes, int, int]:
    st = path.stat()
    return path.read_bytes(), st.st_mtime_ns, stat.S_IMODE(st.st_mode)


# --- --fix, --unsafe-fixes, --diff ----------------------------------------------------------------


def test_fix_applies_safe_fixes_only_and_keeps_every_other_byte(cli, write):
    path = write("train.yaml", HF)
    run = cli("check", "--fix", path)
    assert run.rc == 1  # WS003 (unsafe) is still there
    assert "Fixed 3 findings." in run.err
    assert changed_lines(HF, path.read_text()) == {
        4: ("learning_rate: 2e-5  # peak\n", "learning_rate: 2.0e-5  # peak\n"),
        6: ("evaluation_strategy: steps\n", "eval_strategy: steps\n"),
        11: ("bf16: yes\n", "bf16: true\n"),
    }
    assert "WS003" in run.out and "YM001" not in run.out and "KT002" not in run.out


def test_unsafe_fixes_apply_the_rest_too(cli, write):
    path = write("train.yaml", HF)
    run = cli("check", "--unsafe-fixes", path)
    assert "Fixed 4 findings." in run.err
    fixed = path.read_text()
    old_lines = HF.splitlines(keepends=True)
    del old_lines[9]  # warmup_ratio, its comment with it
    assert fixed.splitlines(keepends=True)[:3] == old_lines[:3]
    assert [a for a, b in zip(old_lines, fixed.splitlines(keepends=True)) if a != b] == [
        "learning_rate: 2e-5  # peak\n", "evaluation_strategy: steps\n", "bf16: yes\n"]
    assert "warmup_ratio" not in fixed and "warmup_steps: 10\n" in fixed
    assert cli("check", "--unsafe-fixes", path).rc == 0, "nothing is left to report"


def test_diff_writes_nothing_and_exits_1(cli, write):
    path = write("train.yaml", HF)
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    before = snapshot(path)
    run = cli("check", "--diff", path)
    assert run.rc == 1
    assert snapshot(path) == before
    assert f"--- a/{path}" in run.out and f"+++ b/{path}" in run.out
    assert "-learning_rate: 2e-5  # peak\n+learning_rate: 2.0e-5  # peak\n" in run.out
    assert "warmup_ratio" not in "".join(line for line in run.out.splitlines(True) if line.startswith(("-", "+")))
    unsafe = cli("check", "--diff", "--unsafe-fixes", path)
    assert unsafe.rc == 1 and "-warmup_ratio: 0.05   # both set\n" in unsafe.out
    assert snapshot(path) == before
    assert not list(path.parent.glob(".*sftlint-tmp")), "no temporary file is left behind"


def test_diff_exits_0_when_there_is_nothing_to_fix(cli, write):
    path = write("train.yaml", HF)
    assert cli("check", "--unsafe-fixes", path).rc == 0
    before = snapshot(path)
    run = cli("check", "--diff", "--unsafe-fixes", path)
    assert (run.rc, run.out) == (0, "")
    assert snapshot(path) == before


def test_second_fix_run_changes_nothing(cli, write):
    path = write("train.yaml", HF)
    cli("check", "--unsafe-fixes", path)
    once = snapshot(path)
    run = cli("check", "--unsafe-fixes", path)
    assert run.rc == 0 and "Fixed" not in run.err
    assert snapshot(path) == once


def test_fix_in_a_subprocess(run_sftlint, write, tmp_path):
    path = write("train.yaml", HF)
    run = run_sftlint("check", "--fix", "train.yaml", cwd=tmp_path)
    assert run.rc == 1 and "Fixed 3 findings." in run.err
    assert "learning_rate: 2.0e-5  # peak\n" in path.read_text()


# --- writing --------------------------------------------------------------------------------------


def test_write_keeps_permission_bits_and_leaves_no_temporary_file(cli, write, tmp_path):
    path = write("train.yaml", HF)
    path.chmod(0o640)
    cli("check", "--fix", path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert "2.0e-5" in path.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.yaml"]


def test_write_follows_a_symlink(cli, write, tmp_path):
    target = write("configs/real.yaml", HF)
    target.chmod(0o600)
    link = tmp_path / "train.yaml"
    link.symlink_to(target)
    cli("check", "--fix", link)
    assert link.is_symlink(), "the link is kept, the file it points to is fixed"
    assert "2.0e-5" in target.read_text() and stat.S_IMODE(target.stat().st_mode) == 0o600


def test_byte_order_mark_and_crlf_line_ends_are_kept(cli, tmp_path):
    path = tmp_path / "train.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + HF.replace("\n", "\r\n").encode())
    cli("check", "--fix", path)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"learning_rate: 2.0e-5  # peak\r\n" in data
    assert data.count(b"\r\n") == data.count(b"\n")


def test_failed_write_is_an_error_and_leaves_the_file_and_no_temporary_file(cli, write, tmp_path, monkeypatch):
    import sftlint.lint.fixer

    path = write("train.yaml", HF)

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(sftlint.lint.fixer.os, "replace", refuse)
    run = cli("check", "--fix", path)
    assert run.rc == 2 and "E005" in run.out and "cannot write fixes: Permission denied" in run.out
    assert path.read_text() == HF
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.yaml"]


# --- several fixes, several dialects ------------------------------------------------------------


DIALECT_CASES = {
    "axolotl": ("""\
        # axolotl QLoRA run
        base_model: meta-llama/Llama-3.2-1B  # the base
        adapter: qlora
        load_in_4bit: true
        sample_packing: on   # pack short rows
        learning_rate: 0.0002
        warmup_steps: 10
        warmup_ratio: 0.05
        evaluation_strategy: steps
        # end of the settings
        """, """\
        # axolotl QLoRA run
        base_model: meta-llama/Llama-3.2-1B  # the base
        adapter: qlora
        load_in_4bit: true
        sample_packing: true   # pack short rows
        learning_rate: 0.0002
        warmup_steps: 10
        eval_strategy: steps
        gradient_checkpointing: true
        # end of the settings
        """),
    "unsloth": ("""\
        # Unsloth Studio
        model: unsloth/Qwen2.5-0.5B
        training:
          load_in_4bit: true   # QLoRA
          packing: off
          max_steps: 100
          save_steps: 500
          # eval below
        lora:
          lora_r: 16
          lora_dropout: 0.1  # regularise
          # done
        """, """\
        # Unsloth Studio
        model: unsloth/Qwen2.5-0.5B
        training:
          load_in_4bit: true   # QLoRA
          packing: false
          max_steps: 100
          save_steps: 50
          # eval below
        lora:
          lora_r: 16
          lora_dropout: 0  # regularise
          # done
        """),
    "llamafactory": ("""\
        ### model
        model_name_or_path: Qwen/Qwen2.5-0.5B
        stage: sft
        finetuning_type: lora
        use_unsloth: true
        lora_dropout: 0.05
        evaluation_strategy: steps   # old name
        plot_loss: yes
        """, """\
        ### model
        model_name_or_path: Qwen/Qwen2.5-0.5B
        stage: sft
        finetuning_type: lora
        use_unsloth: true
        lora_dropout: 0
        eval_strategy: steps   # old name
        plot_loss: true
        """),
    "trl": ("""\
        model_name_or_path: Qwen/Qwen2.5-0.5B
        use_peft: true
        load_in_4bit: true
        "max_seq_length": 2048   # quoted key
        save_strategy: no
        gradient_checkpointing: false
        """, """\
        model_name_or_path: Qwen/Qwen2.5-0.5B
        use_peft: true
        load_in_4bit: true
        "max_length": 2048   # quoted key
        save_strategy: "no"
        gradient_checkpointing: true
        use_bnb_nested_quant: true
        """),
}


@pytest.mark.parametrize("dialect", sorted(DIALECT_CASES))
def test_several_fixes_in_one_file(cli, write, dialect):
    before, expected = (textwrap.dedent(t) for t in DIALECT_CASES[dialect])
    path = write("train.yaml", before)
    run = cli("check", "--unsafe-fixes", "--dialect", dialect, path)
    assert path.read_text() == expected, run.out + run.err
    assert "Fixed" in run.err
    again = cli("check", "--unsafe-fixes", "--dialect", dialect, path)
    assert "Fixed" not in again.err and path.read_text() == expected


def test_json_fixes_keep_valid_json(cli, write):
    text = textwrap.dedent("""\
        {
          "output_dir": "out",
          "evaluation_strategy": "steps",
          "per_device_train_batch_size": 4,
          "num_train_epochs": 1,
          "warmup_steps": 10,
          "warmup_ratio": 0.05
        }
        """)
    path = write("train.json", text)
    run = cli("check", "--unsafe-fixes", "--dialect", "hf", path)
    fixed = path.read_text()
    assert "dropped" not in run.err, run.err
    assert json.loads(fixed) == {"output_dir": "out", "eval_strategy": "steps", "per_device_train_batch_size": 4,
                                 "num_train_epochs": 1, "warmup_steps": 10}
    assert fixed == text.replace('"evaluation_strategy"', '"eval_strategy"').replace(
        ',\n  "warmup_ratio": 0.05', "")


# --- test-only plugin rules: a fix that breaks the file, fixes that never settle -----------------

DOC = "\n".join(f"    ## {s}\n    text\n" for s in
                ("What it does", "Why is this bad?", "Example", "Use instead", "Options", "Fix safety", "References"))

PLUGIN = '''
from sftlint import Applicability, Fix, FixAvailability, Rule, Violation, hookimpl
from sftlint.lint.edits import set_value


class _Base(Rule):
    fix_availability = FixAvailability.ALWAYS
    key = ""

    def check(self, ctx):
        node = ctx.document.root.get(self.key)
        if node is None:
            return
        new = self.replacement(node.text)
        if new is not None:
            yield Violation(f"{self.key} is {node.text}", node,
                            Fix(Applicability.SAFE, "change it", (set_value(node, new),)))


class Breaks(_Base):
    """DOC"""
    code = "TST001"
    name = "breaks-the-file"
    key = "break_me"

    def replacement(self, text):
        return "[unclosed" if text == "1" else None


class Toggles(_Base):
    """DOC"""
    code = "TST002"
    name = "toggles-forever"
    key = "toggle"

    def replacement(self, text):
        return "false" if text == "true" else "true"


class Counts(_Base):
    """DOC"""
    code = "TST003"
    name = "counts-up"
    key = "counter"
    limit = LIMIT

    def replacement(self, text):
        return str(int(text) + 1) if int(text) < self.limit else None


class Grows(_Base):
    """DOC"""
    code = "TST004"
    name = "grows-forever"
    key = "grow"

    def replacement(self, text):
        return text + "x"


class Duplicates(Rule):
    """DOC"""
    code = "TST005"
    name = "renames-onto-a-key"
    fix_availability = FixAvailability.ALWAYS

    def check(self, ctx):
        from sftlint.lint.edits import rename_key
        entry = ctx.document.root.entry("old_name")
        if entry is not None and "clash" in ctx.document.root:
            yield Violation("old_name", entry[0], Fix(Applicability.SAFE, "rename", (rename_key(entry[0], "clash"),)))


@hookimpl
def sftlint_rules():
    return [Breaks, Toggles, Counts, Grows, Duplicates]
'''.replace('"""DOC"""', '"""\n' + DOC + '    """').replace("LIMIT", str(MAX_PASSES))


@pytest.fixture
def plugin_project(tmp_path, monkeypatch):
    """A project whose settings load the test-only plugin, importable from a folder on sys.path."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "fixer_test_rules.py").write_text(PLUGIN)
    monkeypatch.syspath_prepend(str(site))
    project = tmp_path / "project"
    project.mkdir()
    (project / "sftlint.toml").write_text('plugins = ["fixer_test_rules"]\n')
    yield project
    import sys

    sys.modules.pop("fixer_test_rules", None)


BASE = "# sftlint: dialect=hf\noutput_dir: out  # keep\nlearning_rate: 2e-4\n"


def test_fix_that_breaks_the_file_is_dropped_and_reported(cli, plugin_project):
    path = plugin_project / "train.yaml"
    path.write_text(BASE + "break_me: 1\n")
    run = cli("check", "--fix", path, cwd=plugin_project)
    assert "plugin" not in run.err.split("fix for")[0], run.err  # the plugin loaded
    assert f"{path}:4:11: fix for TST001 dropped: the result would not parse" in run.err
    # the other fix still applies; the broken one is never written
    assert path.read_text() == BASE.replace("2e-4", "2.0e-4") + "break_me: 1\n"
    assert "TST001" in run.out and run.rc == 1


def test_only_broken_fix_leaves_the_file_untouched(cli, plugin_project):
    path = plugin_project / "train.yaml"
    path.write_text("# sftlint: dialect=hf\noutput_dir: out\nlearning_rate: 2.0e-4\nbreak_me: 1\n")
    before = snapshot(path)
    run = cli("check", "--fix", path, cwd=plugin_project)
    assert "fix for TST001 dropped" in run.err and str(path) in run.err
    assert snapshot(path) == before
    diff = cli("check", "--diff", path, cwd=plugin_project)
    assert (diff.rc, diff.out) == (0, "") and "fix for TST001 dropped" in diff.err


@pytest.mark.parametrize("line", ["toggle: true\n", "grow: x\n"])
def test_fixes_that_never_settle_write_nothing(cli, plugin_project, line):
    path = plugin_project / "train.yaml"
    path.write_text(BASE + line)
    before = snapshot(path)
    run = cli("check", "--fix", path, cwd=plugin_project)
    assert f"sftlint: warning: {path}: fixes did not converge" in run.err
    assert "nothing was written" in run.err
    assert snapshot(path) == before
    assert "Fixed" not in run.err
    # the findings shown are those of the file as it is
    assert f"{path}:3:16: YM001" in run.out or "train.yaml:3:16: YM001" in run.out
    diff = cli("check", "--diff", path, cwd=plugin_project)
    assert diff.out == "" and "did not converge" in diff.err and snapshot(path) == before


def test_fixes_that_need_every_pass_converge(cli, plugin_project):
    path = plugin_project / "train.yaml"
    path.write_text(BASE + "counter: 0  # counted up\n")
    run = cli("check", "--fix", path, cwd=plugin_project)
    assert "did not converge" not in run.err
    assert path.read_text() == BASE.replace("2e-4", "2.0e-4") + f"counter: {MAX_PASSES}  # counted up\n"


def test_fix_that_would_repeat_a_key_is_dropped(cli, plugin_project):
    path = plugin_project / "train.yaml"
    text = "# sftlint: dialect=hf\noutput_dir: out\nold_name: 1\nclash: 2\n"
    path.write_text(text)
    run = cli("check", "--fix", path, cwd=plugin_project)
    assert "fix for TST005 dropped: the result would repeat the key 'clash'" in run.err
    assert path.read_text() == text


def test_fix_text_drops_only_the_broken_fix_with_shifted_offsets(plugin_project, monkeypatch):
    """Several fixes in one pass, one broken: the others are applied at their own offsets."""
    monkeypatch.chdir(plugin_project)
    registry = build_registry(["fixer_test_rules"])
    text = "# sftlint: dialect=hf\nbf16: yes\nbreak_me: 1\nlearning_rate: 2e-4\nfp16: no\n"
    outcome = fix_text(Path("t.yaml"), text, Settings(), registry)
    assert outcome.text == "# sftlint: dialect=hf\nbf16: true\nbreak_me: 1\nlearning_rate: 2.0e-4\nfp16: false\n"
    assert len(outcome.problems) == 1 and "TST001" in outcome.problems[0]


# --- the edit functions ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", [
    0.0002, 1e16, -3.5, float("inf"), float("-inf"), 7, True, None, "steps", "no", "2e-4", "a: b", "two\nlines",
    "tab\there", "#x", "=", "~", "- a", " pad", "", "010", "1:30", "é😀", 'q"uote', "back\\slash",
])
def test_format_scalar_reads_back_alike_in_yaml_11_and_12(value):
    import yaml
    from ruamel.yaml import YAML

    text = format_scalar(value)
    assert yaml.safe_load(f"k: {text}\n") == {"k": value}
    assert YAML(typ="safe", pure=True).load(f"k: {text}\n") == {"k": value}


def test_format_scalar_nan():
    assert format_scalar(float("nan")) == ".nan"
    assert resolve_yaml11(".nan") != resolve_yaml11(".nan") and resolve_yaml12(".nan") != resolve_yaml12(".nan")


def _doc(text: str, name: str = "x.yaml"):
    return parse_document(Path(name), text)


def test_rename_keeps_the_key_quoting():
    doc = _doc("'a': 1\n\"b\": 2\nc: 3\n")
    (ka, _), (kb, _), (kc, _) = doc.root.pairs
    out = apply_edits(doc.text, [rename_key(ka, "x"), rename_key(kb, "y"), rename_key(kc, "z")])
    assert out == "'x': 1\n\"y\": 2\nz: 3\n"


def test_delete_block_entry_keeps_the_comments_after_it():
    text = "a: 1\nnested:\n  b: 2\n  c: 3  # c\n# about d\nd: 4\nlist:\n- 1\n# after the list\ne: 5\n"
    doc = _doc(text)
    nested = doc.root.entry("nested")
    assert apply_edits(text, [delete_entry(doc, *nested)]) == "a: 1\n# about d\nd: 4\nlist:\n- 1\n# after the list\ne: 5\n"
    lst = doc.root.entry("list")
    assert apply_edits(text, [delete_entry(doc, *lst)]).endswith("d: 4\n# after the list\ne: 5\n")


def test_insert_after_a_nested_mapping_goes_before_the_comments_that_follow_it():
    text = "model: m\ntraining:\n  a: 1\n  # trailing note\n# about lora\nlora:\n  r: 16\n"
    doc = _doc(text)
    out = apply_edits(text, [insert_entry(doc, doc.root.get("training"), "b", "2")])
    assert out == "model: m\ntraining:\n  a: 1\n  b: 2\n  # trailing note\n# about lora\nlora:\n  r: 16\n"
    root_text = "a: 1\nb:\n  c: 2\n# the end\n"
    doc = _doc(root_text)
    assert apply_edits(root_text, [insert_entry(doc, doc.root, "z", "3")]) == "a: 1\nb:\n  c: 2\nz: 3\n# the end\n"


@pytest.mark.parametrize("text", [
    '{\n  "a": 1,\n  "b": 2\n}\n',
    '{"a": 1, "b": 2}',
    '{"a": 1}',
])
def test_json_insert_and_delete_stay_valid(text):
    doc = _doc(text, "x.json")
    inserted = apply_edits(text, [insert_entry(doc, doc.root, "new_key", "steps")])
    assert json.loads(inserted) == {**json.loads(text), "new_key": "steps"}
    for key in json.loads(text):
        deleted = apply_edits(text, [delete_entry(doc, *doc.root.entry(key))])
        assert json.loads(deleted) == {k: v for k, v in json.loads(text).items() if k != key}
    if "\n" in text:
        assert inserted == '{\n  "a": 1,\n  "b": 2,\n  "new_key": "steps"\n}\n'
        assert apply_edits(text, [delete_entry(doc, *doc.root.entry("a"))]) == '{\n  "b": 2\n}\n'


def test_interval_and_load_best_fixes_do_not_undo_each_other():
    """WS008 moves save_steps to a multiple of eval_steps (500, the default); WS007 used to move it
    back inside the 375-step run (187), and so on forever. Now the pair settles."""
    text = ("# sftlint: dialect=hf\noutput_dir: out\nload_best_model_at_end: true\neval_strategy: steps\n"
            "save_steps: 50\n")
    outcome = fix_text(Path("t.yaml"), text, Settings(num_examples=1000), build_registry(), unsafe=True)
    assert outcome.problems == []
    assert outcome.text == text.replace("save_steps: 50", "save_steps: 500")
    with_eval = text.replace("save_steps: 50", "eval_steps: 100\nsave_steps: 5000")
    outcome = fix_text(Path("t.yaml"), with_eval, Settings(num_examples=1000), build_registry(), unsafe=True)
    assert outcome.problems == [] and "save_steps: 100\n" in outcome.text
