"""Rule selection as in ruff: the most specific of select/extend-select/ignore decides."""

from __future__ import annotations

import pytest

from sftlint.lint.findings import Severity
from sftlint.plugin.loading import build_registry
from sftlint.lint.selection import check_overrides, check_settings, is_known_selector, is_selected, severity_for
from sftlint.lint.session import Session
from sftlint.settings.resolver import Settings, SettingsError, SettingsResolver


def selected(codes, **settings) -> list[str]:
    s = Settings(**settings)
    return [c for c in codes if is_selected(c, s)]


CODES = ["WS001", "YM001", "YM002", "YM101"]


@pytest.mark.parametrize("settings, expected", [
    ({}, CODES),
    ({"select": ["YM"]}, ["YM001", "YM002", "YM101"]),
    ({"select": ["YM0"]}, ["YM001", "YM002"]),
    ({"select": ["ALL"], "ignore": ["YM"]}, ["WS001"]),
    # a more specific select beats a broader ignore, and the other way round
    ({"select": ["YM001"], "ignore": ["YM"]}, ["YM001"]),
    ({"select": ["YM"], "ignore": ["YM0"], "extend_select": ["YM002"]}, ["YM002", "YM101"]),
    ({"select": ["YM0"], "ignore": ["YM00"]}, []),
    # same specificity: ignore wins
    ({"select": ["YM001"], "ignore": ["YM001"]}, []),
    ({"select": ["WS"], "extend_select": ["YM1"]}, ["WS001", "YM101"]),
    ({"select": [], "extend_select": ["WS"]}, ["WS001"]),
    ({"select": ["ALL"], "ignore": ["ALL"]}, []),
    ({"select": ["ALL"], "ignore": ["ALL"], "extend_select": ["WS001"]}, ["WS001"]),
])
def test_most_specific_selector_wins(settings, expected):
    assert selected(CODES, **settings) == expected


def test_per_file_ignores_win_over_any_selection():
    s = Settings(select=["YM001"], extend_select=["YM001"])
    assert is_selected("YM001", s)
    assert not is_selected("YM001", s, ["YM"])
    assert not is_selected("YM001", s, ["ALL"])
    assert is_selected("YM001", s, ["WS"])


def test_severity_override_by_code_beats_prefix():
    s = Settings(severity={"YM": Severity.INFO, "YM001": Severity.WARNING, "ALL": Severity.ERROR})
    assert severity_for("YM001", s) is Severity.WARNING
    assert severity_for("YM002", s) is Severity.INFO
    assert severity_for("WS001", s) is Severity.ERROR
    assert severity_for("WS001", Settings()) is None


def test_known_selectors_are_codes_and_prefixes_of_codes():
    codes = ["WS001", "YM001"]
    assert all(is_known_selector(s, codes) for s in ("ALL", "W", "WS", "WS0", "WS001", "YM"))
    assert not any(is_known_selector(s, codes) for s in ("X", "WS002", "YM0011", "WSX"))


@pytest.fixture(scope="module")
def registry():
    return build_registry()


def test_unknown_code_in_settings_is_an_error_with_line(registry, tmp_path):
    path = tmp_path / "sftlint.toml"
    path.write_text('select = ["YM"]\n\nextend-select = ["WS", "YM0001"]\n')
    with pytest.raises(SettingsError) as info:
        Session().settings_for(tmp_path / "a.yaml")
    assert str(info.value).startswith(f"{path}:3: settings: unknown rule code or prefix 'YM0001'")
    assert "did you mean YM001?" in str(info.value)


def test_each_settings_file_is_checked_when_first_met(tmp_path):
    (tmp_path / "sftlint.toml").write_text('select = ["YM"]\n')
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "sftlint.toml").write_text('[severity]\nQQ = "info"\n')
    session = Session()
    assert session.settings_for(tmp_path / "a.yaml").select == ["YM"]
    with pytest.raises(SettingsError, match=r"sub/sftlint.toml:2: settings: unknown rule code or prefix 'QQ'"):
        session.settings_for(tmp_path / "sub" / "b.yaml")


def test_prefixes_of_real_codes_are_accepted(registry, tmp_path):
    (tmp_path / "sftlint.toml").write_text(
        'select = ["Y", "YM0"]\nignore = ["W"]\n[per-file-ignores]\n"*.yml" = ["YM001"]\n')
    assert Session().settings_for(tmp_path / "a.yaml").select == ["Y", "YM0"]


def test_unknown_per_file_ignore_code_is_an_error(registry, tmp_path):
    (tmp_path / "sftlint.toml").write_text('[per-file-ignores]\n"*.yml" = ["ZZ1"]\n')
    with pytest.raises(SettingsError, match=r":2: settings: unknown rule code or prefix 'ZZ1'"):
        check_settings(SettingsResolver().for_path(tmp_path / "a.yaml"), registry)


def test_unknown_command_line_code_names_the_option(registry):
    with pytest.raises(SettingsError, match=r"^--ignore: unknown rule code or prefix 'YM9'"):
        check_overrides({"select": ["ALL"], "ignore": ["YM9"]}, registry)


def test_cli_unknown_select_exits_2(cli, write, hf_config):
    write("a.yaml", hf_config)
    run = cli("check", "--select", "YM001,NOPE1", "a.yaml")
    assert run.rc == 2 and "--select: unknown rule code or prefix 'NOPE1'" in run.err


def test_cli_select_and_ignore(cli, write, hf_config):
    write("a.yaml", hf_config)
    assert cli("check", "--select", "YM", "a.yaml").rc == 1
    assert cli("check", "--select", "YM", "--ignore", "YM001", "a.yaml").rc == 0
    assert cli("check", "--select", "WS", "--extend-select", "YM001", "a.yaml").rc == 1


def test_cli_command_line_replaces_settings_selection(cli, write, hf_config):
    write("sftlint.toml", 'select = ["WS"]\n')
    write("a.yaml", hf_config)
    assert cli("check", "a.yaml").rc == 0
    run = cli("check", "--select", "YM001", "--output-format", "concise", "a.yaml")
    assert run.rc == 1 and "YM001" in run.out


def test_severity_setting_changes_the_reported_severity(cli, write, hf_config):
    write("sftlint.toml", '[severity]\nYM = "info"\n')
    write("a.yaml", hf_config)
    run = cli("check", "--select", "YM001", "--output-format", "json", "a.yaml")
    assert run.rc == 0 and '"severity": "info"' in run.out  # info is reported, and fails only with --strict
    assert cli("check", "--select", "YM001", "--strict", "a.yaml").rc == 1
