"""The language server, driven over stdio by a real LSP client (pygls's) as an editor drives it.

One server process serves the whole module (it starts in about two seconds); each test works in a
folder of its own, so settings files written by one test govern only that test's configs.
"""

from __future__ import annotations

import json
import os
import random
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("pygls")

from lsprotocol import types  # noqa: E402

from corpus import CORPUS  # noqa: E402
from lsp_client import Editor, apply_text_edits  # noqa: E402
from sftlint.cli.main import main  # noqa: E402


#: 14 lines of axolotl QLoRA, with 200 examples declared by a comment so the plan has a length.
AXOLOTL = """\
# sftlint: num-examples=200
base_model: meta-llama/Llama-3.2-1B
adapter: qlora
load_in_4bit: true
lora_r: 16
lora_alpha: 32
micro_batch_size: 2
gradient_accumulation_steps: 4
num_epochs: 1
learning_rate: 0.0002
lr_scheduler: cosine
warmup_ratio: 0.1
datasets:
  - path: tatsu-lab/alpaca
    type: alpaca
"""

#: Plain TrainingArguments; `2e-4` is a string to a YAML 1.1 loader, and `save_steps` lies past the end.
HF = """\
# sftlint: dialect=hf
# sftlint: num-examples=64
output_dir: out
learning_rate: 2e-4
per_device_train_batch_size: 4
num_train_epochs: 1
logging_steps: 1000
"""


@pytest.fixture(scope="module")
def plugin_dir(tmp_path_factory) -> Path:
    """A folder on the server's PYTHONPATH where tests write plugin modules."""
    return tmp_path_factory.mktemp("plugins")


@pytest.fixture(scope="module")
def editor(tmp_path_factory, plugin_dir):
    root = tmp_path_factory.mktemp("workspace")
    cache = tmp_path_factory.mktemp("cache")
    env = {"PYTHONPATH": str(plugin_dir), "XDG_CACHE_HOME": str(cache)}
    ed = Editor(root, env=env)
    yield ed
    ed.close()


@pytest.fixture
def folder(editor, request) -> Path:
    path = editor.root / request.node.name.replace("[", "_").replace("]", "_")
    path.mkdir()
    return path


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def check_json(path: Path, capsys) -> list[dict]:
    """What ``sftlint check`` reports for ``path``, as its JSON output: the findings (a skipped
    file's record, whose code is null, is no diagnostic)."""
    capsys.readouterr()
    main(["check", "--output-format", "json", str(path)])
    return [f for f in json.loads(capsys.readouterr().out) if f["code"] is not None]


def located(diagnostics: list[types.Diagnostic]) -> list[tuple[str, int, int]]:
    return sorted((d.code, d.range.start.line + 1, d.range.start.character + 1) for d in diagnostics)


# --- diagnostics -------------------------------------------------------------------------------


def test_initialize_advertises_the_features(editor):
    caps = editor.initialize_result.capabilities
    assert caps.hover_provider and caps.code_lens_provider and caps.inlay_hint_provider
    assert caps.completion_provider is not None
    assert "source.fixAll.sftlint" in caps.code_action_provider.code_action_kinds
    assert editor.initialize_result.server_info.name == "sftlint"
    # the server asks to hear about settings files changing on disk
    editor.wait_for(lambda: any(r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES for r in editor.registrations))


def test_open_publishes_the_findings_of_sftlint_check(editor, folder, capsys):
    path = write(folder, "hf.yaml", HF)
    uri = editor.open(path)
    got = editor.diagnostics(uri, version=1)
    expected = check_json(path, capsys)
    assert expected, "the config must have findings for this test to mean anything"
    assert located(got) == sorted((f["code"], f["location"]["row"], f["location"]["column"]) for f in expected)
    by_code = {d.code: d for d in got}
    levels = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning,
              "info": types.DiagnosticSeverity.Information}
    assert {f["code"]: levels[f["severity"]] for f in expected} == {d.code: d.severity for d in got}
    assert {f["code"]: f["message"] for f in expected} == {
        d.code: d.message.removesuffix(" [fix]").removesuffix(" [unsafe fix]") for d in got}
    assert all(d.source == "sftlint" for d in got)
    assert by_code["YM001"].code_description.href.endswith("#ym001")


