"""Project settings: ``[tool.sftlint]`` in pyproject.toml, or ``sftlint.toml`` / ``.sftlint.toml``.

Settings are found upward from each linted file, the nearest file winning (in one folder:
``.sftlint.toml``, then ``sftlint.toml``, then a ``pyproject.toml`` that has ``[tool.sftlint]``),
as ruff does; a pyproject.toml without the table is passed over. ``sftlint.toml`` holds the same
keys at its top level. Unknown keys and values of the wrong type are errors, not ignored, so a typo
never silently disables a setting: the message names the file, the line and the nearest known key.

What can only be checked once the plugins are loaded (rule codes in ``select``, options of each
rule, plugin tables such as ``[tool.sftlint.scaling]``) is checked by :mod:`sftlint.lint.selection`,
called by :class:`sftlint.lint.session.Session` for each settings file it meets.
"""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Collection, Iterable

from ..lint.findings import Severity
from ..records import field, record
from ..files.safe_paths import is_dir, is_file
from .toml_lines import toml_module

SETTINGS_FILES = (".sftlint.toml", "sftlint.toml", "pyproject.toml")
PYPROJECT_TABLE = ("tool", "sftlint")
#: Upper bounds that keep later arithmetic finite and fast; no real run comes near them.
MAX_WORLD_SIZE = 1_000_000
MAX_EXAMPLES = 10**12 - 1
MAX_GPU_MEMORY_GIB = 1_000_000.0


