"""``pytest --sftlint``: every training config pytest walks past becomes a test item.

The files are those ``sftlint check`` finds in the same folders, with the same ``[tool.sftlint]``
settings. A config with findings fails and shows them as the CLI's full format does; a file that is
not a training config (a launcher config, say) is skipped with the reason.

Linting is cached in pytest's cache (``config.cache``, so ``--cache-clear`` empties it) under a key
made of the file's bytes, its settings, the loaded rules (and the plugins they come from) and
sftlint's version, and beside it the signature of everything else the lint read: the dataset files
it counted, the folders it listed, the model's config.json, a reference config, and the paths it
looked for and did not find (:mod:`sftlint.files.inputs`). An unchanged clean file whose inputs are also
unchanged is not linted again; shrink its dataset and it is. Only the controlling process writes
the cache. Under pytest-xdist each worker hands its results to the controller through
``workeroutput``, so workers never race to write the same cache file and no result is lost.

Nothing heavy is imported here at import time: this module loads in every pytest run.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import warnings
from pathlib import Path

import pytest

from .. import __version__

CACHE_KEY = "sftlint/lint"
MARKER = "sftlint: a training config linted by sftlint (pytest --sftlint)"
#: Key of the results a pytest-xdist worker sends back to the controller.
WORKER_OUTPUT = "sftlint_lint"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sftlint")
    group.addoption("--sftlint", action="store_true", default=False,
                    help="lint training configs (YAML/JSON) found in the collected folders with sftlint")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER)
    if config.getoption("sftlint", default=False):
        config.stash[_STATE] = _LintState(config)


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    state = parent.config.stash.get(_STATE, None)
    if state is not None and state.wants(file_path):
        return SftlintFile.from_parent(parent, path=file_path)
    return None


def pytest_sessionfinish(session: pytest.Session) -> None:
    state = session.config.stash.get(_STATE, None)
    if state is None:
        return
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: the controller writes the cache
        workeroutput[WORKER_OUTPUT] = json.dumps({"linted": state.linted, "failed": sorted(state.failed)})
    else:
        state.save()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """pytest-xdist: a worker finished; take over what it linted."""
    state = node.config.stash.get(_STATE, None)
    sent = getattr(node, "workeroutput", {}).get(WORKER_OUTPUT)
    if state is not None and sent:
        data = json.loads(sent)
        state.linted.update(data["linted"])
        state.failed.update(data["failed"])


class _LintState:
    """The lint session (settings and plugins) and the cache entries (relative path -> entry)."""

    def __init__(self, config: pytest.Config) -> None:
        from ..lint.session import Session

        def warn(problem) -> None:  # shown in pytest's warnings summary, as the CLI warns
            message = f"sftlint: plugin {problem.plugin!r} was not loaded: {problem.message}"
            warnings.warn(pytest.PytestWarning(message))

        self.config = config
        self.root = Path(config.rootpath)
        self.session = Session(warn=warn)
        from ..files.gitignore import GitIgnore

        self.gitignore = GitIgnore()
        #: pytest's cache, absent with ``-p no:cacheprovider``
        self.cache = getattr(config, "cache", None)
        self.previous: dict[str, dict] = self.cache.get(CACHE_KEY, {}) if self.cache is not None else {}
        #: entries for files linted clean (or skipped) in this session
        self.linted: dict[str, dict] = {}
        #: files that had findings in this session; their old entries are dropped
        self.failed: set[str] = set()

    def wants(self, path: Path) -> bool:
        from ..files.discovery import found_by_search
        from ..settings.resolver import SettingsError

        try:
            return found_by_search(path, self.root, self.session.resolver, self.gitignore)
        except SettingsError:
            return True  # collected, so that the item reports the settings error

    def relative(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return path.resolve().as_posix()

    def shown(self, path: Path) -> Path:
        """The path as ``sftlint check`` run where pytest was started would print it."""
        start = Path(self.config.invocation_params.dir)
        try:
            return path.relative_to(start)
        except ValueError:
            return path

    def save(self) -> None:
        """Write the cache, even when empty, keeping entries of files not run this time."""
        if self.cache is None:
            return
        kept = {rel: e for rel, e in self.previous.items()
                if rel not in self.failed and (self.root / rel).exists()}
        kept.update(self.linted)
        self.cache.set(CACHE_KEY, dict(sorted(kept.items())))


_STATE = pytest.StashKey[_LintState]()


def fingerprint(data: bytes, settings, registry) -> str:
    """What a lint result depends on, besides what it read: the file, its settings, the loaded rules
    and the code of the plugins they come from, sftlint itself."""
    digest = hashlib.sha256()
    for part in (__version__, repr(settings), repr(sorted(registry.origins.items())), _code_signature(registry)):
        digest.update(part.encode("utf-8") + b"\0")
    digest.update(data)
    return digest.hexdigest()


def _code_signature(registry) -> str:
    """The modules that hold the registry's rules, dialects and hooks, with their size and
    modification time: a plugin edited in place (same version) changes the key too."""
    import sys

    cached = getattr(registry, "_sftlint_code_signature", None)
    if cached is not None:
        return cached
    objects = [*registry.rules.values(), *registry.dialects.values(), *registry.manager.get_plugins()]
    files = set()
    for obj in objects:
        module = obj if hasattr(obj, "__file__") else sys.modules.get(getattr(obj, "__module__", "") or "")
        file = getattr(module, "__file__", None)
        if file:
            files.add(file)
    parts = []
    for file in sorted(files):
        try:
            info = os.stat(file)
            parts.append(f"{file}:{info.st_size}:{info.st_mtime_ns}")
        except OSError:
            parts.append(f"{file}:missing")
    signature = "\n".join(parts)
    try:
        registry._sftlint_code_signature = signature
    except AttributeError:
        pass
    return signature


class SftlintFindings(Exception):
    """A config with findings; the text is what ``sftlint check`` would print for it."""


class SftlintFile(pytest.File):
    def collect(self):
        yield SftlintItem.from_parent(self, name="sftlint")


class SftlintItem(pytest.Item):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.add_marker("sftlint")

    def runtest(self) -> None:
        from ..lint.engine import lint_file
        from ..settings.resolver import SettingsError

        state = self.config.stash[_STATE]
        rel = state.relative(self.path)
        try:
            settings = state.session.settings_for(self.path)
            registry = state.session.registry_for(settings)
        except SettingsError as exc:
            state.failed.add(rel)
            raise SftlintFindings(f"sftlint: error: {exc}") from None
        from ..files.inputs import recording, signatures, unchanged

        key = fingerprint(self.path.read_bytes(), settings, registry)
        entry = state.previous.get(rel)
        if entry is None or entry.get("key") != key or "inputs" not in entry or not unchanged(entry["inputs"]):
            with recording() as seen:
                result = lint_file(state.shown(self.path), settings, registry, session=state.session)
            if result.findings:
                state.failed.add(rel)
                raise SftlintFindings(_render(result, registry))
            leave_out = (str(self.path),) + ((str(settings.path),) if settings.path else ())
            entry = {"key": key, "skipped": result.skipped, "inputs": signatures(seen, leave_out)}
        state.linted[rel] = entry
        if entry["skipped"]:
            pytest.skip(f"sftlint: {entry['skipped']}")

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, SftlintFindings):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        return self.path, None, f"sftlint {self.path.name}"


def _render(result, registry) -> str:
    from ..output import render

    stream = io.StringIO()
    render("full", [result], stream, registry=registry)
    n = len(result.findings)
    stream.write(f"Found {n} finding{'' if n == 1 else 's'}.\n")
    from ..redact import redact_text

    return redact_text(stream.getvalue())  # pytest prints it: the same mask as the command's output