def test_real_configs_get_the_findings_of_sftlint_check(editor, capsys):
    """Configs from the tools' own repositories: the editor shows exactly what the command prints."""
    files = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".yaml", ".yml", ".json"))
    sample = random.Random(15).sample(files, 12)
    compared = 0
    for path in sample:
        uri = editor.open(path, language="json" if path.suffix == ".json" else "yaml")
        got = editor.diagnostics(uri, version=1)
        expected = check_json(path, capsys)
        assert located(got) == sorted((f["code"], f["location"]["row"], f["location"]["column"]) for f in expected), path
        compared += len(expected)
    assert compared > 0


def test_an_unsaved_edit_is_linted_as_typed_and_the_file_is_untouched(editor, folder):
    path = write(folder, "hf.yaml", HF)
    uri = editor.open(path)
    assert "YM001" in editor.codes(uri, 1)
    version = editor.change(uri, HF.replace("2e-4", "0.0002"))
    assert "YM001" not in editor.codes(uri, version)
    version = editor.change(uri, editor.texts[uri] + "warmup_steps: 5000\n")
    assert "WS001" in editor.codes(uri, version)
    assert path.read_text() == HF


def test_a_burst_of_edits_is_linted_once_at_its_last_version(editor, folder):
    path = write(folder, "hf.yaml", HF)
    uri = editor.open(path)
    editor.diagnostics(uri, 1)
    before = len(editor.published)
    editor.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"sftlint": {"debounceMs": 300}}))
    editor.diagnostics(uri, 1, after=before)  # new settings: open documents are linted again
    try:
        before = len(editor.published)
        versions = [editor.change(uri, HF.replace("num_train_epochs: 1", f"num_train_epochs: {n}"))
                    for n in range(2, 12)]
        editor.diagnostics(uri, versions[-1], after=before)
        editor.settle(0.4)
        mine = [p.version for p in editor.published[before:] if p.uri == uri]
        assert mine == [versions[-1]]
    finally:
        editor.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
            settings={"sftlint": {"debounceMs": 0}}))


def test_save_lints_again(editor, folder):
    path = write(folder, "hf.yaml", HF)
    uri = editor.open(path)
    editor.diagnostics(uri, 1)
    before = len(editor.published)
    editor.save(uri)
    assert "YM001" in editor.codes(uri, 1, after=before)


def test_files_that_are_not_training_configs_get_no_diagnostics(editor, folder):
    compose = write(folder, "docker-compose.yaml", "services:\n  web:\n    image: nginx\n")
    accelerate = write(folder, "accelerate.yaml", """\
        compute_environment: LOCAL_MACHINE
        distributed_type: MULTI_GPU
        num_processes: 8
        mixed_precision: bf16
        """)
    for path in (compose, accelerate):
        uri = editor.open(path)
        assert editor.diagnostics(uri, 1) == []
        # once known not to be a training config, a typo in it is the YAML server's business
        version = editor.change(uri, editor.texts[uri] + "broken: [\n")
        assert editor.diagnostics(uri, version) == []
        assert editor.code_lens(uri) == []


def test_a_buffer_that_does_not_parse_gets_one_diagnostic_and_keeps_its_plan(editor, folder):
    path = write(folder, "axolotl.yaml", AXOLOTL)
    uri = editor.open(path)
    editor.diagnostics(uri, 1)
    lens = editor.code_lens(uri)[0].command.title
    broken = AXOLOTL.replace("lora_alpha: 32", "lora_alpha: [32")
    version = editor.change(uri, broken)
    got = editor.diagnostics(uri, version)
    assert len(got) == 1 and got[0].code == "E001" and got[0].severity == types.DiagnosticSeverity.Error
    assert "invalid YAML" in got[0].message
    assert 5 <= got[0].range.start.line <= 7  # at the bracket that is never closed, not on line 1
    hover = editor.hover(uri, 11, 3)  # warmup_ratio
    assert "of 25 steps warm up" in hover and "last version of this file that parsed" in hover
    assert editor.code_lens(uri)[0].command.title == lens + " (last version that parsed)"


