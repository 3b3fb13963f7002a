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
from screen.engine.evaluate import evaluate
from screen.engine.window import eligibility
from screen.errors import InputError
from screen.load import Criteria, load_criteria, validate_patient
from screen.report.report import verdict_of
from screen.screening import screen_file
from tests.conftest import (
    EXAMPLES,
    ROOT,
    TODAY,
    merge,
    one_rule_criteria,
    remove,
    screen_one_rule,
    yaml_cases,
)
from tests.strategies import SCREENING, examples, variations

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
    assuming = window["assuming"] or {}
    if "assumed_from" in case:
        assert assuming.get("eligible_from") == _iso(case["assumed_from"])
    if "assumed_until" in case:
        assert assuming.get("eligible_until") == _iso(case["assumed_until"])
    if "pending" in case:
        assert assuming.get("pending") == case["pending"]
    if "that" in case:
        assert assuming["that"] == case["that"]
    if "assumed_closed_by" in case:
        closers = [f"{c['id']}: {c['cause']}" for c in assuming["closed_by"]]
        assert closers == case["assumed_closed_by"]
    if "summary" in case:
        assert window["summary"] == case["summary"]
    if "summary_contains" in case:
        assert case["summary_contains"] in window["summary"]


def test_the_to_do_list_is_by_task_with_the_dates_for_the_enrollment_date(
    criteria: Criteria,
) -> None:
    report = screen_file(EXAMPLES / "incomplete-prescreening.yaml", criteria, None, TODAY)
    assert [item["text"] for item in report.to_dict()["todo"]] == [
        "Blood draw: neutrophils, platelets, hemoglobin, total bilirubin, AST, ALT, creatinine;"
        " dated 2026-10-23 to 2026-11-20 (settles EX10)",
        "Echocardiogram or MUGA: LVEF by ECHO or MUGA; dated 2026-10-23 to 2026-11-20"
        " (settles IN6)",
        "Blood pressure: systolic blood pressure, diastolic blood pressure;"
        " dated 2026-10-23 to 2026-11-20 (settles EX6)",
        "Informed consent: informed consent signed (settles IN9)",
    ]
    labs = report.to_dict()["todo"][0]
    assert labs["task"] == "blood draw" and labs["criteria"] == ["EX10"]
    assert (labs["dated_from"], labs["dated_until"]) == ("2026-10-23", "2026-11-20")


def test_the_to_do_dates_follow_the_planned_enrollment_date_not_the_screening_date(
    criteria: Criteria,
) -> None:
    """The MI window closes on 2027-01-15: results must be dated in the 28 days before it."""
    report = screen_file(EXAMPLES / "ineligible-cardiac.yaml", criteria, None, TODAY)
    assert report.verdict == "ineligible" and report.eligibility is not None
    assert report.eligibility.assumed_from == datetime.date(2027, 1, 15)
    dated = {t.task: (str(t.dated_from), str(t.dated_until)) for t in report.todo}
    assert dated["blood draw"] == ("2026-12-18", "2027-01-15")
    assert dated["echocardiogram or MUGA"] == ("2026-12-18", "2027-01-15")
    assert report.window_summary is not None
    assert report.window_summary.startswith("Not eligible before 2027-01-15 (EX8: ")
    assert report.window_summary.endswith(
        "eligible from 2027-01-15, until 2027-02-12 (when the first result of 2027-01-15 expires)"
    )


