"""The JSON report's keys and the window's facts, pinned against shared/spec/cli-and-report.md
through the CLI: a key renamed or a date moved by a day changes what a coordinator reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from screen.cli import app
from tests.conftest import merge

SPEC_KEYS = [
    "patient_id",
    "source",
    "as_of",
    "verdict",
    "criteria_set",
    "results",
    "missing",
    "errors",
    "warnings",
]
OUR_KEYS = ["eligible_from", "eligible_until", "eligibility", "todo"]  # added, as the spec allows
SURGERY = "the 28-day window after major surgery or trauma on 2026-11-10 closes"


def report_of(record: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(record, sort_keys=False))
    result = CliRunner().invoke(app, ["check", str(path), "--format", "json"])
    found: dict[str, Any] = json.loads(result.stdout)
    return found


def fresh(record: dict[str, Any]) -> dict[str, Any]:
    """Every observation dated on the screening date: they all expire on 2026-12-19."""
    for key in ("lvef", "blood_pressure"):
        record[key]["date"] = "2026-11-20"
    for result in record["labs"].values():
        result["date"] = "2026-11-20"
    return record


def test_the_report_has_every_key_of_the_contract(eligible: dict[str, Any], tmp_path: Path) -> None:
    report = report_of(eligible, tmp_path)
    assert list(report) == [*SPEC_KEYS, *OUR_KEYS]
    assert list(report["criteria_set"]) == ["id", "version", "sha256"]
    assert report["criteria_set"]["id"] == "JBCRG-M05"
    assert len(report["criteria_set"]["sha256"]) == 64
    assert [list(r) for r in report["results"]] == [
        ["id", "type", "title", "text", "status", "reason"]
    ] * len(report["results"])
    assert [r["id"] for r in report["results"]] == [f"IN{n}" for n in range(1, 10)] + [
        f"EX{n}" for n in range(1, 23)
    ]
    assert (report["as_of"], report["verdict"]) == ("2026-11-20", "eligible")
    assert (report["missing"], report["errors"], report["warnings"], report["todo"]) == (
        [],
        [],
        [],
        [],
    )


def test_an_eligible_patient_s_window_and_what_closes_it(
    eligible: dict[str, Any], tmp_path: Path
) -> None:
    report = report_of(eligible, tmp_path)
    assert (report["eligible_from"], report["eligible_until"]) == ("2026-11-20", "2026-12-08")
    assert report["eligibility"] == {
        "eligible_from": "2026-11-20",
        "eligible_until": "2026-12-08",
        "horizon_end": "2027-02-18",
        "summary": "Eligible from 2026-11-20, until 2026-12-08 (IN6: LVEF of 2026-11-10 expires)",
        "opened_by": [],
        "closed_by": [
            {
                "date": "2026-12-09",
                "id": "IN6",
                "cause": "LVEF of 2026-11-10 expires",
                "status": "unknown",
            }
        ],
        "blocking": [],
        "assuming": None,
    }


def test_a_window_that_opens_later_names_what_opens_and_what_closes_it(
    eligible: dict[str, Any], tmp_path: Path
) -> None:
    record = merge(fresh(eligible), {"recent_events": {"major_surgery_or_trauma": ["2026-11-10"]}})
    report = report_of(record, tmp_path)
    assert report["verdict"] == "ineligible"
    window = report["eligibility"]
    assert (report["eligible_from"], report["eligible_until"]) == ("2026-12-09", "2026-12-18")
    assert (window["eligible_from"], window["eligible_until"]) == ("2026-12-09", "2026-12-18")
    assert window["opened_by"] == [
        {"date": "2026-12-09", "id": "EX14", "cause": SURGERY, "status": "pass"}
    ]
    assert window["closed_by"][:2] == [
        {
            "date": "2026-12-19",
            "id": "IN6",
            "cause": "LVEF of 2026-11-20 expires",
            "status": "unknown",
        },
        {
            "date": "2026-12-19",
            "id": "EX6",
            "cause": "systolic blood pressure of 2026-11-20 expires",
            "status": "unknown",
        },
    ]
    assert len(window["closed_by"]) == 11  # IN6, EX6 twice, EX10 eight labs
    assert window["summary"] == (
        f"Not eligible now; eligible from 2026-12-09 when {SURGERY}, until 2026-12-18 (IN6: LVEF"
        " of 2026-11-20 expires; EX6: systolic blood pressure of 2026-11-20 expires; EX10:"
        " neutrophils of 2026-11-20 expires; and 8 more)"
    )
    assert window["blocking"] == []


def test_a_patient_never_eligible_names_each_blocker_and_its_stretch(
    eligible: dict[str, Any], tmp_path: Path
) -> None:
    record = merge(eligible, {"recent_events": {"major_surgery_or_trauma": ["2026-11-10"]}})
    window = report_of(record, tmp_path)["eligibility"]
    assert (window["eligible_from"], window["eligible_until"]) == (None, None)
    assert window["blocking"] == [
        {"id": "IN6", "status": "unknown", "since": "2026-12-09", "until": None},
        {"id": "EX6", "status": "unknown", "since": "2026-12-17", "until": None},
        {"id": "EX10", "status": "unknown", "since": "2026-12-11", "until": None},
        {"id": "EX14", "status": "fail", "since": None, "until": "2026-12-08"},
    ]
    assert window["summary"] == (
        "Not eligible before 2026-12-09 (IN6: LVEF of 2026-11-10 expires; EX14: the 28-day"
        " window after major surgery or trauma on 2026-11-10 closes); then it depends on the"
        " data to collect (IN6); if they are normal and dated 2026-12-09, eligible from"
        " 2026-12-09, until 2026-12-10 (EX10: neutrophils of 2026-11-12 expires; and 7 more)"
    )
    assuming = window["assuming"]
    assert list(assuming) == [
        "pending",
        "that",
        "eligible_from",
        "eligible_until",
        "opened_by",
        "closed_by",
    ]
    assert assuming["that"] == "the data to collect come back normal, dated eligible_from"
    assert (assuming["pending"], assuming["eligible_from"], assuming["eligible_until"]) == (
        ["IN6"],
        "2026-12-09",
        "2026-12-10",
    )
    assert [(c["date"], c["id"], c["status"]) for c in assuming["opened_by"]] == [
        ("2026-12-09", "IN6", "unknown"),
        ("2026-12-09", "EX14", "pass"),
    ]
    assert len(assuming["closed_by"]) == 8 and assuming["closed_by"][0] == {
        "date": "2026-12-11",
        "id": "EX10",
        "cause": "neutrophils of 2026-11-12 expires",
        "status": "unknown",
    }


def test_what_to_collect_for_an_unknown_criterion(eligible: dict[str, Any], tmp_path: Path) -> None:
    record = merge(eligible, {"ecog": 3, "labs": {"platelets": {"date": "2026-09-01"}}})
    report = report_of(record, tmp_path)
    assert report["missing"] == ["EX10: labs.platelets dated 2026-10-23 or later"]
    assert report["todo"] == [
        {
            "task": "blood draw",
            "items": ["platelets"],
            "criteria": ["EX10"],
            "dated_from": "2026-10-23",
            "dated_until": None,
            "details": [],
            "text": "Blood draw: platelets; dated 2026-10-23 or later (settles EX10)",
        }
    ]
    assert report["eligibility"]["blocking"] == [
        {"id": "IN7", "status": "fail", "since": None, "until": None},
    ]


def test_an_invalid_record_has_errors_and_no_window(
    eligible: dict[str, Any], tmp_path: Path
) -> None:
    report = report_of(merge(eligible, {"ecog": -3}), tmp_path)
    assert (report["verdict"], report["results"], report["eligibility"]) == ("error", [], None)
    assert (report["eligible_from"], report["eligible_until"]) == (None, None)
    (error,) = report["errors"]
    assert list(error) == ["message", "location"]
    assert error["location"].endswith("p.yaml:16 ecog")
