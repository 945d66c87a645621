"""The run at a glance on the config's first line: a code lens, and an inlay hint for editors
that show those instead (``369 steps · effective batch 16 · warmup 11 · ~14.2 GiB``); and beside
the keys that shape the run, what the plan makes of them (``warmup_ratio: 0.03  = 11 warmup steps``).

The lens runs ``sftlint.showPlan``, which answers with the whole plan as ``sftlint plan`` prints
it. A buffer that does not parse keeps the summary of its last version that did, marked as such.
"""

from __future__ import annotations

from lsprotocol import types

from ..plan.render import render_table
from ..redact import redact_text
from .app import COMMAND_SHOW_PLAN
from .facts import summary_line
from .positions import Lines


def _summary(ls, uri: str) -> str | None:
    good = ls.analysis_for_reading(uri)
    if good is None or good.result.plan is None:
        return None
    text = summary_line(good.result.plan)
    current = ls.current.get(uri)
    if current is not None and not current.parsed:
        text += " (last version that parsed)"
    return text


#: Canonical fields whose value the plan turns into a number worth seeing beside it.
_KEY_HINTS = {
    "warmup_ratio": lambda plan: f"= {plan.warmup_steps} warmup steps" if plan.warmup_steps is not None else None,
    "warmup_steps": lambda plan: f"= {plan.warmup_steps} warmup steps" if plan.warmup_steps is not None else None,
    "num_train_epochs": lambda plan: f"= {plan.total_steps} steps" if plan.total_steps is not None else None,
    "max_steps": lambda plan: f"= {plan.total_steps} steps" if plan.total_steps is not None else None,
    "per_device_train_batch_size": lambda plan: (f"effective batch {plan.effective_batch_size}"
                                                 if plan.effective_batch_size else None),
    "gradient_accumulation_steps": lambda plan: (f"effective batch {plan.effective_batch_size}"
                                                 if plan.effective_batch_size else None),
}


def key_hints(ls, uri: str, rng: types.Range) -> list[types.InlayHint]:
    """What the plan makes of the run-shape keys, after their values (``warmup_ratio: 0.1  = 37
    warmup steps``); only for a version that parsed and is the one shown, so positions hold."""
    current = ls.current.get(uri)
    try:
        live = ls.workspace.get_text_document(uri).version
    except Exception:
        return []
    if current is None or not current.parsed or current.version != live or current.result.plan is None:
        return []
    plan = current.result.plan
    hints = []
    for field, words in _KEY_HINTS.items():
        setting = current.result.config.get(field) if current.result.config else None
        if setting is None or not setting.in_file or setting.node is None:
            continue
        label = words(plan)
        position = current.lines.position(setting.node.end.offset)
        if label and rng.start.line <= position.line <= rng.end.line:
            hints.append(types.InlayHint(position=position, label=f"  {label}", padding_left=True))
    return hints


def register(server) -> None:
    @server.feature(types.TEXT_DOCUMENT_CODE_LENS)
    def code_lens(ls, params: types.CodeLensParams) -> list[types.CodeLens] | None:
        uri = params.text_document.uri
        text = _summary(ls, uri)
        if text is None:
            return None
        return [types.CodeLens(range=types.Range(types.Position(0, 0), types.Position(0, 0)),
                               command=types.Command(title=text, command=COMMAND_SHOW_PLAN, arguments=[uri]))]

    @server.feature(types.TEXT_DOCUMENT_INLAY_HINT)
    def inlay_hint(ls, params: types.InlayHintParams) -> list[types.InlayHint] | None:
        uri = params.text_document.uri
        hints: list[types.InlayHint] = []
        text = _summary(ls, uri) if params.range.start.line == 0 else None
        if text is not None:
            lines = Lines(ls.workspace.get_text_document(uri).source,
                          ls.workspace.position_encoding or types.PositionEncodingKind.Utf16)
            hints.append(types.InlayHint(position=lines.position(len(lines.line(0))), label=f"  {text}",
                                         padding_left=True))
        hints += key_hints(ls, uri, params.range)
        return hints or None

    @server.command(COMMAND_SHOW_PLAN)
    def show_plan(ls, *arguments) -> str | None:
        uri = arguments[0] if arguments else None
        if isinstance(uri, list):  # some clients pass the arguments as one list
            uri = uri[0] if uri else None
        good = ls.analysis_for_reading(uri) if isinstance(uri, str) else None
        if good is None or good.result.plan is None:
            return None
        table = redact_text(render_table(good.result.plan, good.result.config))
        ls.log(table, types.MessageType.Info)
        return table
