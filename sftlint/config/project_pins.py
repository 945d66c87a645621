"""The releases of the training tools that a config's own project pins.

A key that TRL 0.20 removed is an error for a project that installs the newest TRL, and a valid
setting for one that pins ``trl==0.18.0``. The rules that know when a key or value left a tool
(KT002, KT004, WS003, WS004) ask :func:`project_pins` which releases the project allows, and judge
the config against the newest of them.

The project is the nearest folder above the config (the config's own folder first) that holds
``.git``, ``pyproject.toml``, ``setup.py``, ``setup.cfg`` or a ``requirements*.txt``; the search
stops at the settings file's folder, and before the temporary folder and the filesystem root,
which are no project. Its pins are read from
``pyproject.toml`` (``[project] dependencies`` and ``optional-dependencies``), every
``requirements*.txt`` beside it, ``setup.cfg`` (``install_requires``, ``extras_require``) and
``setup.py``, which is parsed with :mod:`ast` and never run: every string literal in it that is a
requirement of one of the tools counts, so the lists projects build their ``install_requires``
from (``_deps = [...]``) are read too.

Only the upper bound matters (``==``, ``<``, ``<=``, ``~=``, ``==X.*``): a project that asks for
``trl>=0.19`` gets the newest TRL on a fresh install. Files are small and bounded, read once per
folder and process (re-read when one changes), and every path looked at is recorded for
``pytest --sftlint``'s cache (:func:`sftlint.files.inputs.note`).
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from ..records import field, record

#: The tools whose pins matter, by normalised distribution name (PEP 503).
PACKAGES = {"transformers": "transformers", "trl": "trl", "axolotl": "axolotl",
            "llamafactory": "llamafactory", "llama-factory": "llamafactory"}
MARKERS = (".git", "pyproject.toml", "setup.py", "setup.cfg")
REQUIREMENTS = "requirements*.txt"
#: Files larger than this are not pin files anyone writes by hand; they are not read.
MAX_BYTES = 256 * 1024
MAX_REQUIREMENT_FILES = 16
MAX_LEVELS = 64
#: A version part above any release: ``<0.20`` allows up to (0, 19, BEYOND).
BEYOND = 10**6

# Patterns that ``re`` compiles on first use: only a project with a pin file needs them.
_NAME = r"(?s)^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]]*\])?\s*(.*)$"
_MENTIONS = r"(?i)\b(transformers|trl|axolotl|llama[-_.]?factory)\b"


@record(frozen=True)
class Pin:
    """The tightest upper bound a project puts on one tool."""

    package: str
    #: the requirement as written (``trl[vllm]==0.18.0``)
    requirement: str
    #: the file it was read from
    source: str
    #: the newest release the bound allows, as a (major, minor, patch) tuple that compares with
    #: :func:`sftlint.config.key_snapshots.version` tuples (``<0.20`` -> (0, 19, BEYOND))
    newest: tuple[int, ...]
    #: the same in words: "up to 0.18.0", "below 0.20"
    bound: str = ""

    def where(self, root: Path | None = None) -> str:
        """The file the pin is written in, relative to ``root`` when given."""
        if root is not None:
            try:
                return os.path.relpath(self.source, root)
            except ValueError:
                pass
        return self.source

    def describe(self, root: Path | None = None) -> str:
        return f"{self.requirement} in {self.where(root)}"


@record(frozen=True)
class ProjectPins:
    """What the project around a config pins: its root folder (None when no project was found)
    and the pin of each tool it bounds from above."""

    root: Path | None = None
    pins: dict[str, Pin] = field(default_factory=dict)
    #: every file read, for reporting and for the cache
    read: tuple[str, ...] = ()

    def pin(self, package: str) -> Pin | None:
        return self.pins.get(package)


#: (start folder, stop folder) -> [pins, paths looked at, signatures of those paths, when checked]
_cache: dict[tuple[str, str], list] = {}
_CACHE_SIZE = 4096
#: Seconds a cached answer is trusted without checking its files again: a rule asks several
#: times per config, a folder holds many configs; a long-running editor session still sees an
#: edited requirements file on its next lint.
RECHECK_AFTER = 1.0


def project_pins(config: Path | str, stop: Path | str | None = None) -> ProjectPins:
    """The pins of the project that holds ``config`` (a file path; it need not exist)."""
    from ..files import inputs

    start = os.path.dirname(os.path.abspath(os.fspath(config)))
    top = os.path.abspath(os.fspath(stop)) if stop is not None else ""
    key = (start, top)
    now = time.monotonic()
    cached = _cache.get(key)
    if cached is not None and (now - cached[3] < RECHECK_AFTER or _current_stamps(cached[1]) == cached[2]):
        cached[3] = now if now - cached[3] >= RECHECK_AFTER else cached[3]
        pins, looked = cached[0], cached[1]
    else:
        pins, looked, stamps = _find(start, top)
        if len(_cache) >= _CACHE_SIZE:
            _cache.clear()
        _cache[key] = [pins, looked, stamps, now]
    if inputs.recording_now():
        for path in looked:
            inputs.note(path)
    return pins


def pins_for(settings, config: Path | str) -> ProjectPins:
    """:func:`project_pins` of ``config``, the search stopping at the folder of the settings file
    that governs it (when the config lies below that folder)."""
    stop = None
    if settings is not None and getattr(settings, "path", None) is not None:
        root = os.path.dirname(os.path.abspath(settings.path))
        here = os.path.abspath(os.fspath(config))
        if here.startswith(root.rstrip(os.sep) + os.sep):
            stop = root
    return project_pins(config, stop)


def _stamps(paths: tuple[str, ...]) -> tuple:
    """What changes when a probed path appears, disappears or is edited; for the requirements
    glob, the folder's own modification time (it changes when a file is added or renamed)."""
    out: list[tuple[int, int] | None] = []
    for path in paths:
        if "*" in path:
            path = os.path.dirname(path)
        try:
            info = os.stat(path)
        except (OSError, ValueError):
            out.append(None)
        else:
            out.append((info.st_size, info.st_mtime_ns))
    return tuple(out)


