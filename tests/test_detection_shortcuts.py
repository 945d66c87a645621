"""Detection works some things out once per file (the top-level keys) and turns most typo
candidates away before measuring distances: these tests hold those shortcuts to the answers the
plain definitions give."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from sftlint.dialects import choose_dialect
from sftlint.dialects.evidence import edit_distance, foreign_keys, near_miss
from sftlint.dialects.top_level import top_level, top_level_keys
from sftlint.dialects.launchers import sftlint_recognize_non_training
from sftlint.document import parse_document
from sftlint.plugin.loading import build_registry


@pytest.fixture(scope="module")
def registry():
    return build_registry()


def doc(text: str, name: str = "config.yaml"):
    return parse_document(Path(name), text)


def _reference_near_miss(key: str, known: frozenset[str]) -> str | None:
    """near_miss by its definition: the closest known key within the allowed edits, shorter keys
    first and then alphabetically on a tie, with no shortcut."""
    allowed = 2 if len(key) >= 8 else 1
    best, best_distance = None, allowed + 1
    for candidate in sorted(known, key=lambda c: (len(c), c)):
        if abs(len(candidate) - len(key)) > allowed:
            continue
        distance = edit_distance(key, candidate, allowed + 1)
        if distance < best_distance:
            best, best_distance = candidate, distance
    return best


_LETTERS = "abcdefghijklmnopqrstuvwxyz_0123456789-é"


def _edited(registry_keys: list[str]):
    """A real key with up to three random edits, or a random word."""
    def edit(word: str, ops: list[tuple[int, int, str]]) -> str:
        chars = list(word)
        for op, where, letter in ops:
            i = where % (len(chars) + 1)
            if op == 0 and i < len(chars):
                chars[i] = letter
            elif op == 1:
                chars.insert(i, letter)
            elif op == 2 and i < len(chars):
                del chars[i]
            elif op == 3 and i + 1 < len(chars):
                chars[i], chars[i + 1] = chars[i + 1], chars[i]
        return "".join(chars)

    ops = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 40), st.sampled_from(_LETTERS)), max_size=3)
    return st.one_of(st.builds(edit, st.sampled_from(registry_keys), ops), st.text(_LETTERS, min_size=1, max_size=24))


_KNOWN = {name: dialect.accepted_keys() for name, dialect in build_registry().dialects.items()}
_ALL_KEYS = sorted(set().union(*_KNOWN.values()))


@settings(max_examples=300, deadline=None)
@given(key=_edited(_ALL_KEYS), tool=st.sampled_from(sorted(_KNOWN)))
def test_near_miss_finds_what_measuring_every_candidate_finds(key, tool):
    known = _KNOWN[tool]
    assert near_miss(key, known) == _reference_near_miss(key, known)


def test_near_miss_of_a_swap_and_of_letters_folded_onto_the_same_bit():
    known = frozenset({"learning_rate", "num_train_epochs", "a" + chr(ord("a") + 64)})
    assert near_miss("lerning_rate", known) == "learning_rate"
    assert near_miss("num_train_epohcs", known) == "num_train_epochs"
    # 'a' and the letter 64 code points on share a bit: the filter must not hide their difference
    assert near_miss("aa", known) == "a" + chr(ord("a") + 64)
    assert near_miss("zz", known) is None


def test_top_level_facts_follow_the_document_asked_about():
    first = doc("base_model: m\n_private: 1\nx-note: 2\nsequence_len: 4\nbase_model: n\n")
    second = doc("learning_rate: 1.0e-4\nnum_train_epochs: 1\n")
    assert top_level(first).keys == ("base_model", "_private", "x-note", "sequence_len")
    assert top_level(first).plain == ("base_model", "sequence_len")
    assert top_level_keys(second) == ["learning_rate", "num_train_epochs"]
    assert top_level(first).key_set == {"base_model", "_private", "x-note", "sequence_len"}
    # a list handed out is the caller's own: changing it changes nothing for the next caller
    top_level_keys(second).append("changed")
    assert top_level_keys(second) == ["learning_rate", "num_train_epochs"]


def test_detection_of_files_in_turn_matches_detection_of_each_alone(registry):
    """Each file is judged on its own keys, whatever was judged before it (and in any order)."""
    texts = [
        "base_model: m\nadapter: qlora\nsequence_len: 512\nmicro_batch_size: 1\n",
        "model_name_or_path: m\nstage: sft\nfinetuning_type: lora\ntemplate: qwen3\n",
        "compute_environment: LOCAL_MACHINE\ndistributed_type: MULTI_GPU\n",
        "output_dir: out\nlearning_rate: 1.0e-4\nnum_train_epochs: 1\nper_device_train_batch_size: 2\n",
        "model_name_or_path: m\ndataset_name: d\nuse_peft: true\nmy_flag: 1\nmy_other: 2\nmy_third: 3\n",
    ]

    def verdict(document):
        choice = choose_dialect(document, registry.dialects)
        return (sftlint_recognize_non_training(document=document), choice.dialect and choice.dialect.name,
                choice.how, [(d.dialect, d.score, d.reasons) for d in choice.detections])

    alone = [verdict(doc(text)) for text in texts]
    documents = [doc(text) for text in texts]
    assert [verdict(d) for d in documents] == alone
    assert [verdict(d) for d in reversed(documents)] == alone[::-1]
    assert foreign_keys(documents[4], registry.dialects["trl"].accepted_keys()) == ["my_flag", "my_other", "my_third"]


@pytest.mark.parametrize("depth, found", [(1, True), (3, True), (4, False)])
def test_other_tools_markers_are_looked_for_three_levels_down(depth, found):
    nested = "_component_: torchtune.models.llama3\n"
    for level in range(depth, 0, -1):
        nested = f"level{level}:\n" + "".join("  " + line + "\n" for line in nested.splitlines())
    verdict = sftlint_recognize_non_training(document=doc("output_dir: out\n" + nested))
    assert (verdict == "torchtune recipe") is found


@pytest.mark.parametrize("position, found", [(19, True), (20, False)])
def test_markers_in_a_list_are_looked_for_in_its_first_twenty_items(position, found):
    items = "".join("  - _target_: x\n" if i == position else f"  - item{i}: 1\n" for i in range(25))
    verdict = sftlint_recognize_non_training(document=doc("output_dir: out\nsteps:\n" + items))
    assert (verdict == "Hydra config") is found
