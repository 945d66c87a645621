"""The light data classes behave like the dataclasses they replace, for what the linter uses."""

from __future__ import annotations

from typing import ClassVar, NamedTuple

import pytest

from sftlint.records import asdict, field, record, replace


@record
class Point:
    """A mutable record with a plain default, a factory and a field left out of repr and ==."""

    x: int
    y: int = 0
    tags: list[str] = field(default_factory=list)
    cache: dict = field(default_factory=dict, repr=False, compare=False)
    kind: ClassVar[str] = "point"


@record(frozen=True)
class Key:
    name: str
    since: str | None = None


class Pair(NamedTuple):
    a: int
    b: int


def test_positional_keyword_and_default_arguments():
    p = Point(1, tags=["a"])
    assert (p.x, p.y, p.tags, p.cache) == (1, 0, ["a"], {})
    assert Point(x=2, y=3).y == 3
    assert Point.kind == "point" and "kind" not in Point.__match_args__


def test_factories_give_every_instance_its_own_value():
    a, b = Point(1), Point(1)
    a.tags.append("x")
    assert b.tags == []


@pytest.mark.parametrize("make, message", [
    (lambda: Point(), "missing required argument 'x'"),
    (lambda: Point(1, 2, [], {}, 5), "takes 4 positional arguments but 5 were given"),
    (lambda: Point(1, x=2), "multiple values for argument 'x'"),
    (lambda: Point(1, z=2), "unexpected keyword arguments 'z'"),
])
def test_wrong_arguments_are_type_errors(make, message):
    with pytest.raises(TypeError, match=message):
        make()


def test_repr_and_equality_skip_the_fields_that_ask_to():
    a, b = Point(1, cache={"k": 1}), Point(1)
    assert repr(a) == "Point(x=1, y=0, tags=[])"
    assert a == b and a != Point(2) and a != (1, 0, [])
    with pytest.raises(TypeError):
        hash(a)


def test_frozen_records_refuse_assignment_and_hash_by_value():
    key = Key("warmup_ratio", "5.2")
    with pytest.raises(AttributeError, match="frozen Key"):
        key.name = "x"
    with pytest.raises(AttributeError):
        del key.since
    assert hash(key) == hash(Key("warmup_ratio", "5.2")) and {key, Key("warmup_ratio", "5.2")} == {key}


def test_replace_copies_with_changes_and_rejects_unknown_fields():
    key = Key("a")
    assert replace(key, since="1.0") == Key("a", "1.0") and key.since is None
    with pytest.raises(TypeError, match="no fields nope"):
        replace(key, nope=1)


def test_asdict_recurses_and_copies():
    p = Point(1, tags=["a"])
    out = asdict({"p": p, "pairs": [Pair(1, 2)], "t": (Key("k"),)})
    assert out == {"p": {"x": 1, "y": 0, "tags": ["a"], "cache": {}}, "pairs": [Pair(1, 2)],
                   "t": ({"name": "k", "since": None},)}
    out["p"]["tags"].append("b")
    assert p.tags == ["a"]


def test_a_required_field_after_a_default_is_refused():
    with pytest.raises(TypeError, match="'b' without a default follows one with a default"):
        @record
        class Bad:
            a: int = 0
            b: int


def test_a_class_built_often_gets_a_compiled_init_that_behaves_the_same():
    from sftlint.records import SPECIALISE_AFTER, _init

    @record
    class Often:
        a: int
        b: int = 5
        items: list = field(default_factory=list)

    @record(frozen=True)
    class OftenFrozen:
        name: str
        since: str | None = None

    built = [Often(i) for i in range(SPECIALISE_AFTER + 2)]
    frozen = [OftenFrozen(str(i)) for i in range(SPECIALISE_AFTER + 2)]
    assert Often.__dict__["__init__"] is not _init and OftenFrozen.__dict__["__init__"] is not _init
    for made in (lambda: Often(1), lambda: Often(1, b=2, items=[3]), lambda: Often(a=1, b=2)):
        assert made() == made()
    fresh = Often(1), Often(1)
    fresh[0].items.append("x")
    assert fresh[1].items == [] and built[-1].items == []  # a factory per instance, as before
    assert (Often(7).a, Often(7).b, Often(7, 8).b) == (7, 5, 8)
    assert OftenFrozen("n", "v") == OftenFrozen(name="n", since="v")
    assert hash(frozen[-1]) == hash(OftenFrozen(str(SPECIALISE_AFTER + 1)))
    with pytest.raises(AttributeError):
        frozen[-1].name = "changed"
    with pytest.raises(TypeError):
        Often()
    with pytest.raises(TypeError):
        Often(1, 2, [], 4)
    with pytest.raises(TypeError):
        Often(1, c=3)