def _current_stamps(looked: tuple[str, ...]) -> tuple:
    """The stamps of the paths :func:`_find` looked at, as it took them: the system is asked once
    per folder when the folder is unchanged since it was listed (a marker it did not hold is still
    not there), and about each path that may have changed."""
    out: list[tuple[int, int] | None] = []
    folders: dict[str, tuple] = {}  # folder -> (its stamp, its listing if still true)
    for path in looked:
        folder, name = os.path.split(path)
        if "*" in name or name in MARKERS:
            if folder not in folders:
                stamp = _stamps((folder,))[0]
                probe = _probes.get(folder)
                folders[folder] = (stamp, probe if probe is not None and stamp is not None and probe[0] == stamp else None)
            stamp, probe = folders[folder]
            if "*" in name:
                out.append(stamp)
                continue
            if probe is not None and not probe[2][MARKERS.index(name)]:
                out.append(None)
                continue
        out.append(_stamps((path,))[0])
    return tuple(out)


def _not_projects() -> frozenset[str]:
    """Folders that hold files of no project a config belongs to, even when they look like one:
    the filesystem root and the temporary folders (a container image's ``/requirements.txt``, a
    stray ``/tmp/requirements.txt``). A home folder may well be the project (containers often
    work in it), so it is not one of them."""
    # the places tempfile.gettempdir() chooses from, without importing tempfile (shutil, random
    # and more: a few milliseconds of a one-file check)
    names = [os.environ.get(var) for var in ("TMPDIR", "TEMP", "TMP")]
    names += [r"c:\temp", r"c:\tmp", r"\temp", r"\tmp"] if os.name == "nt" else ["/tmp", "/var/tmp", "/usr/tmp"]
    return frozenset(os.path.abspath(f) for f in (os.sep, *filter(None, names)))


def _find(start: str, top: str) -> tuple[ProjectPins, tuple[str, ...], tuple]:
    """The project at or above ``start``, the paths looked at and their :func:`_stamps`."""
    looked: list[str] = []
    stamps: list = []
    folder = start
    skip = _not_projects()
    for _ in range(MAX_LEVELS):
        if folder in skip:
            break
        markers = [os.path.join(folder, name) for name in MARKERS]
        looked.extend(markers)
        looked.append(os.path.join(folder, REQUIREMENTS))
        folder_stamp, requirements, present = _probe(folder)
        # a marker that is not there has no stamp; only the project's own folder has any
        stamps.extend(_stamps((path,))[0] if here else None for path, here in zip(markers, present))
        stamps.append(folder_stamp)
        if requirements or any(present):
            pins, read = _read_project(folder, requirements)
            added = [path for path in requirements if path not in looked]
            looked.extend(added)
            stamps.extend(_stamps(tuple(added)))
            return ProjectPins(Path(folder), pins, tuple(read)), tuple(looked), tuple(stamps)
        parent = os.path.dirname(folder)
        if folder == top or parent == folder:
            break
        folder = parent
    return ProjectPins(), tuple(looked), tuple(stamps)


