"""The verdicts on a run, each a sentence with the numbers that decided it.

They compare what the worker recorded with the plan the linter derived: the plan is the
expectation, the trainer the thing under test.
"""

from __future__ import annotations

import math

from .result import Check, StepRecord

#: The lr used at a step may differ from the plan's by this relative error (float rounding only).
LR_RTOL = 1e-6


def fmt_mib(n: int | None, missing: str = "unknown") -> str:
    """Bytes as whole MiB for messages and reports; ``missing`` when there is no figure."""
    return missing if n is None else f"{n / 2**20:.0f} MiB"


def finite_loss(records: list[StepRecord]) -> Check:
    if not records:
        return Check("finite_loss", False, "no loss was recorded")
    for r in records:
        if r.loss is None or not math.isfinite(r.loss):
            return Check("finite_loss", False, f"loss is {r.loss} at step {r.step} (lr {r.lr:.6g})"
                         if r.lr is not None else f"loss is {r.loss} at step {r.step}")
    return Check("finite_loss", True, f"all {len(records)} losses finite")


def loss_falls(records: list[StepRecord], window: int | None = None) -> Check:
    """Mean loss of the first ``window`` steps against the last ``window`` (a quarter of the run, 1-5)."""
    losses = [r.loss for r in records]
    if len(losses) < 2:
        return Check("loss_falls", None, f"{len(losses)} step(s): too few to compare")
    if not all(x is not None and math.isfinite(x) for x in losses):
        return Check("loss_falls", False, "not every loss is finite")
    k = window or max(1, min(5, len(losses) // 4))
    first, last = sum(losses[:k]) / k, sum(losses[-k:]) / k
    msg = f"mean loss of the first {k} steps {first:.4f}, of the last {k} {last:.4f} ({last - first:+.4f})"
    return Check("loss_falls", last < first, msg)


def step_count(actual: int, planned: int | None) -> Check:
    if planned is None:
        return Check("steps", None, f"{actual} optimizer steps; the plan has no step count to compare")
    return Check("steps", actual == planned, f"{actual} optimizer steps, plan {planned}")


def lr_schedule(records: list[StepRecord], planned: list[float] | None, rtol: float = LR_RTOL) -> Check:
    """The lr each update used against the plan's curve: relative error, or exact where the plan says 0.

    Also the lr's own sanity: a used lr that is not a finite number of at least 0 fails whatever
    the plan says.
    """
    for r in records:
        if r.lr is not None and not (math.isfinite(r.lr) and r.lr >= 0):
            return Check("lr_schedule", False, f"step {r.step}: lr {r.lr} used, which no optimizer should get")
    if planned is None:
        return Check("lr_schedule", None, "the plan has no learning-rate curve to compare")
    used = {r.step: r.lr for r in records}
    bad = []
    for step in range(1, len(planned) + 1):
        want, got = planned[step - 1], used.get(step)
        if got is None:
            continue
        if want:
            err = abs(got - want) / abs(want)
            if err >= rtol:
                bad.append((step, got, want, f"relative error {err:.2g}"))
        elif got != 0:
            bad.append((step, got, want, f"the plan's lr is 0 here; absolute difference {abs(got):.2g}"))
    compared = sum(1 for s in range(1, len(planned) + 1) if used.get(s) is not None)
    extra = sorted(s for s in used if s > len(planned))
    if bad:
        step, got, want, how = bad[0]
        return Check("lr_schedule", False, f"step {step}: lr {got:.6g} used, plan {want:.6g} ({how}); "
                     f"{len(bad)} of {compared} steps differ")
    if compared == 0:
        return Check("lr_schedule", False, "no learning rate was recorded")
    tail = f"; {len(extra)} steps beyond the plan's {len(planned)}" if extra else ""
    return Check("lr_schedule", not extra, f"lr matches the plan at all {compared} steps (rtol {rtol:g}){tail}")


#: A loss this many times the run's starting loss (and at least LOSS_BLOWUP_MARGIN above it) is a blow-up.
LOSS_BLOWUP_FACTOR = 2.0
LOSS_BLOWUP_MARGIN = 1.0
#: A gradient norm this many times the median of the first steps' is a blow-up.
GRAD_NORM_BLOWUP_FACTOR = 20.0
#: Steps whose mean loss / median gradient norm is the run's starting level.
START_STEPS = 3


def loss_blowup(records: list[StepRecord]) -> Check:
    """Divergence in the loss: a later step's loss far above where the run started."""
    losses = [(r.step, r.loss) for r in records if r.loss is not None and math.isfinite(r.loss)]
    if len(losses) < 2:
        return Check("loss_blowup", None, f"{len(losses)} finite loss(es): nothing to compare")
    k = min(START_STEPS, len(losses) - 1)
    start = sum(x for _, x in losses[:k]) / k
    limit = max(start * LOSS_BLOWUP_FACTOR, start + LOSS_BLOWUP_MARGIN)
    step, worst = max(losses[k:], key=lambda p: p[1])
    msg = f"highest loss {worst:.4g} at step {step}, against {start:.4g} over the first {k} step(s) (limit {limit:.4g})"
    return Check("loss_blowup", worst <= limit, ("the loss blew up: " if worst > limit else "") + msg)


def grad_norm_blowup(records: list[StepRecord]) -> Check:
    """Divergence in the gradients: a non-finite norm, or one far above the first steps' median.

    It catches what the loss hides: a model whose logits are bounded (a final norm before a small
    output layer) can keep a flat loss while its updates run away.
    """
    norms = [(r.step, r.grad_norm) for r in records if r.grad_norm is not None]
    if not norms:
        return Check("grad_norm", None, "no gradient norm was recorded")
    for step, g in norms:
        if not math.isfinite(g):
            return Check("grad_norm", False, f"gradient norm is {g} at step {step}")
    if len(norms) < 2:
        return Check("grad_norm", None, "1 gradient norm: nothing to compare")
    k = min(START_STEPS, len(norms) - 1)
    first = sorted(g for _, g in norms[:k])
    base = first[len(first) // 2]
    step, worst = max(norms[k:], key=lambda p: p[1])
    limit = base * GRAD_NORM_BLOWUP_FACTOR
    msg = (f"largest gradient norm {worst:.4g} at step {step}, {worst / base:.3g}x the median {base:.4g} of the "
           f"first {k} step(s) (limit {GRAD_NORM_BLOWUP_FACTOR:g}x)") if base > 0 else \
        f"largest gradient norm {worst:.4g} at step {step}; the first steps' norm is 0"
    blew = worst > limit if base > 0 else worst > 0
    return Check("grad_norm", not blew, ("the gradients blew up: " if blew else "") + msg)


#: Trainable weights whose norm grows past this multiple of their norm before training have run away.
WEIGHT_NORM_BLOWUP_FACTOR = 10.0


def weight_norm_blowup(records: list[StepRecord]) -> Check:
    """Divergence in the updates: the adapter's weights growing far past their size before training.

    LoRA starts with ``B = 0`` and a small random ``A``; a learning rate the model can take moves
    them a little each step, so their norm changes by a fraction over a fine-tune. Adam moves every
    weight by about the learning rate per step whatever the gradient, so a learning rate far too
    large multiplies the norm within a few steps: the check that reads the learning rate's effect
    on this model, where the loss and the gradients may stay calm.
    """
    norms = [(r.step, r.weight_norm) for r in records if r.weight_norm is not None]
    start = next((r.initial_weight_norm for r in records if r.initial_weight_norm is not None), None)
    if not norms or not start:
        return Check("weight_norm", None, "the trainable weights' norm was not recorded")
    for step, w in norms:
        if not math.isfinite(w):
            return Check("weight_norm", False, f"the trainable weights' norm is {w} at step {step}")
    step, worst = max(norms, key=lambda p: p[1])
    ratio = worst / start
    msg = (f"trainable weights' norm {worst:.4g} at step {step}, {ratio:.3g}x its {start:.4g} before training "
           f"(limit {WEIGHT_NORM_BLOWUP_FACTOR:g}x)")
    blew = ratio > WEIGHT_NORM_BLOWUP_FACTOR
    return Check("weight_norm", not blew, ("the weights ran away: " if blew else "") + msg)


#: Trainer figures compared with the plan's, as (trainer_args.json key, plan attribute, label).
ARGUMENT_FIGURES = (
    ("total_steps", "total_steps", "optimizer steps"),
    ("warmup_steps", "warmup_steps", "warmup steps"),
    ("learning_rate", "learning_rate", "learning rate"),
    ("lr_scheduler_type", "lr_scheduler_type", "schedule"),
    ("per_device_train_batch_size", "per_device_batch_size", "batch per device"),
    ("gradient_accumulation_steps", "gradient_accumulation_steps", "accumulation"),
)


def trainer_arguments(facts: dict | None, plan, mode: str) -> Check:
    """What the real Trainer was set to do, read from it before training, against the plan.

    In a full run the training rows too: the data the Trainer was given must be the plan's count
    (after the tool's caps and hold-out; with TRL's packing, its packed sequences), or every step
    count downstream is about other data.
    """
    if facts is None:
        return Check("trainer_arguments", None, "the trainer's arguments were not recorded")
    if plan is None:
        return Check("trainer_arguments", None, "no plan to compare the trainer's arguments with")
    wrong: list[str] = []
    right: list[str] = []
    figures = list(ARGUMENT_FIGURES)
    packing = getattr(plan, "packing", None) or {}  # empty without packing
    if mode == "full" and not packing:
        figures.append(("train_rows", "num_examples", "training rows"))
    elif mode == "full" and packing.get("tool") == "trl" and getattr(plan, "packed_rows", None) is not None:
        # the runner packs with TRL's pack_dataset: its rows are the plan's packed sequences; another
        # tool's packing is not reproduced, so its rows are not compared (the run is not checked)
        figures.append(("train_rows", "packed_rows", "packed training rows"))
    for key, attr, label in figures:
        want, got = getattr(plan, attr, None), facts.get(key)
        if want is None:
            continue
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (want, got))
        same = abs(got - want) <= 1e-12 * abs(want) if numbers else str(got) == str(want)
        (right if same else wrong).append(f"{label} {got!r} (plan {want!r})" if not same else f"{label} {got!r}")
    if wrong:
        return Check("trainer_arguments", False, "the trainer was set up differently from the plan: " + "; ".join(wrong))
    return Check("trainer_arguments", True, "the trainer was set up as planned: " + ", ".join(right))


def adapter_roundtrip(adapter: dict | None) -> Check:
    if adapter is None:
        return Check("adapter_reload", False, "the adapter was not saved and reloaded")
    msg = (f"reloaded logits differ by at most {adapter['max_abs_diff']:.3g} (tolerance {adapter['tolerance']:.3g}; "
           f"the adapter moves logits by {adapter['adapter_effect']:.3g})")
    if not adapter.get("adapter_effect"):
        return Check("adapter_reload", None, "the adapter does not change the logits (training never moved it): "
                     "a reload that lost it would look the same")
    return Check("adapter_reload", bool(adapter["passed"]), msg)


def memory(peak: int | None, kind: str | None, estimate: int | None, error: dict | None) -> Check:
    est = f"plan estimate {fmt_mib(estimate)}" if estimate is not None else "the plan has no memory estimate"
    if error and error.get("oom"):
        return Check("memory", False, f"out of memory at step {error.get('step')}: {error['message'][:200]}; {est}")
    return Check("memory", True, f"peak {fmt_mib(peak)} ({kind or 'unknown'}); {est}")
