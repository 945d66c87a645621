"""Which editor requests the server answers, and with what: the protocol's side of the server.

Each handler is a few lines that hand the request to the module that knows the answer
(:mod:`.actions`, :mod:`.hover`, :mod:`.summary`, :mod:`.completion`); what they share — the
analysis of the open document — lives on the :class:`~.app.SftlintServer`.
"""

from __future__ import annotations

from lsprotocol import types

from .app import COMMAND_RELOAD, SETTINGS_GLOB, SftlintServer


def register(server: SftlintServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: SftlintServer, params: types.InitializeParams) -> None:
        ls.start_project(params.initialization_options)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: SftlintServer, params: types.InitializedParams) -> None:
        watch = ls.client_capabilities.workspace
        dynamic = watch and watch.did_change_watched_files and watch.did_change_watched_files.dynamic_registration
        if dynamic:
            options = types.DidChangeWatchedFilesRegistrationOptions(
                watchers=[types.FileSystemWatcher(glob_pattern=SETTINGS_GLOB)])
            await ls.client_register_capability_async(types.RegistrationParams(registrations=[
                types.Registration(id="sftlint-settings", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                                   register_options=options)]))

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: SftlintServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.lint_now(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: SftlintServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: SftlintServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        if uri in ls.current:
            ls.lint_now(uri)
        elif uri.endswith(("pyproject.toml", "sftlint.toml")):  # settings edited in the editor
            ls.relint_all()

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: SftlintServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.forget(params.text_document.uri)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched_files(ls: SftlintServer, params: types.DidChangeWatchedFilesParams) -> None:
        ls.relint_all()  # each lint looks at the settings files again and reloads what changed

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def configuration(ls: SftlintServer, params: types.DidChangeConfigurationParams) -> None:
        settings = params.settings
        if isinstance(settings, dict) and isinstance(settings.get("sftlint"), dict):
            ls.start_project(settings["sftlint"])
        ls.relint_all()

    @server.command(COMMAND_RELOAD)
    def reload(ls: SftlintServer, *args) -> None:
        if ls.project is not None:
            ls.project.reload()
        ls.relint_all()

    from . import actions, completion, hover, summary

    for module in (actions, hover, summary, completion):
        module.register(server)
