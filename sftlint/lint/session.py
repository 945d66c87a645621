"""One run of sftlint: its settings, its plugins, and linting, fixing and planning paths with them.

A :class:`Session` is what the command line, the pytest plugin, the runner, the language server
and rules that read another config are handed, as pytest hands its ``Session`` around: it finds
and loads the settings that govern each path, loads the plugins each settings file names (one
registry per distinct plugin list, configured once), checks every settings file against its own
registry the first time it is met (rule codes, rule options, plugin tables), and offers

- :meth:`lint` / :meth:`lint_text` / :meth:`lint_many`: findings for files or unsaved buffers;
- :meth:`fix_many`: safe (and optionally unsafe) fixes, written or shown as a diff;
- :meth:`plan`: the canonical config and the training plan of one config file.

Nothing here prints, except that plugin load problems go to the ``warn`` callback given.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable, TextIO

from .engine import FileResult, lint_file, plan_document
from ..plugin.loading import PluginProblem, Registries, Registry
from ..settings.resolver import Settings, SettingsError, SettingsResolver


class PlanError(ValueError):
    """A config that cannot be read into a plan; the message says which file and why."""


class Session:
    """Settings resolution, plugin registries and validation for one run.

    :param config: a settings file to use for every path instead of searching upward.
    :param overrides: settings attributes set from the command line (``world_size``, ``select``...).
    :param warn: called with each plugin that failed to load (the rest still run).
    """

    def __init__(self, config: Path | None = None, overrides: dict[str, Any] | None = None,
                 warn: Callable[[PluginProblem], None] | None = None) -> None:
        if config is not None and not config.is_file():
            what = "is a folder; give a settings file (pyproject.toml or sftlint.toml)" if config.is_dir() \
                else "does not exist"
            raise SettingsError(f"settings file {config} {what}")
        self.resolver = SettingsResolver(config, overrides)
        self.registries = Registries(warn or (lambda problem: None))
        self._checked: set[int] = set()
        self._overrides_checked = False
        self._plans: dict[tuple[str, float], Any] = {}

    # -- settings and plugins --------------------------------------------------------------------
    def settings_for(self, path: Path) -> Settings:
        """The settings governing ``path``, checked against the plugins they load.

        :raises SettingsError: naming the settings file, its line and what is wrong.
        """
        settings = self.resolver.for_path(path)
        if id(settings) not in self._checked:
            from .selection import check_overrides, check_settings

            registry = self.registries.for_settings(settings)
            if not self._overrides_checked:  # command-line codes, checked against the first registry
                check_overrides(self.resolver.overrides, registry)
                self._overrides_checked = True
            check_settings(settings, registry)
            self._checked.add(id(settings))
        return settings

    def registry_for(self, settings: Settings) -> Registry:
        """The plugins ``settings`` asks for (built and configured on first use)."""
        return self.registries.for_settings(settings)

    def registry(self, path: Path | None = None) -> Registry:
        """The registry for the settings governing ``path`` (the working directory by default)."""
        return self.registry_for(self.settings_for(path or Path(".")))

    def combined_registry(self) -> Registry | None:
        """Every rule loaded in this session, for output formats that describe the rules."""
        return self.registries.combined()

    # -- linting -----------------------------------------------------------------------------------
    def lint(self, path: Path) -> FileResult:
        """Lint one file. Settings problems raise :class:`SettingsError`; file problems are findings.
        The result records the seconds it took (JUnit reports them)."""
        settings = self.settings_for(path)
        start = time.perf_counter()
        result = lint_file(path, settings, self.registry_for(settings), session=self)
        result.seconds = time.perf_counter() - start
        return result

    def lint_text(self, path: Path, text: str) -> FileResult:
        """Lint ``text`` as if it were the content of ``path`` (an editor's unsaved buffer)."""
        from .engine import lint_text

        settings = self.settings_for(path)
        return lint_text(path, text, settings, self.registry_for(settings), session=self)

    def lint_many(self, paths: list[Path]) -> list[FileResult]:
        """Lint files on as many cores as pays off; each path's settings must be checked already
        (call :meth:`settings_for` first, so that every error is reported before linting)."""
        from .parallel import lint_paths

        return lint_paths(paths, self.lint)

    # -- fixing ------------------------------------------------------------------------------------
    def fix_many(self, paths: list[Path], *, unsafe: bool, diff_only: bool,
                 stream: TextIO) -> tuple[list[FileResult], int, int]:
        """Apply fixes to each file (or print them as a diff); see :func:`sftlint.lint.fixer.fix_paths`."""
        from .fixer import fix_paths

        return fix_paths(self, paths, unsafe=unsafe, diff_only=diff_only, stream=stream)

    # -- planning ----------------------------------------------------------------------------------
    def plan(self, path: Path) -> tuple[Any, Any]:
        """``(config, plan)`` of one training config, as ``sftlint plan`` shows it.

        :raises PlanError: the file is missing, unreadable, not a training config, or its
            settings are wrong; the message says which.
        """
        path = Path(path)
        if not path.is_file():
            what = "is a folder; a plan is made from one config file" if path.is_dir() else "no such file"
            raise PlanError(f"{path}: {what}")
        try:
            key = (str(path.resolve()), path.stat().st_mtime)
        except OSError as exc:
            raise PlanError(f"{path}: cannot read: {exc.strerror or exc}") from None
        if key not in self._plans:
            self._plans[key] = self._plan(path)
        return self._plans[key]

    def plan_result(self, path: Path) -> FileResult:
        """A config read into its plan, without running the rules (so a rule may ask for the plan
        of another config without going round in circles)."""
        from ..document import DocumentError, load_document

        try:
            settings = self.settings_for(path)
        except SettingsError as exc:
            raise PlanError(str(exc)) from None
        try:
            document = load_document(path)
        except DocumentError as exc:
            raise PlanError(f"{path}:{exc.line}:{exc.column}: {exc.code} {exc.message}") from None
        registry = self.registry_for(settings)
        result = plan_document(document, settings, registry)
        if result.config is None or result.plan is None:
            problems = "; ".join(p.message for p in registry.problems)
            reason = result.skipped or "; ".join(f.message for f in result.findings) or "no dialect recognised it"
            raise PlanError(f"{path}: no training plan: {reason}" + (f" (plugin problems: {problems})" if problems else ""))
        return result

    def _plan(self, path: Path) -> tuple[Any, Any]:
        result = self.plan_result(path)
        return result.config, result.plan
