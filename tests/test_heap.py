"""The command's collector settings: off while starting, frozen and on again for the linting."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import gc, sys
from sftlint.cli import heap

heap.settle()
assert gc.isenabled() and gc.get_freeze_count() == 0, "settle without start changes nothing"

heap.start()
assert not gc.isenabled()
long_lived = [[i] for i in range(1000)]
heap.settle()
assert gc.isenabled() and gc.get_freeze_count() >= 1000
frozen = gc.get_freeze_count()
heap.settle()
assert gc.get_freeze_count() == frozen, "settle freezes once"

gc.disable()
heap.start()
heap.settle()
assert not gc.isenabled(), "a collector switched off by the program stays off"
print("ok")
"""


def test_start_and_settle_in_a_fresh_interpreter():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_the_command_lints_with_the_collector_back_on(tmp_path):
    config = tmp_path / "train.yaml"
    config.write_text("base_model: m\nadapter: qlora\nmicro_batch_size: 2\nlearning_rate: 0.5\n")
    probe = ("import gc, sys, sftlint.lint.engine as e\n"
             "real = e.lint_file\n"
             "def spy(*a, **k):\n"
             "    print('collector', gc.isenabled(), gc.get_freeze_count() > 0, file=sys.stderr)\n"
             "    return real(*a, **k)\n"
             "e.lint_file = spy\n"
             "from sftlint.cli.main import run\n"
             f"sys.argv = ['sftlint', 'check', '--exit-zero', {str(config)!r}]\n"
             "run()\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "collector True True" in done.stderr
    assert "HP001" in done.stdout


def test_finish_freezes_what_is_left():
    script = "import gc\nfrom sftlint.cli import heap\nx = [[i] for i in range(500)]\nheap.finish()\n" \
             "assert gc.get_freeze_count() >= 500\nprint('ok')\n"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "ok", done.stderr