def test_bad_settings_are_one_finding_not_a_dead_server(editor, folder):
    write(folder, "sftlint.toml", 'select = ["NOPE999"]\n')
    path = write(folder, "hf.yaml", HF)
    uri = editor.open(path)
    got = editor.diagnostics(uri, 1)
    assert [d.code for d in got] == ["E003"]
    assert "sftlint.toml" in got[0].message and "NOPE999" in got[0].message
    write(folder, "sftlint.toml", 'select = ["YM"]\n')
    before = len(editor.published)
    editor.settings_changed(folder / "sftlint.toml")
    assert editor.codes(uri, 1, after=before) == ["YM001"]


def test_files_the_settings_exclude_get_no_diagnostics(editor, folder):
    write(folder, "sftlint.toml", 'exclude = ["legacy"]\n')
    path = write(folder, "legacy/hf.yaml", HF)
    uri = editor.open(path)
    assert editor.diagnostics(uri, 1) == []
    kept = editor.open(write(folder, "hf.yaml", HF))
    assert "YM001" in editor.codes(kept, 1)


def test_a_settings_file_named_in_the_options_that_is_missing_is_one_finding(tmp_path):
    missing = tmp_path / "team" / "sftlint.toml"
    config = tmp_path / "hf.yaml"
    config.write_text(HF)
    editor = Editor(tmp_path, options={"config": str(missing)})
    try:
        uri = editor.open(config)
        got = editor.diagnostics(uri, 1)
        assert [d.code for d in got] == ["E003"] and "does not exist" in got[0].message
        missing.parent.mkdir()
        missing.write_text("ignore = []\n")  # mended: the next lint uses it
        version = editor.change(uri, HF + "\n")
        assert "YM001" in editor.codes(uri, version)
    finally:
        editor.close()


# --- settings and plugins without a restart -------------------------------------------------------


def test_settings_changes_are_picked_up_without_restart(editor, folder):
    path = write(folder, "hf.yaml", HF)
    uri = editor.open(path)
    assert "YM001" in editor.codes(uri, 1)
    write(folder, "pyproject.toml", '[project]\nname = "x"\n\n[tool.sftlint]\nignore = ["YM001"]\n')
    before = len(editor.published)
    editor.settings_changed(folder / "pyproject.toml")
    codes = editor.codes(uri, 1, after=before)
    assert "YM001" not in codes and codes
    # per-file ignores too, and without any notification: the next edit sees the new file
    write(folder, "pyproject.toml", '[tool.sftlint]\nper-file-ignores = { "hf.yaml" = ["KT"] }\n')
    version = editor.change(uri, HF + "\n")
    codes = editor.codes(uri, version)
    assert "YM001" in codes and not any(c.startswith("KT") for c in codes)


PLUGIN = '''\
"""Team rules for the tests."""
import sftlint
from sftlint import Rule, Severity, Violation

class SeedSet(Rule):
    """Require a seed.

    ## What it does
    Reports configs without a seed.

    ## Why is this bad?
    Runs cannot be repeated.

    ## Example
    ```yaml
    lr: 1
    ```

    ## Use instead
    ```yaml
    seed: 1
    ```

    ## Options
    None.

    ## Fix safety
    No fix.

    ## References
    None.
    """

    code = "TEAM001"
    name = "seed-not-set"
    severity = Severity.WARNING

    def check(self, ctx):
        if MESSAGE == "crash":
            raise RuntimeError("the plugin broke")
        while MESSAGE == "loop":
            pass
        if not ctx.config.is_set("seed"):
            yield Violation(MESSAGE, None)

MESSAGE = "{message}"

@sftlint.hookimpl
def sftlint_rules():
    return [SeedSet]
'''


