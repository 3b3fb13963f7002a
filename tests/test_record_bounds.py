"""The record model's bounds and validators, each pinned on both sides: the last plausible
value is accepted and the first implausible one refused, naming the field. A bound dropped or
moved by one step (as a mutant would) fails here."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.conftest import merge, remove

# (patch as YAML, field refused or None when the patch must be accepted)
BOUNDS = [
    ("{breast_cancer: {her2: {ish_ratio: 0}}}", None),
    ("{breast_cancer: {her2: {ish_ratio: -0.1}}}", "breast_cancer.her2.ish_ratio"),
    ("{breast_cancer: {her2: {ish_ratio: 100}}}", None),
    ("{breast_cancer: {her2: {ish_ratio: 100.1}}}", "breast_cancer.her2.ish_ratio"),
    ("{lvef: {percent: 100}}", None),
    ("{lvef: {percent: 100.5}}", "lvef.percent"),
    ("{lvef: {percent: -0.5}}", "lvef.percent"),
    ("{blood_pressure: {systolic: 300, diastolic: 250}}", None),
    ("{blood_pressure: {systolic: 0.5}}", None),
    ("{blood_pressure: {systolic: 0}}", "blood_pressure.systolic"),
    ("{blood_pressure: {systolic: 300.5}}", "blood_pressure.systolic"),
    ("{blood_pressure: {diastolic: 0}}", "blood_pressure.diastolic"),
    ("{blood_pressure: {diastolic: 250.5}}", "blood_pressure.diastolic"),
    ("{labs: {platelets: {value: 0}}}", None),
    ("{labs: {platelets: {value: 1000000}}}", None),
    ("{labs: {platelets: {value: 1000000.5}}}", "labs.platelets.value"),
    ("{labs: {platelets: {value: -0.01}}}", "labs.platelets.value"),
    ("{labs: {platelets: {unit: ' '}}}", "labs.platelets.unit"),
    ("{anthracyclines: [{agent: epirubicin, cumulative_dose_mg_m2: 0}]}", None),
    (
        "{anthracyclines: [{agent: epirubicin, cumulative_dose_mg_m2: -1}]}",
        "anthracyclines[0].cumulative_dose_mg_m2",
    ),
    (
        "{anthracyclines: [{agent: epirubicin, cumulative_dose_mg_m2: 10001}]}",
        "anthracyclines[0].cumulative_dose_mg_m2",
    ),
    ("{anthracyclines: [{agent: '', cumulative_dose_mg_m2: 10}]}", "anthracyclines[0].agent"),
    ("{toxicities: [{term: rash, grade: 1, hematologic: false}]}", None),
    ("{toxicities: [{term: rash, grade: 5, hematologic: false}]}", None),
    ("{toxicities: [{term: rash, grade: 6, hematologic: false}]}", "toxicities[0].grade"),
    ("{toxicities: [{term: rash, grade: 0, hematologic: false}]}", "toxicities[0].grade"),
    (
        "{recent_events: {radiation_adverse_events: [{grade: 0, date: 2026-01-01}]}}",
        "recent_events.radiation_adverse_events[0].grade",
    ),
    (
        "{recent_events: {radiation_adverse_events: [{grade: 6, date: 2026-01-01}]}}",
        "recent_events.radiation_adverse_events[0].grade",
    ),
    ("{ecog: 0}", None),
    ("{ecog: 5}", None),
    ("{ecog: 6}", "ecog"),
    ("{ecog: -1}", "ecog"),
    ("{life_expectancy_months: 1200}", None),
    ("{life_expectancy_months: 1200.5}", "life_expectancy_months"),
    (
        "{corticosteroids: [{agent: prednisolone, daily_dose_mg: 10000, route: oral, start: 2026-11-01, ongoing: true}]}",
        None,
    ),
    (
        "{corticosteroids: [{agent: prednisolone, daily_dose_mg: 10001, route: oral, start: 2026-11-01, ongoing: true}]}",
        "corticosteroids[0].daily_dose_mg",
    ),
    (
        "{corticosteroids: [{agent: prednisolone, daily_dose_mg: -1, route: oral, start: 2026-11-01, ongoing: true}]}",
        "corticosteroids[0].daily_dose_mg",
    ),
    # Dates: 1900-01-01 to 2199-12-31, calendar dates only.
    (
        "{other_malignancies: [{diagnosis: melanoma, invasive_breast: false, date: 1900-01-01}]}",
        None,
    ),
    (
        "{other_malignancies: [{diagnosis: melanoma, invasive_breast: false, date: 1899-12-31}]}",
        "other_malignancies[0].date",
    ),
    ("{screening_date: 2199-12-31}", None),
    ("{screening_date: 2200-01-01}", "screening_date"),
    (
        "{recent_events: {major_surgery_or_trauma: [2200-01-01]}}",
        "recent_events.major_surgery_or_trauma[0]",
    ),
    ("{informed_consent: {date: '2026-11-18'}}", None),
    ("{informed_consent: {date: ' 2026-11-18 '}}", None),
    ("{informed_consent: {date: '2026-11-18T09:00'}}", "informed_consent.date"),
    ("{informed_consent: {date: 2026-11-18 09:00:00}}", "informed_consent.date"),
    ("{informed_consent: {date: '2026-02-30'}}", "informed_consent.date"),
    ("{informed_consent: {date: '1899-12-31'}}", "informed_consent.date"),
    # Validators across fields.
    ("{informed_consent: {signed: true, date: null}}", "informed_consent"),
    ("{informed_consent: {signed: false, date: null}}", None),
    (
        "{prior_regimens: [{agents: [T-DM1], setting: advanced, start: 2025-01-01, end: 2025-01-01}]}",
        None,
    ),
    (
        "{prior_regimens: [{agents: [T-DM1], setting: advanced, start: 2025-01-02, end: 2025-01-01}]}",
        "prior_regimens[0]",
    ),
    (
        "{prior_regimens: [{agents: [], setting: advanced, start: 2025-01-01}]}",
        "prior_regimens[0].agents",
    ),
    (
        "{corticosteroids: [{agent: prednisolone, daily_dose_mg: 5, route: oral, start: 2026-01-01, end: 2026-01-01}]}",
        None,
    ),
    (
        "{corticosteroids: [{agent: prednisolone, daily_dose_mg: 5, route: oral, start: 2026-01-02, end: 2026-01-01}]}",
        "corticosteroids[0]",
    ),
    (
        "{corticosteroids: [{agent: prednisolone, daily_dose_mg: 5, route: oral, start: 2026-01-01, end: 2026-02-01, ongoing: true}]}",
        "corticosteroids[0]",
    ),
    ("{breast_cancer: {her2: {ihc: 0, ish_ratio: 2.6}}}", None),
    ("{breast_cancer: {her2: {ihc: 1}}}", "breast_cancer.her2.ihc"),
    ("{breast_cancer: {her2: {ihc: false}}}", "breast_cancer.her2.ihc"),
]


@pytest.mark.parametrize(("patch", "field"), BOUNDS, ids=[f"{p} -> {f}" for p, f in BOUNDS])
def test_a_bound_accepts_its_last_plausible_value_and_refuses_the_next(
    patch: str, field: str | None, eligible: dict[str, Any], screen_record: Any
) -> None:
    report = screen_record(merge(eligible, yaml.safe_load(patch)))
    if field is None:
        assert report.problems == [], [str(p) for p in report.problems]
    else:
        assert report.verdict == "error"
        fields = [p.field for p in report.problems]
        assert field in fields, [str(p) for p in report.problems]


def test_a_stated_age_is_bounded_0_to_130(eligible: dict[str, Any], screen_record: Any) -> None:
    remove(eligible, "birth_date")
    for age, refused in ((0, False), (130, False), (131, True), (-1, True)):
        eligible["age"] = age
        report = screen_record(eligible)
        assert (report.verdict == "error") is refused, (age, [str(p) for p in report.problems])


def test_an_ihc_score_written_as_the_number_0_reads_as_0_not_as_3(
    eligible: dict[str, Any], screen_record: Any
) -> None:
    """IHC 0 with an ISH ratio of 2.6 is HER2-positive by ISH; read as anything but "0" the
    outcome or the explanation would differ."""
    written = merge(eligible, {"breast_cancer": {"her2": {"ihc": 0}}})
    as_text = screen_record(written).to_dict()
    written["breast_cancer"]["her2"]["ihc"] = "0"
    assert screen_record(written).to_dict() == as_text


def test_a_course_with_an_end_date_and_no_ongoing_flag_is_not_ongoing(
    eligible: dict[str, Any], screen_record: Any
) -> None:
    """A chronic high-dose course that has ended does not exclude (EX20 needs it current)."""
    course = {"agent": "prednisolone", "daily_dose_mg": 50, "route": "oral", "start": "2026-01-01"}
    ongoing = screen_record(merge(eligible, {"corticosteroids": [course | {"ongoing": True}]}))
    assert {o.criterion.id: o.status for o in ongoing.outcomes}["EX20"] == "fail"
    ended = screen_record(merge(eligible, {"corticosteroids": [course | {"end": "2026-11-19"}]}))
    assert {o.criterion.id: o.status for o in ended.outcomes}["EX20"] == "pass"


def test_as_of_takes_the_record_s_date_bounds_on_both_sides(tmp_path: Any) -> None:
    """--as-of 1900-01-01 and 2199-12-31 are screening dates; a day beyond either is a usage
    error naming the bounds (every window and horizon must stay a valid date)."""
    from typer.testing import CliRunner

    from screen.cli import app
    from tests.conftest import EXAMPLES

    for day, refused in (
        ("1900-01-01", False),
        ("1899-12-31", True),
        ("2199-12-31", False),
        ("2200-01-01", True),
    ):
        result = CliRunner().invoke(
            app, ["check", str(EXAMPLES / "eligible.yaml"), "--as-of", day, "--format", "json"]
        )
        assert (result.exit_code == 2) is refused, (day, result.exit_code, result.output)
        assert ("not plausible (expected 1900 to 2199)" in result.output) is refused, day
