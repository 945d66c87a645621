"""Plugins written to break sftlint: each module source misbehaves in one way.

Shared by the tests and the fuzz campaign in bench/. A plugin is named in settings
(``plugins = ["hostile_NAME"]``) and imported from a folder on PYTHONPATH.
"""

from __future__ import annotations

from pathlib import Path

_DOC = '''"""## What it does
    x
    ## Why is this bad?
    x
    ## Example
    x
    ## Use instead
    x
    ## Options
    x
    ## Fix safety
    x
    ## References
    x
    """'''

_RULE = '''
import sys, os
import sftlint
from sftlint.lint.findings import Fix, Edit, Applicability

class Hostile(sftlint.Rule):
    {doc}
    code = "HOST001"
    name = "hostile"
    severity = {severity}

    def check(self, ctx):
{body}

@sftlint.hookimpl
def sftlint_rules():
    return [Hostile]
'''


def _rule(body: str, severity: str = "sftlint.Severity.WARNING") -> str:
    indented = "\n".join("        " + line for line in body.strip().splitlines())
    return _RULE.format(doc=_DOC, severity=severity, body=indented)


#: name -> (module source, what the run must show: words in stderr or stdout)
PLUGINS: dict[str, tuple[str, str]] = {
    "raise-in-check": (_rule("raise RuntimeError('rule broke')"), "hook check"),
    "exit-in-check": (_rule("sys.exit(0)"), "exit(0)"),
    "exit-in-check-after-a-finding": (_rule("yield sftlint.Violation('first')\nsys.exit(3)"), "exit(3)"),
    "wrong-node-type": (_rule("yield sftlint.Violation('bad node', node='line 3')\nyield sftlint.Violation('fine')"),
                        "not a node"),
    "non-dict-data": (_rule("yield sftlint.Violation('bad data', data=[1, 2])"), "not a dict"),
    "not-a-violation": (_rule("yield 42"), "not a Violation"),
    "bad-violation-severity": (_rule("yield sftlint.Violation('x', severity='loud')"), "not a Severity"),
    "bad-rule-severity": (_rule("yield sftlint.Violation('x')", severity="'loud'"), "not a sftlint.Severity"),
    "edit-outside-file": (_rule("yield sftlint.Violation('x', fix=Fix(Applicability.SAFE, 'f', (Edit(10**9, 10**9 + 1, ''),)))"),
                          "outside the file"),
    "message-not-str": (_rule("yield sftlint.Violation(b'bytes')"), "not str"),
    "raise-at-import": ("raise RuntimeError('broken at import')\n", "was not loaded"),
    "exit-at-import": ("import sys\nsys.exit(0)\n", "exit(0)"),
    "print-at-import": ("print('hello from a plugin')\n", "hello from a plugin"),
    "raise-in-configure": ("import sftlint\n@sftlint.hookimpl\ndef sftlint_configure(settings):\n"
                           "    raise ValueError('cannot configure')\n", "sftlint_configure"),
    "exit-in-configure": ("import sftlint, sys\n@sftlint.hookimpl\ndef sftlint_configure(settings):\n"
                          "    sys.exit(0)\n", "sftlint_configure"),
    "junk-non-training": ("import sftlint\n@sftlint.hookimpl\ndef sftlint_recognize_non_training(document):\n"
                          "    return [1, 2]\n", "sftlint_recognize_non_training"),
    "raise-non-training": ("import sftlint\n@sftlint.hookimpl\ndef sftlint_recognize_non_training(document):\n"
                           "    raise KeyError('x')\n", "sftlint_recognize_non_training"),
    "junk-plan-notes": ("import sftlint\n@sftlint.hookimpl\ndef sftlint_plan_notes(plan, config):\n"
                        "    return 17\n", "sftlint_plan_notes"),
    "exit-in-plan-notes": ("import sftlint, sys\n@sftlint.hookimpl\ndef sftlint_plan_notes(plan, config):\n"
                           "    sys.exit(0)\n", "sftlint_plan_notes"),
    "junk-rules-hook": ("import sftlint\n@sftlint.hookimpl\ndef sftlint_rules():\n    return 'HOST001'\n",
                        "not a list"),
    "print-in-check": (_rule("print('noise on stdout')\nreturn\nyield"), "noise on stdout"),
    "secret-in-exception": (_rule("raise ValueError('token hf_' + 'Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv')"), "hook check"),
}


def install(folder: Path, name: str) -> str:
    """Write plugin ``name`` into ``folder`` as a module; return the module name for settings."""
    module = "hostile_" + name.replace("-", "_")
    (folder / f"{module}.py").write_text(PLUGINS[name][0])
    return module