def test_plugin_rules_are_picked_up_and_reloaded_and_never_kill_the_server(editor, folder, plugin_dir):
    module = f"team_rules_{os.getpid()}"
    (plugin_dir / f"{module}.py").write_text(PLUGIN.format(message="set a seed"))
    path = write(folder, "hf.yaml", HF)
    uri = editor.open(path)
    assert "TEAM001" not in editor.codes(uri, 1)
    write(folder, "sftlint.toml", f'plugins = ["{module}"]\n')
    before = len(editor.published)
    editor.settings_changed(folder / "sftlint.toml")
    diagnostics = editor.diagnostics(uri, 1, after=before)
    assert [d.message for d in diagnostics if d.code == "TEAM001"] == ["set a seed"]
    # the plugin's code is edited: the next lint runs the new code
    (plugin_dir / f"{module}.py").write_text(PLUGIN.format(message="a seed, please"))
    version = editor.change(uri, HF + "\n")
    assert [d.message for d in editor.diagnostics(uri, version) if d.code == "TEAM001"] == ["a seed, please"]
    # a crashing plugin rule is a diagnostic that names it; the server goes on answering
    (plugin_dir / f"{module}.py").write_text(PLUGIN.format(message="crash"))
    version = editor.change(uri, HF)
    crashed = [d for d in editor.diagnostics(uri, version) if d.code == "E900"]
    assert len(crashed) == 1 and "TEAM001" in crashed[0].message and "the plugin broke" in crashed[0].message
    assert "YM001" in editor.codes(uri, version)
    assert editor.hover(uri, 3, 3) is not None
    # a rule caught in a loop is stopped after the time limit, named, and the others still run
    before = len(editor.published)
    editor.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"sftlint": {"lintTimeLimit": 1}}))
    editor.diagnostics(uri, version, after=before)
    try:
        (plugin_dir / f"{module}.py").write_text(PLUGIN.format(message="loop"))
        version = editor.change(uri, HF + "\n")
        looped = [d for d in editor.diagnostics(uri, version) if d.code == "E900"]
        assert len(looped) == 1 and "TEAM001" in looped[0].message and "more than 1 s" in looped[0].message
        assert "YM001" in editor.codes(uri, version)
        assert editor.hover(uri, 3, 3) is not None
    finally:
        (plugin_dir / f"{module}.py").write_text(PLUGIN.format(message="set a seed"))
        editor.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
            settings={"sftlint": {}}))


def test_a_plugin_that_does_not_load_is_shown_to_the_user(editor, folder):
    write(folder, "sftlint.toml", 'plugins = ["no_such_team_rules"]\n')
    uri = editor.open(write(folder, "hf.yaml", HF))
    assert "YM001" in editor.codes(uri, 1)  # the other rules still run
    editor.wait_for(lambda: any("no_such_team_rules" in m and "was not loaded" in m for m in editor.logs))


def test_an_unsaved_new_buffer_is_linted_with_the_workspace_settings(editor):
    uri = "untitled:Untitled-1"
    editor.versions[uri] = 1
    editor.texts[uri] = HF
    editor.client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri=uri, language_id="yaml", version=1, text=HF)))
    assert "YM001" in editor.codes(uri, 1)
    assert editor.code_lens(uri)[0].command.title.startswith("16 steps")


def test_the_reload_command_lints_the_open_configs_again(editor, folder):
    uri = editor.open(write(folder, "hf.yaml", HF))
    editor.diagnostics(uri, 1)
    before = len(editor.published)
    editor.command("sftlint.reload")
    assert "YM001" in editor.codes(uri, 1, after=before)


# --- code actions ------------------------------------------------------------------------------


def _diagnostic(editor, uri, code, version=None):
    return next(d for d in editor.diagnostics(uri, version) if d.code == code)


