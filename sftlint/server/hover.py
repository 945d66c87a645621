"""Hover: on a key, the value the tool will really use and where it comes from, and what the plan
derives from it; on a finding, the rule's explanation.

The value is the one the tool's own loader produces (``2e-4`` is the string ``'2e-4'`` to a
YAML 1.1 loader), read through the dialect into the canonical model that the plan and the rules
use, with its origin: this file, the tool's default, a value derived from other keys, or a hint
from settings or a comment. The key under the cursor is found from the text, so a buffer that does
not parse still gets hovers, answered from the last version of it that did.
"""

from __future__ import annotations

import json
from typing import Any

from lsprotocol import types

from ..config.canonical import FIELDS, Origin
from ..document import Scalar
from ..redact import redact_text
from ..lint.rule import doc_sections
from .analysis import Analysis
from .catalogue import catalogue, default_of
from .facts import BATCH, LENGTH, SCHEDULE, WARMUP, field_facts
from .keypath import key_at
from .positions import Lines


def show(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, dict)):
        text = json.dumps(value, default=str)
        return text if len(text) <= 100 else text[:97] + "..."
    return json.dumps(value, default=str)


def _kind(value: Any) -> str:
    return {bool: "boolean", int: "integer", float: "number", str: "string", type(None): "null",
            list: "list", dict: "mapping"}.get(type(value), type(value).__name__)


def _origin(setting, path: tuple[str, ...]) -> str:
    if setting.origin is Origin.FILE:
        where = f"line {setting.key.start.line}" if setting.key is not None else "this file"
        if setting.key_path and tuple(setting.key_path) != path:
            return f"set as '{'.'.join(setting.key_path)}' ({where})"
        return f"this file, {where}"
    return setting.describe_origin()


def key_hover(good: Analysis, path: tuple[str, ...], registry) -> list[str]:
    """Markdown lines about the key at ``path`` in the analysed config."""
    config = good.result.config
    plan = good.result.plan
    dialect = config.dialect
    info = catalogue(dialect, registry).at(path)
    dotted = ".".join(path)
    field = info.field if info is not None else None
    if field is None:
        field = next((k.field for k in dialect.keys if k.path == path), None)
    title = f"**`{dotted}`** ({dialect.title})"
    if field and field != path[-1]:
        title += f" · sftlint reads it as `{field}`"
    lines = [title, ""]
    if info is not None and info.description:
        lines += [info.description, ""]
    elif field in FIELDS:
        lines += [FIELDS[field] + ".", ""]
    entry = good.result.document.lookup(path)
    setting = config.get(field) if field else None
    if setting is not None and setting.value is not None:
        if setting.origin is Origin.FILE and setting.key_path and tuple(setting.key_path) != path and entry:
            lines.append(f"**Not used**: {dialect.title} takes `{field}` from `{'.'.join(setting.key_path)}` "
                         f"(line {setting.key.start.line}), which is {show(setting.value)}")
        else:
            lines.append(f"**Used**: `{show(setting.value)}` ({_kind(setting.value)}) · from {_origin(setting, path)}")
    elif field and plan is not None and field in plan.sources:
        lines.append(f"**Used**: {plan.sources[field]}")
    elif entry is not None:
        value = dialect.node_value(entry[1])
        if value is None:
            default = default_of(dialect, dotted)
            lines.append(f"**Used**: null, so {dialect.title} uses its default"
                         + (f" `{show(default[0])}` ({default[1]})" if default else ""))
        else:
            lines.append(f"**Used**: `{show(value)}` ({_kind(value)}) · from this file, line {entry[0].start.line}")
    if entry is not None and isinstance(entry[1], Scalar) and entry[1].plain:
        node = entry[1]
        if node.value11 != node.value12 and dialect.yaml_version == "1.1":
            read = dialect.scalar_value(node)
            lines.append(f"Written `{node.text}`: {dialect.title}'s YAML 1.1 loader reads `{show(node.value11)}`"
                         + (f", then converts it to `{show(read)}`" if read != node.value11 else ""))
    default = default_of(dialect, dotted)
    if default is not None and default[0] is not None:
        lines.append(f"Default when unset: `{show(default[0])}` ({default[1]})")
    if info is not None and info.types:
        lines.append(f"Type: {' or '.join(info.types)}")
    if plan is not None and field:
        facts = field_facts(field, plan)
        if facts:
            lines += ["", "**Plan**: " + "; ".join(facts)]
        others = [f"`{name}` {plan.sources[name]}" for name in related(field)
                  if name in plan.sources and name != field and "(set as" not in plan.sources[name]]
        if others:
            lines.append("Not from this file: " + " · ".join(others))
    return lines


def related(field: str) -> tuple[str, ...]:
    """The plan inputs that decide the facts shown for ``field``, in the plan's order."""
    for group in (WARMUP, SCHEDULE, BATCH, LENGTH):
        if field in group:
            names = set(group) | (BATCH if group is LENGTH else set()) | (
                {"learning_rate", "lr_scheduler_type"} if group is WARMUP else set())
            return tuple(n for n in ORDER if n in names)
    return ()


#: The plan's inputs in the order ``sftlint plan`` lists them.
ORDER = ("world_size", "per_device_train_batch_size", "gradient_accumulation_steps", "num_train_epochs", "max_steps",
         "learning_rate", "lr_scheduler_type", "val_size", "warmup_steps", "warmup_ratio")


def finding_hover(analysis: Analysis, position: types.Position, registry) -> list[str]:
    out: list[str] = []
    for finding in analysis.findings_at(position):
        out += [f"**{finding.code}** `{finding.name}`: {finding.message}", ""]
        rule = registry.rule(finding.code) if registry is not None else None
        if rule is not None:
            sections = doc_sections(rule)
            for title in ("What it does", "Why is this bad?"):
                if sections.get(title):
                    out += [f"*{title}* {sections[title]}", ""]
            if finding.url:
                out += [f"[{finding.code} in the rules reference]({finding.url})", ""]
    return out


def hover(ls, uri: str, position: types.Position) -> types.Hover | None:
    try:
        document = ls.workspace.get_text_document(uri)
    except Exception:
        return None
    current = ls.current.get(uri)
    good = ls.analysis_for_reading(uri)
    registry = None
    if current is not None and ls.project is not None:
        try:
            registry = ls.project.settings_for(current.path)[1]
        except Exception:
            registry = None
    parts: list[str] = []
    if current is not None and current.version == document.version:
        parts += finding_hover(current, position, registry)
    at = key_at(Lines(document.source, current.lines.encoding if current else "utf-16"), position)
    if at is not None and at.path and at.path[-1] and not at.in_list and good is not None and good.result.config:
        if good.result.document.lookup(at.path) is not None or ".".join(at.path) in (
                ".".join(k.path) for k in good.result.config.dialect.keys):
            parts += key_hover(good, at.path, registry)
            if current is not None and not current.parsed:
                parts += ["", "_From the last version of this file that parsed._"]
    if not parts:
        return None
    text = redact_text("\n".join(parts).strip())  # a credential's value is never shown, here as in the command
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text))


def register(server) -> None:
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def on_hover(ls, params: types.HoverParams) -> types.Hover | None:
        return hover(ls, params.text_document.uri, params.position)