def test_history_items_are_questions_for_the_chart_each_once_with_what_is_accepted(
    eligible: dict[str, Any], criteria: Criteria, tmp_path: Path
) -> None:
    for dotted in ("pregnancy_test", "pregnant", "breast_cancer.her2", "prior_regimens"):
        remove(eligible, dotted)
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(eligible, sort_keys=False))
    texts = [t.sentence() for t in screen_file(path, criteria, None, TODAY).todo]
    assert texts == [
        "Pregnancy test, if applicable: pregnancy test (one of negative, positive, not_done)"
        " (settles EX15)",
        "From the chart or the investigator: HER2 IHC (one of 0, 1+, 2+, 3+), HER2 ISH ratio,"
        " prior regimens (the list, empty if none), pregnant (settles IN2 IN3 EX1 EX15)",
    ]


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
    assert "When: Cannot be decided until the data to collect are in" in shown.stdout
    assert "Never" not in shown.stdout
    assert "To collect" in shown.stdout
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


def assumed_day_by_day(record: Any) -> tuple[datetime.date | None, datetime.date | None]:
    """When no day is surely eligible: the first stretch with no failing criterion, while
    the unknown ones stay those unknown on its first day (their data assumed normal)."""
    rules, vocabulary = CRITERIA.rules.criteria, CRITERIA.vocabulary
    start: datetime.date | None = None
    pending: set[str] = set()
    for offset in range(HORIZON + 1):
        day = SCREENING + datetime.timedelta(days=offset)
        statuses = {o.criterion.id: o.status for o in evaluate(rules, vocabulary, record, day)}
        unknown = {cid for cid, status in statuses.items() if status == "unknown"}
        possible = "fail" not in statuses.values()
        if start is None and possible:
            start, pending = day, unknown
        elif start is not None and not (possible and unknown <= pending):
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
    max_examples=examples(int(os.environ.get("WINDOW_EXAMPLES", "80"))),
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
    if found.eligible_from is None:
        assert (found.assumed_from, found.assumed_until) == assumed_day_by_day(patient)


def test_the_timeline_reads_list_entries_as_the_verdict_does(
    tmp_path: Path, eligible: dict[str, Any]
) -> None:
    """An entry of a supportive agent alone is set aside by the criteria's `entries:`: the
    timeline picture (tracks) must read it so too, or it shows a stretch the window denies."""
    criteria = one_rule_criteria(
        tmp_path,
        "IN1 inclusion No recent regimen: no regimen started within 28 days",
        "{not: {exists: prior_regimens, where: {date: start, within: {days: 28}}}}",
        extra="entries: {prior_regimens: {drugs: agents, set_aside: [supportive]}}\n",
        vocabulary="{classes: [supportive, x], drugs: [{name: denosumab, classes: [supportive]}]}",
    )
    eligible["prior_regimens"] = [
        {"agents": ["docetaxel"], "setting": "advanced", "start": datetime.date(2026, 10, 30)},
        {"agents": ["denosumab"], "setting": "advanced", "start": datetime.date(2026, 11, 15)},
    ]
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(eligible, sort_keys=False))
    report = screen_file(path, criteria, None, TODAY)
    assert report.eligibility.eligible_from == datetime.date(2026, 11, 28)
    assert report.tracks is not None
    ((_, segments),) = report.tracks()
    assert [(s.start, s.status) for s in segments] == [
        (TODAY, "fail"),
        (datetime.date(2026, 11, 28), "pass"),
    ]


DESTINY = ROOT / "criteria" / "destiny-breast03.yaml"


def _destiny_with_a_supportive_entry() -> dict[str, Any]:
    """Her latest regimen ended on 2026-11-10 (PX2's 3-week washout closes on 2026-12-02),
    and an entry of denosumab alone ended on 2026-11-15: supportive, so set aside."""
    record = yaml.safe_load((ROOT / "examples" / "destiny-breast03" / "eligible.yaml").read_text())
    latest = record["prior_regimens"][1]
    latest["end"], latest["progression"]["date"] = "2026-11-10", "2026-11-05"
    record["prior_regimens"].append(
        {"agents": ["denosumab"], "setting": "advanced", "start": "2026-11-01", "end": "2026-11-15"}
    )
    return record


