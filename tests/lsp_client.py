"""An editor for tests: pygls's language client driving ``python -m sftlint server`` over stdio.

The server runs in its own process exactly as an editor starts it; this client speaks the protocol
to it (initialize, open, change, requests) and records what the server publishes. Calls are
synchronous so tests read as a sequence of editor actions.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

REPO = Path(__file__).resolve().parents[1]
TIMEOUT = 60.0


class Editor:
    """One server process and the documents opened in it."""

    def __init__(self, root: Path, *, options: dict | None = None, env: dict | None = None,
                 encodings: list[str] | None = None, watch_files: bool = True) -> None:
        self.root = root
        self.loop = asyncio.new_event_loop()
        self.client = LanguageClient("sftlint-tests", "1")
        self.published: list[types.PublishDiagnosticsParams] = []
        self.logs: list[str] = []
        self.registrations: list[types.Registration] = []
        self.versions: dict[str, int] = {}
        self.texts: dict[str, str] = {}

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def _diagnostics(params: types.PublishDiagnosticsParams) -> None:
            self.published.append(params)

        @self.client.feature(types.WINDOW_LOG_MESSAGE)
        def _log(params: types.LogMessageParams) -> None:
            self.logs.append(params.message)

        @self.client.feature(types.WINDOW_SHOW_MESSAGE)
        def _show(params: types.ShowMessageParams) -> None:
            self.logs.append(params.message)

        @self.client.feature(types.CLIENT_REGISTER_CAPABILITY)
        def _register(params: types.RegistrationParams) -> None:
            self.registrations.extend(params.registrations)

        full_env = dict(os.environ, **(env or {}))
        full_env["PYTHONPATH"] = os.pathsep.join(
            [str(REPO), *(p for p in full_env.get("PYTHONPATH", "").split(os.pathsep) if p)])
        self.run(self.client.start_io(sys.executable, "-m", "sftlint", "server", "--stdio", cwd=str(root),
                                      env=full_env))
        capabilities = types.ClientCapabilities(
            general=types.GeneralClientCapabilities(position_encodings=encodings or [types.PositionEncodingKind.Utf16]),
            workspace=types.WorkspaceClientCapabilities(
                did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=watch_files)),
        )
        self.initialize_result = self.run(self.client.initialize_async(types.InitializeParams(
            capabilities=capabilities, root_uri=from_fs_path(str(root)), process_id=os.getpid(),
            initialization_options=options)))
        self.client.initialized(types.InitializedParams())

    # -- plumbing -------------------------------------------------------------------------------
    def run(self, awaitable, timeout: float = TIMEOUT) -> Any:
        return self.loop.run_until_complete(asyncio.wait_for(awaitable, timeout))

    def wait_for(self, predicate, timeout: float = 10.0) -> None:
        """Wait until ``predicate()`` holds (something the server sends on its own time)."""

        async def wait() -> None:
            while not predicate():
                await asyncio.sleep(0.005)

        self.run(wait(), timeout)

    def settle(self, seconds: float = 0.05) -> None:
        self.run(asyncio.sleep(seconds))

    def close(self) -> None:
        try:
            self.run(self.client.shutdown_async(None), timeout=10)
            self.client.exit(None)
            self.run(self.client.stop(), timeout=10)
        finally:
            self.loop.close()

    # -- documents -------------------------------------------------------------------------------
    def open(self, path: Path, text: str | None = None, language: str | None = None) -> str:
        uri = from_fs_path(str(path))
        text = path.read_text(encoding="utf-8") if text is None else text
        language = language or ("json" if path.suffix == ".json" else "yaml")
        self.versions[uri] = 1
        self.texts[uri] = text
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)))
        return uri

    def change(self, uri: str, text: str) -> int:
        """Replace the buffer's text (as an edit over the whole document); returns the new version."""
        old = self.texts[uri]
        lines = old.split("\n")
        end = types.Position(len(lines) - 1, len(lines[-1].encode("utf-16-le")) // 2)
        self.versions[uri] += 1
        self.texts[uri] = text
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
            [types.TextDocumentContentChangePartial(range=types.Range(types.Position(0, 0), end), text=text)]))
        return self.versions[uri]

    def save(self, uri: str) -> None:
        self.client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri)))

    def settings_changed(self, path: Path) -> None:
        self.client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
            [types.FileEvent(uri=from_fs_path(str(path)), type=types.FileChangeType.Changed)]))

    def diagnostics(self, uri: str, version: int | None = None, after: int = 0) -> list[types.Diagnostic]:
        """The diagnostics published for ``uri`` (for ``version``, when given), waiting for them;
        only publications after the first ``after`` ones count."""

        async def wait() -> list[types.Diagnostic]:
            while True:
                for params in reversed(self.published[after:]):
                    if params.uri == uri and (version is None or params.version == version):
                        return list(params.diagnostics)
                await asyncio.sleep(0.005)

        return self.run(wait())

    def codes(self, uri: str, version: int | None = None, after: int = 0) -> list[str]:
        return [d.code for d in self.diagnostics(uri, version, after)]

    # -- requests -------------------------------------------------------------------------------
    def hover(self, uri: str, line: int, character: int) -> str | None:
        answer = self.run(self.client.text_document_hover_async(types.HoverParams(
            types.TextDocumentIdentifier(uri), types.Position(line, character))))
        return None if answer is None else answer.contents.value

    def completion(self, uri: str, line: int, character: int) -> list[types.CompletionItem]:
        answer = self.run(self.client.text_document_completion_async(types.CompletionParams(
            types.TextDocumentIdentifier(uri), types.Position(line, character))))
        if answer is None:
            return []
        return list(answer.items if isinstance(answer, types.CompletionList) else answer)

    def resolve(self, item: types.CompletionItem) -> types.CompletionItem:
        return self.run(self.client.completion_item_resolve_async(item))

    def code_actions(self, uri: str, rng: types.Range, diagnostics: list[types.Diagnostic] = (),
                     only: list[str] | None = None) -> list[types.CodeAction]:
        answer = self.run(self.client.text_document_code_action_async(types.CodeActionParams(
            types.TextDocumentIdentifier(uri), rng, types.CodeActionContext(list(diagnostics), only=only))))
        return list(answer or [])

    def code_lens(self, uri: str) -> list[types.CodeLens]:
        return list(self.run(self.client.text_document_code_lens_async(types.CodeLensParams(
            types.TextDocumentIdentifier(uri)))) or [])

    def inlay_hints(self, uri: str, rng: types.Range) -> list[types.InlayHint]:
        return list(self.run(self.client.text_document_inlay_hint_async(types.InlayHintParams(
            types.TextDocumentIdentifier(uri), rng))) or [])

    def command(self, name: str, *arguments: Any) -> Any:
        return self.run(self.client.workspace_execute_command_async(types.ExecuteCommandParams(
            name, list(arguments))))

    def apply(self, uri: str, edit: types.WorkspaceEdit) -> str:
        """Apply a workspace edit to the buffer as an editor would, and send the change."""
        edits: list[types.TextEdit] = []
        for change in edit.document_changes or []:
            assert change.text_document.uri == uri
            assert change.text_document.version == self.versions[uri], "edit made for another version"
            edits.extend(change.edits)
        for u, more in (edit.changes or {}).items():
            assert u == uri
            edits.extend(more)
        text = apply_text_edits(self.texts[uri], edits)
        self.change(uri, text)
        return text


def offset_of(text: str, position: types.Position) -> int:
    lines = text.split("\n")
    before = sum(len(line) + 1 for line in lines[: position.line])
    line = lines[position.line] if position.line < len(lines) else ""
    units, chars = 0, 0
    for char in line:
        if units >= position.character:
            break
        units += 2 if ord(char) > 0xFFFF else 1
        chars += 1
    return before + chars


def apply_text_edits(text: str, edits: list[types.TextEdit]) -> str:
    spans = sorted(((offset_of(text, e.range.start), offset_of(text, e.range.end), e.new_text) for e in edits),
                   reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text
