"""Edges of `latest` and of `recent` with `mean_of_latest`: what explain's JSON shows for a
latest of an empty list, and a mean against a multiple of the upper limit of normal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from screen.errors import InputError
from screen.report.explain import Step, explain
from tests.conftest import merge, screen_one_rule

AST_30_ULN_40 = {"labs": {"ast": {"value": 30, "unit": "U/L", "uln": 40, "date": "2026-11-12"}}}
MEAN_TIMES_ULN = (
    "{recent: labs.ast, within: {days: 28}, op: gt, value: 3, times: uln, mean_of_latest: 1}"
)


def _walk(step: Step) -> Iterator[Step]:
    yield step
    for child in step.children:
        yield from _walk(child)


def _screen(
    tmp_path: Path, logic: str, record: dict[str, Any], extra: str = ""
) -> tuple[str, list[Step]]:
    (outcome,) = screen_one_rule(tmp_path, logic, record, extra).outcomes
    return outcome.status, list(_walk(explain(outcome)))


def test_the_latest_of_an_empty_list_shows_no_item_in_explain(
    tmp_path: Path, eligible: dict[str, Any]
) -> None:
    """An empty list has no latest item: false, and explain's evidence counts 0 items (no
    names), not an item that is not there."""
    status, steps = _screen(
        tmp_path,
        "{latest: prior_regimens, by: start, where: {field: setting, op: eq, value: advanced}}",
        merge(eligible, {"prior_regimens": []}),
    )
    assert status == "fail"
    (latest,) = [s for s in steps if s.kind == "latest"]
    assert latest.evidence == {"path": "prior_regimens", "count": 0}


def test_a_mean_against_a_multiple_of_the_uln_is_refused(
    tmp_path: Path, eligible: dict[str, Any]
) -> None:
    """The mean is compared in the rule's unit; a multiple of each reading's own ULN is no
    single threshold: the criteria file is refused, not read as always unknown."""
    with pytest.raises(InputError) as refused:
        _screen(tmp_path, MEAN_TIMES_ULN, merge(eligible, AST_30_ULN_40))
    assert "a mean of readings cannot be compared with a multiple of their uln" in str(
        refused.value
    )


@pytest.mark.parametrize("values", [(30, 30), (30, 35)], ids=["same value", "two values"])
def test_same_day_readings_that_agree_show_the_first_with_its_window_and_condition(
    tmp_path: Path, eligible: dict[str, Any], values: tuple[int, int]
) -> None:
    """Two admissible readings of one day that lead to one outcome: explain shows the first,
    with the window it was looked for in and the condition that admitted it, as for one."""
    readings = [{"value": v, "unit": "U/L", "uln": 40, "date": "2026-11-12"} for v in values]
    status, steps = _screen(
        tmp_path,
        "{recent: labs.ast, within: {days: 28}, op: lt, value: 100, unit: U/L,"
        " where: {field: uln, op: gt, value: 1}}",
        merge(eligible, {"labs": {"ast": readings}}),
    )
    assert status == "pass"
    recent = steps[0]
    assert recent.kind == "recent"
    assert recent.evidence["window_start"] == "2026-10-23"
    assert recent.evidence["value"] == 30
    assert [child.kind for child in recent.children] == ["compare"]
    assert recent.children[0].truth is True
