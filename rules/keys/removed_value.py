from __future__ import annotations


from sftlint import Applicability, Fix, FixAvailability, Rule, Severity, Violation
from sftlint.document import Scalar
from sftlint.lint.edits import set_value
from sftlint.config.key_snapshots import load, shown_target, target_version, version

#: What each table of accepted and removed values is called in messages.
TITLES = {"transformers": "transformers", "trl": "TRL", "llamafactory": "LLaMA-Factory"}


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
    - `sftlint/config/schemas_data/values.json`, written by `scripts/snapshot_values.py`: accepted values
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
        values = load("values")
        # each dialect lists its enum-like keys by the package whose table applies
        for package, keys in config.dialect.value_keys.items():
            if package == "trl" and config.objective != "sft":
                continue  # the values are SFTConfig's (DPOConfig's loss_type: sigmoid is not one of them)
            # transformers' values reach TrainingArguments as written in the tools that pass them
            # on; TRL's always reach its config classes; LLaMA-Factory's templates are only renamed
            strict = config.dialect.rejects_unknown_values if package == "transformers" else package == "trl"
            for key, field in keys.items():
                yield from self._check(ctx, key, field, values[package], package, strict)

    def _check(self, ctx, key, field, table, package, strict):
        entry = ctx.document.lookup(tuple(key.split(".")))
        if entry is None or not isinstance(entry[1], Scalar):
            return
        value = ctx.config.dialect.node_value(entry[1])
        if not isinstance(value, str) or not value:
            return
        accepted = table["accepted"].get(field)
        removed = table["removed"].get(field, {}).get(value)
        title = TITLES.get(package, package)
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
            if not getattr(ctx.settings, f"target_{package}", None):
                shown = shown_target(ctx.settings, package, ctx.config.dialect.name, ctx.document.path)
                if shown.startswith("the newest"):  # no pin, no setting: say which release was judged
                    message += f" (judged against {shown}; set target-{package} if the project runs an older one)"
            yield Violation(message, entry[1], fix, data={"key": key, "value": value, "since": removed["since"]})
            return
        if not strict or accepted is None or value in accepted:
            return
        import difflib  # only for a value that is not accepted

        close = difflib.get_close_matches(value, accepted, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else f" (one of {', '.join(accepted)})"
        yield Violation(
            f"'{key}: {value}' is not a value {title} {table['version']} accepts for '{field}': the run stops at "
            f"start-up{hint}",
            entry[1], data={"key": key, "value": value, "suggestion": close[0] if close else None},
        )
