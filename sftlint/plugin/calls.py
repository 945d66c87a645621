"""Calling plugin code so that nothing it does can take the run down or pass unnoticed.

A plugin's rule or hook may raise anything, call ``sys.exit`` (``SystemExit`` is no ``Exception``)
or return junk: a node that is no node, ``data`` that is no mapping, a severity that does not
exist, a non-training verdict that is a list. Each call here catches all of that, reports it as an
E900 finding naming the plugin and the hook, and keeps only what is well formed, so the file's
other findings — from the rules after the broken one too — survive.
"""

from __future__ import annotations

from typing import Any, Callable

from ..document import Node
from ..lint.findings import Edit, Fix, Severity
from ..lint.rule import Violation

#: What a plugin may raise and have caught: everything but the user's Ctrl-C.
CAUGHT = (Exception, SystemExit, GeneratorExit)


def describe(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"it called exit({exc.code!r})"
    return f"{type(exc).__name__}: {str(exc)[:300]}"


def call_impls(hook, kwargs: dict[str, Any], report: Callable[[str, str], None], *, first: bool = False) -> list:
    """Each implementation of ``hook`` in pluggy's order (the last registered first); what one
    raises is passed to ``report(plugin, why)`` and the others still run. With ``first``, stop at
    the first answer that is not None (``firstresult`` hooks)."""
    answers = []
    for impl in reversed(hook.get_hookimpls()):
        try:
            args = {name: kwargs[name] for name in impl.argnames}
            answer = impl.function(**args)
        except CAUGHT as exc:
            report(impl.plugin_name, f"crashed: {describe(exc)}")
            continue
        answers.append((impl.plugin_name, answer))
        if first and answer is not None:
            break
    return answers


def check_violation(v: Any, text_length: int) -> str | None:
    """Why ``v`` is not a well-formed :class:`Violation`, or None."""
    if not isinstance(v, Violation):
        return f"yielded {type(v).__name__}, not a Violation"
    if not isinstance(v.message, str):
        return f"gave a message of type {type(v.message).__name__}, not str"
    if v.node is not None and not isinstance(v.node, Node):
        return f"pointed at a {type(v.node).__name__}, not a node of the document (or None)"
    if v.severity is not None and not isinstance(v.severity, Severity):
        return f"gave the severity {v.severity!r}, not a Severity"
    if not isinstance(v.data, dict):
        return f"gave data of type {type(v.data).__name__}, not a dict"
    if v.fix is not None:
        fix = v.fix
        if not isinstance(fix, Fix) or not isinstance(fix.edits, tuple) or not isinstance(fix.message, str):
            return "gave a fix that is not a Fix of a tuple of Edits"
        for edit in fix.edits:
            if not (isinstance(edit, Edit) and type(edit.start) is int and type(edit.end) is int
                    and isinstance(edit.content, str) and 0 <= edit.start <= edit.end <= text_length):
                return f"gave a fix edit outside the file or malformed: {edit!r}"[:200]
    return None
