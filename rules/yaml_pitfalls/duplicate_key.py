from __future__ import annotations

from sftlint import Rule, Severity, Violation


class DuplicateKey(Rule):
    """## What it does
    Reports a key written twice in the same mapping, at both places, and says which value the tool
    will use.

    ## Why is this bad?
    YAML forbids duplicate keys, but PyYAML's `safe_load` (axolotl, TRL, Unsloth, scripts that
    read `TrainingArguments` from YAML) and Python's `json` keep the last value without a word: an
    edit made to the first `learning_rate` of a long config changes nothing. LLaMA-Factory reads
    YAML through OmegaConf, which stops with "found duplicate key" instead.

    ## Example
    ```yaml
    learning_rate: 2.0e-4
    num_train_epochs: 3
    learning_rate: 1.0e-4
    ```

    ## Use instead
    ```yaml
    learning_rate: 2.0e-4
    num_train_epochs: 3
    ```

    ## Options
    None.

    ## Fix safety
    No fix: which of the two values was meant is the author's call.

    ## References
    - YAML 1.2 spec, section 3.2.1.1: mapping keys are unique
    - PyYAML `SafeConstructor.construct_mapping` (a later key overwrites an earlier one)
    - OmegaConf `omegaconf/_yaml.py` (`found duplicate key`), used by LLaMA-Factory's `read_args`
    """

    code = "YM004"
    name = "duplicate-key"
    severity = Severity.WARNING

    def check(self, ctx):
        dialect = ctx.config.dialect
        # a tool whose loader stops on a duplicate key says so (LLaMA-Factory's OmegaConf)
        stops = dialect.duplicate_key_error if not ctx.document.is_json else None
        loader = "json" if ctx.document.is_json else "PyYAML"
        for dup in ctx.document.duplicates:
            first, second = dup.first.start.line, dup.second.start.line
            if stops:
                outcome = stops.format(key=dup.key)
                severity = Severity.ERROR
            else:
                outcome = f"{dialect.title} uses the value on line {second} ({loader} keeps the last one)"
                severity = None
            data = {"key": dup.key, "lines": [first, second]}
            yield Violation(f"'{dup.key}' is set again on line {second}: {outcome}", dup.first, severity=severity,
                            data=data)
            yield Violation(f"'{dup.key}' was already set on line {first}: {outcome}", dup.second, severity=severity,
                            data=data)
