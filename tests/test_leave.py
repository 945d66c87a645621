"""The command ends without the interpreter's teardown only when nothing would run in it.

Each case runs the console command's ``run()`` in a fresh interpreter whose ``os._exit`` notes that
it was called; an exit handler and a thread stand for what a plugin or library might leave behind,
and must still run.
"""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
sys.argv = ["sftlint", "check", "--output-format", "concise", {config!r}]

import os
_real_exit = os._exit
_command = os.getpid()

def _noted_exit(code):
    if os.getpid() == _command:  # not a worker process the command forked
        with open({marker!r}, "a") as fh:
            fh.write("fast\\n")
    _real_exit(code)

os._exit = _noted_exit
{setup}
from sftlint.cli.main import run
run()
"""


CONFIG = "# sftlint: dialect=hf\noutput_dir: out\nlearning_rate: 2e-4\nnum_train_epochs: 1\n"


def run_command(tmp_path, setup: str = "", files: int = 1) -> tuple[subprocess.CompletedProcess, str]:
    configs = tmp_path / "configs"
    configs.mkdir()
    for i in range(files):
        (configs / f"train{i:03d}.yaml").write_text(CONFIG, encoding="utf-8")
    marker = tmp_path / "marker.txt"
    code = PROBE.format(config=str(configs / "train000.yaml" if files == 1 else configs), marker=str(marker),
                        setup=setup)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    return done, marker.read_text(encoding="utf-8") if marker.exists() else ""


def test_a_plain_run_skips_the_teardown_and_loses_no_output(tmp_path):
    done, marker = run_command(tmp_path)
    assert done.returncode == 1, done.stderr  # a finding: the exit code survives
    assert "YM001" in done.stdout  # buffered output to a pipe is flushed first
    assert marker == "fast\n"  # the teardown was skipped


def test_a_run_spread_over_worker_processes_skips_the_teardown_too(tmp_path):
    from sftlint.lint import parallel

    files = parallel.MIN_FILES + 20
    done, marker = run_command(tmp_path, files=files)
    assert done.returncode == 1, done.stderr
    assert done.stdout.count("YM001") == files  # every worker's answers reached the output
    assert marker == "fast\n"  # the workers left no exit handler behind


def test_an_exit_handler_still_runs(tmp_path):
    setup = f"import atexit\natexit.register(lambda: open({str(tmp_path / 'marker.txt')!r}, 'a').write('handler\\n'))"
    done, marker = run_command(tmp_path, setup)
    assert done.returncode == 1 and "YM001" in done.stdout
    assert "handler" in marker and "fast" not in marker


def test_a_running_thread_is_waited_for(tmp_path):
    # the thread ends once the main thread has finished: alive whenever the command exits
    setup = ("import threading, time\n"
             "def late():\n    while threading.main_thread().is_alive():\n        time.sleep(0.01)\n"
             f"    open({str(tmp_path / 'marker.txt')!r}, 'a').write('thread\\n')\n"
             "threading.Thread(target=late).start()")
    done, marker = run_command(tmp_path, setup)
    assert done.returncode == 1 and "thread" in marker and "fast" not in marker


def test_a_third_party_plugin_keeps_the_teardown(tmp_path):
    setup = "import pluggy  # what loading any plugin but sftlint's own imports"
    done, marker = run_command(tmp_path, setup)
    assert done.returncode == 1 and "fast" not in marker and "YM001" in done.stdout
