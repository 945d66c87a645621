"""What a preference or RL objective changes in the plan: what a row is, what a step holds.

TRL 1.15's trainers all run transformers' loop, so steps, warmup and the lr curve follow the same
arithmetic; what differs is what the dataloader hands out:

- DPO, ORPO (and CPO, SimPO): a row is a preference pair (prompt, chosen, rejected); the batch
  counts pairs, so a step learns from ``effective batch`` pairs. TRL 1.15's ``DPOConfig`` has no
  ``max_prompt_length`` any more: only ``max_length`` truncates, keeping the start of the sequence.
- KTO: a row is one completion labelled desirable or not; a paired dataset is unpaired first, into
  two rows per pair. With its default loss the KL term needs ``per_device_train_batch_size`` > 1,
  else ``KTOTrainer`` raises (LLaMA-Factory's KTO trainer skips TRL's set-up and its check).
- GRPO: a row is a prompt, and each prompt yields ``num_generations`` completions. ``GRPOConfig``
  derives ``steps_per_generation`` (default: the accumulation) and ``generation_batch_size``
  (``batch x processes x steps_per_generation``) and raises when they do not divide as it needs.
  ``RepeatSampler`` takes ``generation_batch_size / num_generations`` prompts at a time (dropping
  the last incomplete group), repeats each ``num_generations`` times and each group of prompts
  ``num_iterations x steps_per_generation`` times; the dataloader batches that by ``batch x
  steps_per_generation``, and the Trainer's loop runs over those batches as over any other.
  axolotl's ``rl: grpo`` hands its ``trl:`` section to ``GRPOConfig``; its other GRPO-like
  trainers (``ebft``, ``gdpo``) have their own configs and are not planned this way.
"""

from __future__ import annotations

from typing import Any

from ..config.canonical import TrainingConfig
from ..document import Mapping
from .arithmetic import ceil_div
from ..dialects.values import as_int

PAIRED = ("dpo", "orpo", "cpo", "simpo")


def objective_of(config: TrainingConfig) -> str:
    """The run's objective from the dialect (``sft`` when the file does not say)."""
    value = config.value("objective")
    return value if isinstance(value, str) else "sft"


def _key(config: TrainingConfig, name: str) -> Any:
    """A TRL trainer key: at the top level (TRL, transformers), or in the section where the tool
    keeps them (``Dialect.trl_section``: axolotl's ``trl:``)."""
    node = config.node(name)
    section = config.node(config.dialect.trl_section) if config.dialect.trl_section else None
    if node is None and isinstance(section, Mapping):
        node = section.get(name)
    return config.dialect.node_value(node) if node is not None else None


def _set_key(config: TrainingConfig, name: str) -> bool:
    return _key(config, name) is not None


