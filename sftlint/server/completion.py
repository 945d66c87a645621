"""Completion of the dialect's keys (with what they mean and their type) and of values where the
set is closed (schedulers, optimizers, quantisation types, each dialect's own switches, booleans).

The context comes from the text (:mod:`.keypath`), the dialect from the last version of the
buffer that parsed, since a key half typed rarely parses. Keys already in the mapping are not
offered again, and removed keys are marked deprecated.
"""

from __future__ import annotations

from lsprotocol import types

from .catalogue import catalogue
from .closed_sets import values_for
from .keypath import key_at
from .positions import Lines


def _dialect(ls, uri: str):
    good = ls.analysis_for_reading(uri)
    if good is None or good.result.config is None:
        return None, None
    return good.result.config.dialect, good


def matches(name: str, typed: str) -> bool:
    """Whether ``typed`` could be heading for ``name``: its characters in order, the first one first
    (the fuzzy match editors apply; the server applies it too so a list of hundreds of keys is not
    sent at every keystroke)."""
    name, typed = name.lower(), typed.lower()
    if typed and not name.startswith(typed[0]):
        return False
    at = 0
    for char in typed:
        at = name.find(char, at) + 1
        if at == 0:
            return False
    return True


def key_items(cat, at, lines: Lines, line: int, present: set[str], is_json: bool, uri: str) -> list[types.CompletionItem]:
    parents = at.path[:-1]
    rng = types.Range(lines.at(line + 1, at.start + 1), lines.at(line + 1, at.end + 1))
    after = lines.line(line)[at.end:]
    typing = ":" not in after  # a new key: add its colon (and in JSON its closing quote)
    items = []
    for name, info in sorted(cat.children(parents).items()):
        if name in present and name != at.path[-1] or not matches(name, at.prefix):
            continue
        detail = " or ".join(info.types) if info.types else None
        if info.field and info.field != name:
            detail = f"{detail + ' · ' if detail else ''}{info.field}"
        items.append(types.CompletionItem(
            label=name, kind=types.CompletionItemKind.Property, detail=detail,
            tags=[types.CompletionItemTag.Deprecated] if info.deprecated else None,
            text_edit=types.TextEdit(rng, _new_key(name, is_json, after) if typing else name), filter_text=name,
            data={"uri": uri, "path": [*parents, name]}))  # the documentation comes on resolve
    return items


def _new_key(name: str, is_json: bool, after: str) -> str:
    if not is_json:
        return f"{name}: "
    return f"{name}" if after.startswith('"') else f'{name}": '


def resolve(ls, item: types.CompletionItem) -> types.CompletionItem:
    """Add a key's documentation when the editor shows the item (sent only for that one)."""
    data = item.data if isinstance(item.data, dict) else {}
    uri, path = data.get("uri"), data.get("path")
    dialect, _ = _dialect(ls, uri) if isinstance(uri, str) else (None, None)
    if dialect is None or not isinstance(path, list):
        return item
    info = catalogue(dialect, _registry(ls, uri)).at(tuple(path))
    if info is not None and info.description:
        item.documentation = types.MarkupContent(types.MarkupKind.Markdown, info.description)
    return item


def _registry(ls, uri: str):
    current = ls.current.get(uri)
    if current is None or ls.project is None:
        return None
    try:
        return ls.project.settings_for(current.path)[1]
    except Exception:  # bad settings: the keys are still worth completing
        return None


def value_items(dialect, cat, at, lines: Lines, line: int) -> list[types.CompletionItem]:
    info = cat.at(at.path)
    dotted = ".".join(at.path)
    field = info.field if info is not None else None
    values = values_for(dialect, dotted, field)
    if not values and info is not None and info.types == ("boolean",):
        values = ("true", "false")
    rng = types.Range(lines.at(line + 1, at.start + 1), lines.at(line + 1, at.end + 1))
    return [types.CompletionItem(label=v, kind=types.CompletionItemKind.EnumMember, detail=dotted,
                                 text_edit=types.TextEdit(rng, v), sort_text=f"{i:03d}")
            for i, v in enumerate(values)]


def complete(ls, uri: str, position: types.Position) -> list[types.CompletionItem]:
    if ls.options.get("completion", True) is False:  # left to another server (yaml-language-server)
        return []
    dialect, good = _dialect(ls, uri)
    if dialect is None:
        return []
    document = ls.workspace.get_text_document(uri)
    lines = Lines(document.source, ls.workspace.position_encoding or types.PositionEncodingKind.Utf16)
    at = key_at(lines, position)
    if at is None or at.in_list:
        return []
    cat = catalogue(dialect, _registry(ls, uri))
    if at.kind == "value":
        return value_items(dialect, cat, at, lines, position.line)
    present: set[str] = set()
    holder = good.result.document.lookup(at.path[:-1]) if at.path[:-1] else None
    mapping = holder[1] if holder is not None else (good.result.document.root if not at.path[:-1] else None)
    if mapping is not None and hasattr(mapping, "keys"):
        present = set(mapping.keys())
    return key_items(cat, at, lines, position.line, present, good.result.document.is_json, uri)


def register(server) -> None:
    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=[":", " "],
                                                                          resolve_provider=True))
    def on_completion(ls, params: types.CompletionParams) -> types.CompletionList | None:
        items = complete(ls, params.text_document.uri, params.position)
        if not items:
            return None
        # keys are filtered by what is typed, so the editor asks again as typing goes on
        keys = items[0].kind == types.CompletionItemKind.Property
        return types.CompletionList(is_incomplete=keys, items=items)

    @server.feature(types.COMPLETION_ITEM_RESOLVE)
    def on_resolve(ls, item: types.CompletionItem) -> types.CompletionItem:
        return resolve(ls, item)