def test_a_safe_fix_is_a_preferred_quick_fix_that_repairs_the_buffer(editor, folder):
    path = write(folder, "hf.yaml", HF)
    uri = editor.open(path)
    ym = _diagnostic(editor, uri, "YM001", 1)
    actions = editor.code_actions(uri, ym.range, [ym])
    fix = next(a for a in actions if "(YM001)" in a.title)
    assert fix.kind == types.CodeActionKind.QuickFix and fix.is_preferred
    text = editor.apply(uri, fix.edit)
    assert "learning_rate: 2.0e-4" in text or "learning_rate: 0.0002" in text
    assert "YM001" not in editor.codes(uri, editor.versions[uri])
    assert path.read_text() == HF  # the editor's buffer changed, not the file


def test_unsafe_fixes_are_labelled_and_not_preferred(editor, folder):
    text = AXOLOTL.replace("warmup_ratio: 0.1", "warmup_ratio: 0.1\nwarmup_steps: 5")
    path = write(folder, "axolotl.yaml", text)
    uri = editor.open(path)
    ws = _diagnostic(editor, uri, "WS003", 1)
    unsafe = [a for a in editor.code_actions(uri, ws.range, [ws]) if "(WS003)" in a.title]
    assert unsafe and all("[unsafe]" in a.title and not a.is_preferred for a in unsafe)


def test_fix_all_safe_writes_what_check_fix_writes(editor, folder, tmp_path):
    text = HF.replace("num_train_epochs: 1", "num_train_epochs: 1\nsave_steps: 10000\nload_in_4bit: yes")
    path = write(folder, "hf.yaml", text)
    uri = editor.open(path)
    editor.diagnostics(uri, 1)
    actions = editor.code_actions(uri, types.Range(types.Position(0, 0), types.Position(0, 0)),
                                  only=["source.fixAll"])
    assert len(actions) == 1 and actions[0].kind == "source.fixAll.sftlint"
    fixed_in_editor = apply_text_edits(text, [e for c in actions[0].edit.document_changes for e in c.edits])
    copy = tmp_path / "hf.yaml"
    copy.write_text(text)
    main(["check", "--fix", "--exit-zero", str(copy)])
    assert fixed_in_editor == copy.read_text() != text
    assert path.read_text() == text
    # offered beside the quick fixes too, under the cursor
    plain = editor.code_actions(uri, types.Range(types.Position(3, 0), types.Position(3, 0)))
    assert any(a.title.startswith("Fix all safe") for a in plain)


def test_disable_for_this_line_silences_the_finding(editor, folder):
    path = write(folder, "hf.yaml", HF.replace("learning_rate: 2e-4", "learning_rate: 2e-4  # peak"))
    uri = editor.open(path)
    ym = _diagnostic(editor, uri, "YM001", 1)
    actions = editor.code_actions(uri, ym.range, [ym])
    disable = next(a for a in actions if a.title == "Disable YM001 for this line")
    text = editor.apply(uri, disable.edit)
    assert "learning_rate: 2e-4  # peak  # sftlint: disable=YM001" in text
    assert "YM001" not in editor.codes(uri, editor.versions[uri])


def test_disable_joins_the_lines_existing_comment(editor, folder):
    path = write(folder, "hf.yaml", HF.replace("learning_rate: 2e-4", "learning_rate: 2e-4  # sftlint: disable=HP"))
    uri = editor.open(path)
    ym = _diagnostic(editor, uri, "YM001", 1)
    disable = next(a for a in editor.code_actions(uri, ym.range, [ym]) if a.title.startswith("Disable"))
    text = editor.apply(uri, disable.edit)
    assert "learning_rate: 2e-4  # sftlint: disable=HP,YM001\n" in text
    assert "YM001" not in editor.codes(uri, editor.versions[uri])


def test_json_configs_get_no_comment_to_disable_with(editor, folder):
    path = write(folder, "args.json", '{\n  "output_dir": "out",\n  "learning_rate": 0.002,\n'
                                      '  "per_device_train_batch_size": 4\n}\n')
    uri = editor.open(path)
    hp = _diagnostic(editor, uri, "HP001", 1)
    assert not any(a.title.startswith("Disable") for a in editor.code_actions(uri, hp.range, [hp]))


