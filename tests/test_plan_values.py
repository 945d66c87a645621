"""Config values read as numbers: the quick answers for plain ints and floats agree with the
definition for every kind of value a file (or a plugin) can hold."""

from __future__ import annotations

import enum
import math

from hypothesis import given, strategies as st

from sftlint.dialects.values import as_int, as_number, as_positive_int


class Count(enum.IntEnum):
    FOUR = 4


class Rate(float):
    pass


def _reference(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


_VALUES = st.one_of(st.integers(), st.floats(), st.booleans(), st.none(), st.text(max_size=5),
                    st.sampled_from([Count.FOUR, Rate(2.5), Rate("inf"), [1], {"a": 1}, "2e-4", 10**40]))


@given(_VALUES)
def test_as_number_is_its_definition(value):
    got, expected = as_number(value), _reference(value)
    assert (got is expected) or (got == expected and type(got) is type(expected))


def test_counts_from_config_values():
    assert as_number(True) is None and as_number(float("nan")) is None and as_number("3") is None
    assert as_int(4.0) == 4 and as_int(4.5) is None and as_int(Count.FOUR) == 4
    assert as_positive_int(0) is None and as_positive_int(3) == 3 and as_positive_int(Rate(2.0)) == 2
