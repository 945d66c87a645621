from __future__ import annotations

from sftlint import Applicability, Fix, FixAvailability, Rule, Severity, Violation
from sftlint.lint.edits import delete_entry
from sftlint.config.key_snapshots import target_version

from ._common import dotted, warmup_in_file


class WarmupStepsAndRatio(Rule):
    """## What it does
    Reports a config that sets both `warmup_steps` and `warmup_ratio`.

    ## Why is this bad?
    Only one can take effect, and which one depends on the tool and its release: axolotl rejects
    the pair; transformers 4 uses `warmup_steps` and ignores the ratio; transformers 5.0-5.14 copy
    the ratio over `warmup_steps`; transformers 5.15 and later reject `warmup_ratio` altogether.
    Whoever reads the config cannot tell which warmup the run gets.

    ## Example
    ```yaml
    warmup_steps: 10
    warmup_ratio: 0.05
    ```

    ## Use instead
    ```yaml
    warmup_steps: 10
    ```

    ## Options
    None. The transformers release is the `target-transformers` setting; without it, the newest
    release the config's project pins (`pyproject.toml`, `requirements*.txt`, `setup.cfg`,
    `setup.py`) and the tool allows, else the newest.

    ## Fix safety
    Where one value is silently ignored, the fix deletes it: safe, the run does not change. Where
    the tool rejects the pair, the fix deletes `warmup_ratio` and keeps the explicit step count:
    unsafe, since it picks one of two intentions.

    ## References
    - axolotl `src/axolotl/utils/schemas/validation.py` (`check_warmup`)
    - transformers `TrainingArguments.__post_init__` (4.57, 5.0-5.14) and `get_warmup_steps`
    """

    code = "WS003"
    name = "warmup-steps-and-ratio"
    severity = Severity.WARNING
    fix_availability = FixAvailability.ALWAYS
    dialects = frozenset({"axolotl", "llamafactory", "trl", "hf"})

    def check(self, ctx):
        config = ctx.config
        steps, ratio = warmup_in_file(config, "warmup_steps"), warmup_in_file(config, "warmup_ratio")
        if steps is None or ratio is None:
            return
        if config.dialect.rejects_warmup_steps_and_ratio:
            if not (steps.value and ratio.value):
                return
            drop, severity, safe = ratio, Severity.ERROR, False
            why = f"{config.dialect.title} rejects the pair (mutually exclusive)"
        else:
            target = target_version(ctx.settings, "transformers", config.dialect.name, ctx.document.path)
            if target >= (5, 15):
                drop, severity, safe = ratio, Severity.ERROR, False
                why = "transformers 5.15+ rejects 'warmup_ratio' (TypeError)"
            elif target >= (5, 0):
                drop, severity, safe = steps, Severity.WARNING, True
                why = f"transformers {'.'.join(map(str, target[:2]))} copies the ratio over 'warmup_steps', which is ignored"
            else:
                if not (steps.value > 0 and ratio.value > 0):
                    return
                drop, severity, safe = ratio, Severity.WARNING, True
                why = "transformers 4 uses 'warmup_steps' and ignores the ratio"
        fix = None
        if drop.key is not None and drop.node is not None:
            fix = Fix(Applicability.SAFE if safe else Applicability.UNSAFE, f"Delete '{dotted(drop)}'",
                      (delete_entry(ctx.document, drop.key, drop.node),))
        yield Violation(
            f"both '{dotted(steps)}: {steps.value:g}' and '{dotted(ratio)}: {ratio.value:g}' are set: {why}",
            ctx.node_of(ratio), fix, severity=severity,
        )
