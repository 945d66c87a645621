"""A verdict is about this run, or it says why it cannot be: real runs of the tiny synthetic Llama on
the CPU, through the command line where the user's view (exit code, stderr, summary.json) is the
point. Each test would pass a run that should not pass, or lose one, without its fix."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sftlint.runner.run import run_config
from sftlint.runner.synthetic_data import write_jsonl

pytestmark = pytest.mark.slow
pytest.importorskip("trl")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
#: Lines that import-time and exit-time warnings of torch's optional libraries print.
NOISE = ("torchao", "nanobind", "Failed to load", "leaked", "Writing model shards", "_pytree")


@pytest.fixture(autouse=True)
def _shared_model_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("SFTLINT_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "sftlint-runner-cache"))


@pytest.fixture
def project(tmp_path) -> Path:
    shutil.copy(EXAMPLES / "trl-sft.yaml", tmp_path / "trl-sft.yaml")
    shutil.copytree(EXAMPLES / "data", tmp_path / "data")
    return tmp_path


def sftlint(*args, cwd: Path, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sftlint", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=600, **kwargs)


def edited(src: Path, dst: Path, old: str, new: str) -> Path:
    text = src.read_text()
    assert old in text
    dst.write_text(text.replace(old, new))
    return dst


def test_a_reused_folder_never_reports_the_previous_run(project, tmp_path_factory):
    out = project / "run"
    fresh_cache = {"SFTLINT_CACHE_DIR": str(tmp_path_factory.mktemp("fresh-cache"))}  # the model is built here
    good = sftlint("run", "trl-sft.yaml", "--backend", "hf", "--model", "synthetic:tiny", "--steps", "4",
                   "--output-dir", out, "--output-format", "json", cwd=project, env=fresh_cache)
    assert good.returncode == 0, good.stderr[-3000:]
    # nothing on stderr: no import or exit noise of torch's optional libraries, even while building the model
    assert good.stderr == ""
    summary = json.loads(good.stdout)
    assert (summary["status"], summary["verdict"], summary["steps"]) == ("completed", "pass", 4)
    # the reported peak is never below a memory reading taken during the run
    lines = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert summary["peak_memory_bytes"] >= max(r["memory_bytes"] for r in lines)
    # tokens/s counts real tokens: 4 steps of 4 x 2 rows are one pass over the 32 rows, padding excluded
    facts = json.loads((out / "trainer_args.json").read_text())
    assert facts["train_rows"] == 32 and sum(r["tokens"] for r in lines) == facts["train_tokens"]

    bad_data = project / "bad" / "data"
    bad_data.mkdir(parents=True)
    (bad_data / "synthetic.jsonl").write_text('{"question": "1 2", "reply": "2 1"}\n' * 40)
    bad = shutil.copy(project / "trl-sft.yaml", project / "bad" / "trl-sft.yaml")
    refused = sftlint("run", bad, "--backend", "hf", "--model", "synthetic:tiny", "--steps", "4",
                      "--output-dir", out, cwd=project)
    assert refused.returncode == 2 and "holds an earlier run" in refused.stderr and "--overwrite" in refused.stderr
    assert json.loads((out / "summary.json").read_text())["steps"] == 4  # untouched

    again = sftlint("run", bad, "--backend", "hf", "--model", "synthetic:tiny", "--steps", "4",
                    "--output-dir", out, "--overwrite", cwd=project)
    assert again.returncode == 2, again.stdout
    assert again.stdout == ""
    assert again.stderr.splitlines() == [
        "sftlint run: error: could not start: loading the training data failed: no trainable columns in "
        "['question', 'reply']: expected text, messages, conversations, prompt/completion or instruction/input/output"]
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["status"], summary["verdict"], summary["steps"], summary["checks"]) == \
        ("not_started", "could not start", 0, [])
    assert not (out / "metrics.jsonl").exists() and not (out / "adapter").exists()


def test_a_model_that_cannot_be_loaded_could_not_start(project):
    proc = sftlint("run", "trl-sft.yaml", "--backend", "hf", "--model", project / "no-such-model", "--steps", "2",
                   "--output-dir", project / "run", cwd=project, env={"HF_HUB_OFFLINE": "1"})
    assert proc.returncode == 2 and proc.stdout == ""
    (line,) = proc.stderr.splitlines()
    assert line.startswith("sftlint run: error: could not start: loading the model failed: ")


def test_lint_errors_stop_the_run_unless_allowed(project):
    both = edited(project / "trl-sft.yaml", project / "both.yaml", "bf16: true", "bf16: true\nfp16: true")
    proc = sftlint("run", both, "--backend", "hf", "--model", "synthetic:tiny", "--output-dir", project / "run",
                   cwd=project)
    assert proc.returncode == 1 and proc.stdout == "" and not (project / "run").exists()
    assert "both.yaml:" in proc.stderr and " QL002 " in proc.stderr
    assert proc.stderr.splitlines()[-1] == ("sftlint run: the linter found 1 error(s) in the config; fix them, or "
                                            "pass --allow-lint-errors to train it anyway")


def test_divergence_is_caught_on_the_tiny_model(project):
    """lr 10: the tiny model's loss stays flat (its logits pass a final norm into a small head), but
    the adapter's weights run away; the linter's HP001 is shown before the run."""
    config = edited(project / "trl-sft.yaml", project / "lr10.yaml", "learning_rate: 1.0e-4", "learning_rate: 10")
    proc = sftlint("run", config, "--backend", "hf", "--model", "synthetic:tiny", "--steps", "12",
                   "--output-dir", project / "run", cwd=project)
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert proc.stderr.splitlines()[0].startswith(f"{config}:22:16: HP001 learning rate 10 is above")
    summary = json.loads((project / "run" / "summary.json").read_text())
    assert summary["verdict"] == "FAIL"
    failed = {c["name"]: c["message"] for c in summary["checks"] if c["passed"] is False}
    assert "weight_norm" in failed, failed  # (the gradient norm may or may not pass its 20x limit)
    assert failed["weight_norm"].startswith("the weights ran away: trainable weights' norm ")
    ratio = float(failed["weight_norm"].split("x its")[0].rsplit(", ", 1)[1])
    assert ratio > 100  # measured: about 550x after 12 steps; lr 2e-3 gives 1.03x, lr 1e-4 1.0000x
    assert summary["lint_findings"][0].startswith(f"{config}:22:16: HP001")
    assert "FAIL weight_norm: the weights ran away" in proc.stdout


def test_llamafactory_full_run_trains_the_planned_rows_and_warmup(tmp_path):
    """val_size and per-dataset max_samples shape the data; warmup_ratio reaches the Trainer."""
    data = tmp_path / "data"
    data.mkdir()
    write_jsonl(data / "a.jsonl", 14)
    write_jsonl(data / "b.jsonl", 6, seed=1)
    (data / "dataset_info.json").write_text(json.dumps({"a": {"file_name": "a.jsonl", "formatting": "sharegpt"},
                                                        "b": {"file_name": "b.jsonl", "formatting": "sharegpt"}}))
    config = tmp_path / "lf.yaml"
    config.write_text("model_name_or_path: m\nstage: sft\ndo_train: true\nfinetuning_type: lora\nlora_target: all\n"
                      "dataset: a,b\ndataset_dir: data\ntemplate: llama3\nmax_samples: 10\nval_size: 0.2\n"
                      "cutoff_len: 128\nper_device_train_batch_size: 2\ngradient_accumulation_steps: 1\n"
                      "num_train_epochs: 1.0\nlearning_rate: 2.0e-3\nlr_scheduler_type: linear\nwarmup_ratio: 0.2\n")
    result = run_config(config, mode="full", backend="hf", model="synthetic:tiny", output_dir=tmp_path / "run",
                        allow_lint_errors=True)  # WS004: transformers 5 no longer takes warmup_ratio
    assert any(" HP001 learning rate 0.002 " in f for f in result.lint_findings)
    # min(14, 10) + min(6, 10) = 16 rows, 4 held out -> 12 rows, 6 steps; warmup ceil(0.2 x 6) = 2
    assert result.passed, result.explain()
    assert (result.steps, result.planned_steps) == (6, 6)
    assert [r.lr for r in result.records[:3]] == [0.0, 1e-3, 2e-3]
    assert result.check("trainer_arguments").passed


def test_runs_that_train_nothing_are_not_checked(project):
    zero = edited(project / "trl-sft.yaml", project / "zero.yaml", "num_train_epochs: 1", "max_steps: 0")
    result = run_config(zero, mode="full", backend="hf", model="synthetic:tiny", output_dir=project / "zero",
                        allow_lint_errors=True)
    # the trainer stops after one step, as the plan says; one step cannot show the loss moving
    assert (result.steps, result.planned_steps) == (1, 1)
    assert result.check("trainer_arguments").passed, result.explain()
    assert result.verdict == "not checked" and result.exit_code == 1
    assert result.unchecked == ["1 optimizer step: too few to see the loss move"]

    (project / "data" / "three.jsonl").write_text(
        "".join(line + "\n" for line in (project / "data" / "synthetic.jsonl").read_text().splitlines()[:3]))
    three = edited(project / "trl-sft.yaml", project / "three.yaml", "data/synthetic.jsonl", "data/three.jsonl")
    result = run_config(three, mode="full", backend="hf", model="synthetic:tiny", output_dir=project / "three",
                        allow_lint_errors=True)
    assert (result.steps, result.planned_steps, result.records[0].lr) == (1, 1, 0.0)
    assert result.verdict == "not checked", result.explain()
    assert "no optimizer step had a learning rate above 0: the adapter was never updated" in result.unchecked
    assert result.check("adapter_reload").passed is None  # "moves logits by 0" is no pass
    assert json.loads((project / "three" / "summary.json").read_text())["verdict"] == "not checked"


def test_ctrl_c_writes_the_summary_with_the_steps_done(project):
    out = project / "run"
    command = [sys.executable, "-m", "sftlint", "run", "trl-sft.yaml", "--backend", "hf", "--model",
               "synthetic:tiny", "--steps", "400", "--output-dir", str(out)]
    # a session of its own, like a shell's foreground job: Ctrl-C signals the whole group
    proc = subprocess.Popen(command, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    metrics = out / "metrics.jsonl"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        if metrics.is_file() and len(metrics.read_text().splitlines()) >= 3:
            break
        time.sleep(0.2)
    assert proc.poll() is None, proc.communicate()
    os.killpg(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    done = len(metrics.read_text().splitlines())
    assert summary["status"] == "interrupted" and summary["verdict"] == "interrupted"
    assert 3 <= summary["steps"] == done < 400
    assert summary["cause"] == f"stopped by Ctrl-C after {done} of 400 steps"
    assert json.loads((out / "worker.json").read_text())["global_step"] == done
    assert (out / "loss_lr.png").is_file()
    assert f"interrupted (stopped by Ctrl-C after {done} of 400 steps)" in stdout
