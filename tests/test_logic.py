"""Kleene three-valued logic: truth tables and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from screen.engine.logic import Truth, all_of, any_of, negate

T, F, U = True, False, None
truths = st.sampled_from([T, F, U])


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (T, T, T),
        (T, F, F),
        (T, U, U),
        (F, T, F),
        (F, F, F),
        (F, U, F),
        (U, T, U),
        (U, F, F),
        (U, U, U),
    ],
)
def test_and_truth_table(a: Truth, b: Truth, expected: Truth) -> None:
    assert all_of([a, b]) is expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (T, T, T),
        (T, F, T),
        (T, U, T),
        (F, T, T),
        (F, F, F),
        (F, U, U),
        (U, T, T),
        (U, F, U),
        (U, U, U),
    ],
)
def test_or_truth_table(a: Truth, b: Truth, expected: Truth) -> None:
    assert any_of([a, b]) is expected


def test_not_unknown_is_unknown() -> None:
    assert (negate(T), negate(F), negate(U)) == (F, T, U)


def test_empty_and_is_true_and_empty_or_is_false() -> None:
    assert all_of([]) is True
    assert any_of([]) is False


@given(st.lists(truths))
def test_false_decides_and_whatever_is_unknown(values: list[Truth]) -> None:
    assert all_of([*values, F]) is False


@given(st.lists(truths))
def test_true_decides_or_whatever_is_unknown(values: list[Truth]) -> None:
    assert any_of([U, *values, T]) is True


@given(st.lists(truths))
def test_de_morgan(values: list[Truth]) -> None:
    assert negate(all_of(values)) is any_of([negate(v) for v in values])


@given(st.lists(truths), st.lists(truths))
def test_knowing_more_never_flips_a_decided_result(values: list[Truth], fills: list[Truth]) -> None:
    """Replacing unknowns by known values may settle a result, never reverse a settled one."""
    fill = iter(fills + [T] * len(values))
    settled = [v if v is not None else next(fill) or False for v in values]
    for combine in (all_of, any_of):
        before = combine(values)
        if before is not None:
            assert combine(settled) is before


def test_true_is_never_the_number_one() -> None:
    from screen.engine.evaluate import compare, compare_range

    assert compare(1, "eq", True) is False and compare(True, "eq", True) is True
    assert compare(0, "in", [False, 1]) is False
    assert compare_range(2, 3, "in", [2, 3]) is True
    assert compare_range(1, 3, "in", [2, 3]) is None
    assert compare_range(4, 6, "in", [2, 3]) is False
    assert (
        compare_range(300, None, "gt", 360) is None and compare_range(361, None, "gt", 360) is True
    )
