"""Tool conventions belong to the dialect: no code outside ``sftlint/dialects/`` branches on a
dialect's name.

What a tool does around the Trainer (how it counts the run, which keys it drops, what its loader
does with a duplicate key...) is declared by its ``Dialect`` class (see ``dialects/base.py``), so a
plugin dialect can supply the same conventions without editing sftlint. Code elsewhere may *show*
the name (a message, a report), but a comparison, a membership test or a dictionary lookup keyed
by it is a tool convention living in the wrong place. Rules that apply to some tools only say so
with their ``dialects`` attribute, which the engine honours (``Rule.applies_to``).

The check reads every module with :mod:`ast`: an expression ``<anything>.dialect.name``, a name
or attribute ``dialect_name``, or a local variable assigned from one of those, must not be an
operand of ``==``/``!=``/``in``/``is``, the key of a subscript or of ``.get()``, or the subject
of a ``match``; nor may ``<anything>.dialect`` (a plan holds its dialect's name there) be compared
with anything but None, nor a dialect's class be tested with ``isinstance``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Where the name may be tested: the dialects themselves (registry, detection, their own data).
ALLOWED = ROOT / "sftlint" / "dialects"


def _sources() -> list[Path]:
    """Every module of the linter, the rule families and the runner, each once (``sftlint/rules``
    and ``sftlint/runner`` are links to the top-level folders)."""
    files: list[Path] = []
    for top in ("sftlint", "rules", "runner"):
        for path in sorted((ROOT / top).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if top == "sftlint" and relative.parts[1] in ("rules", "runner"):
                continue
            if path.is_relative_to(ALLOWED):
                continue
            files.append(path)
    return files


def _is_dialect_of(node: ast.AST) -> bool:
    """``x.dialect`` or ``getattr(x, "dialect", ...)``: a plan's dialect name, or a config's dialect."""
    if isinstance(node, ast.Attribute):
        return node.attr == "dialect"
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
            and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) and node.args[1].value == "dialect")


def _is_name_of_dialect(node: ast.AST, aliases: set[str]) -> bool:
    """``x.dialect.name``, ``dialect.name``, ``dialect_name``, ``x.dialect_name`` or an alias of one."""
    if isinstance(node, ast.Attribute):
        if node.attr == "dialect_name":
            return True
        if node.attr == "name":
            inner = node.value
            return (isinstance(inner, ast.Name) and inner.id == "dialect") or (
                isinstance(inner, ast.Attribute) and inner.attr == "dialect")
        return False
    if isinstance(node, ast.Name):
        return node.id == "dialect_name" or node.id in aliases
    return False


def _aliases(scope: ast.AST) -> set[str]:
    """Local names that hold a dialect's name (``dialect = config.dialect.name``)."""
    names: set[str] = set()
    for node in ast.walk(scope):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None \
                and _is_name_of_dialect(node.value, set()):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def branches_on_dialect_name(source: str, filename: str = "<source>") -> list[str]:
    """``file:line: what`` for every test of a dialect's name in ``source``."""
    tree = ast.parse(source, filename)
    found: set[tuple[int, str]] = set()
    scopes = [tree, *(n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))]
    for scope in scopes:
        aliases = _aliases(scope)
        for node in ast.walk(scope):
            if isinstance(node, ast.Compare):
                operands = (node.left, *node.comparators)
                if any(_is_name_of_dialect(operand, aliases) for operand in operands):
                    found.add((node.lineno, "compares a dialect's name"))
                elif any(_is_dialect_of(operand) for operand in operands) and not any(
                        isinstance(o, ast.Constant) and o.value is None for o in operands):
                    found.add((node.lineno, "compares a dialect (a plan's holds its name)"))
            elif isinstance(node, ast.Subscript):
                if _is_name_of_dialect(node.slice, aliases):
                    found.add((node.lineno, "looks up a table by a dialect's name"))
            elif isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Attribute) and func.attr == "get" and node.args \
                        and _is_name_of_dialect(node.args[0], aliases):
                    found.add((node.lineno, "looks up a table by a dialect's name"))
                elif isinstance(func, ast.Name) and func.id == "isinstance" and node.args and (
                        _is_dialect_of(node.args[0]) or (isinstance(node.args[0], ast.Name)
                                                         and node.args[0].id == "dialect")):
                    found.add((node.lineno, "tests which class a dialect is"))
            elif isinstance(node, ast.Match):
                if _is_name_of_dialect(node.subject, aliases):
                    found.add((node.lineno, "matches on a dialect's name"))
    return [f"{filename}:{line}: {what}" for line, what in sorted(found)]


