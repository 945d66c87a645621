"""Testing rules from fixture files: one YAML file per rule, each case a config and what to expect.

A fixture file looks like this::

    rule: HP001
    cases:
      - name: lora-learning-rate-too-high
        dialect: axolotl
        config: |-
          base_model: meta-llama/Llama-3.2-1B
          adapter: lora
          learning_rate: 0.003
        expect: fail
        messages: ["3e-03", "above"]          # substrings; each must be in some message
        where: ["3:16"]                       # line:column of every finding of the rule, in order
        count: 1                              # how many findings of the rule (implied by 'where')
        fixed: |-                             # the text after --fix (--unsafe-fixes with unsafe: true)
          ...
        unsafe: false
        settings: {scaling: {reference-batch-size: 16}}   # the keys of [tool.sftlint]
        num_examples: 1000
        world_size: 2
        files: {data/train.jsonl: "..."}      # written beside the config
        filename: config.yaml                 # the config's name (default config.yaml / .json)

Each case is linted through the real engine with only the rule under test selected, so the
dialect adapters, the training plan, settings, severity and suppression all behave as they do on
the command line. Plugin authors use the same harness for their own rules::

    from sftlint.testing import fixture_params, check_case

    @pytest.mark.parametrize("case", fixture_params(Path(__file__).parent / "fixtures"))
    def test_rule(case, tmp_path):
        check_case(case, tmp_path)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .document import DocumentError, parse_document
from .lint.engine import FileResult, lint_document
from .lint.findings import Applicability, Finding
from .plugin.loading import Registry, build_registry
from .settings.resolver import Settings, SettingsError, parse_settings

CASE_KEYS = frozenset({
    "name", "dialect", "config", "expect", "messages", "fixed", "unsafe", "settings", "num_examples",
    "world_size", "files", "filename", "severity", "where", "count",
})


class FixtureError(Exception):
    """A fixture file that does not follow the format; the message names the file and case."""


@dataclass
class RuleCase:
    """One case of a rule fixture."""

    rule: str
    name: str
    dialect: str | None
    config: str
    expect: str  # "pass" or "fail"
    messages: list[str] = field(default_factory=list)
    fixed: str | None = None
    unsafe: bool = False
    settings: dict[str, Any] = field(default_factory=dict)
    num_examples: int | None = None
    world_size: int | None = None
    files: dict[str, str] = field(default_factory=dict)
    filename: str | None = None
    #: expected severity of every finding ("error", "warning", "info"), when given
    severity: str | None = None
    #: the (line, column) of every finding of the rule, in order, when given
    where: list[tuple[int, int]] | None = None
    #: how many findings of the rule, when given
    count: int | None = None
    source: str = ""

    @property
    def id(self) -> str:
        return f"{self.rule}-{self.name}"


def load_fixture(path: Path) -> list[RuleCase]:
    """Read one fixture file into its cases, checking the format strictly."""
    import yaml  # PyYAML, a test dependency; sftlint itself does not need it

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise FixtureError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("rule"), str) or not isinstance(data.get("cases"), list):
        raise FixtureError(f"{path}: needs 'rule: CODE' and a list of 'cases'")
    rule = data["rule"].upper()
    cases: list[RuleCase] = []
    names: set[str] = set()
    for index, raw in enumerate(data["cases"]):
        where = f"{path}: case {index + 1}"
        if not isinstance(raw, dict):
            raise FixtureError(f"{where}: must be a mapping")
        unknown = set(raw) - CASE_KEYS
        if unknown:
            raise FixtureError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
        name = raw.get("name")
        if not isinstance(name, str) or not name:
            raise FixtureError(f"{where}: needs a 'name'")
        if name in names:
            raise FixtureError(f"{where}: duplicate case name {name!r}")
        names.add(name)
        if not isinstance(raw.get("config"), str):
            raise FixtureError(f"{where} ({name}): 'config' must be the config's text (use '|-')")
        expect = raw.get("expect")
        if expect not in ("pass", "fail"):
            raise FixtureError(f"{where} ({name}): 'expect' must be pass or fail, not {expect!r}")
        if raw.get("fixed") is not None and expect != "fail":
            raise FixtureError(f"{where} ({name}): 'fixed' only makes sense with 'expect: fail'")
        positions = _positions(raw.get("where"), f"{where} ({name})")
        count = raw.get("count")
        if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 0):
            raise FixtureError(f"{where} ({name}): 'count' must be a whole number")
        if positions is not None and count is not None and count != len(positions):
            raise FixtureError(f"{where} ({name}): 'count' is {count} but 'where' lists {len(positions)} positions")
        cases.append(RuleCase(
            rule=rule, name=name, dialect=raw.get("dialect"), config=raw["config"], expect=expect,
            messages=list(raw.get("messages") or []), fixed=raw.get("fixed"), unsafe=bool(raw.get("unsafe", False)),
            settings=dict(raw.get("settings") or {}), num_examples=raw.get("num_examples"),
            world_size=raw.get("world_size"), files=dict(raw.get("files") or {}), filename=raw.get("filename"),
            severity=raw.get("severity"), where=positions, count=count, source=str(path),
        ))
    return cases


def _positions(value: Any, where: str) -> list[tuple[int, int]] | None:
    """``["3:16", "5:1"]`` as ``[(3, 16), (5, 1)]``; None when not given."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise FixtureError(f"{where}: 'where' must be a list of \"line:column\" strings")
    out = []
    for item in value:
        line, _, column = str(item).partition(":")
        if not (line.isdigit() and column.isdigit()):
            raise FixtureError(f"{where}: 'where' entry {item!r} is not \"line:column\"")
        out.append((int(line), int(column)))
    return out


