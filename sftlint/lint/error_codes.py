"""Errors (E): files that cannot be read, parsed or checked as written; they exit with code 2.

These are not rules (no setting selects or ignores them, and no comment silences them: a file that
cannot be read was not checked), but each has a code, a name and a page like a rule's, so that
``sftlint rule E001`` explains it and a finding's ``url`` leads to its section of docs/rules.md.
"""

from __future__ import annotations

from .findings import Severity
from .rule import Rule


class _Error(Rule):
    severity = Severity.ERROR

    def check(self, ctx):  # never run: the engine reports these itself
        return ()


class InvalidFile(_Error):
    """## What it does
    Reports a config that cannot be read as YAML or JSON: a syntax error, bytes that are not UTF-8,
    binary data, a file over the size limit, an alias bomb, nesting too deep, or a path that is not
    a regular file. A file whose top level is a list or a single value is no config at all and is
    skipped with that reason, unless a dialect was forced on it (a `# sftlint: dialect=` comment or
    the `dialect` setting): then it is this error, at the line where the list starts.

    ## Why is this bad?
    The training tool would stop on it too, or read something other than what was meant; nothing
    else in the file is checked.

    ## Example
    ```json
    {"learning_rate": 2e-4,}
    ```

    ## Use instead
    ```json
    {"learning_rate": 2e-4}
    ```
    """

    code = "E001"
    name = "invalid-file"


class DuplicateKey(_Error):
    """## What it does
    Nothing any more: a key written twice is reported by the rule YM004 (duplicate-key), at both
    places, with the value the tool will use; `sftlint rule YM004` explains it. Unlike an E code it
    can be selected, ignored and silenced like any rule, and it does not make the command exit 2.

    ## Why is this bad?
    See YM004.

    ## Example
    ```yaml
    learning_rate: 2.0e-4
    learning_rate: 1.0e-5
    ```

    ## Use instead
    ```yaml
    learning_rate: 1.0e-5
    ```
    """

    code = "E002"
    name = "duplicate-key-retired"


class InvalidSettings(_Error):
    """## What it does
    Reports, in an editor, that the settings (``[tool.sftlint]`` or ``sftlint.toml``) for a config
    cannot be used; ``sftlint check`` says the same as an error message and exits 2.

    ## Why is this bad?
    A typo in settings must never silently turn a check off, so no config is linted under settings
    that cannot be read.

    ## Example
    ```toml
    [tool.sftlint]
    selcet = ["WS"]
    ```

    ## Use instead
    ```toml
    [tool.sftlint]
    select = ["WS"]
    ```
    """

    code = "E003"
    name = "invalid-settings"


class UnknownDialect(_Error):
    """## What it does
    Reports a dialect forced by ``# sftlint: dialect=NAME`` or the ``dialect`` setting that no
    loaded plugin provides.

    ## Why is this bad?
    The file cannot be read as the tool the comment names, and guessing another would check it
    against the wrong keys and defaults.

    ## Example
    ```yaml
    # sftlint: dialect=axolotol
    ```

    ## Use instead
    ```yaml
    # sftlint: dialect=axolotl
    ```
    """

    code = "E004"
    name = "unknown-dialect"


class WriteFailed(_Error):
    """## What it does
    Reports that ``--fix`` could not write a fixed config (no permission, disk full, or the file
    changed since it was read); the file is left as it was.

    ## Why is this bad?
    The fixes shown were not applied; a run that said "Fixed" would be a lie.

    ## Example
    A read-only config and ``sftlint check --fix``.

    ## Use instead
    Make the file writable, or apply the fix by hand from ``sftlint check --diff``.
    """

    code = "E005"
    name = "write-failed"


class ValueOutOfRange(_Error):
    """## What it does
    Reports a number beyond any real run (``max_steps: 1e19``, a batch of 10^15) or a
    ``# sftlint: num-examples`` comment that is not a count; sftlint treats the value as unknown.

    ## Why is this bad?
    No Trainer runs such a value as written; the plan and every rule that needs it would be
    computing nonsense.

    ## Example
    ```yaml
    max_steps: 1e19
    ```

    ## Use instead
    ```yaml
    max_steps: 2000
    ```
    """

    code = "E006"
    name = "value-out-of-range"


class RuleCrashed(_Error):
    """## What it does
    Reports a rule (or a plugin's hook) that raised an exception on this file; the other rules
    still ran and their findings are shown.

    ## Why is this bad?
    That rule's check did not happen, so the file is not known to be clean.

    ## Example
    A plugin rule that fails on a config it did not expect.

    ## Use instead
    Report it to the plugin's authors (or sftlint's) with the config; ``SFTLINT_DEBUG=1`` shows the
    traceback.
    """

    code = "E900"
    name = "rule-crashed"


class InternalError(_Error):
    """## What it does
    Reports that sftlint itself failed on this file (a crash, running out of memory, a worker process
    that died or hung); the other files are still linted.

    ## Why is this bad?
    The file was not checked.

    ## Example
    Any config that makes sftlint crash.

    ## Use instead
    Report it with the config; ``SFTLINT_DEBUG=1`` shows a traceback.
    """

    code = "E999"
    name = "internal-error"


#: Every error code, in order.
ERRORS: tuple[type[Rule], ...] = (InvalidFile, DuplicateKey, InvalidSettings, UnknownDialect, WriteFailed,
                                  ValueOutOfRange, RuleCrashed, InternalError)


def error_code(code_or_name: str) -> type[Rule] | None:
    """The error with this code (``E001``) or name (``invalid-file``), or None."""
    wanted = code_or_name.strip()
    return next((e for e in ERRORS if e.code == wanted.upper() or e.name == wanted.lower()), None)
