"""What the rules compute once per file and share: it must be what each rule computed on its own,
and it must belong to one file only (the next file, or the same file after a fix, gets its own)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from sftlint.config.key_snapshots import for_dialect
from sftlint.document import iter_scalars, load_document, parse_document
from sftlint.lint.session import Session
from sftlint.rules.keys import unknown_key
from sftlint.rules.keys._walk import entries
from sftlint.rules._scalar_walk import scalar_walk

from corpus import FILES

ALIASES = """\
base_model: &m TinyLlama/TinyLlama-1.1B-Chat-v1.0
tokenizer: *m
lists: &l [on, 010, "yes", !!str off]
time: 1:20
again: *l
nested:
  - {a: yes, b: [no, *m]}
  - &n {c: 0o17, d: 2e-4}
  - *n
training: {max_seq_length: 2048}
? [complex, key]
: on
"""


def _documents():
    yield parse_document(Path("aliases.yaml"), ALIASES)
    for path in FILES[::7]:
        try:
            yield load_document(path)
        except Exception:  # a corpus file that is not a config: nothing to walk
            continue


def test_plain_scalars_are_iter_scalars_plain_ones_in_its_order():
    for document in _documents():
        expected = [(k, s) for k, s in iter_scalars(document.root) if s.plain]
        got = scalar_walk(document).plain
        assert [(id(k), id(s)) for k, s in got] == [(id(k), id(s)) for k, s in expected], document.path


def test_key_entries_are_listed_once_per_document_and_schema():
    document = parse_document(Path("aliases.yaml"), ALIASES)
    flat, sectioned = for_dialect("axolotl"), for_dialect("unsloth")
    first = entries(document, flat)
    assert entries(document, flat) is first  # the second rule to ask gets the same list
    assert [dotted for dotted, *_ in first] == ["base_model", "tokenizer", "lists", "time", "again", "nested", "training"]
    assert "training.max_seq_length" in [dotted for dotted, *_ in entries(document, sectioned)]
    other = parse_document(Path("aliases.yaml"), ALIASES)  # the same text read again: its own list
    assert entries(other, flat) is not first
    assert [d for d, *_ in entries(other, flat)] == [d for d, *_ in first]


def _reference_shortlist(word, candidates, cutoff):
    """The shortlist as a full stable sort computes it."""
    n = len(word)
    near = [c for c in candidates if 2 * min(n, len(c)) >= cutoff * (n + len(c))]
    if len(near) <= unknown_key.SHORTLIST:
        return near
    pairs = unknown_key._pairs(word)
    return sorted(near, key=lambda c: -len(pairs & unknown_key._pairs(c)))[:unknown_key.SHORTLIST]


@pytest.mark.parametrize("dialect", ["axolotl", "trl", "llamafactory", "unsloth"])
def test_unknown_key_shortlist_is_the_stable_sort_of_all_candidates(dialect):
    class Named:
        name = dialect
        known_keys = frozenset()

    schema = for_dialect(dialect)
    _known, by_prefix = unknown_key._known_keys(Named, schema)
    rng = random.Random(dialect)
    for prefix, candidates in by_prefix.items():
        words = rng.sample(candidates, min(len(candidates), 40))
        typos = [w[:i] + w[i + 1:] for w in words for i in (0, len(w) // 2) if len(w) > 2]
        for word in words + typos + ["lr", "learnin_rate", "x" * 30]:
            for cutoff in (0.6, 0.8, 0.95):
                got = unknown_key._within_reach(word, candidates, cutoff)
                assert got == _reference_shortlist(word, candidates, cutoff), (prefix, word, cutoff)


def test_each_file_gets_its_own_findings_and_a_fix_is_judged_on_the_new_text(tmp_path):
    session = Session()
    on = tmp_path / "on.yaml"
    on.write_text("base_model: x/y\nmicro_batch_size: 2\nload_in_8bit: on\nlearning_rat: 1e-4\n", encoding="utf-8")
    off = tmp_path / "off.yaml"
    off.write_text("base_model: x/y\nmicro_batch_size: 2\nload_in_8bit: true\nlearning_rate: 1.0e-4\n",
                   encoding="utf-8")
    codes = lambda result: sorted(f.code for f in result.findings)  # noqa: E731
    assert {"YM002", "KT001"} <= set(codes(session.lint(on)))
    assert not {"YM002", "KT001"} & set(codes(session.lint(off)))
    text = on.read_text(encoding="utf-8")
    fixed = session.lint_text(on, text.replace("load_in_8bit: on", "load_in_8bit: true"))
    assert "YM002" not in codes(fixed) and "KT001" in codes(fixed)


def _reference_secret_walk(root, limit=100_000):
    """The secret rule's walk as a plain stack: every node once, depth first, at most ``limit`` visits."""
    from sftlint.document import Mapping, Scalar, Sequence

    stack, seen, found = [(None, root)], set(), []
    while stack and limit > 0:
        key, node = stack.pop()
        limit -= 1
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, Scalar):
            found.append((key, node))
        elif isinstance(node, Mapping):
            stack.extend((k.text if isinstance(k, Scalar) else key, v) for k, v in reversed(node.pairs))
        elif isinstance(node, Sequence):
            stack.extend((key, item) for item in reversed(node.items))
    return found