#: folder -> (its stamp, its requirement files, which markers are there), kept while the folder's
#: stamp is unchanged: the configs of a tree share their ancestors, and a folder changes its
#: modification time when a name in it is added, removed or renamed
_probes: dict[str, tuple] = {}
#: A folder changed this recently may change again within its clock's tick without its stamp
#: changing, so what it holds is listed again (as git treats "racily clean" files).
SETTLED_NS = 2 * 10**9


def _probe(folder: str) -> tuple[tuple[int, int] | None, list[str], tuple[bool, ...]]:
    """What ``folder`` holds for the search: its stamp (as :func:`_stamps` takes it), its
    ``requirements*.txt`` files and, per marker, whether it is there (as ``os.path.lexists``)."""
    stamp = _stamps((folder,))[0]
    cached = _probes.get(folder)
    if cached is not None and stamp is not None and cached[0] == stamp:
        return cached
    listing = _listing(folder)
    if listing is None:  # unreadable: ask for each name (a folder may allow that without a listing)
        return stamp, [], tuple(os.path.lexists(os.path.join(folder, name)) for name in MARKERS)
    names, requirements = listing
    folded = {name.casefold() for name in names}
    # a name that differs only in case is asked about, for a filesystem that ignores case
    present = tuple(name in names or (name.casefold() in folded and os.path.lexists(os.path.join(folder, name)))
                    for name in MARKERS)
    probe = (stamp, requirements, present)
    if stamp is not None and time.time_ns() - stamp[1] > SETTLED_NS:
        if len(_probes) >= _CACHE_SIZE:
            _probes.clear()
        _probes[folder] = probe
    return probe


def _listing(folder: str) -> tuple[set[str], list[str]] | None:
    """The names in ``folder`` and its ``requirements*.txt`` files, sorted; listed without being
    recorded as a listing (only these names matter, and pytest's cache records the glob)."""
    from ..files.inputs import unrecorded

    try:
        with unrecorded(), os.scandir(folder) as entries:
            names = set()
            requirements = []
            for e in entries:
                names.add(e.name)
                if e.name.startswith("requirements") and e.name.endswith(".txt") and e.is_file():
                    requirements.append(e.name)
    except OSError:
        return None
    return names, [os.path.join(folder, n) for n in sorted(requirements)[:MAX_REQUIREMENT_FILES]]


def _read(path: str) -> str | None:
    """The text of a small regular file, or None."""
    from ..files.reading import ReadRefused, read_bounded

    try:
        return read_bounded(path, MAX_BYTES).decode("utf-8", "replace")
    except (OSError, ReadRefused, ValueError):
        return None


def _read_project(root: str, requirements: list[str]) -> tuple[dict[str, Pin], list[str]]:
    found: dict[str, Pin] = {}
    read: list[str] = []
    sources = [(os.path.join(root, "pyproject.toml"), _from_pyproject),
               (os.path.join(root, "setup.cfg"), _from_setup_cfg),
               (os.path.join(root, "setup.py"), _from_setup_py),
               *((path, _from_requirements) for path in requirements)]
    for path, reader in sources:
        if not os.path.isfile(path):
            continue
        text = _read(path)
        if text is None:
            continue
        read.append(path)
        if not re.search(_MENTIONS, text):
            continue
        for requirement in reader(text):
            pin = _pin(requirement, path)
            if pin is not None:
                earlier = found.get(pin.package)
                if earlier is None or pin.newest < earlier.newest:
                    found[pin.package] = pin
    return found, read


def _from_requirements(text: str) -> list[str]:
    """The requirement lines, without comments, pip options (``-r``, ``--hash=...``) and the
    line continuations pip-compile writes (``trl==0.16.0 \\``)."""
    out = []
    for line in text.splitlines():
        line = line.split(" #", 1)[0].split("\t#", 1)[0].strip()
        if not line or line.startswith(("#", "-")):
            continue
        line = re.split(r"\s+-", line, maxsplit=1)[0].rstrip("\\").strip()
        if line:
            out.append(line)
    return out


