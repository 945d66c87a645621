"""The training plan: what the trainer will actually do with a config, as plain data."""

from __future__ import annotations

from typing import Any

from ..records import asdict, field, record
from .steps import StepSet


@record
class TrainingPlan:
    """What the Trainer will do with a config: batch, steps, warmup and the lr at every step.

    Rules check against it and the runner trains against it, so both read the same arithmetic.
    """

    dialect: str
    world_size: int
    per_device_batch_size: int | None
    gradient_accumulation_steps: int | None
    effective_batch_size: int | None
    num_examples: int | None
    #: Where ``num_examples`` came from ("dataset data/train.jsonl", "hint", ...), or why unknown.
    num_examples_source: str
    num_train_epochs: float | None
    max_steps: int | None
    steps_per_epoch: int | None
    total_steps: int | None
    #: Epochs that actually run (differs from ``num_train_epochs`` when ``max_steps`` overrides).
    epochs_run: float | None
    warmup_steps: int | None
    learning_rate: float | None
    lr_scheduler_type: str | None
    #: Learning rate used at optimizer steps 1..total_steps, when total steps are known.
    lr_schedule: list[float] | None
    #: Steps at which a checkpoint is saved, the model evaluated (0: before the first step), a loss logged.
    save_steps: StepSet | None = None
    eval_steps: StepSet | None = None
    logging_steps: StepSet | None = None
    #: field -> "value (where it came from)" for every input, defaults included.
    sources: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    memory: dict[str, Any] | None = None
    #: Length of one process's training dataloader per epoch (micro-batches).
    batches_per_epoch: int | None = None
    #: Examples held out for evaluation by ``val_size``.
    eval_examples: int | None = None
    #: Each dataset entry with its row count and the file(s) counted, or why it is unknown.
    dataset_counts: list[dict[str, Any]] = field(default_factory=list)
    lr_scheduler_kwargs: dict[str, Any] = field(default_factory=dict)
    #: Why the real Trainer (or the tool around it) would raise with these settings; rule WS011 reports each.
    trainer_errors: list[str] = field(default_factory=list)
    #: With packing: the packed sequences the Trainer iterates over (None when not packing or unknown).
    packed_rows: int | None = None
    #: Whose packing the run uses and how it was counted: ``tool``, ``exact`` (False: an estimate of a
    #: random packing, with ``rows_range``/``steps_range``; None: not counted, ``unknown`` says why), and
    #: the tool's own ``steps`` or ``batches_per_epoch`` where it counts them. Empty without packing.
    packing: dict[str, Any] = field(default_factory=dict)
    #: The ``dataloader_drop_last`` the Trainer gets (the config's, or what the tool sets for it).
    dataloader_drop_last: bool = False
    #: What the run trains for (sft, dpo, orpo, kto, grpo ...); rows are pairs, completions or prompts.
    objective: str = "sft"
    #: What one optimizer step holds under that objective (pairs, or GRPO's prompts and completions).
    objective_plan: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("save_steps", "eval_steps", "logging_steps"):
            steps = getattr(self, name)
            data[name] = steps.to_json() if isinstance(steps, StepSet) else steps
        return data
