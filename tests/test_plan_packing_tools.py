"""Packed counts for axolotl and LLaMA-Factory against what their own code counted.

``bench/packing_tools.py`` ran axolotl's ``MultipackBatchSampler`` and data pipeline
(``load_datasets``, ``calculate_total_num_steps``) and LLaMA-Factory's ``greedy_knapsack`` and
``get_dataset`` on the cases of ``packing_cases.py`` and stored their counts in
``data/packing_tool_counts.json`` (with the tools' commits). These tests rebuild the same files and
compare the plan with those counts, so they run without either tool installed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from packing_cases import ALGORITHM_CASES, END_TO_END, build_case, lengths_for
from sftlint.plan.packing_axolotl import (first_fit, next_fit, random_order_batches, sampler_batches,
                                          steps_from_batches)
from sftlint.plan.packing_llamafactory import greedy_knapsack, infer_seqlen, pretrain_rows

pytest.importorskip("tokenizers")

STORED = json.loads((Path(__file__).parent / "data" / "packing_tool_counts.json").read_text())
AXOLOTL = {c["case"]: c for c in STORED["algorithms"]["axolotl"]}
LLAMAFACTORY = {c["case"]: c for c in STORED["algorithms"]["llamafactory"]}


@pytest.mark.parametrize("name, seed, count, low, high, capacity, extra", ALGORITHM_CASES,
                         ids=[c[0] for c in ALGORITHM_CASES])
def test_multipack_counts_equal_axolotls_sampler(name, seed, count, low, high, capacity, extra):
    lengths = lengths_for(seed, count, low, high)
    per_batch = extra.get("per_batch", 1)
    real = AXOLOTL[name]
    packed = first_fit(lengths, capacity, extra.get("bin_size", 200), extra.get("group_size", 100_000))
    assert sampler_batches(packed, per_batch) == real["first_fit_batches"]
    assert sampler_batches(next_fit(lengths, capacity), per_batch) == real["next_fit_batches"]
    # a random order: the plan's repeats of axolotl's count fall in the range its sampler gave
    low_real, high_real = real["random_first_fit_batches"]
    seen = random_order_batches(lengths, lambda order: first_fit(order, capacity, extra.get("bin_size", 200),
                                                                 extra.get("group_size", 100_000)), per_batch)
    assert low_real - 1 <= min(seen) and max(seen) <= high_real + 1, (seen, real["random_first_fit_batches"])


@pytest.mark.parametrize("name, seed, count, low, high, capacity, extra", ALGORITHM_CASES,
                         ids=[c[0] for c in ALGORITHM_CASES])
def test_greedy_knapsack_equals_llamafactorys(name, seed, count, low, high, capacity, extra):
    lengths = [n for n in lengths_for(seed, count, low, high) if n <= capacity]
    assert greedy_knapsack(lengths, capacity) == LLAMAFACTORY[name]["greedy_knapsack_rows"]


def test_small_cases_by_hand():
    # first fit keeps order: 5 goes to the first bin with room, not the tightest
    assert first_fit([6, 5, 4, 5], 10) == 2
    assert first_fit([1] * 7, 100, max_items=3) == 3  # at most 3 examples a bin
    assert next_fit([6, 3, 5, 5], 10) == 2 and next_fit([6, 5, 4], 10) == 2
    assert sampler_batches(7, 2) == 3  # the incomplete last batch is dropped
    # 10 batches of 2 bins, batch_size 2 x 2 accumulation: 5 steps an epoch, 1.5 epochs -> 7, drop_last -> 5
    assert steps_from_batches(10, 2, 4, 1.5, False) == 7 and steps_from_batches(10, 2, 4, 1.5, True) == 5
    assert greedy_knapsack([7, 3, 3, 2, 9], 10) == 3  # [9], [7, 3], [3, 2]
    assert pretrain_rows([30] * 1000 + [30] * 5, 100) == 300 + 1  # each map batch of 1,000 on its own
    assert infer_seqlen(10, 100, 50) == (10, 40) and infer_seqlen(100, 10, 50) == (40, 10)


def _plan(name: str, folder: Path):
    from sftlint.dialects.axolotl import Axolotl
    from sftlint.dialects.llamafactory import LlamaFactory
    from sftlint.document import parse_document
    from sftlint.plan.build import build_plan
    from sftlint.settings.resolver import Settings

    path = build_case(name, folder)
    dialect = Axolotl() if END_TO_END[name][0] == "axolotl" else LlamaFactory()
    return build_plan(dialect.read(parse_document(path, path.read_text())), Settings())


@pytest.mark.parametrize("name", sorted(END_TO_END))
def test_plan_counts_what_the_tool_counted(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    plan = _plan(name, tmp_path)
    real = STORED["end_to_end"][name]
    if END_TO_END[name][0] == "llamafactory":
        assert plan.packed_rows == real["rows"], plan.notes
        assert plan.packing["exact"] is True
        return
    if "total_num_steps_range" in real:  # a random order: an estimate inside what axolotl counted
        low, high = real["total_num_steps_range"]
        assert plan.packing["exact"] is False
        assert low <= plan.total_steps <= high, (plan.total_steps, real, plan.notes)
        assert "estimate" in " ".join(plan.notes)
    else:
        assert plan.packing["exact"] is True
        assert plan.total_steps == real["total_num_steps"], plan.notes


def test_unknown_counts_say_why(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = build_case("axolotl-completion-in-order", tmp_path)
    config.write_text(config.read_text().replace("type: completion", "type: alpaca"))
    plan = _plan_from(config, "axolotl")
    assert plan.packed_rows is None and plan.total_steps is None
    assert any("dataset type 'alpaca' is rendered with axolotl's prompt" in n for n in plan.notes), plan.notes
    assert plan.packing["tool"] == "axolotl" and plan.packing["exact"] is None  # the runner reads this
    build_case("llamafactory-sft-empty", tmp_path)
    lf = tmp_path / "llamafactory.yaml"
    lf.write_text(lf.read_text().replace("template: empty", "template: qwen3_nothink"))
    plan = _plan_from(lf, "llamafactory")
    assert plan.packed_rows is None
    assert any("encoded with template 'qwen3_nothink'" in n for n in plan.notes), plan.notes
    lf.write_text(lf.read_text() + "val_size: 0.1\n")
    assert any("val_size holds out randomly chosen rows" in n for n in _plan_from(lf, "llamafactory").notes)


def test_neat_packing_turns_packing_on(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = build_case("llamafactory-sft-default-neat", tmp_path)
    config.write_text(config.read_text() + "packing: false\n")
    assert _plan_from(config, "llamafactory").packed_rows == STORED["end_to_end"]["llamafactory-sft-default-neat"]["rows"]


def _plan_from(path: Path, dialect: str):
    from sftlint.dialects.axolotl import Axolotl
    from sftlint.dialects.llamafactory import LlamaFactory
    from sftlint.document import parse_document
    from sftlint.plan.build import build_plan
    from sftlint.settings.resolver import Settings

    reader = Axolotl() if dialect == "axolotl" else LlamaFactory()
    return build_plan(reader.read(parse_document(path, path.read_text())), Settings())


PROBE = """
import runpy, sys
sys.argv = ["sftlint", *sys.argv[1:]]
try:
    runpy.run_module("sftlint", run_name="__main__", alter_sys=True)
except SystemExit:
    pass
print("TOKENIZERS", "tokenizers" in sys.modules)
"""


@pytest.mark.slow
def test_only_plan_tokenizes(tmp_path):
    """``check`` never tokenizes; ``plan`` counts the packed rows."""
    config = build_case("llamafactory-pt", tmp_path)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent.parent),
                                                         os.environ.get("PYTHONPATH", "")])}

    def run(*args):
        done = subprocess.run([sys.executable, "-c", PROBE, *args, str(config)], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)
        return done.stdout

    checked = run("check")
    assert "TOKENIZERS False" in checked
    planned = run("plan", "--output-format", "json")
    assert "TOKENIZERS True" in planned
    rows = STORED["end_to_end"]["llamafactory-pt"]["rows"]
    assert json.loads(planned[:planned.rindex("TOKENIZERS")])["packed_rows"] == rows