@pytest.mark.parametrize(
    ("criteria_path", "record"),
    [
        pytest.param(None, ELIGIBLE, id="the eligible example"),
        pytest.param(
            None,
            merge(
                copy.deepcopy(ELIGIBLE),
                {"recent_events": {"major_surgery_or_trauma": ["2026-11-10"]}},
            ),
            id="surgery on 2026-11-10",
        ),
        pytest.param(DESTINY, _destiny_with_a_supportive_entry(), id="a supportive entry"),
        pytest.param(
            None,
            merge(copy.deepcopy(ELIGIBLE), {"birth_date": "2006-12-01"}),
            id="twenty on 2026-12-01 (an inclusion)",
        ),
    ],
)
def test_each_timeline_track_is_the_criterion_s_status_evaluated_every_day(
    criteria_path: Path | None, record: dict[str, Any], tmp_path: Path
) -> None:
    """The timeline picture's tracks read the record as the verdict does (entries read as
    the criteria file declares): each segment's status is the status of every day in it."""
    criteria = CRITERIA if criteria_path is None else load_criteria(criteria_path)
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(record, sort_keys=False))
    report = screen_file(path, criteria, None, TODAY, horizon_days=HORIZON)
    patient, as_of = validate_patient(record, "", "p", criteria, None, TODAY)
    rules, vocabulary = criteria.rules.criteria, criteria.vocabulary
    daily = [
        {o.criterion.id: o.status for o in evaluate(rules, vocabulary, patient, day)}
        for day in (as_of + datetime.timedelta(days=n) for n in range(HORIZON + 1))
    ]
    tracked = report.tracks()
    assert tracked, "every record here has a criterion that changes within the horizon"
    for criterion, segments in tracked:
        assert segments[0].start == as_of and segments[0].cause is None
        assert all(segment.cause for segment in segments[1:]), "each change says why"
        assert segments[-1].end == as_of + datetime.timedelta(days=HORIZON)
        for segment in segments:
            for n in range((segment.start - as_of).days, (segment.end - as_of).days + 1):
                assert daily[n][criterion.id] == segment.status, (criterion.id, n)


def test_the_timeline_sets_a_supportive_entry_aside_as_the_window_does(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(_destiny_with_a_supportive_entry(), sort_keys=False))
    report = screen_file(path, load_criteria(DESTINY), None, TODAY, horizon_days=HORIZON)
    px2 = next(s for c, s in report.tracks() if c.id == "PX2")
    assert [(str(s.start), str(s.end), s.status, s.cause) for s in px2] == [
        ("2026-11-20", "2026-12-01", "fail", None),
        (
            "2026-12-02",
            "2027-01-19",
            "pass",
            "the 3-week window after end of regimen on 2026-11-10 closes",
        ),
    ]
    assert [b for b in report.to_dict()["eligibility"]["blocking"] if b["id"] == "PX2"] == [
        {"id": "PX2", "status": "fail", "since": None, "until": "2026-12-01"}
    ]


# Windows inside computed values (`expr`), as another trial would write them: a reading in
# either branch of an `if`, or a windowed `if` nested in a branch or in a sum. The eligible
# example's hemoglobin (11.8 g/dL) is of 2026-11-12: a 14-day window keeps it through
# 2026-11-26, and the criterion is unknown from 2026-11-27.
HB = "{recent_value: labs.hemoglobin, within: {days: 14}, unit: g/dL}"
HB_OK = "{recent: labs.hemoglobin, within: {days: 14}, op: ge, value: 9, unit: g/dL}"
ECOG_OK = "{field: ecog, op: le, value: 1}"
EXPR_WINDOWS = [
    ("a reading in the then branch", f"{{if: {ECOG_OK}, then: {HB}, else: 0}}", "ge", 9),
    ("a reading in the else branch", f"{{if: {{not: {ECOG_OK}}}, then: 0, else: {HB}}}", "ge", 9),
    (
        "a windowed condition in the then branch",
        f"{{if: {ECOG_OK}, then: {{if: {HB_OK}, then: 1, else: 0}}, else: 0}}",
        "eq",
        1,
    ),
    (
        "a windowed condition in the else branch",
        f"{{if: {{not: {ECOG_OK}}}, then: 0, else: {{if: {HB_OK}, then: 1, else: 0}}}}",
        "eq",
        1,
    ),
    ("a windowed condition in a sum", f"{{add: [0, {{if: {HB_OK}, then: 1, else: 0}}]}}", "eq", 1),
]