# --- hover, summary ----------------------------------------------------------------------------


def plan_json(path: Path, capsys) -> dict:
    capsys.readouterr()
    assert main(["plan", "--output-format", "json", str(path)]) == 0
    return json.loads(capsys.readouterr().out)


def test_hover_shows_the_value_used_its_origin_and_what_the_plan_derives(editor, folder, capsys):
    path = write(folder, "axolotl.yaml", AXOLOTL)
    uri = editor.open(path)
    editor.diagnostics(uri, 1)
    plan = plan_json(path, capsys)
    peak_step = plan["lr_schedule"].index(max(plan["lr_schedule"])) + 1
    text = editor.hover(uri, 11, 3)  # warmup_ratio
    assert f"{plan['warmup_steps']} of {plan['total_steps']} steps warm up; peak lr 0.0002 at step {peak_step}" in text
    assert "`0.1`" in text and "line 12" in text
    text = editor.hover(uri, 6, 20)  # on micro_batch_size's value
    assert "`per_device_train_batch_size`" in text
    assert f"effective batch {plan['effective_batch_size']} = 2 per device × 4 accumulation × 1 process" in text
    assert "Default when unset: `1` (axolotl)" in text
    assert "Not from this file: `world_size` 1 (default: one process)" in text  # a default the plan used
    text = editor.hover(uri, 8, 3)  # num_epochs
    assert f"{plan['total_steps']} optimizer steps" in text
    assert "over 200 examples (hint: comment on line 1)" in text  # a hint, and where it is
    assert "`max_steps` -1 (axolotl default)" in text


def test_hover_shows_what_a_yaml_11_loader_makes_of_a_value(editor, folder):
    path = write(folder, "hf.yaml", HF)
    uri = editor.open(path)
    editor.diagnostics(uri, 1)
    text = editor.hover(uri, 3, 2)  # learning_rate: 2e-4
    assert '**Used**: `"2e-4"` (string)' in text
    assert "YAML 1.1 loader reads" in text
    # on the finding itself: the rule's explanation
    text = editor.hover(uri, 3, 17)
    assert "**YM001**" in text and "*What it does*" in text and "*Why is this bad?*" in text


def test_credentials_never_leave_the_server(editor, folder):
    token = "hf_" + "Ab3" * 12
    text = HF + f"hub_token: {token}\nlogging_dir: {token}x\n"
    uri = editor.open(write(folder, "hf.yaml", text))
    diagnostics = editor.diagnostics(uri, 1)
    assert "SEC001" in [d.code for d in diagnostics]
    answers = [d.message for d in diagnostics]
    answers.append(editor.hover(uri, 7, 3))  # on hub_token: the value is shown masked
    answers.append(editor.command("sftlint.showPlan", uri))
    answers += [a.title for d in diagnostics for a in editor.code_actions(uri, d.range, [d])]
    assert "hf_…(" in answers[len(diagnostics)]
    assert not any(token in (a or "") for a in answers)


