"""Project settings: ``[tool.sftlint]`` in pyproject.toml, or ``sftlint.toml`` / ``.sftlint.toml``.

Settings are found upward from each linted file, the nearest file winning (in one folder:
``.sftlint.toml``, then ``sftlint.toml``, then a ``pyproject.toml`` that has ``[tool.sftlint]``),
as ruff does. ``sftlint.toml`` holds the same keys at its top level. Unknown keys are an error, not
ignored, so a typo never silently disables a setting.
"""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from .findings import Severity

SETTINGS_FILES = (".sftlint.toml", "sftlint.toml", "pyproject.toml")


class SettingsError(Exception):
    """A settings file that cannot be used; the message names the file and the key."""


@dataclass
class Settings:
    #: The settings file these came from (None: built-in defaults).
    path: Path | None = None
    select: list[str] = field(default_factory=lambda: ["ALL"])
    ignore: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    #: glob (relative to the settings file's folder) -> codes or prefixes to ignore there
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    severity: dict[str, Severity] = field(default_factory=dict)
    #: rule code or name -> {option: value}
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    scaling: dict[str, Any] = field(default_factory=dict)
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

    @property
    def root(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    def relative(self, file: Path) -> str:
        try:
            return PurePosixPath(file.resolve().relative_to(self.root.resolve())).as_posix()
        except ValueError:
            return PurePosixPath(file).as_posix()

    def ignored_for(self, file: Path) -> list[str]:
        rel = self.relative(file)
        out: list[str] = []
        for pattern, codes in self.per_file_ignores.items():
            if _glob_match(rel, pattern):
                out.extend(codes)
        return out

    def dataset_size_for(self, *paths: Path | str) -> int | None:
        for candidate in paths:
            rel = self.relative(Path(candidate))
            for pattern, size in self.dataset_sizes.items():
                if _glob_match(rel, pattern) or _glob_match(str(candidate), pattern):
                    return size
        return None

    def is_excluded(self, file: Path) -> bool:
        rel = self.relative(file)
        return any(_glob_match(rel, p) or fnmatch.fnmatch(file.name, p) for p in self.exclude)

    def options_for(self, rule) -> dict[str, Any]:
        merged = dict(rule.options)
        for key in (rule.code, rule.name):
            merged.update(self.rule_options.get(key, {}))
        return merged


def _glob_match(path: str, pattern: str) -> bool:
    if fnmatch.fnmatch(path, pattern):
        return True
    if "/" not in pattern:  # a bare file pattern matches in any folder, as in ruff
        return fnmatch.fnmatch(path.rsplit("/", 1)[-1], pattern)
    return pattern.endswith("/**") and path.startswith(pattern[:-3] + "/")


# key -> (attribute, parser)
def _str_list(name: str, value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SettingsError(f"'{name}' must be a list of strings")
    return list(value)


def _codes(name: str, value: Any) -> list[str]:
    return [v.strip().upper() if v.strip().upper() != "ALL" else "ALL" for v in _str_list(name, value)]


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SettingsError(f"'{name}' must be a whole number of at least 1, not {value!r}")
    return value


def _table(name: str, value: Any) -> dict:
    if not isinstance(value, dict):
        raise SettingsError(f"'{name}' must be a table")
    return value


def _parse(data: dict[str, Any], path: Path) -> Settings:
    s = Settings(path=path)
    for raw_key, value in data.items():
        key = raw_key.replace("_", "-")
        if key == "select":
            s.select = _codes(key, value)
        elif key == "ignore":
            s.ignore = _codes(key, value)
        elif key == "extend-select":
            s.extend_select = _codes(key, value)
        elif key == "per-file-ignores":
            s.per_file_ignores = {str(k): _codes(f"{key}.{k}", v) for k, v in _table(key, value).items()}
        elif key == "severity":
            try:
                s.severity = {str(k).upper(): Severity.parse(str(v)) for k, v in _table(key, value).items()}
            except ValueError as exc:
                raise SettingsError(f"'severity': {exc}") from None
        elif key == "rules":
            s.rule_options = {str(k): dict(_table(f"rules.{k}", v)) for k, v in _table(key, value).items()}
        elif key == "scaling":
            s.scaling = dict(_table(key, value))
        elif key == "world-size":
            s.world_size = _positive_int(key, value)
        elif key == "plugins":
            s.plugins = _str_list(key, value)
        elif key == "num-examples":
            s.num_examples = _positive_int(key, value)
        elif key == "dataset-sizes":
            s.dataset_sizes = {str(k): _positive_int(f"{key}.{k}", v) for k, v in _table(key, value).items()}
        elif key in ("target-transformers", "target-trl"):
            if not isinstance(value, str):
                raise SettingsError(f"'{key}' must be a version string such as \"5.24\"")
            setattr(s, key.replace("-", "_"), value)
        elif key == "dialect":
            if not isinstance(value, str):
                raise SettingsError("'dialect' must be a dialect name")
            s.dialect = value
        elif key == "gpu-memory-gib":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise SettingsError(f"'gpu-memory-gib' must be a positive number, not {value!r}")
            s.gpu_memory_gib = float(value)
        elif key in ("exclude", "extend-exclude"):
            s.exclude += _str_list(key, value)
        else:
            raise SettingsError(f"unknown setting '{raw_key}'")
    return s


def load_settings_file(path: Path) -> Settings:
    """Read one settings file; raise :class:`SettingsError` naming the file on any problem."""
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: invalid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("sftlint", {})
    try:
        return _parse(data, path)
    except SettingsError as exc:
        table = "[tool.sftlint]" if path.name == "pyproject.toml" else "settings"
        raise SettingsError(f"{path}: {table}: {exc}") from None


def find_settings_file(start: Path) -> Path | None:
    folder = start if start.is_dir() else start.parent
    folder = folder.resolve()
    for directory in (folder, *folder.parents):
        for name in SETTINGS_FILES:
            candidate = directory / name
            if candidate.is_file():
                if name == "pyproject.toml" and not _has_tool_table(candidate):
                    continue
                return candidate
    return None


def _has_tool_table(pyproject: Path) -> bool:
    try:
        text = pyproject.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return "[tool.sftlint" in text


class SettingsResolver:
    """Finds and caches the settings for each linted file."""

    def __init__(self, forced: Path | None = None, overrides: dict[str, Any] | None = None) -> None:
        self.forced = forced
        self.overrides = overrides or {}
        self._by_file: dict[Path | None, Settings] = {}
        self._by_dir: dict[Path, Path | None] = {}

    def for_path(self, path: Path) -> Settings:
        if self.forced is not None:
            settings_file: Path | None = self.forced
        else:
            folder = (path if path.is_dir() else path.parent).resolve()
            if folder not in self._by_dir:
                self._by_dir[folder] = find_settings_file(folder)
            settings_file = self._by_dir[folder]
        if settings_file not in self._by_file:
            settings = load_settings_file(settings_file) if settings_file else Settings()
            for key, value in self.overrides.items():
                setattr(settings, key, value)
            self._by_file[settings_file] = settings
        return self._by_file[settings_file]

    def all_loaded(self) -> list[Settings]:
        return list(self._by_file.values())
