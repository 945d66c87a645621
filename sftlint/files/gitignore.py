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


class GitIgnore:
    """Answers "does git ignore this path?" for many paths, reading each ignore file once."""

    def __init__(self) -> None:
        #: folder -> its compiled ignore rules (None: the folder has no .gitignore)
        self._specs: dict[str, object | None] = {}
        #: folder -> the repository root above it, or None
        self._roots: dict[str, str | None] = {}

    def ignored(self, path: Path | str, *, is_dir: bool = False, top: Path | str | None = None) -> bool:
        """Whether git ignores ``path`` itself (its folders are not checked; see :meth:`ignored_with_parents`).

        ``top`` is where the rules start when ``path`` is in no repository (the folder searched).
        """
        absolute = os.path.abspath(path)
        folder = os.path.dirname(absolute)
        root = self._root(folder)
        if root is None:
            if top is None:
                return False
            root = os.path.abspath(top)
            if not (folder == root or folder.startswith(root.rstrip(os.sep) + os.sep)):
                return False
        decision = None
        for base, spec in self._chain(root, folder):
            relative = os.path.relpath(absolute, base).replace(os.sep, "/") + ("/" if is_dir else "")
            include = spec.check_file(relative).include
            if include is not None:
                decision = include
        return bool(decision)

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
        if folder not in self._roots:
            found = None
            current = folder
            while True:
                if os.path.exists(os.path.join(current, ".git")):
                    found = current
                    break
                parent = os.path.dirname(current)
                if parent == current:
                    break
                current = parent
            self._roots[folder] = found
        return self._roots[folder]

    def _chain(self, root: str, folder: str):
        """(base folder, rules) from ``.git/info/exclude``, then each ``.gitignore`` from ``root``
        down to ``folder``."""
        exclude = self._spec(os.path.join(root, ".git", "info", "exclude"))
        if exclude is not None:
            yield root, exclude
        folders = [folder]
        while folders[-1] != root and folders[-1].startswith(root):
            parent = os.path.dirname(folders[-1])
            if parent == folders[-1]:
                break
            folders.append(parent)
        for base in reversed(folders):
            spec = self._spec(os.path.join(base, ".gitignore"))
            if spec is not None:
                yield base, spec

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
