"""libyaml's parser is imported without running ruamel.yaml's package ``__init__``, and code in the
same process that uses ruamel.yaml afterwards (a plugin, the user's program) gets the whole library.

Each case runs in a fresh interpreter: which modules a process imported is the point.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytest.importorskip("_ruamel_yaml")

CONFIG = "learning_rate: 2e-4\nnum_train_epochs: 1\noutput_dir: out\n"


def fresh(code: str, tmp_path) -> dict:
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_linting_leaves_ruamel_yaml_uninitialised_and_whole_on_first_use(tmp_path):
    (tmp_path / "a.yaml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("a: [1,\n", encoding="utf-8")
    found = fresh("""
import json, sys
from pathlib import Path
from sftlint.lint.session import Session
session = Session()
codes = [f.code for p in ("a.yaml", "broken.yaml") for f in session.lint(Path(p)).findings]
before = "ruamel.yaml.main" in sys.modules
import ruamel.yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
loaded = YAML().load("x: 1  # kept\\n")
print(json.dumps({"codes": codes, "main_before": before, "loaded": dict(loaded),
                  "round_trip": isinstance(loaded, CommentedMap), "version": ruamel.yaml.__version__,
                  "error_module": ruamel.yaml.error.MarkedYAMLError.__module__}))
""", tmp_path)
    assert found["main_before"] is False
    assert "YM001" in found["codes"] and "E001" in found["codes"]  # parsed, and a parse error worded
    assert found["loaded"] == {"x": 1} and found["round_trip"] is True
    assert found["version"] and found["error_module"] == "ruamel.yaml.error"


def test_a_process_that_imported_ruamel_yaml_first_keeps_its_package(tmp_path):
    (tmp_path / "a.yaml").write_text(CONFIG, encoding="utf-8")
    found = fresh("""
import json
import ruamel.yaml
package = ruamel.yaml
from pathlib import Path
from sftlint.lint.session import Session
codes = [f.code for f in Session().lint(Path("a.yaml")).findings]
import sys
print(json.dumps({"codes": codes, "same": sys.modules["ruamel.yaml"] is package}))
""", tmp_path)
    assert found["same"] is True and "YM001" in found["codes"]


def test_an_attribute_the_package_lacks_is_still_an_attribute_error(tmp_path):
    found = fresh("""
import json
from sftlint.document.libyaml import c_parser
assert c_parser() is not None
import ruamel.yaml
try:
    ruamel.yaml.no_such_name
except AttributeError as exc:
    print(json.dumps({"error": str(exc), "yaml": hasattr(ruamel.yaml, "YAML")}))
""", tmp_path)
    assert "no_such_name" in found["error"] and found["yaml"] is True
