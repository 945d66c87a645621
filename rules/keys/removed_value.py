from __future__ import annotations

import difflib

from sftlint import Applicability, Fix, FixAvailability, Rule, Severity, Violation
from sftlint.document import Scalar
from sftlint.edits import set_value
from sftlint.schemas import load, target_version, version

#: Settings that transformers' TrainingArguments turns into an enum, by the key each dialect
#: writes them under. axolotl and Unsloth Studio accept more optimizers and schedules of their
#: own, so only removed values are reported there.
TRANSFORMERS_KEYS = {
    "hf": {"optim": "optim", "lr_scheduler_type": "lr_scheduler_type", "eval_strategy": "eval_strategy",
           "logging_strategy": "logging_strategy", "save_strategy": "save_strategy", "hub_strategy": "hub_strategy"},
    "axolotl": {"optimizer": "optim", "lr_scheduler": "lr_scheduler_type", "eval_strategy": "eval_strategy",
                "save_strategy": "save_strategy", "logging_strategy": "logging_strategy", "hub_strategy": "hub_strategy"},
    "unsloth": {"training.optim": "optim", "training.lr_scheduler_type": "lr_scheduler_type"},
}
TRANSFORMERS_KEYS["trl"] = TRANSFORMERS_KEYS["llamafactory"] = TRANSFORMERS_KEYS["hf"]
#: Dialects whose tool hands the value to TrainingArguments (or argparse ``choices``) unchanged.
STRICT = frozenset({"hf", "trl", "llamafactory"})
TRL_KEYS = ("packing_strategy", "loss_type", "truncation_mode")


class RemovedValue(Rule):
    """## What it does
    Reports values that the tool no longer accepts for an enum-like setting: optimizer names such
    as `adamw_hf`, schedules, evaluation, save and logging strategies, TRL's `packing_strategy`
    names, and LLaMA-Factory chat templates that were removed. In the tools that hand the value to
    transformers unchanged (transformers, `trl sft`, LLaMA-Factory), any value that is not one of
    the accepted names is reported too, with the closest accepted name.

    ## Why is this bad?
    The run stops at start-up: `TrainingArguments(optim="adamw_hf")` raises `ValueError` in
    transformers 4.50 and later, axolotl's schema rejects the name, `trl sft` rejects a
    `packing_strategy` outside its choices, and LLaMA-Factory raises "Template baichuan2 does not
    exist". Tutorials keep the old names long after a release drops them.

    ## Example
    ```yaml
    optim: adamw_hf
    ```

    ## Use instead
    ```yaml
    optim: adamw_torch
    ```

    ## Options
    None. The transformers and TRL releases are the `target-transformers` and `target-trl`
    settings; without them, the newest release the config's project pins (`pyproject.toml`,
    `requirements*.txt`, `setup.cfg`, `setup.py`; for LLaMA-Factory its `llamafactory` pin), else
    the newest.

    ## Fix safety
    Safe where the replacement computes the same thing: `adamw_hf` -> `adamw_torch` (both are
    AdamW with decoupled weight decay and bias correction), `adamw_apex_fused` ->
    `adamw_torch_fused`, TRL `ffd` -> `bfd` and `bfd-requeue` -> `bfd_split` (renames). No fix for
    removed templates (the models they served are gone) or for unknown names (the suggestion is a
    guess).

    ## References
    - `sftlint/schemas_data/values.json`, written by `scripts/snapshot_values.py`: accepted values
      from transformers 5.17 (`OptimizerNames`, `SchedulerType`, `IntervalStrategy`,
      `SaveStrategy`, `HubStrategy`) and TRL 1.15 (`SFTConfig` choices); removals from the
      enums of transformers 4.46-5.17, TRL 0.19-1.15, and LLaMA-Factory's templates up to 0.9.5
    - LLaMA-Factory `src/llamafactory/data/template.py` (`get_template_and_fix_tokenizer`)
    """

    code = "KT004"
    name = "removed-value"
    severity = Severity.ERROR
    fix_availability = FixAvailability.SOMETIMES

    def check(self, ctx):
        config = ctx.config
        dialect = config.dialect.name
        values = load("values")
        for key, field in TRANSFORMERS_KEYS.get(dialect, {}).items():
            yield from self._check(ctx, key, field, values["transformers"], "transformers", dialect in STRICT)
        # the values are SFTConfig's (DPOConfig's loss_type: sigmoid is not one of them)
        if dialect == "trl" and config.objective == "sft":
            for key in TRL_KEYS:
                yield from self._check(ctx, key, key, values["trl"], "trl", True)
        if dialect == "llamafactory":
            yield from self._check(ctx, "template", "template", values["llamafactory"], "llamafactory", False)

    def _check(self, ctx, key, field, table, package, strict):
        entry = ctx.document.lookup(tuple(key.split(".")))
        if entry is None or not isinstance(entry[1], Scalar):
            return
        value = ctx.config.dialect.node_value(entry[1])
        if not isinstance(value, str) or not value:
            return
        accepted = table["accepted"].get(field)
        removed = table["removed"].get(field, {}).get(value)
        title = {"transformers": "transformers", "trl": "TRL", "llamafactory": "LLaMA-Factory"}[package]
        if removed is not None:
            target = target_version(ctx.settings, package, ctx.config.dialect.name, ctx.document.path)
            if target < version(removed["since"]):
                return
            message = f"'{key}: {value}' was removed in {title} {removed['since']}: the run stops at start-up"
            fix = None
            if removed.get("why"):
                message += f" ({removed['why']})"
            if removed.get("to"):
                message += f"; use '{removed['to']}'"
                if removed.get("same"):
                    node = entry[1]
                    q = node.style if node.style in ('"', "'") else ""
                    fix = Fix(Applicability.SAFE, f"Use '{removed['to']}'", (set_value(node, f"{q}{removed['to']}{q}"),))
            elif package == "llamafactory":
                message += "; pick a template of the current release for the model (see its data/template.py)"
            yield Violation(message, entry[1], fix, data={"key": key, "value": value, "since": removed["since"]})
            return
        if not strict or accepted is None or value in accepted:
            return
        close = difflib.get_close_matches(value, accepted, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else f" (one of {', '.join(accepted)})"
        yield Violation(
            f"'{key}: {value}' is not a value {title} {table['version']} accepts for '{field}': the run stops at "
            f"start-up{hint}",
            entry[1], data={"key": key, "value": value, "suggestion": close[0] if close else None},
        )