def _from_pyproject(text: str) -> list[str]:
    from ..settings.toml_lines import toml_module

    try:
        data = toml_module().loads(text)
    except Exception:  # a broken pyproject.toml is its own tools' business, not a pin
        return []
    project = data.get("project")
    if not isinstance(project, dict):
        return []
    out = list(project.get("dependencies") or []) if isinstance(project.get("dependencies"), list) else []
    extras = project.get("optional-dependencies")
    if isinstance(extras, dict):
        for values in extras.values():
            if isinstance(values, list):
                out.extend(values)
    return [r for r in out if isinstance(r, str)]


def _from_setup_cfg(text: str) -> list[str]:
    import configparser  # only for a project with a setup.cfg

    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return []
    out: list[str] = []
    if parser.has_option("options", "install_requires"):
        out.extend(parser.get("options", "install_requires").splitlines())
    if parser.has_section("options.extras_require"):
        for _name, value in parser.items("options.extras_require"):
            out.extend(value.splitlines())
    return [line.strip() for line in out if line.strip() and not line.strip().startswith("#")]


def _from_setup_py(text: str) -> list[str]:
    """Every string literal of ``setup.py`` that names one of the tools; the file is parsed, never run."""
    import ast  # only for projects with a setup.py: its import is a millisecond of every check

    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) < 300
            and re.search(_MENTIONS, node.value)]


def _pin(requirement: str, source: str) -> Pin | None:
    """The :class:`Pin` a requirement string puts on one of the tools, or None (another package,
    no upper bound, a URL, something unreadable)."""
    requirement = requirement.split(";", 1)[0].strip()
    match = re.match(_NAME, requirement)
    if not match:
        return None
    package = PACKAGES.get(re.sub(r"[-_.]+", "-", match[1]).lower())
    rest = match[2].strip()
    if package is None or not rest or rest.startswith("@"):
        return None
    if rest.startswith("(") and rest.endswith(")"):
        rest = rest[1:-1]
    newest = _newest_allowed(rest)
    if newest is None:
        return None
    return Pin(package, requirement, source, *newest)


def _newest_allowed(specifiers: str) -> tuple[tuple[int, ...], str] | None:
    """The newest release ``specifiers`` (``>=0.16,<0.20``) allow, and that bound in words; None
    without an upper bound."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version

    try:
        spec_set = SpecifierSet(specifiers)
    except InvalidSpecifier:
        return None
    bounds: list[tuple[tuple[int, ...], str]] = []
    for spec in spec_set:
        op, text = spec.operator, spec.version
        try:
            if op in ("==", "===") and text.endswith(".*"):
                after = _next(Version(text[:-2]).release)
                bounds.append((_below(after), f"below {_dotted(after)}"))
            elif op in ("==", "===", "<="):
                bounds.append((_release(Version(text)), f"up to {text}"))
            elif op == "<":
                bounds.append((_below(_release(Version(text))), f"below {text}"))
            elif op == "~=":
                release = Version(text).release
                if len(release) >= 2:
                    after = _next(release[:-1])
                    bounds.append((_below(after), f"below {_dotted(after)}"))
        except InvalidVersion:
            continue
    return min(bounds) if bounds else None


def _dotted(release: tuple[int, ...]) -> str:
    parts = list(release)
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return ".".join(map(str, parts))


def _pad(release: tuple[int, ...]) -> tuple[int, ...]:
    return (tuple(release) + (0, 0, 0))[:3] if len(release) <= 3 else tuple(release)


def _release(version) -> tuple[int, ...]:
    return _pad(version.release)


def _next(release: tuple[int, ...]) -> tuple[int, ...]:
    """The first release after the series ``release`` names: after ``0.16.*`` (0, 16) comes (0, 17, 0)."""
    return _pad(tuple(release[:-1]) + (release[-1] + 1,))


def _below(release: tuple[int, ...]) -> tuple[int, ...]:
    """A tuple just below ``release``: above every release before it, below it."""
    parts = list(_pad(release))
    for i in range(len(parts) - 1, -1, -1):
        if parts[i] > 0:
            parts[i] -= 1
            return tuple(parts[: i + 1]) + (BEYOND,) * (len(parts) - i - 1 or 1)
    return (-1,)
