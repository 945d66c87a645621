"""The curves of the common schedules are computed in one loop: they must equal, to the last bit,
the schedule's factor applied step by step (the definition the Trainer comparison checks), and fail
with the same message where the factor fails."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from sftlint.plan.schedules import learning_rates, schedule_factor


def _step_by_step(name, lr, warmup, total, kwargs, steps):
    try:
        factor = schedule_factor(name, lr, warmup, total, kwargs)
        return [lr * factor(step) for step in range(total if steps is None else steps)], None
    except Exception as exc:  # the message learning_rates gives is checked separately
        return None, f"{type(exc).__name__}: {exc}"


_NUMBERS = st.one_of(st.floats(allow_nan=False, allow_infinity=False, width=64), st.integers(-3, 5),
                     st.sampled_from([0.5, 1.5, "0.25", None, "x"]))


@settings(max_examples=400, deadline=None)
@given(name=st.sampled_from(["linear", "cosine", "cosine_with_min_lr"]),
       lr=st.sampled_from([2e-4, 1e-3, 5e-5, 0.1]), warmup=st.integers(-2, 40), total=st.integers(-2, 200),
       steps=st.one_of(st.none(), st.integers(-1, 220)), cycles=_NUMBERS, rate=_NUMBERS,
       use_cycles=st.booleans())
def test_common_curves_equal_the_factor_step_by_step(name, lr, warmup, total, steps, cycles, rate, use_cycles):
    kwargs = {"num_cycles": cycles} if use_cycles and name != "linear" else {}
    if name == "cosine_with_min_lr":
        kwargs["min_lr_rate"] = rate
    expected, failure = _step_by_step(name, lr, warmup, total, kwargs, steps)
    curve, why = learning_rates(name, lr, warmup, total, kwargs, steps)
    if failure is None:
        assert why is None and curve == expected
        assert [repr(x) for x in curve] == [repr(x) for x in expected]  # same bits, -0.0 included
    else:
        assert curve is None and failure.split(": ", 1)[1] in why


@pytest.mark.parametrize("name, kwargs", [("linear", {}), ("cosine", {"num_cycles": 0.5}),
                                          ("cosine_with_min_lr", {"min_lr": 1e-5})])
def test_a_long_curve_matches_at_every_step(name, kwargs):
    curve, why = learning_rates(name, 2e-4, 100, 10_000, kwargs)
    factor = schedule_factor(name, 2e-4, 100, 10_000, kwargs)
    assert why is None and len(curve) == 10_000
    assert curve == [2e-4 * factor(step) for step in range(10_000)]
    assert curve[0] == 0.0 and curve[100] == pytest.approx(2e-4)