@pytest.mark.parametrize(
    ("term", "op", "value"), [pytest.param(*case[1:], id=case[0]) for case in EXPR_WINDOWS]
)
def test_a_window_inside_a_computed_value_closes_the_eligibility_window(
    term: str, op: str, value: int, eligible: dict[str, Any], tmp_path: Path
) -> None:
    criteria = one_rule_criteria(
        tmp_path,
        "IN1 inclusion Computed: A computed value within range",
        f"{{expr: {term}, op: {op}, value: {value}, label: computed}}",
    )
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(eligible, sort_keys=False))
    report = screen_file(path, criteria, None, TODAY, horizon_days=HORIZON)
    assert report.problems == [], [str(p) for p in report.problems]
    assert (report.eligible_from, report.eligible_until) == (TODAY, datetime.date(2026, 11, 26))
    assert report.to_dict()["eligibility"]["closed_by"][0]["date"] == "2026-11-27"


@pytest.mark.parametrize(
    ("logic", "labs", "until", "cause"),
    [
        (
            "{recent: labs.creatinine, within: {days: 28}, op: le, value: 1.5, unit: mg/dL,"
            " mean_of_latest: 2}",
            {"creatinine": [{"value": 0.9, "unit": "mg/dL", "date": "2026-11-01"}]},
            "2026-11-29",
            "IN1: labs.creatinine of 2026-11-01 expires",  # a rule without a label: its path
        ),
        (
            "{recent: labs.ast, within: {days: 28}, op: le, value: 100, unit: U/L, label: AST}",
            {
                "ast": [
                    {"value": 28, "unit": "U/L", "date": "2026-11-12"},
                    {"value": 180, "unit": "U/L", "date": "2026-11-12"},
                ]
            },
            "2026-12-10",
            "IN1: AST of 2026-11-12 expires",
        ),
        (
            "{expr: {add: [{recent_value: labs.creatinine, within: {days: 14}, unit: mg/dL},"
            " {recent_value: labs.albumin, within: {days: 14}, unit: g/dL}]}, op: lt, value: 9}",
            {"creatinine": {"value": 0.8, "unit": "mg/dL", "date": "2026-11-12"}},
            "2026-11-26",
            "IN1: creatinine of 2026-11-12 expires",
        ),
        (
            "{all: [{recent: labs.ast, within: {days: 28}, op: le, value: 100, unit: U/L,"
            " label: AST}, {expr: {add: [{recent_value: labs.creatinine, within: {days: 28},"
            " unit: mg/dL}, {recent_value: labs.albumin, within: {days: 28}, unit: g/dL}]},"
            " op: lt, value: 9}]}",
            {
                "ast": {"value": 28, "unit": "U/L", "date": "2026-11-01"},
                "creatinine": {"value": 0.8, "unit": "mg/dL", "date": "2026-11-12"},
            },
            "2026-11-29",
            "IN1: AST of 2026-11-01 expires",
        ),
    ],
    ids=[
        "a mean with one of its readings on file",
        "two readings of one day that disagree",
        "a formula with one of its inputs on file",
        "a reading before a formula that expires first",
    ],
)
def test_a_value_to_complete_counts_only_while_what_is_on_file_does(
    tmp_path: Path,
    eligible: dict[str, Any],
    logic: str,
    labs: dict[str, Any],
    until: str,
    cause: str,
) -> None:
    """A mean or a formula that waits for one more reading still rests on the one recorded,
    and which of one day's readings counts is a question about them: eligible if the data
    come back normal, but only until those on file expire."""
    eligible["labs"] = labs
    report = screen_one_rule(tmp_path, logic, eligible)
    assert report.outcomes[0].status == "unknown"
    assuming = report.to_dict()["eligibility"]["assuming"]
    assert assuming["eligible_from"] == "2026-11-20"
    assert assuming["eligible_until"] == until
    assert [f"{c['id']}: {c['cause']}" for c in assuming["closed_by"]] == [cause]
    assert report.eligibility is not None
    assert report.eligibility.summary({}).endswith(f"until {until} ({cause})")


