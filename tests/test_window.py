"""Eligibility over time: data-driven windows (tests/windows/*.yaml), the to-do list, and
the window checked against evaluating every single day of the horizon."""

from __future__ import annotations

import copy
import datetime
import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from screen.cli import app
from screen.engine import evaluate
from screen.errors import InputError
from screen.load import Criteria, load_criteria, validate_patient
from screen.report import verdict_of
from screen.screening import screen_file
from screen.window import eligibility
from tests.conftest import EXAMPLES, TODAY, merge, one_rule_criteria, remove, yaml_cases
from tests.strategies import SCREENING, variations

WINDOWS = Path(__file__).parent / "windows"
SCREENING_DATE = datetime.date(2026, 11, 20)


def freshen(record: dict[str, Any]) -> None:
    """Date the LVEF, the blood pressure and every lab on the screening date."""
    day = SCREENING_DATE.isoformat()  # text, so that YAML writes no aliases
    record["lvef"]["date"] = day
    record["blood_pressure"]["date"] = day
    for result in record["labs"].values():
        result["date"] = day


def _iso(value: Any) -> str | None:
    return None if value is None else str(value)


@pytest.mark.parametrize("case", yaml_cases(WINDOWS))
def test_window_case(
    case: dict[str, Any], eligible: dict[str, Any], criteria: Criteria, tmp_path: Path
) -> None:
    if case.get("fresh"):
        freshen(eligible)
    record = merge(eligible, case.get("set", {}))
    for dotted in case.get("remove", []):
        remove(record, dotted)
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(record, sort_keys=False))
    report = screen_file(path, criteria, None, TODAY, horizon_days=case.get("horizon", 90))
    assert report.problems == [], [str(p) for p in report.problems]
    found = report.to_dict()
    assert found["eligible_from"] == _iso(case["eligible_from"])
    assert found["eligible_until"] == _iso(case["eligible_until"])
    window = found["eligibility"]
    if "opened_by" in case:
        assert sorted({c["id"] for c in window["opened_by"]}) == sorted(case["opened_by"])
    if "closed_by" in case:
        assert sorted({c["id"] for c in window["closed_by"]}) == sorted(case["closed_by"])
    if "summary" in case:
        assert window["summary"] == case["summary"]
    if "summary_contains" in case:
        assert case["summary_contains"] in window["summary"]


def test_the_to_do_list_merges_needs_per_assessment(criteria: Criteria) -> None:
    report = screen_file(EXAMPLES / "incomplete-prescreening.yaml", criteria, None, TODAY)
    assert [item["text"] for item in report.to_dict()["todo"]] == [
        "lvef by ECHO or MUGA: dated on or after 2026-10-23, for IN6",
        "informed_consent (signed), for IN9",
        "blood_pressure: dated on or after 2026-10-23, for EX6",
        "labs (neutrophils, platelets, hemoglobin, total_bilirubin, ast, alt, creatinine):"
        " dated on or after 2026-10-23, for EX10",
    ]
    labs = report.to_dict()["todo"][-1]
    assert labs["dated_on_or_after"] == "2026-10-23" and labs["criteria"] == ["EX10"]


def test_the_screening_log_can_be_sorted_by_when_patients_can_be_enrolled() -> None:
    result = CliRunner().invoke(app, ["check", str(EXAMPLES), "-f", "csv"])
    header, *rows = [line.split(",") for line in result.stdout.splitlines()]
    assert header[6:8] == ["eligible_from", "eligible_until"]
    by_id = {row[0]: row[6:8] for row in rows}
    assert by_id["JP-0001"] == ["2026-11-20", "2026-12-08"]
    assert by_id["JP-0005"] == ["", ""]


def test_explain_and_json_carry_the_window_and_the_to_do() -> None:
    runner = CliRunner()
    shown = runner.invoke(
        app, ["explain", str(EXAMPLES / "incomplete-prescreening.yaml")], env={"COLUMNS": "200"}
    )
    assert "When: Never eligible within 90 days on this record" in shown.stdout
    assert "To collect (settles the unknown criteria):" in shown.stdout
    data = json.loads(
        runner.invoke(app, ["check", str(EXAMPLES / "eligible.yaml"), "-f", "json"]).stdout
    )
    assert data["eligibility"]["closed_by"] == [
        {
            "date": "2026-12-09",
            "id": "IN6",
            "cause": "LVEF of 2026-11-10 expires",
            "status": "unknown",
        }
    ]


