"""The rule API: a class per rule whose docstring is its user documentation.

A rule declares its code (family prefix + 3 digits), a kebab-case name, a default severity,
options with defaults and whether it can fix; ``check`` yields :class:`Violation` objects and the
engine turns them into findings with the file, positions, severity overrides and suppressions.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar, Iterable

from .findings import Fix, FixAvailability, Severity
from ..records import field, record

if TYPE_CHECKING:
    from ..config.canonical import Setting, TrainingConfig
    from ..document import Document, Node
    from ..plan import TrainingPlan
    from .session import Session
    from ..settings.resolver import Settings

#: Sections every rule docstring has, in this order (``sftlint rule CODE`` prints them).
DOC_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "Options", "Fix safety", "References")

CODE_PATTERN = re.compile(r"^[A-Z]{1,4}[0-9]{3}$")
NAME_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@record
class Violation:
    """What a rule reports: a message at a node (or the file's start), with an optional fix."""

    message: str
    node: "Node | None" = None
    fix: Fix | None = None
    severity: Severity | None = None  # overrides the rule's default for this one finding
    data: dict = field(default_factory=dict)


@record
class RuleContext:
    """Everything a rule may look at for one file."""

    document: "Document"
    config: "TrainingConfig"
    plan: "TrainingPlan"
    settings: "Settings"
    options: dict[str, Any]
    #: The session linting the file, for rules that need another file's plan (a reference
    #: config); None when a rule is run on its own, as in tests.
    session: "Session | None" = None

    def node_of(self, setting: "Setting | None") -> "Node | None":
        """The value node to point at for a setting, falling back to its key."""
        if setting is None:
            return None
        return setting.node or setting.key


class Rule:
    """A check on one training config; subclasses set the class attributes and ``check``.

    The docstring is the rule's documentation (``## What it does`` and the other sections feed
    ``sftlint rule CODE`` and docs/rules.md), so rules are documented where they are written.
    """

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity] = Severity.WARNING
    #: Option names (kebab-case, as written in settings) and their :class:`sftlint.settings.options.Option`
    #: specs (a plain default is accepted too: its type is taken from it).
    options: ClassVar[dict[str, Any]] = {}
    fix_availability: ClassVar[FixAvailability] = FixAvailability.NONE
    #: Dialects the rule applies to; empty means all.
    dialects: ClassVar[frozenset[str]] = frozenset()
    #: Objectives the rule holds for (``sft``, ``dpo``, ``grpo`` ...); empty means all. A range taken
    #: from supervised fine-tuning has no opinion on a DPO run.
    objectives: ClassVar[frozenset[str]] = frozenset()
    #: Methods the rule holds for (``full``, ``lora``, ``qlora``); empty means all.
    methods: ClassVar[frozenset[str]] = frozenset()

    def check(self, ctx: RuleContext) -> Iterable[Violation]:
        raise NotImplementedError

    @classmethod
    def applies_to(cls, config: "TrainingConfig") -> bool:
        """Whether the rule has an opinion on this config's dialect, objective and method."""
        if cls.dialects and not config.dialect.answers_to(cls.dialects):
            return False
        if cls.objectives and config.objective not in cls.objectives:
            return False
        return not cls.methods or config.method in cls.methods

    @classmethod
    def family(cls) -> str:
        return cls.code.rstrip("0123456789")

    @classmethod
    def summary(cls) -> str:
        return doc_sections(cls).get("What it does", "").strip().split("\n\n")[0].replace("\n", " ")


def doc_sections(rule: type[Rule]) -> dict[str, str]:
    """Split a rule's docstring into its ``## Section`` parts."""
    import inspect

    doc = inspect.getdoc(rule) or ""
    sections: dict[str, str] = {}
    current = None
    for line in doc.splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
            sections[current] = ""
        elif current is not None:
            sections[current] += line + "\n"
    return {k: v.strip("\n") for k, v in sections.items()}


def validate_rule(rule: type[Rule]) -> list[str]:
    """Problems with a rule's declaration, as sentences (empty when the rule is well formed)."""
    problems = []
    code = getattr(rule, "code", "")
    if not isinstance(code, str) or not CODE_PATTERN.match(code or ""):
        problems.append(f"{rule.__name__}: code {code!r} is not a family prefix plus 3 digits")
    if not isinstance(getattr(rule, "name", ""), str) or not NAME_PATTERN.match(getattr(rule, "name", "") or ""):
        problems.append(f"{rule.__name__}: name {getattr(rule, 'name', '')!r} is not kebab-case")
    if not isinstance(getattr(rule, "severity", None), Severity):
        problems.append(f"{rule.__name__}: severity {getattr(rule, 'severity', None)!r} is not a sftlint.Severity")
    if not isinstance(getattr(rule, "code", None), str) or not isinstance(getattr(rule, "name", None), str):
        return problems
    # Only the headings matter here: scanning for them is cheaper than splitting the sections,
    # and every rule of every plugin is checked on each start.
    doc = next((c.__doc__ for c in rule.__mro__ if c.__doc__), "")
    headings = {line.strip()[3:].strip() for line in doc.splitlines() if line.lstrip().startswith("## ")}
    missing = [s for s in DOC_SECTIONS if s not in headings]
    if missing:
        problems.append(f"{rule.__name__}: docstring lacks sections {', '.join(missing)}")
    return problems
