"""Linting one file from start to end: read, recognise, read into the canonical model, plan, check.

Every problem with the input becomes a finding of the ``E`` family with the file, line and what to
do (the CLI exits 2 for those); a crashing rule is reported by code and the other rules still run.
Linting never writes anything.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..settings.bounds import MAX_COUNT, out_of_range, parse_count
from ..config.canonical import Origin, Setting, TrainingConfig
from ..dialects import DialectChoice, UnknownDialect, choose_dialect
from ..document import Document, DocumentError, Node, NotSettings, load_document, load_text
from .findings import Finding, Location, Severity
from ..links import rule_url
from ..plugin.calls import CAUGHT, call_impls, check_violation, describe
from ..plan.build import build_plan, counts_packed_rows
from ..plugin.loading import Registry
from ..records import field, record
from .rule import Rule, RuleContext
from .selection import severity_for
from ..settings.resolver import Settings
from .suppressions import skips_file, suppressions


@record
class FileResult:
    """Everything linting one file produced; the fixer and ``sftlint plan`` reuse the tree and plan."""

    path: Path
    findings: list[Finding] = field(default_factory=list)
    #: Why the file was not linted as a training config (a launcher config, say), if it was not.
    skipped: str | None = None
    choice: DialectChoice | None = None
    document: Document | None = None
    config: TrainingConfig | None = None
    plan: object | None = None
    #: Seconds linting took (JUnit's ``time``); 0 where nobody measured.
    seconds: float = 0.0


def error_finding(path: Path, message: str, line: int = 1, column: int = 1, code: str = "E001",
                  name: str = "invalid-file") -> Finding:
    loc = Location(line, column)
    return Finding(code, name, message, Severity.ERROR, str(path), loc, loc, url=rule_url(code))


def node_locations(document: Document, node: Node | None) -> tuple[Location, Location]:
    if node is None:
        return Location(1, 1), Location(1, 1)
    return Location(node.start.line, node.start.column), Location(node.end.line, node.end.column)


def apply_hints(config: TrainingConfig, settings: Settings) -> None:
    """Add what the file cannot say itself: world size and dataset-size hints."""
    doc = config.document
    if settings.world_size and not config.is_set("world_size"):
        if settings.path:
            origin_note = "from settings"
        else:  # no settings file: a value other than 1 can only come from --world-size
            given = settings.world_size != 1 or "world_size" in settings.overridden
            origin_note = "from --world-size" if given else "default: one process"
        config.set(Setting("world_size", settings.world_size, Origin.HINT, note=origin_note))
    for line, value in doc.directive_values("num-examples"):
        try:
            count = parse_count(value, "num-examples")
        except ValueError:
            pass  # reported by check_ranges' caller, next to the other out-of-range values
        else:
            config.set(Setting("num_examples", count, Origin.HINT, note=f"comment on line {line}"))
        break
    else:
        size = settings.dataset_size_for(doc.path)
        if size is None:
            size = settings.num_examples
        if size is not None:
            config.set(Setting("num_examples", size, Origin.HINT, note="from settings"))


_LONG_RUN = re.compile(r"[^\s'\"`]{200,}")


def shorten_message(message: str) -> str:
    """A message with any value of 200 characters or more cut to its first 40 (a rule quoting a
    5,000-digit number or a pasted blob must not print it whole)."""
    if len(message) < 200:
        return message
    return _LONG_RUN.sub(lambda m: f"{m.group(0)[:40]}\u2026({len(m.group(0))} chars)", message)


def check_ranges(result: FileResult, config: TrainingConfig) -> None:
    """Report every value beyond what sftlint computes with where it was written, and make it unknown
    to the plan and the rules (a ``max_steps: 1e19`` must not be planned step by step)."""
    for name, setting in list(config.settings.items()):
        value = setting.value
        kind = value.__class__
        if kind is int or kind is float:
            if -MAX_COUNT < value < MAX_COUNT:
                continue  # within every limit out_of_range applies: no call for the common case
        elif kind is bool or not isinstance(value, (int, float)):
            continue  # not a number: out_of_range's own first test
        why = out_of_range(name, value)
        if why is None:
            continue
        node = setting.node or setting.key
        start, _ = node_locations(config.document, node)
        where = f"'{'.'.join(setting.key_path)}'" if setting.key_path else name
        result.findings.append(error_finding(
            result.path, f"{where}: {why}; sftlint treats it as unknown (write a value a real run uses)",
            start.row, start.column, "E006", "value-out-of-range"))
        config.set(Setting(name, None, setting.origin, setting.key_path, setting.key, setting.node,
                           note="out of range"))
    for line, value in config.document.directive_values("num-examples"):
        try:
            parse_count(value, "num-examples")
        except ValueError as exc:
            result.findings.append(error_finding(result.path, f"'# sftlint: num-examples': {exc}", line, 1,
                                                 "E006", "value-out-of-range"))
        break


def unreadable(path: Path, exc: DocumentError, settings: Settings, result: FileResult | None = None) -> FileResult:
    """The result for a file that could not be read as settings: an ``E`` finding, except for a
    well-formed file whose top level is a list or a single value (a docs table of contents, a
    dataset mixture list), which is no training config and is skipped with the reason, as other
    non-config files are. Where a dialect was forced on it (a ``# sftlint: dialect=`` comment or
    the ``dialect`` setting) it was meant to be a config, and the error with its line stays."""
    result = result or FileResult(path)
    if isinstance(exc, NotSettings):
        if any(not value for _, value in exc.directive_values("disable-file")):
            result.skipped = "disabled by '# sftlint: disable-file'"
            return result
        if not exc.directive_values("dialect") and not settings.dialect:
            result.skipped = exc.message.partition(' (')[0]
            return result
    result.findings.append(error_finding(path, exc.message, exc.line, exc.column, exc.code))
    return result


def lint_file(path: Path, settings: Settings, registry: Registry, session=None) -> FileResult:
    """Read and lint one file; every problem becomes a finding, nothing is raised."""
    result = FileResult(path)
    try:
        document = load_document(path)
        return lint_document(document, settings, registry, result, session=session)
    except DocumentError as exc:
        return unreadable(path, exc, settings, result)
    except (Exception, SystemExit) as exc:  # a bug met in one file must not hide the findings in the others
        if os.environ.get("SFTLINT_DEBUG"):
            raise
        return crashed(result, exc)


def lint_text(path: Path, text: str, settings: Settings, registry: Registry, session=None) -> FileResult:
    """Lint ``text`` as the content of ``path``: an editor's unsaved buffer, linted exactly as the
    file would be once saved (its folder decides the settings), with the same handling of bad
    input and crashes as :func:`lint_file`."""
    result = FileResult(path)
    try:
        document = load_text(path, text)
        return lint_document(document, settings, registry, result, session=session)
    except DocumentError as exc:
        return unreadable(path, exc, settings, result)
    except Exception as exc:
        if os.environ.get("SFTLINT_DEBUG"):
            raise
        return crashed(result, exc)


def crashed(result: FileResult, exc: BaseException, doing: str = "on") -> FileResult:
    """``result`` with the crash as its E999 finding (what was found before it is kept)."""
    kind = "ran out of memory" if isinstance(exc, MemoryError) else f"crashed {doing} this file"
    result.findings.append(
        error_finding(result.path, f"sftlint {kind}: {type(exc).__name__}: {str(exc)[:200]}; please report this "
                      "with the config (SFTLINT_DEBUG=1 shows a traceback)", code="E999", name="internal-error"))
    return result


def _plugin_problem(result: FileResult, plugin: str, hook: str, why: str) -> None:
    result.findings.append(error_finding(
        result.path, f"plugin {plugin!r}, hook {hook}: {why}; its answer was ignored, the other rules ran",
        code="E900", name="rule-crashed"))


def _add_plugin_notes(result: FileResult, registry: Registry) -> None:
    """Append what plugins say about the plan; a plugin that crashes or answers junk is reported,
    never fatal."""
    hook = registry.manager.hook.sftlint_plan_notes
    if not hook.get_hookimpls():
        return
    report = lambda plugin, why: _plugin_problem(result, plugin, "sftlint_plan_notes", why)  # noqa: E731
    answers = call_impls(hook, {"plan": result.plan, "config": result.config}, report)
    for plugin, lines in reversed(answers):  # pluggy asks the last registered first: notes go in registration order
        if lines is None:
            continue
        if not isinstance(lines, (list, tuple)) or not all(isinstance(line, str) for line in lines):
            report(plugin, f"returned {type(lines).__name__}, not a list of strings")
            continue
        result.plan.notes.extend(shorten_message(line) for line in lines)


def _non_training(document: Document, registry: Registry, result: FileResult) -> str | None:
    """The first plugin verdict that the file is no training config (a string saying what it is)."""
    hook = registry.manager.hook.sftlint_recognize_non_training
    report = lambda plugin, why: _plugin_problem(result, plugin, "sftlint_recognize_non_training", why)  # noqa: E731
    for plugin, answer in call_impls(hook, {"document": document}, report, first=True):
        if answer is None:
            continue
        if not isinstance(answer, str) or not answer.strip():
            report(plugin, f"returned {type(answer).__name__} {str(answer)[:60]!r}, not a description or None")
            continue
        return shorten_message(answer)
    return None


def plan_document(document: Document, settings: Settings, registry: Registry, result: FileResult | None = None) -> FileResult:
    """Recognise, read and plan a composed document, without running any rule.

    The result has the dialect choice, the canonical config and the plan (with plugin notes), or
    says why the file was skipped; an unknown forced dialect and out-of-range values are findings.
    """
    path = document.path
    result = result or FileResult(path)
    result.document = document
    if skips_file(document):
        result.skipped = "disabled by '# sftlint: disable-file'"
        return result
    forced = bool(document.directive_values("dialect")) or bool(settings.dialect)
    if not forced:
        other = _non_training(document, registry, result)
        if other:
            from ..dialects.launchers import OTHER_TRAINING_TOOLS

            what = "a tool sftlint does not lint" if other in OTHER_TRAINING_TOOLS else "not a training config"
            result.skipped = f"{other}, {what}"
            return result
    try:
        choice = choose_dialect(document, registry.dialects, settings.dialect)
    except UnknownDialect as exc:
        result.findings.append(error_finding(path, str(exc), code="E004", name="unknown-dialect"))
        return result
    result.choice = choice
    if choice.dialect is None:
        result.skipped = f"not read as a training config: {choice.how}"
        return result
    config = choice.dialect.read(document)
    apply_hints(config, settings)
    check_ranges(result, config)
    result.config = config
    result.plan = build_plan(config, settings, count_packed=counts_packed_rows())
    _add_plugin_notes(result, registry)
    return result


def _applies_everywhere(rule: type[Rule]) -> bool:
    """Whether the rule holds for every config: no dialect, objective or method of its own, and
    the base class's ``applies_to`` (a rule may decide in its own way)."""
    return (getattr(rule.applies_to, "__func__", None) is getattr(Rule.applies_to, "__func__")
            and not (rule.dialects or rule.objectives or rule.methods))


