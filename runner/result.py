"""What a run produced and how it was judged: plain data, JSON in and out, no training imports."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Check:
    """One verdict on a run, with the numbers that decided it in ``message``."""

    name: str
    #: True passed, False failed, None not checked (``message`` says why).
    passed: bool | None
    message: str

    @property
    def verdict(self) -> str:
        return {True: "pass", False: "FAIL", None: "skip"}[self.passed]


@dataclass
class StepRecord:
    """What the worker measured at one optimizer step (one line of ``metrics.jsonl``)."""

    step: int
    loss: float
    lr: float | None
    grad_norm: float | None = None
    tokens_per_second: float | None = None
    memory_bytes: int | None = None
    tokens: int | None = None
    seconds: float | None = None
    #: L2 norm of the trainable weights after this step, and before the first.
    weight_norm: float | None = None
    initial_weight_norm: float | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "StepRecord":
        def num(value):
            return None if value is None else float(value)  # "nan" / "inf" strings become floats

        return cls(int(data["step"]), num(data.get("loss")), num(data.get("lr")), num(data.get("grad_norm")),
                   num(data.get("tokens_per_second")), data.get("memory_bytes"), data.get("tokens"),
                   num(data.get("seconds")), num(data.get("weight_norm")), num(data.get("initial_weight_norm")))


#: What happened to the run, before any check: it trained to its end, stopped on an error, never
#: reached its first step, or was stopped by Ctrl-C.
STATUSES = ("completed", "failed", "not_started", "interrupted")
#: Exit codes of ``sftlint run`` by verdict.
EXIT_CODES = {"pass": 0, "FAIL": 1, "not checked": 1, "could not start": 2, "interrupted": 130}


@dataclass
class RunResult:
    """A run judged against its plan.

    ``verdict`` is "pass" only when the run trained the plan's steps, updated the adapter and no
    check failed; "FAIL" when a check failed; "not checked" when too little is known or was done
    to judge (``unchecked`` says why); "could not start" and "interrupted" follow the status
    (``cause`` says why).
    """

    config: str
    backend: str
    mode: str
    model: str
    output_dir: str
    planned_steps: int | None
    steps: int
    records: list[StepRecord]
    checks: list[Check]
    tokens_per_second: float | None
    peak_memory_bytes: int | None
    memory_kind: str | None
    estimated_memory_bytes: int | None
    world_size: int = 1
    notes: list[str] = field(default_factory=list)
    plan_schedule: list[float] | None = None
    status: str = "completed"
    #: One line: why the run could not start, or what stopped it.
    cause: str | None = None
    #: Why the run cannot be judged (empty when it can).
    unchecked: list[str] = field(default_factory=list)
    #: The linter's findings on the config, shown before the run.
    lint_findings: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        if self.status == "not_started":
            return "could not start"
        if self.status == "interrupted":
            return "interrupted"
        if any(c.passed is False for c in self.checks):
            return "FAIL"
        if self.unchecked:
            return "not checked"
        return "pass"

    @property
    def passed(self) -> bool:
        return self.verdict == "pass"

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]

    @property
    def first_loss(self) -> float | None:
        return self.records[0].loss if self.records else None

    @property
    def last_loss(self) -> float | None:
        return self.records[-1].loss if self.records else None

    def check(self, name: str) -> Check:
        return next(c for c in self.checks if c.name == name)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.passed is False]

    def summary(self) -> dict[str, Any]:
        lr = next((c for c in self.checks if c.name == "lr_schedule"), None)
        return {
            "config": self.config, "status": self.status, "verdict": self.verdict, "cause": self.cause,
            "backend": self.backend, "mode": self.mode, "model": self.model,
            "world_size": self.world_size, "steps": self.steps, "planned_steps": self.planned_steps,
            "first_loss": _finite_or_text(self.first_loss), "last_loss": _finite_or_text(self.last_loss),
            "lr_matches_plan": None if lr is None else lr.passed,
            "tokens_per_second": self.tokens_per_second, "peak_memory_bytes": self.peak_memory_bytes,
            "memory_kind": self.memory_kind, "estimated_memory_bytes": self.estimated_memory_bytes,
            "passed": self.passed, "not_checked_because": self.unchecked, "checks": [asdict(c) for c in self.checks],
            "lint_findings": self.lint_findings, "notes": self.notes, "output_dir": self.output_dir,
        }

    def explain(self) -> str:
        """Why the run did not pass, one reason per line, for assertion messages."""
        lines = [f"{self.verdict}: {self.cause}"] if self.cause else []
        lines += [f"{c.name}: {c.message}" for c in self.failures]
        lines += [f"not checked: {why}" for why in self.unchecked]
        return "\n".join(lines) or "all checks passed"


def _finite_or_text(value: float | None):
    if value is None or math.isfinite(value):
        return value
    return str(value)
