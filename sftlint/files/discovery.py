"""Which files ``sftlint check PATHS`` lints.

Files named on the command line are always linted. Folders are searched for ``*.yaml`` and
``*.yml`` files and for ``*.json`` files that look like training configs (a JSON file with
TrainingArguments keys), skipping hidden folders, virtual environments and settings excludes
(``exclude`` globs are relative to the settings file; a matching folder is not entered at all).
A file named on the command line is linted even when an ``exclude`` glob matches it, as in ruff,
unless ``force_exclude`` is on (the ``--force-exclude`` flag or setting): tools such as pre-commit
name every file they pass, and expect the project's excludes to hold for them too.

Files and folders that git ignores (``.gitignore``, ``.git/info/exclude``: a run's ``out/`` folder
with the copy of the config it trained) are not searched either, as in ruff, unless the settings say
``respect-gitignore = false`` (``--no-respect-gitignore``); with ``force_exclude`` that holds for
named files too. See :mod:`sftlint.files.gitignore`.
"""

from __future__ import annotations

import os
from pathlib import Path

from .gitignore import GitIgnore
from .reading import open_regular
from .safe_paths import kind
from ..settings.resolver import SettingsResolver

YAML_SUFFIXES = {".yaml", ".yml"}
SKIP_DIRS = {".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".nox", ".mypy_cache",
             ".pytest_cache", ".ruff_cache", "site-packages", "build", "dist", "wandb", "outputs"}
#: A JSON file found in a folder is linted only if it mentions one of these keys.
JSON_MARKERS = ("learning_rate", "per_device_train_batch_size", "num_train_epochs", "micro_batch_size",
                "gradient_accumulation_steps", "lora_r")
#: GitHub Actions, pre-commit and similar YAML in well-known places are never training configs.
SKIP_FILES = {".pre-commit-config.yaml", ".pre-commit-hooks.yaml", "mkdocs.yml", "mkdocs.yaml", ".readthedocs.yaml",
              ".readthedocs.yml", "docker-compose.yml", "docker-compose.yaml", "environment.yml", "environment.yaml",
              ".gitlab-ci.yml", "codecov.yml", ".codecov.yml", "dependabot.yml"}


def discover(paths: list[Path], resolver: SettingsResolver,
             force_exclude: bool = False) -> tuple[list[Path], list[Path]]:
    """Return (files to lint, paths that do not exist), each file once, in a stable order."""
    gitignore = GitIgnore()
    files: list[Path] = []
    missing: list[Path] = []
    seen: set[str] = set()

    def add(p: Path, key: str | None = None) -> None:
        key = key or os.path.realpath(p)
        if key not in seen:
            seen.add(key)
            files.append(p)

    for path in paths:
        what = kind(path)
        if what in ("file", "other"):  # a device or FIFO named here is reported by the reader, never read
            settings = resolver.for_path(path)
            if not ((force_exclude or settings.force_exclude) and (
                    settings.is_excluded_with_parents(path)
                    or (settings.respect_gitignore and gitignore.ignored_with_parents(path)))):
                add(path)
        elif what == "dir":
            for p, key in _walk(path, resolver, gitignore):
                add(p, key)
        else:
            missing.append(path)
    return files, missing


