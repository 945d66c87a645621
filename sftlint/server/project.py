"""The settings and plugins the server lints with, kept in step with the files on disk.

Settings are resolved exactly as ``sftlint check`` resolves them (the nearest settings file above
each config, the plugins it names, its codes checked against those plugins), by the same
:class:`~sftlint.lint.session.Session`. The server lives for hours, so before each lint it looks again at what decides the
result: which settings file governs the config's folder and when that file last changed, and when
the modules of the plugins named in settings last changed. When any of those moved, the resolver
is thrown away and a new one made, and settings-named plugin modules are imported
afresh, so an edited ``sftlint.toml`` or plugin rule takes effect on the next keystroke, with no
restart.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Callable

from ..lint.engine import FileResult, error_finding
from ..plugin.loading import PluginProblem, Registry
from ..lint.session import Session
from ..settings.resolver import Settings, SettingsError, find_settings_file


def _stamp(path: Path | str | None) -> tuple:
    if path is None:
        return (None,)
    try:
        st = os.stat(path)
    except OSError:
        return (str(path), None)
    return (str(path), st.st_mtime_ns, st.st_size)


class Project:
    """Settings resolution and plugin registries for every config the editor opens."""

    def __init__(self, config: Path | None = None, warn: Callable[[str], None] = lambda message: None) -> None:
        #: A settings file to use for every config instead of searching upward (``--config``).
        self.config = config
        self._warn = warn
        #: How many times settings or plugins were loaded afresh (the first load counts).
        self.generation = 0
        self._reset()

    # -- keeping in step -----------------------------------------------------------------------
    def _reset(self) -> None:
        #: Why the settings file named in the options cannot be used (it lints nothing until mended).
        self.config_error: SettingsError | None = None
        try:
            self.session = Session(self.config, {}, warn=self._plugin_problem)
        except SettingsError as exc:  # a missing --config file: say so on every config, keep serving
            self.config_error = exc
            self.session = Session(None, {}, warn=self._plugin_problem)
        #: folder -> (settings file governing it, its stamp)
        self._folders: dict[Path, tuple] = {}
        #: settings file -> its stamp when first used
        self._files: dict[str | None, tuple] = {}
        #: plugin module name -> stamp of its file when it was loaded
        self._plugin_files: dict[str, tuple] = {}
        self.generation += 1

    def _plugin_problem(self, problem: PluginProblem) -> None:
        self._warn(f"plugin {problem.plugin!r} was not loaded, its rules do not run: {problem.message}")

    def reload(self) -> None:
        """Forget every settings file and plugin read so far; the next lint reads them again."""
        for name in self._plugin_files:
            _forget_module(name)
        importlib.invalidate_caches()
        self._reset()

    def _governing(self, folder: Path) -> tuple:
        found = self.config if self.config is not None else find_settings_file(folder)
        return _stamp(found)

    def _stale(self, folder: Path) -> bool:
        """Whether what decides this folder's settings changed since it was last used: another
        settings file governs it now, the file was edited, or a plugin module named in settings was."""
        now = self._governing(folder)
        before = self._folders.get(folder)
        self._folders[folder] = now
        if before is not None and before[0] != now[0]:
            return True
        known = self._files.setdefault(now[0], now)
        if known != now:
            return True
        return any(_stamp(stamp[0]) != stamp for stamp in self._plugin_files.values())

    def settings_for(self, path: Path) -> tuple[Settings, Registry]:
        """The settings and registry for ``path``; raises :class:`SettingsError` for bad settings."""
        folder = path.parent
        if self._stale(folder):
            self.reload()
            self._stale(folder)  # note what governs it now
        settings = self.session.settings_for(path)
        registry = self.session.registry_for(settings)
        for name in settings.plugins:
            if name not in self._plugin_files:
                module = sys.modules.get(name)
                self._plugin_files[name] = _stamp(getattr(module, "__file__", None))
        return settings, registry

    # -- linting --------------------------------------------------------------------------------
    def lint(self, path: Path, text: str) -> FileResult:
        """Lint ``text`` as ``path``'s content; bad settings become one finding on line 1, and a file
        the settings exclude is not linted (as ``sftlint check --force-exclude`` and the pre-commit
        hooks treat it)."""
        try:
            if self.config_error is not None:
                self.reload()  # the file may exist by now
                if self.config_error is not None:
                    raise self.config_error
            settings, _ = self.settings_for(path)
        except SettingsError as exc:
            return FileResult(path, [error_finding(path, f"the settings cannot be used: {exc}", code="E003",
                                                   name="invalid-settings")])
        if settings.is_excluded_with_parents(path):  # as with --force-exclude: the editor names every file
            return FileResult(path, skipped="excluded by the settings")
        return self.session.lint_text(path, text)


def _forget_module(name: str) -> None:
    """Drop a plugin module (and its submodules) so the next registry imports its current code."""
    for loaded in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        del sys.modules[loaded]
