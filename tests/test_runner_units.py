"""The runner's decisions that need no training: smoke plans, recipes, data layouts, checks,
launch commands, the synthetic data and model specs, and the example configs' plans."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sftlint.plan.schedules import learning_rates
from sftlint.runner import checks
from sftlint.runner.launch import worker_command
from sftlint.runner.plan_source import PlanError, load_plan
from sftlint.runner.recipe import RecipeError, build_recipe, config_values, resolve_data_files
from sftlint.runner.result import StepRecord
from sftlint.runner.smoke_plan import make_smoke_plan
from sftlint.runner.synthetic_data import generate
from sftlint.runner.synthetic_model import SPECS, parameter_count

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def records(losses, lrs=None):
    lrs = lrs or [1e-3] * len(losses)
    return [StepRecord(i + 1, loss, lr) for i, (loss, lr) in enumerate(zip(losses, lrs))]


@pytest.mark.parametrize("name", ["axolotl-qlora.yml", "llamafactory-qlora.yaml", "trl-sft.yaml", "unsloth-lora.yaml"])
def test_example_configs_have_full_plans_and_recipes(name, tmp_path):
    config, plan = load_plan(EXAMPLES / name)
    assert plan.num_examples == 200 and plan.total_steps == 25 and plan.lr_schedule
    values = config_values(config)
    recipe = build_recipe(values, make_smoke_plan(plan, values, 10), mode="smoke", backend="hf", base_model="m",
                          model_label="m", output_dir=tmp_path, config_dir=EXAMPLES, steps=10)
    assert [Path(f.path).name for f in recipe.data_files] == ["synthetic.jsonl"]
    assert recipe.max_steps == 10 and recipe.max_rows == 10 * 4 * 2
    assert recipe.load_in_4bit and recipe.lora_r == 16


def test_world_size_reaches_the_plan():
    _, one = load_plan(EXAMPLES / "trl-sft.yaml")
    _, two = load_plan(EXAMPLES / "trl-sft.yaml", world_size=2)
    assert (one.total_steps, two.total_steps, two.world_size) == (25, 13, 2)


def test_load_plan_rejects_what_is_not_a_training_config(tmp_path):
    other = tmp_path / "x.yaml"
    other.write_text("colour: blue\n")
    with pytest.raises(PlanError, match="no training plan"):
        load_plan(other)


def test_smoke_plan_keeps_the_schedule_and_scales_warmup_up():
    _, plan = load_plan(EXAMPLES / "llamafactory-qlora.yaml")  # cosine, 3 warmup steps of 25
    smoke = make_smoke_plan(plan, {}, 10)
    assert (smoke.total_steps, smoke.warmup_steps, smoke.lr_scheduler_type) == (10, 2, "cosine")  # 1.2 -> 2
    assert smoke.lr_schedule == learning_rates("cosine", 1e-4, 2, 10)[0]
    assert plan.total_steps == 25  # the original is untouched
    ratio = make_smoke_plan(None, {"warmup_steps": 0.1, "learning_rate": 2e-3}, 10)
    assert ratio.warmup_steps == 1 and ratio.lr_schedule[:2] == [0.0, 2e-3]


def test_lr_check_names_the_first_wrong_step_with_numbers():
    planned = learning_rates("linear", 1e-3, 0, 4)[0]
    ok = checks.lr_schedule(records([1, 1, 1, 1], planned), planned)
    assert ok.passed is True
    off = checks.lr_schedule(records([1, 1, 1, 1], [1e-3, 7.5e-4, 5e-4 * (1 + 2e-6), 2.5e-4]), planned)
    assert off.passed is False
    assert off.message == "step 3: lr 0.000500001 used, plan 0.0005 (relative error 2e-06); 1 of 4 steps differ"
    assert checks.lr_schedule(records([1]), None).passed is None


def test_finite_and_falling_loss_checks():
    assert checks.finite_loss(records([3.0, 2.0, float("nan")])).message.startswith("loss is nan at step 3")
    assert checks.finite_loss(records([3.0, float("inf")])).passed is False
    falls = checks.loss_falls(records([4.0, 3.9, 3.5, 3.1, 3.0, 2.9, 2.5, 2.4]))
    assert falls.passed and falls.message.startswith("mean loss of the first 2 steps 3.9500, of the last 2 2.4500")
    assert checks.loss_falls(records([2.0, 2.0, 2.1, 2.2])).passed is False
    assert checks.step_count(9, 10).message == "9 optimizer steps, plan 10"


def test_out_of_memory_fails_with_the_estimate():
    check = checks.memory(None, None, 6 * 2**30, {"oom": True, "step": 3, "message": "CUDA out of memory"})
    assert check.passed is False
    assert check.message == "out of memory at step 3: CUDA out of memory; plan estimate 6144 MiB"


def test_data_files_resolve_from_every_dialect_shape(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.jsonl").write_text("{}\n")
    (tmp_path / "data" / "dataset_info.json").write_text(json.dumps({"mine": {"file_name": "a.jsonl"}}))
    by_path = resolve_data_files([{"path": "data/a.jsonl"}], tmp_path)
    by_files = resolve_data_files([{"path": "json", "data_files": "data/a.jsonl"}], tmp_path)
    by_name = resolve_data_files([{"path": None, "name": "mine", "dataset_dir": "data"}], tmp_path)
    assert by_path == by_files == by_name and by_path[0].builder == "json"
    assert resolve_data_files([{"path": "data/a.jsonl"}, {"path": "x", "role": "eval"}], tmp_path) == by_path
    with pytest.raises(RecipeError, match="local"):
        resolve_data_files([{"path": "org/hub-dataset"}], tmp_path)


def test_data_layouts_become_trl_columns():
    datasets = pytest.importorskip("datasets")
    from sftlint.runner.data import layout, normalise

    alpaca = normalise(datasets.Dataset.from_list(generate(3, "alpaca")))
    assert alpaca.column_names == ["prompt", "completion"] and "### Input:" in alpaca[0]["prompt"]
    share = normalise(datasets.Dataset.from_list([{"conversations": [{"from": "human", "value": "hi"},
                                                                      {"from": "gpt", "value": "yo"}]}]))
    assert share[0]["messages"] == [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]
    assert [layout(list(generate(1, f)[0])) for f in ("messages", "text", "prompt_completion")] == \
        ["messages", "text", "prompt_completion"]


def test_launch_commands():
    assert worker_command(Path("r.json"), python="py") == ["py", "-m", "sftlint.runner.worker", "r.json"]
    gpu = worker_command(Path("r.json"), 4, use_cpu=False, python="py")
    assert gpu[:6] == ["py", "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "4"]
    cpu = worker_command(Path("r.json"), 2, use_cpu=True, python="py", main_process_port=1234)
    assert cpu[:5] == ["py", "-m", "torch.distributed.run", "--nproc-per-node", "2"] and "1234" in cpu


def test_synthetic_specs_have_their_advertised_sizes():
    assert 100_000 <= parameter_count(SPECS["tiny"]) <= 150_000
    assert 0.95e9 <= parameter_count(SPECS["1b"]) <= 1.1e9


def test_synthetic_data_cli(tmp_path):
    out = tmp_path / "d.jsonl"
    subprocess.run([sys.executable, "-m", "sftlint.runner.synthetic_data", str(out), "--rows", "5",
                    "--format", "prompt_completion"], check=True, capture_output=True)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 5 and rows == generate(5, "prompt_completion")
    q = rows[0]["prompt"].split(". ", 1)[1].removesuffix(" =>").split()
    assert rows[0]["completion"].split() == q[::-1]  # the task: reverse the digits


def test_the_committed_example_data_is_the_generator_output():
    lines = (EXAMPLES / "data" / "synthetic.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == generate(200, "messages")


def test_lint_and_cli_parsing_import_no_training_package():
    code = ("import sys; from sftlint.cli.main import build_parser; import sftlint.runner.pytest_support; "
            "a = build_parser().parse_args(['run', 'x.yaml', '--steps', '3']); "
            "heavy = [m for m in ('torch', 'transformers', 'trl', 'peft', 'bitsandbytes') if m in sys.modules]; "
            "print(a.steps, a.mode, a.backend, heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "3 smoke auto []"


def test_run_usage_errors_exit_2(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "sftlint", "run", str(tmp_path / "missing.yaml")],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "no such file" in proc.stderr


def test_run_reports_bad_settings_and_folders_without_an_internal_error(cli, tmp_path):
    (tmp_path / "train.yaml").write_text("model_name_or_path: m\ndataset_name: d\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[tool.sftlint]\nworld-sizee = 2\n", encoding="utf-8")
    run = cli("run", "train.yaml")
    assert run.rc == 2
    assert "pyproject.toml:2:" in run.err and "world-size" in run.err and "internal error" not in run.err
    run = cli("run", tmp_path)
    assert run.rc == 2 and "is a folder" in run.err


def test_logits_comparison_allows_two_bf16_ulps_but_not_a_lost_adapter():
    torch = pytest.importorskip("torch")
    from sftlint.runner.worker import compare_logits

    trained = torch.tensor([[11.5625, -3.0, 0.5]])
    # A reload on a GPU, computed in bfloat16: off by about one unit in the last place (0.0625 at 8..16).
    rounded = trained + torch.tensor([[0.0872, 0.0, 0.0]])
    assert compare_logits(trained, rounded, torch.bfloat16)["passed"]
    # The adapter moves these logits by about 12: a reload without it must fail.
    assert not compare_logits(trained, trained - 12.0, torch.bfloat16)["passed"]
    # An adapter that moves logits by only 0.2 (a short run): bf16 rounding may not hide its loss.
    assert compare_logits(trained, rounded, torch.bfloat16, adapter_effect=0.2)["tolerance"] == 0.05
    assert not compare_logits(trained, rounded, torch.bfloat16, adapter_effect=0.2)["passed"]
    # Computed in float32 the same difference is far too large.
    result = compare_logits(trained, rounded, torch.float32)
    assert not result["passed"] and result["tolerance"] < 2e-3


def test_a_plugin_dialect_s_conventions_reach_the_recipe(tmp_path):
    """The runner follows the conventions of the dialect that read the config, a plugin's too:
    the dialect object travels with the config, not only its name."""
    from sftlint.dialects.trl import TRL

    class CountingTool(TRL):  # a plugin tool that fixes the run length and double-quantises
        name = "acme-trainer"
        computes_run_length = True
        max_samples_per_dataset = True
        loader_4bit_defaults = {"bnb_4bit_quant_type": "nf4", "bnb_4bit_use_double_quant": True}

    config, plan = load_plan(EXAMPLES / "trl-sft.yaml")
    values = {**config_values(config), "max_samples": 50}
    values.pop("bnb_4bit_use_double_quant", None)  # left to the tool's loader

    def recipe(tool):
        return build_recipe(values, plan, mode="full", backend="hf", base_model="m", model_label="m",
                            output_dir=tmp_path, config_dir=EXAMPLES, dialect="acme-trainer", tool=tool)

    followed, by_name = recipe(CountingTool()), recipe(None)
    assert followed.max_steps == plan.total_steps and followed.warmup_steps == plan.warmup_steps
    assert followed.bnb_4bit_use_double_quant is True and followed.max_rows_each == 50
    # by name alone an unknown tool has no conventions: the Trainer counts, nothing double-quantised
    assert by_name.max_steps == -1 and by_name.bnb_4bit_use_double_quant is False and by_name.max_rows == 50