def test_a_failure_named_without_titles_is_named_by_its_id(
    tmp_path: Path, eligible: dict[str, Any]
) -> None:
    """The summary names a failing criterion by its title, or by its id when it has none to
    give (a caller without the titles)."""
    report = screen_one_rule(tmp_path, "{field: ecog, op: eq, value: 0}", eligible)
    assert report.eligibility is not None
    assert report.eligibility.summary({}) == (
        "Never eligible within 90 days on this record: IN1 fails (IN1)"
    )
    assert report.eligibility.summary({"IN1": "ECOG 0"}).endswith("IN1 fails (ECOG 0)")


def test_a_pending_criterion_that_fails_later_ends_the_assumed_stretch(
    tmp_path: Path, eligible: dict[str, Any]
) -> None:
    """Waiting for nursing, and 58 until 2026-11-30: if the data come back normal, eligible
    until her 59th birthday, which the rule excludes; that change closes the stretch."""
    eligible["birth_date"] = "1967-12-01"
    del eligible["nursing"]
    report = screen_one_rule(
        tmp_path,
        "{all: [{field: nursing, op: eq, value: false}, {age: birth_date, op: lt, value: 59}]}",
        eligible,
    )
    window = report.to_dict()["eligibility"]
    assert window["assuming"]["eligible_until"] == "2026-11-30"
    assert [(c["id"], c["cause"], c["status"]) for c in window["assuming"]["closed_by"]] == [
        ("IN1", "turns 59 on 2026-12-01", "fail")
    ]


def test_a_stretch_that_opens_and_closes_assumes_nothing(
    tmp_path: Path, eligible: dict[str, Any]
) -> None:
    """Unknown now (nursing not recorded, but the surgery's window decides it first), eligible
    once that window closes, until the AST expires: what the record supports is certain, so
    nothing is left assumed."""
    eligible["recent_events"] = {"major_surgery_or_trauma": ["2026-11-10"]}
    del eligible["nursing"]
    report = screen_one_rule(
        tmp_path,
        "{all: [{any: [{not: {exists: recent_events.major_surgery_or_trauma,"
        " where: {date: ., within: {days: 28}}}}, {field: nursing, op: eq, value: false}]},"
        " {recent: labs.ast, within: {days: 28}, op: le, value: 100, unit: U/L}]}",
        eligible,
    )
    found = report.to_dict()
    assert (found["eligible_from"], found["eligible_until"]) == ("2026-12-09", "2026-12-10")
    assert found["eligibility"]["assuming"] is None


def test_a_window_that_closed_on_the_screening_date_gives_no_timeline_track(
    tmp_path: Path, eligible: dict[str, Any], criteria: Criteria
) -> None:
    """Surgery on 2026-10-22 leaves its 28-day window on 2026-11-20, the screening date
    itself: nothing changes within the horizon, so EX14 has no track (it passes throughout)."""
    eligible["recent_events"]["major_surgery_or_trauma"] = ["2026-10-22"]
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(eligible, sort_keys=False))
    report = screen_file(path, criteria, None, TODAY)
    assert [o.status for o in report.outcomes if o.criterion.id == "EX14"] == ["pass"]
    assert "EX14" not in [criterion.id for criterion, _ in report.tracks()]
