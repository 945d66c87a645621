"""The language server: editor events in, the linter's findings, fixes and plan out.

Every answer comes from the engine that ``sftlint check`` runs, through :class:`Project` (the same
settings resolution and plugin registries); this module only listens and converts. Linting runs on
the server's one event loop: a change schedules a lint of that document, and a later change that
arrives before the lint has started replaces it (the debounce), so a burst of edits is linted once,
at its last version. Nothing here writes a file: fixes travel to the editor as edits, which the
editor applies to its buffer.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from .. import __version__
from ..lint.engine import FileResult, error_finding
from ..redact import redact_text
from .analysis import Analysis, analyse
from .project import Project
from .watchdog import LintTimeout, time_limit

#: Editors' language ids and file suffixes of the configs the server lints.
LANGUAGES = {"yaml", "json", "jsonc"}
SUFFIXES = {".yaml", ".yml", ".json"}
#: Names of the settings files; the server asks the editor to report their changes.
SETTINGS_GLOB = "**/{pyproject.toml,sftlint.toml,.sftlint.toml}"
COMMAND_SHOW_PLAN = "sftlint.showPlan"
#: Seconds a lint may run before it is stopped: far beyond any real config (milliseconds).
DEFAULT_TIME_LIMIT = 10.0
COMMAND_RELOAD = "sftlint.reload"


class SftlintServer(LanguageServer):
    """The server's state: the project (settings and plugins) and the analyses of open documents."""

    def __init__(self) -> None:
        super().__init__("sftlint", __version__)
        self.project: Project | None = None
        self.options: dict[str, Any] = {}
        #: latest analysis of each open document, and the latest one that parsed
        self.current: dict[str, Analysis] = {}
        self.last_good: dict[str, Analysis] = {}
        self._pending: dict[str, asyncio.Handle] = {}

    # -- options ------------------------------------------------------------------------------
    @property
    def debounce(self) -> float:
        """Seconds a change waits for a later one before it is linted (0: the next loop turn)."""
        try:
            return max(float(self.options.get("debounceMs", 0)), 0.0) / 1000.0
        except (TypeError, ValueError):
            return 0.0

    @property
    def lint_seconds(self) -> float:
        """Seconds one lint may take before it is stopped (see :mod:`.watchdog`)."""
        try:
            return float(self.options.get("lintTimeLimit", DEFAULT_TIME_LIMIT))
        except (TypeError, ValueError):
            return DEFAULT_TIME_LIMIT

    def start_project(self, options: Any) -> None:
        self.options = options if isinstance(options, dict) else {}
        config = self.options.get("config")
        config_path = Path(os.path.expanduser(str(config))) if config else None
        if config_path is not None and not config_path.is_absolute() and self.root is not None:
            config_path = self.root / config_path
        self.project = Project(config_path, self.warn)

    @property
    def root(self) -> Path | None:
        try:
            root = self.workspace.root_path
        except Exception:  # before initialize
            return None
        return Path(root) if root else None

    def log(self, message: str, level: types.MessageType = types.MessageType.Warning) -> None:
        self.window_log_message(types.LogMessageParams(type=level, message=redact_text(f"sftlint: {message}")))

    def warn(self, message: str) -> None:
        """A problem the user must see (a plugin that did not load): shown, and logged."""
        self.window_show_message(types.ShowMessageParams(type=types.MessageType.Warning,
                                                         message=redact_text(f"sftlint: {message}")))
        self.log(message)

    # -- documents ----------------------------------------------------------------------------
    def path_of(self, uri: str, language_id: str | None = None) -> Path | None:
        """The file a document is, or stands for (an unsaved new buffer: a file in the workspace
        root, so the workspace's settings apply); None for documents that are not configs."""
        path = to_fs_path(uri) if uri.startswith("file:") else None
        if path is not None:
            path = Path(path)
            if path.suffix.lower() in SUFFIXES or (language_id or "") in LANGUAGES:
                return path
            return None
        if (language_id or "") not in LANGUAGES:
            return None
        suffix = ".yaml" if language_id == "yaml" else ".json"
        return (self.root or Path.cwd()) / f"untitled{suffix}"

    def lint_now(self, uri: str) -> Analysis | None:
        """Lint the document's current text and publish its diagnostics."""
        self._pending.pop(uri, None)
        try:
            document = self.workspace.get_text_document(uri)
        except Exception:
            return None
        path = self.path_of(uri, document.language_id)
        if path is None or self.project is None:
            return None
        text = document.source
        try:
            with time_limit(self.lint_seconds):
                result = self.project.lint(path, text)
        except LintTimeout as exc:  # outside any rule: the settings, the dialect or the plan
            self.project.reload()  # whatever it was building may be half built
            result = FileResult(path, [error_finding(path, f"linting this file {exc}; please report this with the config",
                                                     code="E999", name="internal-error")])
        except Exception as exc:  # never a dead server: say what broke, where the user sees it
            result = FileResult(path, [error_finding(
                path, f"sftlint crashed on this file: {type(exc).__name__}: {exc}; please report this with the config",
                code="E999", name="internal-error")])
        publish = self._should_publish(uri, result)
        analysis = analyse(uri, document.version, path, text, result, self.workspace.position_encoding or
                           types.PositionEncodingKind.Utf16, publish)
        self.current[uri] = analysis
        if analysis.parsed:
            self.last_good[uri] = analysis
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, version=document.version, diagnostics=analysis.diagnostics))
        return analysis

    def _should_publish(self, uri: str, result: FileResult) -> bool:
        """Training configs get diagnostics; other YAML and JSON files get none, not even a parse
        error once an earlier version showed they are not training configs."""
        if result.skipped:
            return False
        if result.document is None:  # does not parse: report unless known not to be a config
            good = self.last_good.get(uri)
            return good is None or good.is_training_config
        return True

    def schedule(self, uri: str) -> None:
        """Lint ``uri`` once the edits that follow this one have arrived (see :attr:`debounce`)."""
        pending = self._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        loop = asyncio.get_running_loop()
        if self.debounce:
            self._pending[uri] = loop.call_later(self.debounce, self.lint_now, uri)
        else:
            self._pending[uri] = loop.call_soon(self.lint_now, uri)

    def relint_all(self) -> None:
        for uri in list(self.current):
            self.lint_now(uri)

    def forget(self, uri: str) -> None:
        pending = self._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        self.current.pop(uri, None)
        self.last_good.pop(uri, None)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def analysis_for_reading(self, uri: str) -> Analysis | None:
        """The latest analysis that parsed, for hover, completion and the plan summary."""
        current = self.current.get(uri)
        if current is not None and current.parsed:
            return current
        return self.last_good.get(uri)


def build_server() -> SftlintServer:
    server = SftlintServer()
    from . import features

    features.register(server)
    return server


def serve() -> int:
    """Run the server on stdin/stdout until the editor stops it."""
    import sys

    sys.dont_write_bytecode = True  # the server writes nothing but the edits the editor applies
    os.environ.setdefault("SFTLINT_NO_CACHE", "1")
    server = build_server()
    # the protocol's own bytes: stdin and stdout as the process got them, never a wrapped text
    # stream (the command masks credentials in what it prints; the server masks its answers itself)
    server.start_io(sys.__stdin__.buffer, sys.__stdout__.buffer)
    return 0


__all__ = ["SftlintServer", "build_server", "serve"]