def test_code_lens_and_inlay_hint_summarise_the_run(editor, folder, capsys):
    path = write(folder, "axolotl.yaml", AXOLOTL)
    uri = editor.open(path)
    editor.diagnostics(uri, 1)
    plan = plan_json(path, capsys)
    gib = plan["memory"]["total_bytes"] / 1024 ** 3
    expected = (f"{plan['total_steps']} steps · effective batch {plan['effective_batch_size']} · "
                f"warmup {plan['warmup_steps']} · ~{gib:.1f} GiB")
    lens = editor.code_lens(uri)
    assert [(c.range.start.line, c.command.title) for c in lens] == [(0, expected)]
    hints = editor.inlay_hints(uri, types.Range(types.Position(0, 0), types.Position(20, 0)))
    assert hints[0].label.strip() == expected
    assert hints[0].position == types.Position(0, len(AXOLOTL.splitlines()[0]))
    beside = {(h.position.line, h.position.character): h.label.strip() for h in hints[1:]}
    assert beside == {
        (6, len("micro_batch_size: 2")): f"effective batch {plan['effective_batch_size']}",
        (7, len("gradient_accumulation_steps: 4")): f"effective batch {plan['effective_batch_size']}",
        (8, len("num_epochs: 1")): f"= {plan['total_steps']} steps",
        (11, len("warmup_ratio: 0.1")): f"= {plan['warmup_steps']} warmup steps",
    }
    later = editor.inlay_hints(uri, types.Range(types.Position(9, 0), types.Position(20, 0)))
    assert [h.label.strip() for h in later] == [f"= {plan['warmup_steps']} warmup steps"]  # only in the range
    table = editor.command("sftlint.showPlan", uri)
    assert "Training plan" in table and f"total steps        {plan['total_steps']}" in table


def test_summary_says_what_is_unknown_and_why(editor, folder):
    path = write(folder, "axolotl.yaml", AXOLOTL.replace("# sftlint: num-examples=200\n", ""))
    uri = editor.open(path)
    editor.diagnostics(uri, 1)
    title = editor.code_lens(uri)[0].command.title
    assert title.startswith("steps unknown: training examples unknown")
    assert "num-examples" in title and "effective batch 8" in title


# --- completion --------------------------------------------------------------------------------


def test_completion_offers_the_dialects_keys_with_their_documentation(editor, folder):
    path = write(folder, "axolotl.yaml", AXOLOTL)
    uri = editor.open(path)
    editor.diagnostics(uri, 1)
    everything = {i.label for i in editor.completion(uri, 15, 0)}  # a new line, nothing typed yet
    assert {"sequence_len", "lora_dropout", "optimizer"} <= everything
    assert "lora_r" not in everything and "micro_batch_size" not in everything  # already set
    assert "per_device_train_batch_size" not in everything  # a TrainingArguments key, not axolotl's
    version = editor.change(uri, AXOLOTL + "lora_drop")  # does not parse as a config yet
    editor.diagnostics(uri, version)
    items = {i.label: i for i in editor.completion(uri, 15, 9)}
    assert "lora_dropout" in items
    assert "sequence_len" not in items and all(name.startswith("l") for name in items)  # filtered as typed
    dropout = items["lora_dropout"]
    assert dropout.detail == "number" and dropout.documentation is None
    assert "dropout" in editor.resolve(dropout).documentation.value  # sent for the item shown only
    assert dropout.text_edit.new_text == "lora_dropout: "
    assert dropout.text_edit.range == types.Range(types.Position(15, 0), types.Position(15, 9))


def test_completion_offers_closed_sets_of_values(editor, folder):
    path = write(folder, "axolotl.yaml", AXOLOTL)
    uri = editor.open(path)
    editor.diagnostics(uri, 1)
    labels = [i.label for i in editor.completion(uri, 10, 16)]  # lr_scheduler: cosine|
    assert labels[:3] == ["linear", "cosine", "cosine_with_restarts"] and "warmup_stable_decay" in labels
    labels = [i.label for i in editor.completion(uri, 2, 12)]  # adapter: qlora|
    assert labels == ["lora", "qlora"]
    labels = [i.label for i in editor.completion(uri, 3, 15)]  # load_in_4bit: true|
    assert labels == ["true", "false"]
    text = AXOLOTL + "optimizer: paged\n"
    version = editor.change(uri, text)
    editor.diagnostics(uri, version)
    items = editor.completion(uri, 15, 16)
    assert "paged_adamw_8bit" in [i.label for i in items]
    assert items[0].text_edit.range == types.Range(types.Position(15, 11), types.Position(15, 16))
    assert editor.completion(uri, 1, 20) == []  # base_model: an open set


