"""Check the tool-validator rules against the tools' own validation: for every case of
``<tool>_cases.yaml``, run the released tool's validation (in its own environment, which has the
tool installed) and sftlint's TV rules, and report where they disagree.

    PYTHONPATH=$PWD python bench/validators/check_real.py axolotl --python /tmp/axvenv/bin/python
    PYTHONPATH=$PWD python bench/validators/check_real.py llamafactory --python /tmp/venv-lf/bin/python --write

The tools pin other releases of transformers and TRL than sftlint's environment, so each runs in
a virtual environment of its own (see bench/RESULTS.md for how they were made). ``--write``
records what the tool said in ``<tool>-real.json``, which the test suite reads
(tests/test_validators_recorded.py), so the suite needs neither tool installed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: What runs inside the tool's environment: a JSON list of configs on standard input, a JSON
#: list of [refused, message] on the last line of standard output.
PROBES = {
    "axolotl": """
import json, sys, warnings, logging
warnings.simplefilter("ignore"); logging.disable(logging.CRITICAL)
from axolotl.utils.dict import DictDefault
from axolotl.utils.config import validate_config
out = []
for cfg in json.load(sys.stdin):
    try:
        validate_config(DictDefault(cfg), capabilities={"bf16": True, "fp8": False, "n_gpu": 1, "n_node": 1,
                        "compute_capability": "sm_90"}, env_capabilities={"torch_version": "2.13.0"})
        out.append([False, ""])
    except Exception as error:
        out.append([True, f"{type(error).__name__}: {error}"])
print(json.dumps(out))
""",
    "llamafactory": """
import json, sys, tempfile, warnings, logging
warnings.simplefilter("ignore"); logging.disable(logging.CRITICAL)
from llamafactory.hparams import get_train_args
out = []
for cfg in json.load(sys.stdin):
    with tempfile.TemporaryDirectory() as folder:
        cfg = dict(cfg, output_dir=folder)
        try:
            get_train_args(cfg)
            out.append([False, ""])
        except (Exception, SystemExit) as error:
            out.append([True, f"{type(error).__name__}: {error}"])
print(json.dumps(out))
""",
}
DIALECTS = {"axolotl": "axolotl", "llamafactory": "llamafactory"}


def load_cases(tool: str) -> dict:
    from ruamel.yaml import YAML

    return YAML(typ="safe").load((HERE / f"{tool}_cases.yaml").read_text(encoding="utf-8"))


def config_of(spec: dict, case: dict) -> dict:
    """The case's config: the base with the case's settings laid over it (null removes a key), and
    the keys of its ``empty`` list written with no value (null)."""
    config = dict(spec["base"])
    for key, value in case.get("set", {}).items():
        if value is None:
            config.pop(key, None)
        else:
            config[key] = value
    for key in case.get("empty", ()):
        config[key] = None
    return config


def sftlint_refuses(tool: str, config: dict) -> list[str]:
    """The messages of the TV findings sftlint reports on the config, written as a YAML file."""
    from sftlint.document import parse_document
    from sftlint.lint.engine import lint_document
    from sftlint.settings.resolver import Settings

    text = f"# sftlint: dialect={DIALECTS[tool]}\n" + "".join(f"{k}: {json.dumps(v)}\n" for k, v in config.items())
    result = lint_document(parse_document(Path("config.yaml"), text), Settings(select=["TV"]), _registry())
    return [f.message for f in result.findings if f.code.startswith("TV")]


_REGISTRY = []


def _registry():
    if not _REGISTRY:
        from sftlint.plugin.loading import build_registry

        _REGISTRY.append(build_registry())
    return _REGISTRY[0]


def run_tool(tool: str, python: str, configs: list[dict]) -> list[list]:
    done = subprocess.run([python, "-c", PROBES[tool]], input=json.dumps(configs), capture_output=True, text=True,
                          timeout=1200, check=False)
    if done.returncode != 0:
        sys.exit(f"{tool}'s probe failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _gist(message: str) -> str:
    """The line of the tool's error that says what is wrong (pydantic wraps it in others)."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    line = next((line for line in lines if line.startswith("Value error,")), lines[0] if lines else "")
    if not line.startswith("Value error,") and "validation error" in line and len(lines) > 2:
        line = f"{lines[1]}: {lines[2]}"  # a field's type error: the field, then what it wanted
    return line.split(" [type=", 1)[0][:300]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tool", choices=sorted(PROBES))
    parser.add_argument("--python", required=True, help="the Python of an environment with the tool installed")
    parser.add_argument("--write", action="store_true", help="record the tool's answers in <tool>-real.json")
    args = parser.parse_args(argv)
    spec = load_cases(args.tool)
    cases = spec["cases"]
    configs = [config_of(spec, case) for case in cases]
    answers = run_tool(args.tool, args.python, configs)
    problems = 0
    for case, config, (refused, message) in zip(cases, configs, answers):
        found = sftlint_refuses(args.tool, config)
        notes = []
        if refused != case["refused"]:
            notes.append(f"the case says refused={case['refused']}")
        if refused and case.get("says") and case["says"] not in message:
            notes.append(f"the tool's message lacks {case['says']!r}")
        if bool(found) != refused:
            notes.append("sftlint " + ("reports it" if found else "says nothing"))
        problems += bool(notes)
        verdict = "refused" if refused else "accepted"
        print(f"{'DIFFER' if notes else 'agree '} {case['name']:40} {args.tool} {verdict:8} sftlint "
              f"{len(found)} finding(s) {'; '.join(notes)}")
        if notes:
            print(f"       tool: {message[:300]}\n       sftlint: {found}")
    print(f"{len(cases)} cases, {len(cases) - problems} agree, {problems} differ ({args.tool} {spec['release']})")
    if args.write:
        record = {"tool": args.tool, "release": spec["release"],
                  "cases": {case["name"]: {"refused": refused, "message": _gist(message)}
                            for case, (refused, message) in zip(cases, answers)}}
        (HERE / f"{args.tool}-real.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