# Per list of selected rules (the registry keeps one list per settings and ignores): the rules
# with whether each holds for every config, so that most rules are run without asking.
_marked_lists: dict[int, tuple[list, list[tuple[str, type[Rule], bool]]]] = {}


def _marked(selected: list) -> list[tuple[str, type[Rule], bool]]:
    entry = _marked_lists.get(id(selected))
    if entry is None or entry[0] is not selected:
        if len(_marked_lists) >= 64:  # a long-lived process (the editor's) meets new settings now and then
            _marked_lists.clear()
        entry = _marked_lists[id(selected)] = (selected, [(code, rule, _applies_everywhere(rule))
                                                          for code, rule in selected])
    return entry[1]


def lint_document(document: Document, settings: Settings, registry: Registry, result: FileResult | None = None,
                  session=None) -> FileResult:
    """Lint a composed document: :func:`plan_document`, then every selected rule that applies."""
    path = document.path
    result = plan_document(document, settings, registry, result)
    config, plan, choice = result.config, result.plan, result.choice
    if config is None or choice is None or choice.dialect is None:
        result.findings.sort(key=Finding.sort_key)
        return result
    silenced = suppressions(document)
    file_ignores = settings.ignored_for(path)
    # one context for the file; each rule sees its own options (a rule runs to its end before the next)
    ctx = RuleContext(document, config, plan, settings, {}, session)
    for code, rule, everywhere in _marked(registry.selected(settings, tuple(file_ignores))):
        if not everywhere and not rule.applies_to(config):
            continue
        ctx.options = settings.options_for(rule)
        violations = []
        try:
            for v in rule().check(ctx):
                violations.append(v)
        except CAUGHT as exc:  # one broken rule must not hide the others' findings (nor end the run)
            origin = registry.origins.get(code, "?")
            result.findings.append(
                error_finding(path, f"rule {code} ({rule.name}, plugin {origin!r}, hook check) crashed: "
                              f"{describe(exc)}; please report this with the config", code="E900", name="rule-crashed")
            )
        for v in violations:
            bad = check_violation(v, len(document.text))
            if bad is not None:
                origin = registry.origins.get(code, "?")
                result.findings.append(error_finding(
                    path, f"rule {code} ({rule.name}, plugin {origin!r}, hook check) {bad}; that finding was dropped",
                    code="E900", name="rule-crashed"))
                continue
            start, end = node_locations(document, v.node)
            if silenced.covers(code, start.row, end.row):
                continue
            severity = severity_for(code, settings) or v.severity or rule.severity
            result.findings.append(
                Finding(code, rule.name, shorten_message(v.message), severity, str(path), start, end, v.fix,
                        rule_url(code), dict(v.data))
            )
    result.findings.sort(key=Finding.sort_key)
    return result