def load_fixtures(folder: Path) -> list[RuleCase]:
    """Every case of every ``*.yaml`` fixture in ``folder``, in file order."""
    return [case for path in sorted(Path(folder).glob("*.yaml")) for case in load_fixture(path)]


def fixture_params(folder: Path) -> list:
    """The cases of ``folder`` as ``pytest.param`` objects with readable ids (``HP001-too-high``)."""
    import pytest

    return [pytest.param(case, id=case.id) for case in load_fixtures(folder)]


_REGISTRY: Registry | None = None


def default_registry() -> Registry:
    """The installed plugins, loaded once per process. A plugin that fails to load fails only the
    cases of rules it should have provided (the message then says why it did not load)."""
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = build_registry()
    return _REGISTRY


def case_settings(case: RuleCase, folder: Path, registry: Registry | None = None) -> Settings:
    """Settings for one case: its ``settings`` table (checked against the plugins, as a settings
    file is), then only its rule selected."""
    from .lint.selection import check_settings

    try:
        settings = parse_settings(dict(case.settings), folder / "sftlint.toml")
        check_settings(settings, registry or default_registry())
    except SettingsError as exc:
        raise FixtureError(f"{case.source}: {case.name}: settings: {exc}") from None
    settings.select = [case.rule]
    settings.extend_select = []
    settings.ignore = []
    settings.per_file_ignores = {}
    if case.dialect:
        settings.dialect = case.dialect
    if case.world_size is not None:
        settings.world_size = case.world_size
    if case.num_examples is not None:
        settings.num_examples = case.num_examples
    return settings


def write_case(case: RuleCase, folder: Path) -> Path:
    """Write the case's config and data files into ``folder``; return the config's path."""
    for rel, content in case.files.items():
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    name = case.filename or ("config.json" if case.config.lstrip().startswith("{") else "config.yaml")
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_with_newline(case.config), encoding="utf-8")
    return path


