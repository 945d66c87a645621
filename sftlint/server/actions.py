"""Code actions: each finding's fix, "fix all safe", and "disable CODE for this line".

The edits are the engine's: a finding's own fix edits, or for "fix all" the text
:func:`sftlint.lint.fixer.fix_text` produces, the loop ``sftlint check --fix`` runs (overlapping fixes,
re-linting, fixes that would break the file dropped). They are sent as edits of the exact version
that was linted, so an editor whose buffer has moved on rejects them instead of misplacing them.
A suppression comment is offered only where it works: it is added to the line's ``# sftlint:``
comment or at the line's end, and kept only if the edited text parses and the comment covers the
finding (never in JSON, which has no comments; never for ``E`` findings, which cannot be silenced).
"""

from __future__ import annotations

from lsprotocol import types

from ..document import DocumentError, iter_scalars, parse_document
from ..lint.edits import apply_edits
from ..lint.findings import Applicability, Edit, Finding
from ..lint.fixer import fix_text
from ..redact import redact_text
from ..lint.suppressions import suppressions
from .analysis import Analysis
from .diagnostics import to_diagnostic

FIX_ALL_KIND = "source.fixAll.sftlint"


def _workspace_edit(analysis: Analysis, edits: list[Edit]) -> types.WorkspaceEdit:
    text_edits = [types.TextEdit(analysis.lines.range(e.start, e.end), e.content)
                  for e in sorted(edits, key=lambda e: (e.start, e.end))]
    return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
        types.OptionalVersionedTextDocumentIdentifier(uri=analysis.uri, version=analysis.version), text_edits)])


def fix_action(analysis: Analysis, finding: Finding) -> types.CodeAction:
    fix = finding.fix
    safe = fix.applicability is Applicability.SAFE
    title = redact_text(f"{fix.message or 'Fix'} ({finding.code})" + ("" if safe else " [unsafe]"))
    return types.CodeAction(title=title, kind=types.CodeActionKind.QuickFix, is_preferred=safe,
                            diagnostics=[to_diagnostic(finding, analysis.lines)],
                            edit=_workspace_edit(analysis, list(fix.edits)))


def minimal_edit(before: str, after: str) -> Edit:
    """One edit that turns ``before`` into ``after``: the span between their common ends."""
    start = 0
    limit = min(len(before), len(after))
    while start < limit and before[start] == after[start]:
        start += 1
    end_b, end_a = len(before), len(after)
    while end_b > start and end_a > start and before[end_b - 1] == after[end_a - 1]:
        end_b -= 1
        end_a -= 1
    return Edit(start, end_b, after[start:end_a])


def fix_all_action(analysis: Analysis, settings, registry, kind: str = FIX_ALL_KIND,
                   session=None) -> types.CodeAction | None:
    """Every safe fix of the file at once, as ``sftlint check --fix`` would write it."""
    outcome = analysis.memo.get("fix-all")
    if outcome is None:  # editors ask for actions at every cursor move: fix each version once
        outcome = analysis.memo["fix-all"] = fix_text(analysis.path, analysis.text, settings, registry, unsafe=False,
                                                      session=session)
    if outcome.text == analysis.text:
        return None
    count = len(outcome.applied)
    return types.CodeAction(title=f"Fix all safe sftlint findings ({count})", kind=kind,
                            edit=_workspace_edit(analysis, [minimal_edit(analysis.text, outcome.text)]))


def disable_edit(analysis: Analysis, finding: Finding) -> Edit | None:
    """The edit that silences ``finding`` with a comment on its line, if one can."""
    document = analysis.result.document
    if document is None or document.is_json or finding.code.startswith("E"):
        return None
    row = finding.location.row
    start, line = analysis.lines.yaml_line(row)
    existing = next((body for number, body in document.directives if number == row and body.startswith("disable=")), None)
    if existing is not None:  # extend "# sftlint: disable=A" to "disable=A,CODE"
        at = line.rfind(existing)
        edit = Edit(start + at + len(existing), start + at + len(existing), f",{finding.code}")
    else:
        body = line.rstrip()
        edit = Edit(start + len(body), start + len(line), f"  # sftlint: disable={finding.code}")
    text = apply_edits(analysis.text, [edit])
    try:
        after = parse_document(analysis.path, text)
    except DocumentError:
        return None
    if not suppressions(after).covers(finding.code, finding.location.row, finding.end_location.row):
        return None
    if _values(after) != _values(document):  # the line ends inside a multi-line string: not a comment
        return None
    return edit


def _values(document) -> list[tuple[str | None, str]]:
    return [(k.text if k is not None else None, v.text) for k, v in iter_scalars(document.root)]


def disable_action(analysis: Analysis, finding: Finding) -> types.CodeAction | None:
    edit = disable_edit(analysis, finding)
    if edit is None:
        return None
    return types.CodeAction(title=f"Disable {finding.code} for this line", kind=types.CodeActionKind.QuickFix,
                            diagnostics=[to_diagnostic(finding, analysis.lines)],
                            edit=_workspace_edit(analysis, [edit]))


def actions_for(analysis: Analysis, rng: types.Range, only: list[str] | None, settings_registry,
                session=None) -> list[types.CodeAction]:
    """The actions for a range: fixes and suppressions of the findings there, then "fix all"."""
    def wanted(kind: str) -> bool:
        return not only or any(kind == k or kind.startswith(k + ".") for k in only)

    out: list[types.CodeAction] = []
    if wanted(types.CodeActionKind.QuickFix):
        findings = analysis.findings_at(rng.start, rng.end)
        out += [fix_action(analysis, f) for f in findings if f.fix is not None]
        out += [a for a in (disable_action(analysis, f) for f in findings) if a is not None]
    has_safe = any(f.fix is not None and f.fix.applicability is Applicability.SAFE for f in analysis.result.findings)
    kinds = [k for k in (types.CodeActionKind.QuickFix, FIX_ALL_KIND) if wanted(k)]
    if has_safe and kinds and settings_registry is not None:
        settings, registry = settings_registry
        kind = FIX_ALL_KIND if FIX_ALL_KIND in kinds and (only or types.CodeActionKind.QuickFix not in kinds) \
            else types.CodeActionKind.QuickFix
        action = fix_all_action(analysis, settings, registry, kind, session)
        if action is not None:
            out.append(action)
    return out


def register(server) -> None:
    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND], resolve_provider=False))
    def code_action(ls, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        analysis = ls.current.get(params.text_document.uri)
        if analysis is None or not analysis.parsed or analysis.result.config is None:
            return None
        try:
            settings_registry = ls.project.settings_for(analysis.path)
        except Exception:  # bad settings: the finding on line 1 says so; no fixes until repaired
            settings_registry = None
        return actions_for(analysis, params.range, params.context.only, settings_registry, ls.project.session) or None


__all__ = ["FIX_ALL_KIND", "actions_for", "disable_edit", "minimal_edit", "register"]