class GRPOShape:
    """``GRPOConfig.__post_init__``'s batch arithmetic, and the errors it raises."""

    def __init__(self, config: TrainingConfig, batch: int, accumulation: int, world_size: int) -> None:
        self.errors: list[str] = []
        #: those of :attr:`errors` that depend on the number of processes
        self.per_world: list[str] = []
        self.num_generations = as_int(_key(config, "num_generations")) if _set_key(config, "num_generations") else 8
        self.num_iterations = as_int(_key(config, "num_iterations")) if _set_key(config, "num_iterations") else 1
        generation = as_int(_key(config, "generation_batch_size"))
        per_generation = as_int(_key(config, "steps_per_generation"))
        self.generation_batch_size = self.steps_per_generation = None
        global_batch = batch * world_size
        if generation is None and per_generation is None:
            self.steps_per_generation = accumulation
            self.generation_batch_size = global_batch * accumulation
        elif generation is not None and per_generation is None:
            if generation % global_batch:
                self.errors.append(f"generation_batch_size {generation} is not divisible by the global batch "
                                   f"{global_batch} (per_device_train_batch_size {batch} x {world_size} processes): "
                                   "GRPOConfig raises ValueError")
                self.per_world.append(self.errors[-1])
                return
            self.generation_batch_size, self.steps_per_generation = generation, generation // global_batch
        elif generation is None:
            self.steps_per_generation, self.generation_batch_size = per_generation, global_batch * per_generation
        else:
            self.errors.append("generation_batch_size and steps_per_generation are both set: GRPOConfig raises "
                               "ValueError (set one)")
            return
        if not self.num_generations or self.generation_batch_size % self.num_generations:
            self.errors.append(f"generation_batch_size {self.generation_batch_size} (per_device_train_batch_size "
                               f"{batch} x {world_size} processes x steps_per_generation {self.steps_per_generation}) "
                               f"is not divisible by num_generations {self.num_generations}: GRPOConfig raises "
                               "ValueError")
            if generation is None:  # derived from the global batch, so from the process count
                self.per_world.append(self.errors[-1])
        elif self.num_generations < 2:
            self.errors.append(f"num_generations {self.num_generations}: GRPO needs at least 2 completions per "
                               "prompt, and GRPOConfig raises ValueError")

    @property
    def valid(self) -> bool:
        return not self.errors

    def sampled(self, prompts: int) -> int:
        """``len(RepeatSampler)``: indices one epoch of the sampler yields."""
        group = self.generation_batch_size // self.num_generations
        return (prompts // group) * group * self.num_generations * self.num_iterations * self.steps_per_generation

    def batches_per_rank(self, prompts: int, batch: int, world_size: int, drop_last: bool) -> int:
        indices, size = self.sampled(prompts), batch * self.steps_per_generation
        if drop_last:
            return (indices // size) // world_size
        return ceil_div(ceil_div(indices, size), world_size)


def apply(config: TrainingConfig, plan, arguments: dict[str, Any]) -> int | None:
    """Fill ``plan.objective`` and ``plan.objective_plan``; return the dataloader length per process
    when the objective sets it itself (GRPO), else None (the Trainer's own arithmetic holds)."""
    objective = objective_of(config)
    plan.objective = objective
    batch, accumulation, world = plan.per_device_batch_size, plan.gradient_accumulation_steps, plan.world_size
    effective = plan.effective_batch_size
    trl_trainer = config.dialect.runs_trl_trainers  # TRL's own trainer, with its own checks
    if objective in PAIRED:
        plan.objective_plan = {"rows": "preference pairs", "pairs_per_step": effective}
        if _set_key(config, "max_prompt_length") and trl_trainer:
            plan.notes.append("max_prompt_length is not a DPOConfig field in TRL 1.15: prompts are not truncated on "
                              "their own; max_length truncates prompt and completion together, keeping the start")
        elif _set_key(config, "max_prompt_length") or _set_key(config, "max_prompt_len"):
            plan.notes.append("prompts longer than the prompt limit are truncated before training: the pairs stay, "
                              "their prompts lose tokens")
    elif objective == "kto":
        plan.objective_plan = {"rows": "completions labelled desirable or undesirable", "examples_per_step": effective}
        if not trl_trainer:  # LLaMA-Factory's KTO trainer reads its own data and skips TRL's checks
            return None
        plan.notes.append("KTO: a dataset of preference pairs is unpaired first, into two rows per pair")
        loss = _key(config, "loss_type")
        if batch is not None and batch <= 1 and loss != "apo_zero_unpaired":
            plan.trainer_errors.append("KTO with per_device_train_batch_size 1: its KL term needs a batch above 1, and "
                                       "KTOTrainer raises ValueError")
    elif objective == "grpo" and batch and accumulation and config.dialect.runs_trl_grpo(config):
        shape = GRPOShape(config, batch, accumulation, world)
        given = config.get("world_size")
        unknown_world = given is not None and given.note == "default: one process"
        for error in shape.errors:
            if unknown_world and error in shape.per_world:
                # the process count decides it and the file does not say it (GRPO recipes run on
                # several GPUs): what would fail with one process is a note, not an error
                plan.notes.append(f"with one process (set world-size to the real count): {error}")
            else:
                plan.trainer_errors.append(error)
        if not shape.valid:
            return None
        prompts_per_step = effective // shape.num_generations if effective else None
        plan.objective_plan = {
            "rows": "prompts", "num_generations": shape.num_generations,
            "generation_batch_size": shape.generation_batch_size, "steps_per_generation": shape.steps_per_generation,
            "num_iterations": shape.num_iterations, "completions_per_step": effective,
            "prompts_per_step": prompts_per_step,
            "prompts_per_generation": shape.generation_batch_size // shape.num_generations,
        }
        if plan.num_examples is not None:
            used = shape.sampled(plan.num_examples) // (shape.num_generations * shape.num_iterations
                                                       * shape.steps_per_generation)
            if used < plan.num_examples:
                plan.notes.append(f"GRPO: {plan.num_examples - used} of {plan.num_examples} prompts do not fill a "
                                  f"generation batch of {shape.generation_batch_size // shape.num_generations} "
                                  "prompts and are left out of every epoch")
            return shape.batches_per_rank(plan.num_examples, batch, world,
                                          arguments.get("dataloader_drop_last") is True)
    return None