def lint_case(case: RuleCase, folder: Path, registry: Registry | None = None) -> tuple[FileResult, Settings, Path]:
    """Lint a case's config with only its rule selected."""
    registry = registry or default_registry()
    if registry.rule(case.rule) is None:
        why = "; ".join(f"{p.plugin}: {p.message}" for p in registry.problems) or "is its plugin installed?"
        raise FixtureError(f"{case.source}: rule {case.rule} is not registered ({why})")
    path = write_case(case, folder)
    settings = case_settings(case, folder, registry)
    try:
        document = parse_document(path, path.read_text(encoding="utf-8"))
    except DocumentError as exc:
        raise AssertionError(f"{case.id}: the config does not parse: {exc.message} (line {exc.line})") from None
    return lint_document(document, settings, registry), settings, path


def check_case(case: RuleCase, folder: Path, registry: Registry | None = None) -> list[Finding]:
    """Lint one case and assert what it expects; returns the rule's findings."""
    registry = registry or default_registry()
    result, settings, path = lint_case(case, folder, registry)
    problems = [f for f in result.findings if f.code.startswith("E")]
    assert not problems, f"{case.id}: the engine reported {_describe(problems)}"
    assert result.skipped is None, f"{case.id}: the config was skipped: {result.skipped}"
    if case.dialect:
        assert result.choice is not None and result.choice.dialect is not None
        assert result.choice.dialect.answers_to((case.dialect,)), f"{case.id}: read as {result.choice.dialect.name}"
    found = [f for f in result.findings if f.code == case.rule]
    if case.count is not None:
        assert len(found) == case.count, f"{case.id}: expected {case.count} findings, got {_describe(found)}"
    if case.where is not None:
        got = [(f.location.row, f.location.column) for f in found]
        assert got == case.where, f"{case.id}: findings at {got}, expected at {case.where}"
    if case.expect == "pass":
        assert not found, f"{case.id}: expected no findings, got {_describe(found)}"
        return found
    assert found, f"{case.id}: expected a {case.rule} finding, got none"
    for text in case.messages:
        assert any(text in f.message for f in found), f"{case.id}: no message contains {text!r}: {_describe(found)}"
    if case.severity is not None:
        assert all(str(f.severity) == case.severity for f in found), f"{case.id}: severities {_describe(found)}"
    if case.fixed is not None:
        check_fixed(case, path, settings, registry, found)
    return found


def check_fixed(case: RuleCase, path: Path, settings: Settings, registry: Registry, found: Iterable[Finding]) -> None:
    """Apply the rule's fixes through the fix loop and compare the text exactly."""
    wanted = [f for f in found if f.fix is not None and (case.unsafe or f.fix.applicability is Applicability.SAFE)]
    assert wanted, f"{case.id}: 'fixed' is given but no finding has a {'' if case.unsafe else 'safe '}fix"
    original = path.read_text(encoding="utf-8")
    new_text = _fix(path, original, settings, registry, case.unsafe)
    expected = _with_newline(case.fixed)
    assert new_text == expected, (
        f"{case.id}: fixed text differs\n--- expected\n{expected}--- got\n{new_text}"
    )
    parse_document(path, new_text)  # a fix never leaves a file that does not parse


def _fix(path: Path, text: str, settings: Settings, registry: Registry, unsafe: bool) -> str:
    try:
        from .lint.fixer import fix_text
    except ImportError:  # pragma: no cover - an engine without the fix loop: one pass by hand
        return _fix_once(path, text, settings, registry, unsafe)
    outcome = fix_text(path, text, settings, registry, unsafe)
    assert not outcome.problems, f"fix loop problems: {outcome.problems}"
    return outcome.text


def _fix_once(path: Path, text: str, settings: Settings, registry: Registry, unsafe: bool) -> str:
    from .lint.edits import apply_edits

    result = lint_document(parse_document(path, text), settings, registry)
    edits = [e for f in result.findings if f.fix and (unsafe or f.fix.applicability is Applicability.SAFE)
             for e in f.fix.edits]
    return apply_edits(text, edits)


def _with_newline(text: str) -> str:
    return text if text.endswith("\n") else text + "\n"


def _describe(findings: Iterable[Finding]) -> str:
    items = [f"{f.code} [{f.severity}] line {f.location.row}: {f.message}" for f in findings]
    return "; ".join(items) or "nothing"