class SettingsError(Exception):
    """A settings file that cannot be used; the message names the file, the line and the key."""

    def __init__(self, message: str, key: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        #: Where in the settings table the problem is, for finding its line.
        self.key = key


@record
class Settings:
    #: The settings file these came from (None: built-in defaults).
    path: Path | None = None
    select: list[str] = field(default_factory=lambda: ["ALL"])
    ignore: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    extend_ignore: list[str] = field(default_factory=list)
    #: glob (relative to the settings file's folder) -> codes or prefixes to ignore there
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    #: code or prefix -> severity (the longest matching prefix wins)
    severity: dict[str, Severity] = field(default_factory=dict)
    #: rule code or name, as written -> {option (kebab-case): value}
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Plugin tables (``[tool.sftlint.scaling]``) as written, until checked against the plugins
    #: that declare them (:mod:`sftlint.settings.options`)...
    raw_tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: ...and then parsed: table name -> {kebab-case key: value}, only the keys written.
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    world_size: int = 1
    plugins: list[str] = field(default_factory=list)
    #: training examples when the data cannot be read locally: one number for every file...
    num_examples: int | None = None
    #: ...or per config/dataset glob (relative to the settings file's folder)
    dataset_sizes: dict[str, int] = field(default_factory=dict)
    target_transformers: str | None = None
    target_trl: str | None = None
    dialect: str | None = None
    gpu_memory_gib: float | None = None
    exclude: list[str] = field(default_factory=list)
    #: Apply ``exclude`` to files named on the command line too (as pre-commit names every file).
    force_exclude: bool = False
    #: Let the plan search dataset folders outside the project (the config's folder and the
    #: working directory); off, a config cannot make sftlint walk ``/``.
    read_data_outside: bool = False
    #: Skip files that ``.gitignore`` files (and ``.git/info/exclude``) ignore, as git and ruff do.
    respect_gitignore: bool = True
    #: The lowest severity whose findings fail the run (exit 1); lower ones are reported only.
    fail_on: Severity = Severity.WARNING
    #: The output format when neither ``--output-format`` nor ``SFTLINT_OUTPUT_FORMAT`` names one.
    output_format: str | None = None
    #: Attributes set from the command line (checked as options, not as this file's keys).
    overridden: frozenset[str] = frozenset()
    _resolved_root: str | None = field(default=None, repr=False, compare=False)
    #: rule class -> its merged options (the defaults, then this file's values)
    _options: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def root(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    def relative(self, file: Path, real: str | None = None) -> str:
        """``file`` relative to the settings file's folder, as globs in settings are written
        (``real``: its real path, when a folder search already knows it)."""
        root = self._resolved_root
        if root is None:
            root = self._resolved_root = os.path.realpath(self.root)
        absolute = real if real is not None else os.path.realpath(file)
        if absolute == root:
            return "."
        inside = root.rstrip(os.sep) + os.sep
        if absolute.startswith(inside):
            return absolute[len(inside):]  # both are real paths, so this is what relpath would say
        return PurePosixPath(file).as_posix()

    def ignored_for(self, file: Path) -> list[str]:
        """Codes or prefixes that ``per-file-ignores`` turns off for ``file``."""
        if not self.per_file_ignores:
            return []
        rel = self.relative(file)
        out: list[str] = []
        for pattern, codes in self.per_file_ignores.items():
            if glob_match(rel, pattern):
                out.extend(codes)
        return out

    def dataset_size_for(self, *paths: Path | str) -> int | None:
        if not self.dataset_sizes:
            return None
        for candidate in paths:
            rel = self.relative(Path(candidate))
            for pattern, size in self.dataset_sizes.items():
                if glob_match(rel, pattern) or glob_match(str(candidate), pattern):
                    return size
        return None

    def is_excluded(self, file: Path, real: str | None = None) -> bool:
        if not self.exclude:
            return False
        rel = self.relative(file, real)
        return any(glob_match(rel, p) for p in self.exclude)

    def is_excluded_with_parents(self, file: Path) -> bool:
        """Whether ``file`` or a folder holding it (below the settings file) is excluded.

        A search never enters an excluded folder; a file named directly is checked against every
        folder above it, so ``exclude = ["generated"]`` covers ``generated/a.yaml`` either way.
        """
        if not self.exclude:
            return False
        if self.is_excluded(file):
            return True
        root = os.path.realpath(self.root).rstrip(os.sep) + os.sep
        folder = os.path.dirname(os.path.realpath(file))
        while folder.startswith(root):
            if self.is_excluded(Path(folder)):
                return True
            folder = os.path.dirname(folder)
        return False

    @property
    def scaling(self) -> dict[str, Any]:
        """``[tool.sftlint.scaling]``, parsed (empty when not written)."""
        return self.tables.get("scaling", {})

    def options_for(self, rule) -> dict[str, Any]:
        """The rule's options: its defaults, overridden by ``[tool.sftlint.rules.CODE]``."""
        merged = self._options.get(rule)
        if merged is None:
            from .options import defaults

            merged = defaults(rule.options)
            for key, options in self.rule_options.items():
                if key.upper() == rule.code or key == rule.name:
                    merged.update(options)
            self._options[rule] = merged
        return dict(merged)

    def error(self, key: tuple[str, ...], message: str) -> SettingsError:
        """A :class:`SettingsError` for ``key`` of this file, with the file, table and line."""
        return _located(self.path, SettingsError(message, key))


def glob_match(path: str, pattern: str) -> bool:
    """Match a POSIX relative path against a settings glob.

    A pattern without ``/`` matches the file name in any folder (``*.json``), ``dir/**`` matches
    everything below ``dir`` and a leading ``**/`` also matches at the top, as in ruff and git.
    """
    if fnmatch.fnmatch(path, pattern):
        return True
    if "/" not in pattern.rstrip("/"):
        name = path.rsplit("/", 1)[-1]
        return fnmatch.fnmatch(name, pattern) or any(fnmatch.fnmatch(part, pattern.rstrip("/"))
                                                     for part in path.split("/")[:-1])
    if pattern.startswith("**/") and glob_match(path, pattern[3:]):
        return True
    return pattern.endswith("/**") and (path + "/").startswith(pattern[:-3] + "/")


# --- parsing one table ---------------------------------------------------------------------------


def _str_list(key: tuple[str, ...], value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SettingsError(f"'{'.'.join(key)}' must be a list of strings, not {value!r}", key)
    return list(value)


def _codes(key: tuple[str, ...], value: Any) -> list[str]:
    out = []
    for item in _str_list(key, value):
        code = item.strip().upper()
        if not code:
            raise SettingsError(f"'{'.'.join(key)}' holds an empty code", key)
        out.append(code)
    return out


def _positive_int(key: tuple[str, ...], value: Any, limit: int = MAX_EXAMPLES) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
        raise SettingsError(f"'{'.'.join(key)}' must be a whole number from 1 to {limit:,}, not {_short(value)}", key)
    return value


def _positive_number(key: tuple[str, ...], value: Any, limit: float = MAX_GPU_MEMORY_GIB) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= limit:
        raise SettingsError(f"'{'.'.join(key)}' must be a positive number up to {limit:g}, not {_short(value)}", key)
    return float(value)


def _short(value: Any) -> str:
    """``repr`` of a value for a message, cut short (a settings file may hold a 5,000-digit number)."""
    text = repr(value) if not isinstance(value, int) or abs(value) < 10**30 else "a number of over 30 digits"
    return text if len(text) <= 80 else text[:77] + "..."


_VERSION = None


def _version(key: tuple[str, ...], value: Any) -> str:
    """A release such as ``"5.24"`` or ``"1.15.0"``: what ``target-transformers`` compares against."""
    global _VERSION
    if _VERSION is None:
        import re

        _VERSION = re.compile(r"^[0-9]{1,4}(\.[0-9]{1,4}){0,2}$")
    if not isinstance(value, str) or not _VERSION.match(value.strip()):
        raise SettingsError(f"'{'.'.join(key)}' must be a release number such as \"5.24\", not {_short(value)}", key)
    return value.strip()


def _bool(key: tuple[str, ...], value: Any) -> bool:
    if not isinstance(value, bool):
        raise SettingsError(f"'{'.'.join(key)}' must be true or false, not {value!r}", key)
    return value


def _string(key: tuple[str, ...], value: Any, what: str = "a string") -> str:
    if not isinstance(value, str) or not value.strip():
        raise SettingsError(f"'{'.'.join(key)}' must be {what}, not {value!r}", key)
    return value


def _table(key: tuple[str, ...], value: Any) -> dict:
    if not isinstance(value, dict):
        raise SettingsError(f"'{'.'.join(key)}' must be a table, not {value!r}", key)
    return value


def unknown_key(key: tuple[str, ...], known, what: str = "setting") -> SettingsError:
    """An error for an unknown key, suggesting the closest known one."""
    import difflib

    name = key[-1]
    close = difflib.get_close_matches(name.replace("_", "-"), list(known), n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else f" (known: {', '.join(sorted(known))})"
    return SettingsError(f"unknown {what} '{'.'.join(key)}'{hint}", key)


def _severity(key: tuple[str, ...], value: Any) -> dict[str, Severity]:
    out = {}
    for code, level in _table(key, value).items():
        try:
            out[code.strip().upper()] = Severity.parse(str(level))
        except ValueError as exc:
            raise SettingsError(f"'{'.'.join((*key, code))}': {exc}", (*key, code)) from None
    return out


def _fail_on(key: tuple[str, ...], value: Any) -> Severity:
    try:
        return Severity.parse(_string(key, value, "error, warning or info"))
    except ValueError as exc:
        raise SettingsError(f"'{'.'.join(key)}': {exc}", key) from None


def _output_format(key: tuple[str, ...], value: Any) -> str:
    from ..output import FORMATS

    if value not in FORMATS:
        raise SettingsError(f"'{'.'.join(key)}' must be one of {', '.join(FORMATS)}, not {value!r}", key)
    return value


def _rule_options(key: tuple[str, ...], value: Any) -> dict[str, dict[str, Any]]:
    return {rule: {opt.replace("_", "-"): v for opt, v in _table((*key, rule), options).items()}
            for rule, options in _table(key, value).items()}


_Parser = Callable[[tuple[str, ...], Any], Any]
#: kebab-case key -> (attribute, parser). "scaling" and the exclude keys are handled apart.
_KEYS: dict[str, tuple[str, _Parser]] = {
    "select": ("select", _codes),
    "ignore": ("ignore", _codes),
    "extend-select": ("extend_select", _codes),
    "extend-ignore": ("extend_ignore", _codes),
    "per-file-ignores": ("per_file_ignores",
                         lambda k, v: {g: _codes((*k, g), c) for g, c in _table(k, v).items()}),
    "severity": ("severity", _severity),
    "rules": ("rule_options", _rule_options),
    "world-size": ("world_size", lambda k, v: _positive_int(k, v, MAX_WORLD_SIZE)),
    "plugins": ("plugins", _str_list),
    "num-examples": ("num_examples", _positive_int),
    "dataset-sizes": ("dataset_sizes",
                      lambda k, v: {g: _positive_int((*k, g), n) for g, n in _table(k, v).items()}),
    "target-transformers": ("target_transformers", _version),
    "target-trl": ("target_trl", _version),
    "dialect": ("dialect", lambda k, v: _string(k, v, "a dialect name")),
    "gpu-memory-gib": ("gpu_memory_gib", _positive_number),
    "force-exclude": ("force_exclude", _bool),
    "read-data-outside": ("read_data_outside", _bool),
    "respect-gitignore": ("respect_gitignore", _bool),
    "fail-on": ("fail_on", _fail_on),
    "output-format": ("output_format", _output_format),
}
KNOWN_KEYS = (*_KEYS, "exclude", "extend-exclude")


def parse_settings(data: dict[str, Any], path: Path | None) -> Settings:
    """Build :class:`Settings` from one settings table (keys as written, ``_`` or ``-``)."""
    s = Settings(path=path)
    for raw, value in data.items():
        key = raw.replace("_", "-")
        if key in _KEYS:
            attribute, parse = _KEYS[key]
            setattr(s, attribute, parse((raw,), value))
        elif isinstance(value, dict):  # a plugin's table: checked once the plugins are loaded
            s.raw_tables[raw] = value
        elif key in ("exclude", "extend-exclude"):
            s.exclude += _str_list((raw,), value)
        else:
            raise unknown_key((raw,), KNOWN_KEYS)
    return s


# --- files ---------------------------------------------------------------------------------------


def _read_toml(path: Path) -> dict[str, Any]:
    tomllib = toml_module()
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise SettingsError(f"{path}: not valid UTF-8 (byte {exc.start}); save it as UTF-8") from None
    except RecursionError:
        raise SettingsError(f"{path}: invalid TOML: nesting is too deep") from None
    except ValueError as exc:  # an integer of over 4,300 digits, which Python refuses to convert
        raise SettingsError(f"{path}: invalid TOML: {str(exc)[:120]}") from None


def _located(path: Path | None, exc: SettingsError) -> SettingsError:
    """Prefix a parse error with ``file:line: [table]:``."""
    if path is None:
        return exc
    table = PYPROJECT_TABLE if path.name == "pyproject.toml" else ()
    line = None
    if exc.key:
        from .toml_lines import key_line  # only for an error message

        try:
            line = key_line(path.read_text(encoding="utf-8", errors="replace"), (*table, *exc.key))
        except OSError:
            pass
    where = f"{path}:{line}" if line else str(path)
    label = "[tool.sftlint]" if table else "settings"
    return SettingsError(f"{where}: {label}: {exc}", exc.key)


def load_settings_file(path: Path) -> Settings:
    """Read one settings file; raise :class:`SettingsError` naming the file on any problem."""
    data = _read_toml(path)
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("sftlint", {})
        if not isinstance(data, dict):
            raise SettingsError(f"{path}: 'tool.sftlint' must be a table")
    try:
        return parse_settings(data, path)
    except SettingsError as exc:
        raise _located(path, exc) from None


def find_settings_file(start: Path) -> Path | None:
    """The nearest settings file at or above ``start`` (a file or a folder), or None."""
    folder = (start if is_dir(start) else start.parent).resolve()
    for directory in (folder, *folder.parents):
        found = _settings_file_in(str(directory))
        if found is not None:
            return found
    return None


def _settings_file_in(folder: str, names: Collection[str] | None = None) -> Path | None:
    """The settings file in ``folder`` itself (not above it), or None.

    ``names``: the folder's listing when the caller has just read it, so that only the settings
    files present are looked at (a search meets hundreds of folders holding none).
    """
    for name in SETTINGS_FILES:
        if names is not None and name not in names:
            continue
        candidate = os.path.join(folder, name)
        if is_file(candidate) and (name != "pyproject.toml" or _has_tool_table(Path(candidate))):
            return Path(candidate)
    return None


def _has_tool_table(pyproject: Path) -> bool:
    """Whether a pyproject.toml has a ``[tool.sftlint]`` table (one that cannot be parsed counts
    when it mentions sftlint, so its error is reported rather than silently skipped)."""
    try:
        text = pyproject.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    if "sftlint" not in text:
        return False
    tomllib = toml_module()
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError, RecursionError):
        return True
    tool = data.get("tool")
    return isinstance(tool, dict) and "sftlint" in tool


#: Command-line overrides that extend a list of the settings instead of replacing it.
_EXTENDING = {"extend_select": "extend_select", "extend_ignore": "extend_ignore", "extend_exclude": "exclude"}


class SettingsResolver:
    """Finds, loads and caches the settings for each linted file.

    ``overrides`` (from the command line) replace the file's values. Loading only reads and parses
    each file; what needs the plugins (rule codes, options, plugin tables) is checked by
    :class:`sftlint.lint.session.Session`, which owns the resolver.
    """

    def __init__(self, forced: Path | None = None, overrides: dict[str, Any] | None = None) -> None:
        self.forced = forced
        self.overrides = overrides or {}
        self._by_file: dict[Path | None, Settings] = {}
        #: resolved folder -> the nearest settings file at or above it: the folders of a project
        #: share their ancestors, so each folder is looked in once, not once per folder below it
        self._by_dir: dict[str, Path | None] = {}
        #: absolute path as given -> its settings file, and the same for each folder as given: a
        #: file is asked about several times per lint (discovery, the check, the report), and
        #: resolving a folder costs a system call per path component each time
        self._by_path: dict[str, Path | None] = {}
        self._by_folder: dict[str, Path | None] = {}

    def for_path(self, path: Path) -> Settings:
        if self.forced is not None:
            return self._settings(self.forced)
        key = _absolute(path)
        settings_file = self._by_path.get(key, _UNSET)
        if settings_file is _UNSET:
            folder = key if is_dir(path) else os.path.dirname(key)
            settings_file = self._by_folder.get(folder, _UNSET)
            if settings_file is _UNSET:
                settings_file = self._by_folder[folder] = self._nearest(str(Path(folder).resolve()))
            self._by_path[key] = settings_file
        return self._settings(settings_file)

    def for_listed(self, folder: str, names: Collection[str], files: Iterable[Path] = ()) -> Settings:
        """The settings of a folder a search has just listed, and of ``files``, regular files in it.

        ``folder`` is the folder's real path (no symbolic link in it) and ``names`` its listing, so
        nothing needs resolving and only settings files present are looked at; the files' answers
        are kept for :meth:`for_path`, which the check asks again for each file.
        """
        if self.forced is not None:
            return self._settings(self.forced)
        settings_file = self._by_dir.get(folder, _UNSET)
        if settings_file is _UNSET:
            here = _settings_file_in(folder, names)
            settings_file = self._by_dir[folder] = here if here is not None else self._nearest(os.path.dirname(folder))
        files = list(files)
        # a folder's files are all relative or all absolute: the working directory is asked for once
        cwd = os.getcwd() if files and not os.path.isabs(os.fspath(files[0])) else None
        for file in files:
            self._by_path.setdefault(_absolute(file, cwd), settings_file)
        return self._settings(settings_file)

    def _nearest(self, folder: str) -> Path | None:
        """The nearest settings file at or above ``folder`` (a resolved path)."""
        walked = []
        found = self._by_dir.get(folder, _UNSET)
        while found is _UNSET:
            walked.append(folder)
            found = _settings_file_in(folder)
            if found is None:
                parent = os.path.dirname(folder)
                if parent == folder:
                    break
                folder = parent
                found = self._by_dir.get(folder, _UNSET)
        for each in walked:
            self._by_dir[each] = found
        return found

    def _settings(self, settings_file: Path | None) -> Settings:
        """The settings loaded from ``settings_file`` (built-in defaults for None), loaded once."""
        settings = self._by_file.get(settings_file)
        if settings is None:
            settings = load_settings_file(settings_file) if settings_file else Settings()
            for key, value in self.overrides.items():
                if key in _EXTENDING:  # --extend-ignore and the like add to what the file says
                    target = _EXTENDING[key]
                    setattr(settings, target, [*getattr(settings, target), *value])
                else:
                    setattr(settings, key, value)
            settings.overridden = frozenset(self.overrides)
            self._by_file[settings_file] = settings
        return settings


#: "not looked up yet" (None is an answer: no settings file)
_UNSET: Any = object()


def _absolute(path: Path | str, cwd: str | None = None) -> str:
    """``path`` made absolute without normalising it ("a/link/.." must still mean what the system
    says), against ``cwd`` when the caller has just asked for the working directory."""
    key = os.fspath(path)
    return key if os.path.isabs(key) else os.path.join(cwd if cwd is not None else os.getcwd(), key)