def _walk(root: Path, resolver: SettingsResolver, gitignore: GitIgnore):
    """The configs below ``root``, each with its real path (the folder's, resolved once, and the
    name; a linked file is resolved itself), so that a file reached twice is linted once.

    Folders are visited as ``os.walk`` visits them (sorted, top-down, linked folders not entered),
    but each folder is listed once with :func:`os.scandir` and what the listing says (file or
    folder, link or not, whether ``pyvenv.cfg`` is there) is used instead of asking the system
    again: a search of hundreds of folders would otherwise cost thousands of system calls.
    """
    top = os.fspath(root)
    listed = _listing(top)
    # folders still to visit, the next one last: (path, as a Path, real path, listing)
    pending = [] if listed is None else [(top, root, os.path.realpath(top), listed)]
    while pending:
        folder, folder_path, real_folder, entries = pending.pop()
        names = {e.name for e in entries}
        files = []
        if not (os.path.basename(folder) == "workflows" and os.path.basename(os.path.dirname(folder)) == ".github"):
            for entry in sorted((e for e in entries if not _is_dir(e)), key=lambda e: e.name):
                name = entry.name
                if name in SKIP_FILES:
                    continue
                suffix = os.path.splitext(name)[1].lower()
                if suffix not in YAML_SUFFIXES and suffix != ".json":
                    continue
                if not _is_file(entry):  # devices, FIFOs, sockets and broken links are never configs
                    continue
                path = folder_path / name
                if suffix in YAML_SUFFIXES or _looks_like_training_json(path):
                    files.append((path, entry))
        absolute = os.path.abspath(folder)
        gitignore.listed(absolute, names)
        rules = gitignore.rules_in(absolute, top=root)  # most folders have none to check
        settings = None  # loaded only when something here needs it: a broken settings file is
        # reported when, and only when, it governs a config or a folder that is searched
        if files:
            settings = resolver.for_listed(real_folder, names, [path for path, _ in files])
            for path, entry in files:
                real = os.path.realpath(path) if _is_link(entry) else os.path.join(real_folder, entry.name)
                if settings.is_excluded(path, real) or (
                        settings.respect_gitignore and rules and gitignore.ignored(path, top=root)):
                    continue
                yield path, real
        below = []
        for entry in sorted((e for e in entries if _is_dir(e)), key=lambda e: e.name):
            if not _searchable_name(entry.name):
                continue
            child = os.path.join(folder, entry.name)
            listed = None if _is_link(entry) else _listing(child)
            if listed is not None:
                venv = any(e.name == "pyvenv.cfg" and _is_file(e) for e in listed)
            else:
                venv = kind(os.path.join(child, "pyvenv.cfg")) == "file"
            if venv:  # a virtual environment under any name
                continue
            if settings is None:
                settings = resolver.for_listed(real_folder, names)
            if listed is None:  # os.walk does not enter a linked folder, and cannot list an unreadable one
                continue
            real_child = os.path.join(real_folder, entry.name)
            if (settings.exclude and settings.is_excluded(Path(child), real_child)) or (
                    settings.respect_gitignore and rules and gitignore.ignored(child, is_dir=True, top=root)):
                continue
            below.append((child, folder_path / entry.name, real_child, listed))
        pending.extend(reversed(below))


def _listing(folder: str) -> list[os.DirEntry] | None:
    try:
        with os.scandir(folder) as entries:
            return list(entries)
    except OSError:
        return None


def _is_dir(entry: os.DirEntry) -> bool:
    """As ``os.walk`` sorts an entry (a link to a folder counts as a folder)."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def _is_file(entry: os.DirEntry) -> bool:
    """Whether the entry is a regular file, following a link (:func:`safe_paths.kind` is "file")."""
    try:
        return entry.is_file()
    except OSError:
        return False


def _is_link(entry: os.DirEntry) -> bool:
    """Whether the entry is a symbolic link (as ``os.path.islink``, False when it cannot be asked)."""
    try:
        return entry.is_symlink()
    except OSError:
        return False


def _searchable_name(name: str) -> bool:
    return not (name in SKIP_DIRS or name.startswith(".") or name.endswith(".egg-info"))


def _searchable(folder: Path, resolver: SettingsResolver, gitignore: GitIgnore | None = None,
                top: Path | None = None) -> bool:
    """Hidden folders, virtual environments, build output, excluded and git-ignored folders are
    not searched."""
    if not _searchable_name(folder.name):
        return False
    if kind(folder / "pyvenv.cfg") == "file":  # a virtual environment under any name
        return False
    settings = resolver.for_path(folder.parent)
    if settings.is_excluded(folder):
        return False
    return not (gitignore is not None and settings.respect_gitignore and gitignore.ignored(folder, is_dir=True, top=top))


def _looks_like_training_json(path: Path) -> bool:
    try:
        with open_regular(path) as fh:
            head = fh.read(65536)
    except OSError:  # ReadRefused included: only regular files are looked into
        return False
    text = head.decode("utf-8", "replace")
    return text.lstrip().startswith("{") and any(f'"{k}"' in text for k in JSON_MARKERS)


def found_by_search(path: Path, root: Path, resolver: SettingsResolver, gitignore: GitIgnore | None = None) -> bool:
    """Whether searching ``root`` would lint ``path``, a file somewhere below it.

    For tools that walk folders themselves and ask file by file (``pytest --sftlint``), so that they
    lint exactly what ``sftlint check ROOT`` would.
    """
    parent = path.parent
    if path.name in SKIP_FILES or (parent.name == "workflows" and parent.parent.name == ".github"):
        return False
    suffix = path.suffix.lower()
    if not (suffix in YAML_SUFFIXES or (suffix == ".json" and _looks_like_training_json(path))):
        return False
    try:
        below = parent.resolve().relative_to(root.resolve())
    except ValueError:
        below = None
    if below is not None:
        folder = root
        for part in below.parts:
            folder = folder / part
            if not _searchable(folder, resolver, gitignore, root):
                return False
    settings = resolver.for_path(path)
    if settings.is_excluded(path):
        return False
    return not (gitignore is not None and settings.respect_gitignore and gitignore.ignored(path, top=root))
