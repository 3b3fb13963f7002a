"""Calendar edges of the eligibility window, with another trial's one-rule criteria: a birth
date of 29 February, a birthday on the horizon's last day, year windows clamped at 29
February. The screening date is 2026-11-20; a 120-day horizon ends on 2027-03-20."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from screen.screening import screen_file
from tests.conftest import TODAY, merge, one_rule_criteria

AGE_23 = "{age: birth_date, op: ge, value: 23, label: age}"
MI_3_YEARS = (
    "{exists: cardiac_history.myocardial_infarctions, where: {date: ., within: {years: 3}}}"
)
D = datetime.date

CASES = [
    # (name, rule, patch, horizon, eligible_from, eligible_until)
    (
        "born 29 February: 23 on 1 March of a common year",
        "IN1 inclusion Age: Aged 23 or over",
        AGE_23,
        {"birth_date": "2004-02-29"},
        120,
        D(2027, 3, 1),
    ),
    (
        "born 29 February, a horizon before 1 March: never eligible",
        "IN1 inclusion Age: Aged 23 or over",
        AGE_23,
        {"birth_date": "2004-02-29"},
        100,  # ends 2027-02-28
        None,
    ),
    (
        "a birthday on the horizon's last day opens the window that day",
        "IN1 inclusion Age: Aged 23 or over",
        AGE_23,
        {"birth_date": "2004-02-18"},
        90,  # ends 2027-02-18
        D(2027, 2, 18),
    ),
    (
        "a birthday the day after the horizon's last day: never eligible",
        "IN1 inclusion Age: Aged 23 or over",
        AGE_23,
        {"birth_date": "2004-02-19"},
        90,
        None,
    ),
    (
        "an event on 29 February leaves a 3-year window on 1 March",
        "EX1 exclusion Infarction: Myocardial infarction within 3 years",
        MI_3_YEARS,
        {"cardiac_history": {"myocardial_infarctions": ["2024-02-29"]}},
        120,
        D(2027, 3, 1),
    ),
    (
        "an event on 28 February of a leap year leaves it on 1 March too",
        "EX1 exclusion Infarction: Myocardial infarction within 3 years",
        MI_3_YEARS,
        {"cardiac_history": {"myocardial_infarctions": ["2024-02-28"]}},
        120,
        D(2027, 3, 1),
    ),
    (
        "an event on 1 March leaves it on 2 March",
        "EX1 exclusion Infarction: Myocardial infarction within 3 years",
        MI_3_YEARS,
        {"cardiac_history": {"myocardial_infarctions": ["2024-03-01"]}},
        120,
        D(2027, 3, 2),
    ),
]


@pytest.mark.parametrize(
    ("criterion", "rule", "patch", "horizon", "eligible_from"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_a_calendar_edge_of_the_window(
    criterion: str,
    rule: str,
    patch: dict[str, Any],
    horizon: int,
    eligible_from: datetime.date | None,
    eligible: dict[str, Any],
    tmp_path: Path,
) -> None:
    criteria = one_rule_criteria(tmp_path, criterion, rule)
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(merge(eligible, patch), sort_keys=False))
    report = screen_file(path, criteria, None, TODAY, horizon_days=horizon)
    assert report.problems == [], [str(p) for p in report.problems]
    assert report.verdict == "ineligible"
    assert report.eligible_from == eligible_from
    assert report.eligible_until is None