def test_the_horizon_option_is_checked() -> None:
    runner = CliRunner()
    short = runner.invoke(
        app, ["check", str(EXAMPLES / "eligible.yaml"), "-f", "json", "--horizon", "10"]
    )
    assert json.loads(short.stdout)["eligible_until"] is None
    assert runner.invoke(app, ["check", str(EXAMPLES), "--horizon", "-1"]).exit_code == 2


def test_a_window_from_another_trials_criteria_file(
    tmp_path: Path, eligible: dict[str, Any]
) -> None:
    """Nothing about PRECIOUS in the window logic: a new rule with its own window works."""
    other = one_rule_criteria(
        tmp_path,
        "EX1 exclusion Consent too recent: Consent signed within the last 10 days",
        "{date: informed_consent.date, within: {days: 10}, label: consent}",
    )
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(eligible, sort_keys=False))
    report = screen_file(path, other, None, TODAY)
    assert report.eligible_from == datetime.date(2026, 11, 29)  # consent 2026-11-18 + 11 days
    assert report.eligible_until is None


# The window against brute force: evaluate every day of the horizon and compare.
# WINDOW_EXAMPLES=1000 runs it longer than CI does.
CRITERIA = load_criteria()
ELIGIBLE = yaml.safe_load((EXAMPLES / "eligible.yaml").read_text())
HORIZON = 60


def day_by_day(record: Any) -> tuple[datetime.date | None, datetime.date | None]:
    rules, vocabulary = CRITERIA.rules.criteria, CRITERIA.vocabulary
    start: datetime.date | None = None
    for offset in range(HORIZON + 1):
        day = SCREENING + datetime.timedelta(days=offset)
        eligible = verdict_of(evaluate(rules, vocabulary, record, day)) == "eligible"
        if eligible and start is None:
            start = day
        elif not eligible and start is not None:
            return start, day - datetime.timedelta(days=1)
    return start, None


def days_before(low: int, high: int) -> st.SearchStrategy[str]:
    return st.integers(low, high).map(
        lambda d: (SCREENING - datetime.timedelta(days=d)).isoformat()
    )


def sometimes(dates: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    """Usually none, sometimes one: a record with every event at once is never eligible."""
    return st.one_of(st.just([]), st.just([]), st.just([]), dates.map(lambda d: [d]))


@st.composite
def dated_records(draw: st.DrawFn) -> dict[str, Any]:
    """The eligible example with its dates moved about: observations of various ages,
    recent events, a steroid course, a birthday near 20. Windows open and close in the
    horizon in every order."""
    record = copy.deepcopy(ELIGIBLE)
    record["lvef"]["date"] = draw(days_before(0, 30))
    record["blood_pressure"]["date"] = draw(days_before(0, 30))
    drawn = draw(days_before(0, 30))
    for result in record["labs"].values():
        result["date"] = drawn
    events = record["recent_events"]
    for name in ("major_surgery_or_trauma", "investigational_treatment", "iv_antibiotics"):
        events[name] = draw(sometimes(days_before(0, 40)))
    events["radiation_adverse_events"] = [
        {"grade": draw(st.integers(1, 4)), "date": day}
        for day in draw(sometimes(days_before(0, 20)))
    ]
    record["cardiac_history"]["myocardial_infarctions"] = draw(sometimes(days_before(150, 200)))
    record["corticosteroids"] = [
        {
            "agent": "prednisolone",
            "daily_dose_mg": 12.5,
            "route": "oral",
            "start": day,
            "ongoing": True,
        }
        for day in draw(sometimes(days_before(60, 100)))
    ]
    record["birth_date"] = draw(
        st.one_of(days_before(19 * 365 + 300, 20 * 365 + 30), days_before(20 * 365, 70 * 365))
    )
    return record


@settings(
    max_examples=int(os.environ.get("WINDOW_EXAMPLES", "80")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.one_of(dated_records(), variations(CRITERIA, ELIGIBLE)))
def test_the_window_equals_evaluating_every_day_of_the_horizon(record: dict[str, Any]) -> None:
    try:
        patient, as_of = validate_patient(record, "", "generated", CRITERIA, None, SCREENING)
    except InputError:
        assume(False)
        raise
    outcomes = evaluate(CRITERIA.rules.criteria, CRITERIA.vocabulary, patient, as_of)
    found = eligibility(
        CRITERIA.rules.criteria, CRITERIA.vocabulary, patient, outcomes, as_of, HORIZON
    )
    assert (found.eligible_from, found.eligible_until) == day_by_day(patient)
