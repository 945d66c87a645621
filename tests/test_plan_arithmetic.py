"""Step arithmetic and row counting behind ``sftlint plan``, checked against known Trainer runs,
accelerate's own sharding code, and ``datasets``' own split arithmetic."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from plan_configs import make_config
from sftlint.plan import arithmetic, trainer_loop
from sftlint.plan.build import build_plan
from sftlint.plan.dataset_size import count_examples, held_out
from sftlint.plan.row_counts import count_rows
from sftlint.plan.steps import StepSet
from sftlint.settings.resolver import Settings


def plan(folder=None, dialect="plain", defaults=None, settings=None, **fields):
    return build_plan(make_config(folder, dialect, defaults, **fields), settings or Settings())


# (examples, batch, accumulation, epochs) -> optimizer steps, as transformers' Trainer ran them on CPU
OBSERVED = [((100, 4, 3, 2), 18), ((101, 4, 3, 1), 9), ((96, 4, 3, 1), 8), ((10, 4, 3, 1), 1),
            ((100, 8, 4, 3), 12), ((100, 4, 1, 2), 50)]


@pytest.mark.parametrize(("inputs", "steps"), OBSERVED)
def test_total_steps_match_observed_trainer_runs(inputs, steps):
    n, batch, accumulation, epochs = inputs
    p = plan(num_examples=n, per_device_train_batch_size=batch, gradient_accumulation_steps=accumulation,
             num_train_epochs=epochs)
    assert p.total_steps == steps
    assert p.effective_batch_size == batch * accumulation
    assert p.epochs_run == pytest.approx(epochs)


def test_max_steps_overrides_epochs_and_says_how_many_passes_run():
    p = plan(num_examples=100, per_device_train_batch_size=4, gradient_accumulation_steps=1, num_train_epochs=3,
             max_steps=30)
    assert (p.steps_per_epoch, p.total_steps, p.epochs_run) == (25, 30, 1.2)
    assert any("overrides num_train_epochs" in note for note in p.notes)


def test_per_rank_batches_equal_accelerates_sharding():
    """The Trainer's dataloader under N processes is accelerate's BatchSamplerShard over one sampler."""
    torch = pytest.importorskip("torch")
    from accelerate.data_loader import BatchSamplerShard

    for n in range(1, 41):
        for batch in (1, 3, 4):
            sampler = torch.utils.data.BatchSampler(range(n), batch, drop_last=False)
            for world in (1, 2, 3, 4):
                shard = BatchSamplerShard(sampler, num_processes=world, process_index=0, even_batches=True)
                assert arithmetic.batches_per_rank(n, batch, world) == len(shard) == len(list(shard)), (n, batch, world)


def test_world_size_from_settings_scales_the_batch_and_shortens_the_run():
    config = make_config(num_examples=100, per_device_train_batch_size=4, gradient_accumulation_steps=1,
                         num_train_epochs=1)
    from sftlint.lint.engine import apply_hints

    apply_hints(config, Settings(world_size=4))
    p = build_plan(config, Settings(world_size=4))
    assert (p.world_size, p.effective_batch_size, p.batches_per_epoch, p.total_steps) == (4, 16, 7, 7)


def test_warmup_below_one_is_a_ratio_rounded_up():
    p = plan(num_examples=100, per_device_train_batch_size=4, num_train_epochs=1, warmup_steps=0.1)
    assert (p.total_steps, p.warmup_steps) == (25, 3)
    assert p.lr_schedule[0] == 0.0 and p.lr_schedule[3] == pytest.approx(5e-5)


def test_warmup_ratio_is_rounded_up_and_flagged_as_gone_in_transformers_5():
    p = plan(num_examples=100, per_device_train_batch_size=4, num_train_epochs=1, warmup_ratio=0.05)
    assert p.warmup_steps == 2
    assert any("warmup_ratio" in note and "5.2" in note for note in p.notes)


def test_axolotl_counts_steps_and_warmup_its_own_way():
    # the Trainer would take 18 steps (9 an epoch); axolotl passes ceil(100 x 2 / 12) = 17 as max_steps
    p = plan(dialect="axolotl", num_examples=100, per_device_train_batch_size=4, gradient_accumulation_steps=3,
             num_train_epochs=2, warmup_ratio=0.1)
    assert p.total_steps == 17
    assert p.warmup_steps == 2  # int(0.1 x 17) = 1, which axolotl raises to 2
    default = plan(dialect="axolotl", num_examples=10_000, per_device_train_batch_size=1, num_train_epochs=1)
    assert default.warmup_steps == 100  # min(int(0.03 x 10000), 100)


def test_unknown_examples_leave_steps_unknown_and_say_what_to_add():
    p = plan(per_device_train_batch_size=4, num_train_epochs=1)
    assert p.num_examples is None and p.total_steps is None and p.lr_schedule is None
    assert "num-examples" in " ".join(p.notes)


def test_packing_leaves_steps_unknown_unless_max_steps_is_set():
    assert plan(num_examples=100, packing=True).total_steps is None
    assert plan(num_examples=100, packing=True, max_steps=40).total_steps == 40


def test_unreadable_values_give_unknown_figures_not_errors():
    p = plan(num_examples=100, per_device_train_batch_size="four", learning_rate="2e-4")
    assert p.effective_batch_size is None and p.total_steps is None and p.learning_rate is None
    assert any("'2e-4'" in note for note in p.notes)


def test_sources_say_where_each_input_came_from():
    p = plan(defaults={"per_device_train_batch_size": 2}, num_examples=10, learning_rate=1e-4)
    assert p.sources["learning_rate"] == "0.0001 (set as 'learning_rate')"
    assert p.sources["per_device_train_batch_size"] == "2 (plain default)"
    assert p.sources["lr_scheduler_type"] == "linear (transformers default)"


def _events(run_length, **flow):
    return trainer_loop.events(trainer_loop.Flow(flow), run_length)


def test_event_steps_follow_strategies():
    twelve = trainer_loop.run_length(16, 4, None, 12)  # 4 steps an epoch, max_steps 12
    assert _events(twelve, save_strategy="steps", save_steps=5).save == [5, 10, 12]
    assert _events(twelve, logging_steps=5).logging == [5, 10]
    assert _events(twelve, logging_steps=0.25).logging == [3, 6, 9, 12]
    ten = trainer_loop.run_length(16, 4, None, 10)
    assert _events(ten, save_strategy="epoch").save == [4, 8, 10]
    assert _events(twelve, save_strategy="no", save_steps=5).save == []
    assert _events(twelve, save_strategy="best", save_steps=5).save is None


def test_step_sets_stay_compact_for_any_run_length():
    huge = trainer_loop.run_length(None, 1, None, 200_000_000)
    found = _events(huge, save_strategy="steps", save_steps=1, logging_steps=1)
    assert len(found.save) == 200_000_000 and found.save.head(3) == [1, 2, 3]
    assert 199_999_999 in found.save and 0 not in found.save
    assert found.save.to_json() == {"count": 200_000_000, "also": [],
                                    "progression": {"first": 1, "last": 200_000_000, "every": 1}}
    beyond = trainer_loop.run_length(None, 1, None, 10**19)
    assert len(_events(beyond, logging_steps=7).logging) == 10**19 // 7


def test_a_plan_past_any_index_size_stays_small_and_renders():
    from sftlint.plan.render import render_json, render_table

    p = plan(max_steps=10**19, save_steps=1, logging_steps=1, eval_strategy="steps", num_examples=1000)
    assert p.total_steps == 10**19 and p.save_steps.count == 10**19 and p.lr_schedule is None
    assert "every 1 to 10000000000000000000" in render_table(p)
    assert render_json(p)["eval_steps"]["count"] == 10**19


def test_step_set_equality_and_membership():
    steps = StepSet(5, 17, 5, extra=[1, 18])
    assert list(steps) == [1, 5, 10, 15, 18] and steps == [1, 5, 10, 15, 18] and len(steps) == 5
    assert StepSet(3, 3, 3) == [3] and StepSet(4, 2, 1) == [] and not StepSet()
    assert StepSet.multiples(4, 20, start=6) == [8, 12, 16, 20]


# -- counting rows --------------------------------------------------------------------------------

def test_jsonl_counts_non_blank_lines(tmp_path):
    (tmp_path / "d.jsonl").write_text('{"a": 1}\n\n{"a": 2}\n{"a": 3}\n   \n')
    assert count_rows(tmp_path / "d.jsonl") == 3


def test_json_array_json_lines_and_columns(tmp_path):
    (tmp_path / "array.json").write_text(json.dumps([{"a": i} for i in range(7)], indent=2))
    (tmp_path / "lines.json").write_text('{"a": 1}\n{"a": 2}\n')
    (tmp_path / "columns.json").write_text(json.dumps({"a": [1, 2, 3], "b": [4, 5, 6]}))
    assert [count_rows(tmp_path / f) for f in ("array.json", "lines.json", "columns.json")] == [7, 2, 3]


def test_csv_with_quoted_newlines_and_tsv(tmp_path):
    (tmp_path / "d.csv").write_text('prompt,answer\n"line one\nline two",yes\nplain,"a, b"\n\n')
    (tmp_path / "d.tsv").write_text("q\ta\nx\ty\nz\tw\n")
    assert count_rows(tmp_path / "d.csv") == 2
    assert count_rows(tmp_path / "d.tsv") == 2


def test_parquet_row_count_from_the_footer_without_pyarrow(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    table = pa.table({"text": [f"row {i}" for i in range(1234)], "score": list(range(1234)),
                      "tags": [[i, i + 1] for i in range(1234)]})
    pq.write_table(table, tmp_path / "d.parquet", row_group_size=100)
    script = ("import sys; from pathlib import Path; from sftlint.plan.row_counts import count_rows; "
              f"print(count_rows(Path({str(tmp_path / 'd.parquet')!r}))); "
              "print('pyarrow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["1234", "False"]


def test_folder_counts_all_data_files_or_the_train_split(tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "a.jsonl").write_text('{"x": 1}\n{"x": 2}\n')
    (plain / "b.jsonl").write_text('{"x": 3}\n')
    (plain / "README.md").write_text("about the data")
    split = tmp_path / "split"
    split.mkdir()
    (split / "train.jsonl").write_text('{"x": 1}\n' * 5)
    (split / "test.jsonl").write_text('{"x": 1}\n' * 2)
    assert count_examples([{"path": "plain"}], tmp_path).num_examples == 3
    assert count_examples([{"path": "split"}], tmp_path).num_examples == 5
    assert count_examples([{"path": "split", "split": "test"}], tmp_path).num_examples == 2


def test_paths_resolve_from_the_config_folder_then_the_working_directory(tmp_path, monkeypatch):
    config_dir, cwd = tmp_path / "configs", tmp_path / "project"
    (config_dir / "data").mkdir(parents=True)
    (cwd / "data").mkdir(parents=True)
    (config_dir / "data" / "d.jsonl").write_text('{"x": 1}\n' * 4)
    (cwd / "data" / "d.jsonl").write_text('{"x": 1}\n' * 9)
    (cwd / "data" / "only_here.jsonl").write_text('{"x": 1}\n' * 6)
    monkeypatch.chdir(cwd)
    assert count_examples([{"path": "data/d.jsonl"}], config_dir).num_examples == 4
    assert count_examples([{"path": "data/only_here.jsonl"}], config_dir).num_examples == 6


def test_eval_datasets_are_not_training_examples(tmp_path):
    (tmp_path / "t.jsonl").write_text('{"x": 1}\n' * 8)
    (tmp_path / "e.jsonl").write_text('{"x": 1}\n' * 3)
    counted = count_examples([{"path": "t.jsonl"}, {"path": "e.jsonl", "role": "eval"}], tmp_path)
    assert counted.num_examples == 8


def test_max_samples_caps_each_dataset_or_the_whole_set(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"x": 1}\n' * 50)
    (tmp_path / "b.jsonl").write_text('{"x": 1}\n' * 10)
    specs = [{"path": "a.jsonl"}, {"path": "b.jsonl"}]
    assert count_examples(specs, tmp_path, max_samples=20, cap_each=True).num_examples == 30
    assert count_examples(specs, tmp_path, max_samples=20).num_examples == 20


def test_val_size_matches_datasets_train_test_split():
    datasets = pytest.importorskip("datasets")
    for rows in (10, 97, 101):
        data = datasets.Dataset.from_dict({"x": list(range(rows))})
        for val in (0.1, 0.05, 0.33, 3, 7.0):
            test_size = int(val) if val > 1 else val  # as LLaMA-Factory passes it
            split = data.train_test_split(test_size=test_size, seed=0)
            assert held_out(val, rows) == len(split["test"]), (rows, val)


def test_llamafactory_names_resolve_through_dataset_info(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "alpaca_mine.json").write_text(json.dumps([{"instruction": str(i)} for i in range(40)]))
    (data / "dataset_info.json").write_text(json.dumps({
        "mine": {"file_name": "alpaca_mine.json"}, "hub": {"hf_hub_url": "org/remote"}}))
    counted = count_examples([{"path": None, "name": "mine", "dataset_dir": "data"}], tmp_path,
                             max_samples=30, cap_each=True, val_size=0.1)
    assert (counted.num_examples, counted.eval_examples) == (27, 3)
    remote = count_examples([{"path": None, "name": "hub", "dataset_dir": "data"}], tmp_path)
    assert remote.num_examples is None and "Hub" in remote.source


def test_hub_datasets_are_unknown_unless_settings_size_them(tmp_path):
    counted = count_examples([{"path": "tatsu-lab/alpaca"}], tmp_path)
    assert counted.num_examples is None and "Hub dataset" in counted.source
    sized = count_examples([{"path": "tatsu-lab/alpaca"}], tmp_path,
                           settings=Settings(dataset_sizes={"tatsu-lab/alpaca": 52002}))
    assert sized.num_examples == 52002


def test_counted_rows_win_over_a_hint_and_the_disagreement_is_noted(tmp_path):
    (tmp_path / "d.jsonl").write_text('{"x": 1}\n' * 12)
    p = plan(tmp_path, datasets=[{"path": "d.jsonl"}], num_examples=50, per_device_train_batch_size=4)
    assert p.num_examples == 12 and "d.jsonl" in p.num_examples_source
    assert any("not the 50 given" in note for note in p.notes)


def test_split_slices(tmp_path):
    (tmp_path / "d.jsonl").write_text('{"x": 1}\n' * 40)
    assert count_examples([{"path": "d.jsonl", "split": "train[:10]"}], tmp_path).num_examples == 10
    assert count_examples([{"path": "d.jsonl", "split": "train[25%:]"}], tmp_path).num_examples == 30


def test_planning_never_imports_the_training_stack(tmp_path):
    (tmp_path / "d.jsonl").write_text('{"x": 1}\n' * 12)
    script = (
        "import sys; sys.path.insert(0, 'tests'); from pathlib import Path; from plan_configs import make_config; "
        "from sftlint.plan.build import build_plan; from sftlint.plan.render import render_table; "
        "from sftlint.settings.resolver import Settings; "
        f"c = make_config(Path({str(tmp_path)!r}), datasets=[{{'path': 'd.jsonl'}}], lr_scheduler_type='cosine'); "
        "render_table(build_plan(c, Settings()), c); "
        "print(sorted(m for m in ('torch', 'transformers', 'trl', 'peft', 'bitsandbytes', 'pyarrow') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
