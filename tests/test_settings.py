"""Settings files: where they are found, what they may hold, and how errors point at the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from sftlint.lint.findings import Severity
from sftlint.plugin.loading import build_registry
from sftlint.lint.selection import check_settings
from sftlint.lint.session import Session
from sftlint.settings.resolver import (SettingsError, SettingsResolver, find_settings_file, glob_match, load_settings_file,
                              parse_settings)
from sftlint.settings.toml_lines import key_line


# --- finding the file ----------------------------------------------------------------------------


def test_nearest_settings_file_wins(hf_config, write, tmp_path):
    write("sftlint.toml", 'select = ["WS"]\n')
    write("sub/.sftlint.toml", 'select = ["YM"]\n')
    config = write("sub/deeper/train.yaml", hf_config)
    other = write("other/train.yaml", hf_config)
    resolver = SettingsResolver()
    assert resolver.for_path(config).select == ["YM"]
    assert resolver.for_path(config).path == tmp_path / "sub" / ".sftlint.toml"
    assert resolver.for_path(other).select == ["WS"]


def test_in_one_folder_dot_file_then_plain_then_pyproject(write, tmp_path):
    write("pyproject.toml", '[tool.sftlint]\nselect = ["A"]\n')
    assert find_settings_file(tmp_path) == tmp_path / "pyproject.toml"
    write("sftlint.toml", "")
    assert find_settings_file(tmp_path) == tmp_path / "sftlint.toml"
    write(".sftlint.toml", "")
    assert find_settings_file(tmp_path) == tmp_path / ".sftlint.toml"


def test_pyproject_without_the_table_is_passed_over(hf_config, write, tmp_path):
    write("sftlint.toml", 'ignore = ["WS001"]\n')
    write("proj/pyproject.toml", '[project]\nname = "x"\n# not [tool.sftlint] settings\n[tool.ruff]\nline-length = 1\n')
    config = write("proj/train.yaml", hf_config)
    assert find_settings_file(config) == tmp_path / "sftlint.toml"
    write("proj/pyproject.toml", "[tool.sftlint]\n")
    assert find_settings_file(config) == tmp_path / "proj" / "pyproject.toml"


def test_pyproject_dotted_key_form_counts(write, tmp_path):
    path = write("pyproject.toml", '[tool]\nsftlint.ignore = ["YM001"]\n')
    assert find_settings_file(tmp_path) == path
    assert load_settings_file(path).ignore == ["YM001"]


def test_no_settings_file_gives_defaults(tmp_path):
    settings = SettingsResolver().for_path(tmp_path / "x.yaml")
    assert settings.path is None and settings.select == ["ALL"] and settings.world_size == 1


def test_forced_file_is_used_for_every_path(write, tmp_path):
    write("sub/sftlint.toml", 'select = ["YM"]\n')
    forced = write("elsewhere/custom.toml", 'select = ["WS"]\nworld-size = 8\n')
    settings = SettingsResolver(forced).for_path(tmp_path / "sub" / "a.yaml")
    assert settings.select == ["WS"] and settings.world_size == 8 and settings.path == forced


def test_command_line_overrides_replace_file_values(write, tmp_path):
    write("sftlint.toml", 'select = ["WS"]\nworld-size = 2\n')
    settings = SettingsResolver(overrides={"world_size": 4}).for_path(tmp_path / "a.yaml")
    assert settings.world_size == 4 and settings.select == ["WS"] and settings.overridden == {"world_size"}


# --- keys and values -----------------------------------------------------------------------------


def test_every_documented_key_parses(hf_config, write, tmp_path):
    write("ref.yaml", hf_config)
    path = write("sftlint.toml", """\
        select = ["ALL"]
        ignore = ["ws001"]
        extend-select = ["YM"]
        per-file-ignores = { "legacy/*.yaml" = ["YM001"] }
        severity = { YM = "warning", YM001 = "info" }
        world-size = 4
        plugins = ["acme_rules"]
        num-examples = 1000
        dataset-sizes = { "data/*.jsonl" = 52000 }
        target-transformers = "5.24"
        target-trl = "1.16"
        dialect = "hf"
        gpu-memory-gib = 80
        exclude = ["old/**"]
        extend-exclude = ["scratch"]

        [scaling]
        reference-batch-size = 32
        reference-learning-rate = 2e-4
        rule = "sqrt"
        tolerance = 0.5
        reference-config = "ref.yaml"

        [rules.WS001]
        fix-fraction = 0.04
        """)
    (tmp_path / "ref.yaml").write_text("")
    s = load_settings_file(path)
    assert s.ignore == ["WS001"], "codes are upper-cased"
    assert s.severity == {"YM": Severity.WARNING, "YM001": Severity.INFO}
    assert s.per_file_ignores == {"legacy/*.yaml": ["YM001"]}
    assert (s.world_size, s.num_examples, s.gpu_memory_gib) == (4, 1000, 80.0)
    assert s.dataset_sizes == {"data/*.jsonl": 52000}
    assert s.exclude == ["old/**", "scratch"]
    assert s.raw_tables == {"scaling": {"reference-batch-size": 32, "reference-learning-rate": 2e-4, "rule": "sqrt",
                                        "tolerance": 0.5, "reference-config": "ref.yaml"}}
    assert s.rule_options == {"WS001": {"fix-fraction": 0.04}}
    s.plugins = []  # the plugins named are not installed; the built-in scaling table is checked
    check_settings(s, build_registry())
    assert s.scaling == {"reference-batch-size": 32, "reference-learning-rate": 2e-4, "rule": "sqrt",
                         "tolerance": 0.5, "reference-config": tmp_path / "ref.yaml"}


def test_underscore_spelling_is_accepted(tmp_path):
    s = parse_settings({"extend_select": ["YM"], "world_size": 2, "rules": {"YM001": {"max_value": 1}}}, None)
    assert s.extend_select == ["YM"] and s.world_size == 2 and s.rule_options == {"YM001": {"max-value": 1}}


def test_unknown_key_names_file_line_and_suggestion(write):
    path = write("pyproject.toml", """\
        [project]
        name = "demo"

        [tool.sftlint]
        select = ["YM"]
        extend-selct = ["WS"]
        """)
    with pytest.raises(SettingsError) as info:
        load_settings_file(path)
    message = str(info.value)
    assert message.startswith(f"{path}:6: [tool.sftlint]: ")
    assert "unknown setting 'extend-selct'" in message and "did you mean 'extend-select'?" in message


def test_unknown_key_without_close_match_lists_the_known_keys(write):
    path = write("sftlint.toml", 'zzz = 1\n')
    with pytest.raises(SettingsError, match=r"sftlint.toml:1: settings: unknown setting 'zzz' \(known: .*world-size"):
        load_settings_file(path)


def test_unknown_scaling_key_points_into_its_table(write, tmp_path):
    write("sftlint.toml",
          '[scaling]\nreference-batch-size = 8\nreference-learning-rate = 1e-4\nrule = "linear"\ntolerence = 0.2\n')
    with pytest.raises(SettingsError,
                       match=r":5: settings: unknown scaling setting 'scaling.tolerence'; did you mean 'tolerance'"):
        Session().settings_for(tmp_path / "a.yaml")


def test_unknown_table_is_an_unknown_setting(write, tmp_path):
    write("sftlint.toml", '[scalng]\nrule = "linear"\n')
    with pytest.raises(SettingsError, match=r":1: settings: unknown setting 'scalng'; did you mean 'scaling'"):
        Session().settings_for(tmp_path / "a.yaml")


@pytest.mark.parametrize("text, fragment", [
    ("select = 3", "'select' must be a list of strings, not 3"),
    ('select = ["YM", 1]', "'select' must be a list of strings"),
    ("world-size = 0", "'world-size' must be a whole number from 1 to 1,000,000, not 0"),
    ("world-size = 10000000000000000000000000000000000000000", "not a number of over 30 digits"),
    ("world-size = true", "'world-size' must be a whole number"),
    ('num-examples = "100"', "'num-examples' must be a whole number"),
    ("gpu-memory-gib = -1", "'gpu-memory-gib' must be a positive number"),
    ('severity = { YM001 = "fatal" }', "'severity.YM001': unknown severity 'fatal'"),
    ("target-trl = 1.16", "'target-trl' must be a release number such as"),
    ('target-transformers = "banana"', "'target-transformers' must be a release number such as \"5.24\", not 'banana'"),
    ("gpu-memory-gib = nan", "'gpu-memory-gib' must be a positive number"),
    ("gpu-memory-gib = 1e308", "'gpu-memory-gib' must be a positive number up to"),
    ('per-file-ignores = ["x"]', "'per-file-ignores' must be a table"),
    ('[dataset-sizes]\n"a.jsonl" = 0', "'dataset-sizes.a.jsonl' must be a whole number"),
    ("[rules]\nYM001 = 3", "'rules.YM001' must be a table"),
    # checked against the plugins that declare them: rule options and plugin tables
    ("[scaling]\nrule = \"cubic\"", "'scaling.rule' must be one of 'linear', 'sqrt', not 'cubic'"),
    ("[scaling]\nrule = \"none\"", "'scaling.rule' must be one of 'linear', 'sqrt', not 'none'"),
    ("[scaling]\ntolerance = 0", "'scaling.tolerance' must be a number from 0 (excluded) to 100"),
    ("[scaling]\ntolerance = nan", "'scaling.tolerance' must be a number"),
    ("[scaling]\nreference-batch-size = 8", "needs both reference-batch-size and reference-learning-rate"),
    ('[scaling]\nreference-config = "missing.yaml"', "'missing.yaml' does not exist"),
    ("[rules.WS001]\nfix-fraction = -3.0",
     "option 'fix-fraction' of rule WS001 (warmup-exceeds-total-steps) must be a number from 0 to 1, not -3.0"),
    ("[rules.WS001]\nfix-fraction = nan", "option 'fix-fraction' of rule WS001"),
    ("[rules.WS001]\nfix-fraction = 1e308", "option 'fix-fraction' of rule WS001"),
    ("[rules.WS002]\nmin-total-steps = 2.5",
     "option 'min-total-steps' of rule WS002 (warmup-outside-band) must be a whole number"),
])
def test_bad_values_are_errors(write, tmp_path, text, fragment):
    path = write("sftlint.toml", text + "\n")
    with pytest.raises(SettingsError) as info:
        Session().settings_for(tmp_path / "a.yaml")
    assert fragment in str(info.value)
    assert str(info.value).startswith(f"{path}:")


def test_bad_value_error_has_the_line(write):
    path = write("sftlint.toml", '# comment\nselect = ["YM"]\n\nworld-size = "eight"\n')
    with pytest.raises(SettingsError, match=r"sftlint.toml:4: "):
        load_settings_file(path)


def test_invalid_toml_is_an_error(write):
    path = write(".sftlint.toml", "select = [\n")
    with pytest.raises(SettingsError, match="invalid TOML"):
        load_settings_file(path)


@pytest.mark.parametrize("path_in_file, expected", [
    (("tool", "sftlint", "select"), 3),
    (("tool", "sftlint", "rules", "WS001", "limit"), 7),
    (("tool", "sftlint", "rules", "YM001", "x"), 9),
    (("tool", "sftlint", "per-file-ignores", "a/*.yaml"), 4),
    (("tool", "sftlint", "nothing"), None),
])
def test_key_line_reads_tables_dotted_and_quoted_keys(path_in_file, expected):
    text = ('[project]\n[tool.sftlint]\nselect = ["A"]\nper-file-ignores."a/*.yaml" = ["B"]\n'
            '[tool.sftlint.rules."WS001"]\n\nlimit = 3\n[tool.sftlint.rules]\nYM001 = { x = 1 }\n')
    assert key_line(text, path_in_file) == expected


# --- globs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path, pattern, expected", [
    ("configs/a.yaml", "configs/*.yaml", True),
    ("configs/a.yaml", "*.yaml", True),
    ("deep/er/a.yaml", "a.yaml", True),
    ("old/x/a.yaml", "old/**", True),
    ("older/a.yaml", "old/**", False),
    ("a.yaml", "**/a.yaml", True),
    ("x/a.yaml", "**/a.yaml", True),
    ("scratch/a.yaml", "scratch", True),
    ("configs/a.yaml", "other/*.yaml", False),
])
def test_glob_match(path, pattern, expected):
    assert glob_match(path, pattern) is expected


def test_per_file_ignores_are_relative_to_the_settings_file(hf_config, write, tmp_path):
    write("proj/sftlint.toml", '[per-file-ignores]\n"legacy/*.yaml" = ["YM001"]\n')
    inside = write("proj/legacy/a.yaml", hf_config)
    outside = write("proj/new/a.yaml", hf_config)
    resolver = SettingsResolver()
    assert resolver.for_path(inside).ignored_for(inside) == ["YM001"]
    assert resolver.for_path(outside).ignored_for(outside) == []


# --- end to end ----------------------------------------------------------------------------------


def test_cli_reports_unknown_setting_and_exits_2(hf_config, cli, write):
    write("pyproject.toml", '[tool.sftlint]\nworld_sise = 2\n')
    write("a.yaml", hf_config)
    run = cli("check", "a.yaml")
    assert run.rc == 2
    assert "pyproject.toml:2: [tool.sftlint]: unknown setting 'world_sise'; did you mean 'world-size'?" in run.err


def test_cli_missing_config_file_is_an_error(cli):
    run = cli("check", "--config", "nope.toml", "a.yaml")
    assert run.rc == 2 and "nope.toml does not exist" in run.err


def test_cli_config_option_forces_the_file(hf_config, cli, write):
    write("sftlint.toml", 'select = ["YM001"]\nignore = ["YM001"]\n')
    write("strict.toml", 'select = ["YM001"]\n')
    write("a.yaml", hf_config)
    assert cli("check", "a.yaml").rc == 0
    forced = cli("check", "--config", "strict.toml", "a.yaml")
    assert forced.rc == 1 and "YM001" in forced.out


def test_per_file_ignores_end_to_end(hf_config, cli, write):
    write("sftlint.toml", '[per-file-ignores]\n"legacy/**" = ["YM"]\n')
    write("legacy/a.yaml", hf_config)
    write("new/a.yaml", hf_config)
    run = cli("check", "--select", "YM001", "--output-format", "concise", ".")
    assert run.rc == 1
    assert "new/a.yaml" in run.out and "legacy" not in run.out


def test_unknown_rule_option_is_an_error_naming_rule_and_option(hf_config, cli, write):
    write("sftlint.toml", "[rules.number-read-as-string]\nstrictness = 2\n")
    write("a.yaml", hf_config)
    run = cli("check", "a.yaml")
    assert run.rc == 2
    assert "sftlint.toml:2: settings: unknown option 'strictness' for rule YM001 (number-read-as-string)" in run.err


def test_options_for_an_unknown_rule_are_an_error(hf_config, cli, write):
    write("sftlint.toml", "[rules.YM901]\nx = 1\n")
    write("a.yaml", hf_config)
    run = cli("check", "a.yaml")
    assert run.rc == 2 and "unknown rule 'rules.YM901'" in run.err and "did you mean" in run.err


def test_settings_error_in_a_nested_folder_is_reported(hf_config, cli, write):
    write("ok/a.yaml", hf_config)
    write("bad/sftlint.toml", "colour = 1\n")
    write("bad/a.yaml", hf_config)
    run = cli("check", "ok", "bad")
    assert run.rc == 2
    assert str(Path("bad", "sftlint.toml")) in run.err and "unknown setting 'colour'" in run.err


def test_config_naming_a_folder_says_so(cli, write, tmp_path, hf_config):
    write("a.yaml", hf_config)
    run = cli("check", "--config", str(tmp_path), "a.yaml")
    assert run.rc == 2 and "is a folder; give a settings file" in run.err, run.err
    missing = cli("check", "--config", str(tmp_path / "nope.toml"), "a.yaml")
    assert missing.rc == 2 and "does not exist" in missing.err, missing.err
