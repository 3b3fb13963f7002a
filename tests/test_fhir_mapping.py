"""map_patient on small resource lists built here: which malformed resources a coordinator
is told about (with the exact note), and a Condition left out for its verification status."""

from __future__ import annotations

from typing import Any

import pytest

from screen.fhir.bundle import PatientResources
from screen.fhir.mapping import map_patient
from screen.load import Criteria


def _notes(criteria: Criteria, *resources: dict[str, Any]) -> list[str]:
    mapped = map_patient(PatientResources("p", list(resources)), criteria.catalog.dictionary)
    return mapped.notes


@pytest.mark.parametrize(
    "resource",
    [
        {"resourceType": "Patient", "id": "x", "birthDate": 5},
        {"resourceType": "Observation", "id": "x", "status": 5},
        {"resourceType": "Condition", "id": "x", "code": "lots"},
        {"resourceType": "MedicationRequest", "id": "x", "status": 5},
        {"resourceType": "MedicationStatement", "id": "x", "status": 5},
    ],
)
def test_a_malformed_patient_resource_is_named_in_a_note(
    criteria: Criteria, resource: dict[str, Any]
) -> None:
    assert _notes(criteria, resource) == [f"{resource['resourceType']}/x: malformed, left out"]


def test_a_condition_left_out_names_its_verification_statuses(criteria: Criteria) -> None:
    condition = {
        "resourceType": "Condition",
        "id": "c1",
        "verificationStatus": {
            "coding": [
                {"code": "refuted"},
                {"code": "entered-in-error"},
            ]
        },
        "code": {"text": "anything"},
        "subject": {"reference": "Patient/p"},
    }
    assert _notes(criteria, condition) == ["Condition/c1: entered-in-error, refuted, left out"]


ANC = {
    "resourceType": "Observation",
    "id": "anc",
    "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "751-8"}]},
    "subject": {"reference": "Patient/p"},
    "effectiveDateTime": "2026-11-12",
}


@pytest.mark.parametrize(
    ("quantity", "note"),
    [
        ({"unit": "/uL"}, "Observation/anc has no numeric value, left out"),
        (
            {"value": 3200, "comparator": "<", "unit": "/uL", "code": "/uL"},
            "Observation/anc: a bound (< 3200.0), not a result, left out",
        ),
        ({"value": 3200}, "Observation/anc: no unit, left out"),
        (
            {"value": 3200, "unit": "furlongs"},
            "Observation/anc: unit 'furlongs' is not a unit of neutrophils, left out",
        ),
    ],
)
def test_a_result_left_out_says_why(
    criteria: Criteria, quantity: dict[str, Any], note: str
) -> None:
    mapped = map_patient(
        PatientResources("p", [{**ANC, "valueQuantity": quantity}]), criteria.catalog.dictionary
    )
    assert mapped.notes == [f"labs.neutrophils: {note}"]
    assert mapped.record == {}


def _lvef(ident: str, day: str, value: float) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": ident,
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8806-2"}]},
        "subject": {"reference": "Patient/p"},
        "effectiveDateTime": day,
        "valueQuantity": {"value": value, "unit": "%", "code": "%"},
    }


def test_the_latest_of_three_readings_is_kept_with_its_source(criteria: Criteria) -> None:
    resources = [
        _lvef("b", "2026-10-01", 55),
        _lvef("c", "2026-11-01", 61),
        _lvef("a", "2026-09-01", 50),
    ]
    mapped = map_patient(PatientResources("p", resources), criteria.catalog.dictionary)
    assert mapped.record["lvef"]["percent"] == 61
    assert [str(s) for s in mapped.provenance["lvef.percent"]] == ["Observation/c (2026-11-01)"]


def test_same_day_results_that_disagree_are_named_and_left_out(criteria: Criteria) -> None:
    resources = [_lvef("b", "2026-11-01", 55), _lvef("a", "2026-11-01", 61)]
    mapped = map_patient(PatientResources("p", resources), criteria.catalog.dictionary)
    assert "percent" not in mapped.record.get("lvef", {})
    assert mapped.notes == [
        "lvef: conflicting results on 2026-11-01 (Observation/a, Observation/b), left out"
    ]


def test_same_day_lab_results_that_disagree_are_named_and_left_out(criteria: Criteria) -> None:
    resources = [
        {**ANC, "id": "b", "valueQuantity": {"value": 3200, "unit": "/uL", "code": "/uL"}},
        {**ANC, "id": "a", "valueQuantity": {"value": 1200, "unit": "/uL", "code": "/uL"}},
    ]
    mapped = map_patient(PatientResources("p", resources), criteria.catalog.dictionary)
    assert mapped.record == {}
    assert mapped.notes == [
        "labs.neutrophils: conflicting results on 2026-11-12 (Observation/a, Observation/b), "
        "left out"
    ]


def test_results_that_disagree_on_an_earlier_day_do_not_hide_a_later_one(
    criteria: Criteria,
) -> None:
    """Two neutrophil counts of 2026-11-10 disagree (left out, named); the one of 2026-11-12
    is the record's, with its own source."""
    resources = [
        {
            **ANC,
            "id": "b",
            "effectiveDateTime": "2026-11-10",
            "valueQuantity": {"value": 3200, "unit": "/uL", "code": "/uL"},
        },
        {
            **ANC,
            "id": "a",
            "effectiveDateTime": "2026-11-10",
            "valueQuantity": {"value": 1200, "unit": "/uL", "code": "/uL"},
        },
        {**ANC, "id": "c", "valueQuantity": {"value": 2500, "unit": "/uL", "code": "/uL"}},
    ]
    mapped = map_patient(PatientResources("p", resources), criteria.catalog.dictionary)
    assert mapped.notes == [
        "labs.neutrophils: conflicting results on 2026-11-10 (Observation/a, Observation/b),"
        " left out"
    ]
    assert [r["value"] for r in mapped.record["labs"]["neutrophils"]] == [2500]
    assert [str(s) for s in mapped.provenance["labs.neutrophils"]] == ["Observation/c (2026-11-12)"]