def test_secret_walk_visits_each_node_once_in_order_within_its_limit():
    from sftlint.rules.secrets.secret_in_config import _walk

    shapes = ALIASES + "more: &x [1, &s tok, {b: *s}]\nc: *x\nd: {f: [*x, *s, [[*s]]]}\n"
    hostile = parse_document(Path("aliases.yaml"), shapes)
    for document in [hostile, *_documents()]:
        full = _reference_secret_walk(document.root)
        assert _walk(document) == full, document.path
        limits = range(len(full) + 25) if document is hostile else (0, 1, 2, 7, len(full) // 2, len(full) - 1)
        for limit in limits:
            assert _walk(document, limit) == _reference_secret_walk(document.root, limit), (document.path, limit)


def test_a_suggestion_is_remembered_per_candidate_list_not_per_word_alone():
    first, second = ["learning_rate", "lr_scheduler"], ["learning_rates"]
    assert unknown_key._close_match("learning_rat", first, 0.8) == ["learning_rate"]
    assert unknown_key._close_match("learning_rat", second, 0.8) == ["learning_rates"]
    again = unknown_key._close_match("learning_rat", first, 0.8)
    again.append("changed by a caller")
    assert unknown_key._close_match("learning_rat", first, 0.8) == ["learning_rate"]


def test_wrong_type_kinds_of_subclassed_values_are_the_isinstance_ones():
    import enum

    from sftlint.rules.keys.wrong_type import accepts, kind_of

    class Level(enum.IntEnum):
        LOW = 1

    class Text(str):
        pass

    assert [kind_of(v) for v in (None, True, 3, 2.5, "x", [1], {"a": 1}, Level.LOW, Text("x"), (1,))] == \
        ["null", "bool", "int", "float", "str", "list", "dict", "int", "str", "any"]
    assert accepts(("float",), 3, False) and not accepts(("int",), 2.5, False) and accepts(("int",), 2.0, False)
    assert accepts(("bool",), Text(" Yes "), True) and not accepts(("bool",), Text("maybe"), True)


def test_axolotl_empty_values_name_only_the_keys_that_take_no_null(tmp_path):
    path = tmp_path / "train.yaml"
    path.write_text("base_model: x/y\nmicro_batch_size: 2\ndatasets:\n  - path: a.jsonl\n    type: alpaca\n"
                    "output_dir:\nwandb_project:\nsequence_len:\n", encoding="utf-8")
    found = [f for f in Session().lint(path).findings if f.code == "TV001" and "written empty" in f.message]
    assert len(found) == 1
    assert found[0].message.endswith("output_dir, sequence_len") and found[0].location.row == 6


def test_every_yaml11_boolean_word_passes_the_boolean_rules_first_test():
    from sftlint.document.yaml_types import _YAML11_BOOL, resolve_yaml11
    from sftlint.rules.yaml_pitfalls.yaml11_boolean import BOOLEAN_INITIALS

    spec_words = [w for base in ("y", "yes", "n", "no", "true", "false", "on", "off")
                  for w in (base, base.capitalize(), base.upper())]
    for word in [*_YAML11_BOOL, *spec_words]:
        if isinstance(resolve_yaml11(word), bool):
            assert len(word) <= 5 and word[:1] in BOOLEAN_INITIALS, word


def test_the_shortest_credentials_are_still_reported(tmp_path):
    path = tmp_path / "train.yaml"
    path.write_text("base_model: x/y\nmicro_batch_size: 2\nsequence_len: 512\nlearning_rate: 0.0002\n"
                    "datasets:\n  - path: s://a:b@\n    type: alpaca\nhub_model_id: abcdefgh\nhub_token: abcdefgh\n"
                    "output_dir: ://a:b\n", encoding="utf-8")
    found = sorted(f.data["key"] for f in Session().lint(path).findings if f.code == "SEC001")
    assert found == ["hub_token", "path"]
