"""Which files git ignores: ``.gitignore`` files and ``.git/info/exclude``, as ruff respects them.

A config under an ignored folder (``out/run1/config.yml`` with ``out/`` ignored) is a run's copy,
not a source: searching a folder skips it, as git, ruff and pre-commit do. Matching is git's own,
through the ``pathspec`` library (negations, anchored patterns, ``**``, folder-only patterns), never
a hand-written matcher. The rules that hold for a path are those of the repository it lies in (the
nearest folder above holding ``.git``), or, outside any repository, of the folder searched; a
deeper ``.gitignore`` overrides a shallower one, and ``.git/info/exclude`` comes first of all.

``pathspec`` is imported only when a ``.gitignore`` exists, so a run without one pays nothing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Collection


#: "not looked up yet" (None is an answer: in no repository)
_UNSET: Any = object()


class GitIgnore:
    """Answers "does git ignore this path?" for many paths, reading each ignore file once."""

    def __init__(self) -> None:
        #: folder -> its compiled ignore rules (None: the folder has no .gitignore)
        self._specs: dict[str, object | None] = {}
        #: folder -> the repository root above it, or None
        self._roots: dict[str, str | None] = {}
        #: (rules root, folder) -> the rules that hold in the folder, shallowest first
        self._chains: dict[tuple[str, str], list] = {}
        #: folder -> whether it holds ``.git``, for folders whose listing was handed over
        self._has_git: dict[str, bool] = {}

    def ignored(self, path: Path | str, *, is_dir: bool = False, top: Path | str | None = None) -> bool:
        """Whether git ignores ``path`` itself (its folders are not checked; see :meth:`ignored_with_parents`).

        ``top`` is where the rules start when ``path`` is in no repository (the folder searched).
        """
        absolute = os.path.abspath(path)
        decision = None
        for base, spec in self.rules_in(os.path.dirname(absolute), top):
            # base is a folder above the path, both normalised: what relpath would say, without its work
            relative = (absolute[len(base.rstrip(os.sep)) + 1:] or ".").replace(os.sep, "/") + ("/" if is_dir else "")
            include = spec.check_file(relative).include
            if include is not None:
                decision = include
        return bool(decision)

    def listed(self, folder: str, names: Collection[str]) -> None:
        """What ``folder`` (absolute and normalised) holds, as a search has just listed it: a
        folder without ``.git`` or ``.gitignore`` then costs no system call to ask about."""
        if ".git" not in names:
            self._has_git[folder] = False
        if ".gitignore" not in names:
            self._specs.setdefault(os.path.join(folder, ".gitignore"), None)

    def rules_in(self, folder: str, top: Path | str | None = None) -> list:
        """(base folder, rules) that hold for the paths in ``folder`` (absolute and normalised),
        shallowest first; empty when git ignores nothing there, so a search can skip asking."""
        root = self._root(folder)
        if root is None:
            if top is None:
                return []
            root = os.path.abspath(top)
            if not (folder == root or folder.startswith(root.rstrip(os.sep) + os.sep)):
                return []
        return self._chain(root, folder)

    def ignored_with_parents(self, path: Path | str, top: Path | str | None = None) -> bool:
        """Whether git ignores ``path`` or a folder holding it (git never looks inside an ignored
        folder, so a file there cannot be re-included)."""
        absolute = os.path.abspath(path)
        root = self._root(os.path.dirname(absolute)) or (os.path.abspath(top) if top is not None else None)
        if root is None:
            return False
        folders = []
        folder = os.path.dirname(absolute)
        while folder.startswith(root.rstrip(os.sep) + os.sep):
            folders.append(folder)
            folder = os.path.dirname(folder)
        return any(self.ignored(f, is_dir=True, top=root) for f in reversed(folders)) or self.ignored(absolute, top=root)

    # --- internals ------------------------------------------------------------------------------

    def _root(self, folder: str) -> str | None:
        """The nearest folder at or above ``folder`` that holds ``.git`` (a folder or, for
        worktrees and submodules, a file)."""
        walked = []
        found = self._roots.get(folder, _UNSET)
        while found is _UNSET:  # each folder is asked once: the folders of a search share their ancestors
            walked.append(folder)
            if self._has_git.get(folder, True) and os.path.exists(os.path.join(folder, ".git")):
                found = folder
                break
            parent = os.path.dirname(folder)
            if parent == folder:
                found = None
                break
            folder = parent
            found = self._roots.get(folder, _UNSET)
        for each in walked:
            self._roots[each] = found
        return found

    def _chain(self, root: str, folder: str) -> list:
        """(base folder, rules) from ``.git/info/exclude``, then each ``.gitignore`` from ``root``
        down to ``folder`` (``root`` or a folder below it); built once per folder, from its
        parent's, as every file in it asks."""
        chain = self._chains.get((root, folder))
        if chain is not None:
            return chain
        below = [folder]  # the folders whose chains are missing, deepest first
        while below[-1] != root:
            parent = os.path.dirname(below[-1])
            if parent == below[-1]:
                break
            chain = self._chains.get((root, parent))
            if chain is not None:
                break
            below.append(parent)
        if chain is None:
            exclude = self._spec(os.path.join(root, ".git", "info", "exclude"))
            chain = [(root, exclude)] if exclude is not None else []
        for base in reversed(below):
            spec = self._spec(os.path.join(base, ".gitignore"))
            if spec is not None:
                chain = [*chain, (base, spec)]
            self._chains[(root, base)] = chain
        return chain

    def _spec(self, file: str):
        if file not in self._specs:
            spec = None
            try:
                if os.path.isfile(file):
                    with open(file, encoding="utf-8", errors="replace") as fh:
                        lines = fh.read(1 << 20).splitlines()  # an ignore file is small; never read a huge one whole
                    import pathspec

                    spec = pathspec.GitIgnoreSpec.from_lines(lines)
            except (OSError, ValueError):
                spec = None  # an unreadable or malformed ignore file ignores nothing
            self._specs[file] = spec
        return self._specs[file]