@pytest.mark.parametrize("source", [
    'if config.dialect.name == "axolotl":\n    pass\n',
    'trl_trainer = ctx.config.dialect.name in ("trl", "hf")\n',
    'x = "unsloth" != dialect.name\n',
    'def f(dialect_name):\n    return dialect_name in REJECTING\n',
    'def f(config):\n    dialect = config.dialect.name\n    return dialect == "trl"\n',
    'effect = CONSEQUENCES[dialect.name]\n',
    'stops = STOPS.get(ctx.config.dialect.name)\n',
    'match config.dialect.name:\n    case "hf":\n        pass\n',
    'each = getattr(plan, "dialect", None) in CAP_EACH_DIALECTS\n',
    'if plan.dialect == "axolotl":\n    pass\n',
    'if isinstance(config.dialect, Axolotl):\n    pass\n',
], ids=["equals", "membership", "reversed", "parameter", "alias", "subscript", "get", "match", "plan-getattr",
        "plan-attribute", "isinstance"])
def test_the_check_sees_each_way_of_branching_on_the_name(source):
    assert branches_on_dialect_name(source)


@pytest.mark.parametrize("source", [
    'message = f"{config.dialect.name} packs examples"\n',
    'stream.write(result.choice.dialect.name)\n',
    'schema = for_dialect(dialect.name)\n',
    'key = (dialect.name, id(schema))\n',
    'if config.dialect.packs_with_trl:\n    pass\n',
    'if removal.package == "axolotl":\n    pass\n',
    'if config.dialect is None:\n    pass\n',
], ids=["message", "display", "argument", "cache-key", "attribute", "other-name", "none-check"])
def test_showing_or_passing_the_name_is_not_branching(source):
    assert branches_on_dialect_name(source) == []


def test_no_module_outside_the_dialects_branches_on_a_dialect_name():
    files = _sources()
    assert len(files) > 100, "the modules were not found"
    problems = [problem for path in files
                for problem in branches_on_dialect_name(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))]
    assert not problems, ("tool conventions belong to the dialect (a Dialect attribute or method, see "
                          "sftlint/dialects/base.py), and rules for some tools declare 'dialects':\n"
                          + "\n".join(problems))


# The plan and the rules read a config through the canonical model: its fields, and for top-level
# keys no field covers, ``TrainingConfig.raw``/``has_key``/``node`` (the loader's value of a key, as
# the dialect reads it). Only rules about the document itself (credentials, YAML pitfalls, unknown
# keys, the tools' validators) walk the node tree, through the rule context's ``document``.

def _reads_the_config_s_document(tree: ast.AST) -> list[int]:
    """Lines with ``<x>.config.document.root`` or ``config.document.root``."""
    lines = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and node.attr == "root" and isinstance(node.value, ast.Attribute)
                and node.value.attr == "document"):
            owner = node.value.value
            if (isinstance(owner, ast.Name) and owner.id == "config") or (
                    isinstance(owner, ast.Attribute) and owner.attr == "config"):
                lines.append(node.lineno)
    return sorted(lines)


def test_the_check_sees_a_config_walking_its_document():
    found = _reads_the_config_s_document(ast.parse("a = config.document.root.get('k')\nb = ctx.config.document.root\n"
                                                   "c = ctx.document.root\nd = config.raw('k')\n"))
    assert found == [1, 2]


def test_the_plan_and_the_rules_read_top_level_keys_through_the_canonical_config():
    offenders = []
    plan = sorted((ROOT / "sftlint" / "plan").rglob("*.py"))
    for path in plan + sorted((ROOT / "rules").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        lines = _reads_the_config_s_document(ast.parse(source))
        if path in plan and "document.root" in source:
            lines = lines or [source[: source.index("document.root")].count("\n") + 1]
        offenders += [f"{path.relative_to(ROOT)}:{line}" for line in lines]
    assert not offenders, "read top-level keys with config.raw/has_key/node: " + ", ".join(offenders)
