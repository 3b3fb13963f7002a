"""Eligibility over time, more: the dates and causes of change of windows in years, of an
interval still going on, of a mean and of a formula, and the timeline's segments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import screen_one_rule

ONGOING = {"agents": ["eribulin"], "setting": "advanced", "start": "2026-11-01", "end": None}


def _summary(tmp_path: Path, logic: str, record: dict[str, Any]) -> str:
    report = screen_one_rule(tmp_path, logic, record)
    assert report.eligibility is not None
    return report.eligibility.summary({})


def test_a_window_in_years_closes_a_year_after_its_date(
    tmp_path: Path, eligible: dict[str, Any]
) -> None:
    """Consent on 2025-12-01 within 1 year: the window closes on 2026-12-02, and the cause
    names the date's path when the rule gives no label."""
    eligible["informed_consent"]["date"] = "2025-12-01"
    assert _summary(tmp_path, "{date: informed_consent.date, within: {years: 1}}", eligible) == (
        "Eligible from 2026-11-20, until 2026-12-01"
        " (IN1: the 1-year window after informed_consent.date on 2025-12-01 closes)"
    )


def test_an_ongoing_interval_under_lt_turns_on_the_last_day_of_its_period(
    tmp_path: Path, eligible: dict[str, Any]
) -> None:
    """A regimen without an end, read as the screening date: from its start (2026-11-01)
    it is under 30 days until 2026-11-30; on 2026-12-01 it is 30 days, no longer under."""
    eligible["prior_regimens"] = [ONGOING]
    assert _summary(
        tmp_path,
        "{exists: prior_regimens, where: {interval: {from: start, to: end}, op: lt,"
        " value: {days: 30}, open_is_now: to}}",
        eligible,
    ) == (
        "Eligible from 2026-11-20, until 2026-11-30"
        " (IN1: end after start: ongoing for 30 days since 2026-11-01)"
    )


def test_a_closed_interval_gives_no_timeline_track(
    tmp_path: Path, eligible: dict[str, Any]
) -> None:
    """Both dates recorded: the interval does not move with the screening date, even under
    a rule that would read a missing end as today, so it has no dates of change."""
    eligible["prior_regimens"] = [{**ONGOING, "end": "2026-11-10"}]
    report = screen_one_rule(
        tmp_path,
        "{exists: prior_regimens, where: {interval: {from: start, to: end}, op: le,"
        " value: {days: 30}, open_is_now: to}}",
        eligible,
    )
    assert report.outcomes[0].status == "pass"
    assert report.tracks is not None
    assert report.tracks() == []
    assert report.to_dict()["eligible_until"] is None


def test_a_mean_expires_with_its_oldest_reading_named_by_its_path(
    tmp_path: Path, eligible: dict[str, Any]
) -> None:
    assert _summary(
        tmp_path,
        "{recent: labs.creatinine, within: {days: 28}, op: lt, value: 1.5, unit: mg/dL,"
        " mean_of_latest: 1}",
        eligible,
    ) == ("Eligible from 2026-11-20, until 2026-12-10 (IN1: labs.creatinine of 2026-11-12 expires)")


def test_a_formula_with_a_reading_and_an_age_expires_with_the_reading(
    tmp_path: Path, eligible: dict[str, Any]
) -> None:
    """The age term after the reading adds its birthdays (none in the horizon) to the
    reading's expiry, which still ends the window."""
    summary = _summary(
        tmp_path,
        "{expr: {sub: [{recent_value: labs.creatinine, within: {days: 28}, unit: mg/dL},"
        " {age: birth_date}]}, op: lt, value: 0}",
        eligible,
    )
    assert summary == (
        "Eligible from 2026-11-20, until 2026-12-10 (IN1: creatinine of 2026-11-12 expires)"
    )


def test_a_track_that_changes_twice_keeps_the_cause_of_its_middle_segment(
    tmp_path: Path, eligible: dict[str, Any]
) -> None:
    """Out while consent (2026-11-18) is within 5 days, in from 2026-11-24 when that window
    closes, unknown from 2026-12-11 when the AST expires: the middle segment, closed by the
    third, still says what opened it."""
    report = screen_one_rule(
        tmp_path,
        "{all: [{not: {date: informed_consent.date, within: {days: 5}}},"
        " {recent: labs.ast, within: {days: 28}, op: le, value: 100, unit: U/L}]}",
        eligible,
    )
    assert report.tracks is not None
    [(criterion, segments)] = report.tracks()
    assert criterion.id == "IN1"
    assert [(str(s.start), str(s.end), s.status, s.cause) for s in segments] == [
        ("2026-11-20", "2026-11-23", "fail", None),
        (
            "2026-11-24",
            "2026-12-10",
            "pass",
            "the 5-day window after informed_consent.date on 2026-11-18 closes",
        ),
        ("2026-12-11", "2027-02-18", "unknown", "labs.ast of 2026-11-12 expires"),
    ]


def test_a_date_becomes_more_than_a_year_old_a_year_after(
    tmp_path: Path, eligible: dict[str, Any]
) -> None:
    """Consent on 2025-12-01 must be more than 1 year old: it is from 2026-12-02."""
    eligible["informed_consent"]["date"] = "2025-12-01"
    assert _summary(
        tmp_path, "{date: informed_consent.date, before: {years: 1}}", eligible
    ).startswith(
        "Not eligible now; eligible from 2026-12-02"
        " when informed_consent.date on 2025-12-01 becomes more than 1 year old,"
    )
