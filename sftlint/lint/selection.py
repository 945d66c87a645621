"""Which rules run, at which severity, and checking the settings that say so against the rules.

Selection follows ruff: ``select``, ``extend-select`` and ``ignore`` hold codes or prefixes
(``YM``, ``YM0``, ``YM001``) or ``ALL``; for each rule, the most specific matching entry decides,
and on a tie ``ignore`` wins; ``per-file-ignores`` then remove rules for matching files. So
``select = ["YM"]`` with ``ignore = ["YM0"]`` and ``extend-select = ["YM001"]`` runs YM001 and no
other YM rule.

A selector that matches no rule code, not even as a prefix, is an error rather than a silent
no-op, as are options a rule does not have; both need the loaded plugins, so they are checked
here when the settings resolver is bound to the registry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from .findings import Severity
from ..settings.resolver import Settings, SettingsError, unknown_key

if TYPE_CHECKING:
    from ..plugin.loading import Registry
    from .rule import Rule

ALL = "ALL"


def _specificity(code: str, selectors: Iterable[str]) -> int:
    """Length of the longest selector matching ``code`` (``ALL`` counts as 0), or -1."""
    return max((0 if s == ALL else len(s) for s in selectors if s == ALL or code.startswith(s)), default=-1)


def is_selected(code: str, settings: Settings, file_ignores: Iterable[str] = ()) -> bool:
    """Whether rule ``code`` runs: the most specific of select/extend-select and ignore decides.

    ``file_ignores`` (from ``per-file-ignores``) are applied after that and always win, as in
    ruff: ignoring ``YM`` for a folder also drops an explicitly selected ``YM001`` there.
    """
    if _specificity(code, file_ignores) >= 0:
        return False
    chosen = _specificity(code, [*settings.select, *settings.extend_select])
    return chosen >= 0 and chosen > _specificity(code, [*settings.ignore, *settings.extend_ignore])


def severity_for(code: str, settings: Settings) -> Severity | None:
    """The ``severity`` override for ``code``: an exact code, else the longest matching prefix."""
    matches = [(0 if p == ALL else len(p), s) for p, s in settings.severity.items() if p == ALL or code.startswith(p)]
    return max(matches, key=lambda m: m[0])[1] if matches else None


def is_known_selector(selector: str, codes: Iterable[str]) -> bool:
    """``ALL``, a rule's code, or a prefix of one."""
    return selector == ALL or any(code.startswith(selector) for code in codes)


def _unknown_code(selector: str, codes: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(selector, codes, n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]}?" if close else "; 'sftlint rules' lists the codes"
    return f"unknown rule code or prefix '{selector}'{hint}"


def check_overrides(overrides: dict[str, Any], registry: "Registry") -> None:
    """Reject ``--select``/``--ignore``/``--extend-select``/``--extend-ignore`` values that match no rule."""
    codes = sorted(registry.rules)
    for attribute in ("select", "extend_select", "ignore", "extend_ignore"):
        for selector in overrides.get(attribute, ()):
            if not is_known_selector(selector, codes):
                option = "--" + attribute.replace("_", "-")
                raise SettingsError(f"{option}: {_unknown_code(selector, codes)}")


def check_settings(settings: Settings, registry: "Registry") -> None:
    """Raise :class:`SettingsError` (with file and line) for codes and rule options that match
    no loaded rule. Values set on the command line are checked by :func:`check_overrides`."""
    codes = sorted(registry.rules)
    lists = {"select": settings.select, "extend-select": settings.extend_select, "ignore": settings.ignore,
             "extend-ignore": settings.extend_ignore}
    for key, selectors in lists.items():
        if key.replace("-", "_") in settings.overridden or settings.path is None:
            continue
        for selector in selectors:
            if not is_known_selector(selector, codes):
                raise settings.error((_raw(settings, key),), _unknown_code(selector, codes))
    for glob, selectors in settings.per_file_ignores.items():
        for selector in selectors:
            if not is_known_selector(selector, codes):
                raise settings.error((_raw(settings, "per-file-ignores"), glob), _unknown_code(selector, codes))
    for selector in settings.severity:
        if not is_known_selector(selector, codes):
            raise settings.error((_raw(settings, "severity"), selector), _unknown_code(selector, codes))
    for key, options in settings.rule_options.items():
        rule = registry.rule(key)
        if rule is None:
            names = [*codes, *(r.name for r in registry.rules.values())]
            raise settings.error((_raw(settings, "rules"), key), str(unknown_key(("rules", key), names, "rule")))
        _check_options(settings, key, rule, options)
    check_tables(settings, registry)


def _check_options(settings: Settings, key: str, rule: "type[Rule]", options: dict[str, Any]) -> None:
    """Parse each option value of ``[tool.sftlint.rules.KEY]`` in place, or raise naming the line."""
    from ..settings.options import OptionError, as_option

    where = f"rule {rule.code} ({rule.name})"
    for name, value in list(options.items()):
        path = (_raw(settings, "rules"), key, name)
        if name not in rule.options:
            if not rule.options:
                raise settings.error(path, f"unknown option '{name}' for {where}, which has no options")
            import difflib

            close = difflib.get_close_matches(name, list(rule.options), n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else f" (its options: {', '.join(sorted(rule.options))})"
            raise settings.error(path, f"unknown option '{name}' for {where}{hint}")
        spec = as_option(rule.options[name])
        if spec.default is None and spec.type is object:
            continue  # declared without a default: anything goes, as before typed options
        try:
            options[name] = spec.parse(value, settings.root)
        except OptionError as exc:
            raise settings.error(path, f"option '{name}' of {where} {exc}") from None


def check_tables(settings: Settings, registry: "Registry") -> None:
    """Parse the plugin tables of ``settings`` (``[tool.sftlint.scaling]``) with the specs their
    plugins declare; a table no loaded plugin declares is an unknown setting."""
    from ..settings.options import OptionError
    from ..settings.resolver import KNOWN_KEYS

    parsed: dict[str, dict[str, Any]] = {}
    for raw, values in settings.raw_tables.items():
        name = raw.replace("_", "-")
        table = registry.tables.get(name)
        if table is None:
            raise settings.error((raw,), str(unknown_key((raw,), [*KNOWN_KEYS, *registry.tables])))
        out: dict[str, Any] = {}
        for raw_key, value in values.items():
            option = raw_key.replace("_", "-")
            if option not in table.options:
                raise settings.error((raw, raw_key), str(unknown_key((raw, raw_key), table.options, f"{name} setting")))
            try:
                out[option] = table.options[option].parse(value, settings.root)
            except OptionError as exc:
                raise settings.error((raw, raw_key), f"'{name}.{raw_key}' {exc}") from None
        problem = table.check(out) if table.check else None
        if problem:
            raise settings.error((raw,), f"'{name}': {problem}")
        parsed[name] = out
    settings.tables = parsed


def _raw(settings: Settings, key: str) -> str:
    """The key as the file spells it (``extend_select`` or ``extend-select``), for finding its line."""
    if settings.path is None:
        return key
    try:
        text = settings.path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return key
    underscored = key.replace("-", "_")
    return underscored if underscored != key and underscored in text and key not in text else key
