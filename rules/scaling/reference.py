"""The reference run of ``[tool.sftlint.scaling]``: an effective batch size and its learning rate.

Either given as numbers (``reference-batch-size``, ``reference-learning-rate``) or read from
another config (``reference-config``, relative to the settings file), whose own effective batch and
learning rate are worked out exactly as for the linted file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sftlint.records import record

KEYS = ("reference-batch-size", "reference-learning-rate", "reference-config", "rule", "tolerance")
RULES = ("linear", "sqrt")


class ScalingSettingsError(ValueError):
    """``[tool.sftlint.scaling]`` cannot be used; the message says which key and why."""


@record(frozen=True)
class Reference:
    batch_size: int
    learning_rate: float
    rule: str
    tolerance: float
    source: str  # "settings" or the reference config's path

    def expected(self, batch_size: int) -> float:
        ratio = batch_size / self.batch_size
        return self.learning_rate * (ratio if self.rule == "linear" else ratio ** 0.5)


def _positive(table: dict[str, Any], key: str) -> float | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ScalingSettingsError(f"'{key}' must be a positive number, not {value!r}")
    return float(value)


def load_reference(settings) -> Reference | None:
    """The reference run, or None when ``[tool.sftlint.scaling]`` does not give one."""
    table = {str(k).replace("_", "-"): v for k, v in (settings.scaling or {}).items()}
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise ScalingSettingsError(f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} "
                                   f"(known: {', '.join(KEYS)})")
    rule = table.get("rule", "linear")
    if rule not in RULES:
        raise ScalingSettingsError(f"'rule' must be \"linear\" or \"sqrt\", not {rule!r}")
    tolerance = _positive(table, "tolerance")
    tolerance = 0.25 if tolerance is None else tolerance
    if "reference-config" in table:
        return _from_config(settings, str(table["reference-config"]), rule, tolerance)
    batch, lr = _positive(table, "reference-batch-size"), _positive(table, "reference-learning-rate")
    if batch is None and lr is None:
        return None
    if batch is None or lr is None:
        missing = "reference-batch-size" if batch is None else "reference-learning-rate"
        raise ScalingSettingsError(f"'{missing}' is needed too (or 'reference-config')")
    return Reference(int(batch), lr, rule, tolerance, "settings")


_CACHE: dict[tuple[str, float], tuple[int, float]] = {}


def _from_config(settings, relative: str, rule: str, tolerance: float) -> Reference:
    path = (settings.root / relative).resolve()
    try:
        mtime = path.stat().st_mtime
    except OSError:
        raise ScalingSettingsError(f"'reference-config' {relative} does not exist") from None
    key = (str(path), mtime)
    if key not in _CACHE:
        _CACHE[key] = _read_reference(path, settings, relative)
    batch, lr = _CACHE[key]
    return Reference(batch, lr, rule, tolerance, relative)


def _read_reference(path: Path, settings, relative: str) -> tuple[int, float]:
    from sftlint.dialects import choose_dialect
    from sftlint.document import DocumentError, load_document
    from sftlint.engine import apply_hints
    from sftlint.plan.build import build_plan
    from sftlint.plugins import build_registry

    try:
        document = load_document(path)
    except DocumentError as exc:
        raise ScalingSettingsError(f"'reference-config' {relative}: {exc.message}") from None
    choice = choose_dialect(document, build_registry(settings.plugins).dialects)
    if choice.dialect is None:
        raise ScalingSettingsError(f"'reference-config' {relative} is not a training config sftlint recognises")
    config = choice.dialect.read(document)
    apply_hints(config, settings)
    plan = build_plan(config, settings)
    lr = config.value("learning_rate")
    if not plan.effective_batch_size or isinstance(lr, bool) or not isinstance(lr, (int, float)):
        raise ScalingSettingsError(f"'reference-config' {relative} has no known effective batch size and learning rate")
    return plan.effective_batch_size, float(lr)