def test_completion_in_a_json_config(editor, folder):
    text = '{\n  "output_dir": "out",\n  "learning_rate": 0.0002,\n  "per_device_train_batch_size": 4\n}\n'
    path = write(folder, "args.json", text)
    uri = editor.open(path)
    editor.diagnostics(uri, 1)
    typed = text.replace('"per_device_train_batch_size": 4\n', '"per_device_train_batch_size": 4,\n  "lr_sch\n')
    version = editor.change(uri, typed)
    editor.diagnostics(uri, version)
    items = {i.label: i for i in editor.completion(uri, 4, 9)}
    assert items["lr_scheduler_type"].text_edit.new_text == 'lr_scheduler_type": '
    assert items["lr_scheduler_type"].text_edit.range == types.Range(types.Position(4, 3), types.Position(4, 9))
    typed = typed.replace('"lr_sch', '"lr_scheduler_type": "co"')
    version = editor.change(uri, typed)
    editor.diagnostics(uri, version)
    assert "cosine" in [i.label for i in editor.completion(uri, 4, 26)]


def test_nested_keys_of_an_unsloth_config(editor, folder):
    """Unsloth Studio nests its keys in sections: hover and completion follow the nesting."""
    text = (Path(__file__).resolve().parents[1] / "examples" / "unsloth-lora.yaml").read_text(encoding="utf-8")
    text = text.replace("model: unsloth", "# sftlint: num-examples=100\nmodel: unsloth")
    path = write(folder, "unsloth.yaml", text)
    uri = editor.open(path)
    editor.diagnostics(uri, 1)
    lines = text.splitlines()
    row = next(i for i, line in enumerate(lines) if line.strip().startswith("batch_size:"))
    hover = editor.hover(uri, row, 4)
    assert "**`training.batch_size`**" in hover and "`per_device_train_batch_size`" in hover
    assert "effective batch 8 = 4 per device × 2 accumulation" in hover
    row = next(i for i, line in enumerate(lines) if line.strip().startswith("lr_scheduler_type:"))
    assert "cosine" in [i.label for i in editor.completion(uri, row, len(lines[row]))]
    typed = text.replace("  weight_decay: 0.01\n", "  weight_decay: 0.01\n  warmup_r\n")
    version = editor.change(uri, typed)
    editor.diagnostics(uri, version)
    row = typed.splitlines().index("  warmup_r")
    labels = [i.label for i in editor.completion(uri, row, 10)]
    assert "warmup_ratio" in labels and "model" not in labels  # the section's keys, not the top level's


def test_utf16_positions_past_an_emoji(editor, folder):
    text = HF.replace("output_dir: out", "output_dir: out  # 🤗 run").replace("learning_rate: 2e-4", "learning_rate: 2e-4 # 🤗🤗")
    path = write(folder, "hf.yaml", text)
    uri = editor.open(path)
    ym = _diagnostic(editor, uri, "YM001", 1)
    assert (ym.range.start.line, ym.range.start.character, ym.range.end.character) == (3, 15, 19)
    fix = next(a for a in editor.code_actions(uri, ym.range, [ym]) if "(YM001)" in a.title)
    fixed = editor.apply(uri, fix.edit)
    assert "# 🤗🤗" in fixed and "YM001" not in editor.codes(uri, editor.versions[uri])


def test_the_server_writes_nothing(editor, folder):
    """A whole editing session leaves every file as it was, and adds none."""
    path = write(folder, "hf.yaml", HF)
    write(folder, "sftlint.toml", "ignore = []\n")
    before = {p: p.read_bytes() for p in folder.rglob("*")}
    uri = editor.open(path)
    ym = _diagnostic(editor, uri, "YM001", 1)
    for action in editor.code_actions(uri, ym.range, [ym]):
        assert action.edit is not None and action.command is None
    editor.hover(uri, 3, 3)
    editor.completion(uri, 4, 3)
    editor.code_lens(uri)
    editor.save(uri)
    editor.settings_changed(folder / "sftlint.toml")
    editor.settle(0.2)
    assert {p: p.read_bytes() for p in folder.rglob("*")} == before
