"""mCODE comorbidities as explicit negatives: a condition marked absent reads `false`, one
marked present `true`; a current Condition wins over an older "absent"; nothing else is read."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screen.fhir.bundle import PatientResources, read_bundle
from screen.fhir.mapping import Mapped, map_patient
from screen.load import Criteria
from screen.record.dictionary import DictionaryFile, merge
from tests.conftest import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "fhir" / "comorbidities.bundle.json"
SCT, ICD = "http://snomed.info/sct", "http://hl7.org/fhir/sid/icd-10-cm"
MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
HIV = {"system": SCT, "code": "86406008"}
PRESENT = {"coding": [{"system": SCT, "code": "52101004"}]}
ABSENT = {"coding": [{"system": SCT, "code": "2667000"}]}

# What the fixture gives: field -> (value, the resource it came from)
FROM_FIXTURE = {
    "conditions.hiv": (False, "Observation/fhir-0004-comorbid-2026 (2026-11-05)"),
    "conditions.hcv": (False, "Observation/fhir-0004-comorbid-2024 (2024-03-01)"),
    "conditions.hbv": (True, "Condition/fhir-0004-hbv (2025-06-10)"),
}


def _at(record: dict[str, Any], path: str) -> Any:
    for step in path.split("."):
        record = record.get(step) if isinstance(record, dict) else None
    return record


def _fixture(criteria: Criteria) -> Mapped:
    [group] = read_bundle(FIXTURE)
    return map_patient(group, criteria.catalog.dictionary)


def _stu4(oid: str, day: str, url: str, coding: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "code": {"coding": [{"system": SCT, "code": "398192003"}]},
        "effectiveDateTime": day,
        "extension": [{"url": MCODE + url, "valueCodeableConcept": {"coding": [coding]}}],
        **extra,
    }


def _stu2(oid: str, day: str, coding: dict[str, str], value: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "78923-0"}]},
        "effectiveDateTime": day,
        "component": [{"code": {"coding": [coding]}, "valueCodeableConcept": value}],
    }


def _hiv_condition(day: str | None, status: str = "active") -> dict[str, Any]:
    condition: dict[str, Any] = {
        "resourceType": "Condition",
        "id": f"hiv-{day}",
        "clinicalStatus": {"coding": [{"code": status}]},
        "code": {"coding": [HIV]},
    }
    if day:
        condition["onsetDateTime"] = day
    return condition


def _hiv(criteria: Criteria, *resources: dict[str, Any]) -> tuple[Any, Mapped]:
    mapped = map_patient(PatientResources("p", list(resources)), criteria.catalog.dictionary)
    return _at(mapped.record, "conditions.hiv"), mapped


@pytest.mark.parametrize("path", FROM_FIXTURE)
def test_every_comorbidity_field_from_the_fixture(criteria: Criteria, path: str) -> None:
    mapped = _fixture(criteria)
    value, source = FROM_FIXTURE[path]
    assert _at(mapped.record, path) is value
    assert [str(s) for s in mapped.provenance[path]] == [source]


def test_the_fixture_fills_nothing_else_and_drops_what_is_entered_in_error(
    criteria: Criteria,
) -> None:
    mapped = _fixture(criteria)
    assert set(mapped.provenance) == {"patient_id", "sex", "birth_date", *FROM_FIXTURE}
    assert any("fhir-0004-comorbid-err: status entered-in-error" in n for n in mapped.notes)


ABSENT_HIV = [
    pytest.param(_stu4("o", "2026-11-01", "mcode-related-condition-absent", HIV), id="stu4"),
    pytest.param(_stu2("o", "2026-11-01", HIV, ABSENT), id="stu2"),
]
PRESENT_HIV = [
    pytest.param(_stu4("o", "2026-11-01", "mcode-related-condition", HIV), id="stu4"),
    pytest.param(_stu2("o", "2026-11-01", HIV, PRESENT), id="stu2"),
]


@pytest.mark.parametrize("observation", ABSENT_HIV)
def test_absent_gives_false(criteria: Criteria, observation: dict[str, Any]) -> None:
    value, mapped = _hiv(criteria, observation)
    assert value is False
    assert [str(s) for s in mapped.provenance["conditions.hiv"]] == ["Observation/o (2026-11-01)"]


@pytest.mark.parametrize("observation", PRESENT_HIV)
def test_present_gives_true(criteria: Criteria, observation: dict[str, Any]) -> None:
    assert _hiv(criteria, observation)[0] is True


@pytest.mark.parametrize("observation", ABSENT_HIV)
def test_an_absent_older_than_a_current_condition_gives_true(
    criteria: Criteria, observation: dict[str, Any]
) -> None:
    assert _hiv(criteria, observation, _hiv_condition("2026-11-02"))[0] is True
    # a resolved Condition is no current statement: the absent stands
    assert _hiv(criteria, observation, _hiv_condition("2026-11-02", "resolved"))[0] is False


@pytest.mark.parametrize("day", ["2026-11-01", "2026-10-01", None])
def test_an_absent_of_the_conditions_day_or_later_leaves_it_unknown(
    criteria: Criteria, day: str | None
) -> None:
    observation = _stu4("o", "2026-11-01", "mcode-related-condition-absent", HIV)
    value, mapped = _hiv(criteria, observation, _hiv_condition(day))
    assert value is None
    assert any("says present" in n and "Observation/o" in n for n in mapped.notes)


def test_the_latest_statement_wins_and_a_days_disagreement_leaves_it_unknown(
    criteria: Criteria,
) -> None:
    old = _stu2("old", "2025-01-01", HIV, PRESENT)
    new = _stu4("new", "2026-11-01", "mcode-related-condition-absent", HIV)
    assert _hiv(criteria, old, new)[0] is False
    assert _hiv(criteria, _stu2("old", "2027-01-01", HIV, PRESENT), new)[0] is True
    same = _stu2("same", "2026-11-01", HIV, PRESENT)
    value, mapped = _hiv(criteria, same, new)
    assert value is None and any("conflicting" in n for n in mapped.notes)


NOTHING = {
    "no component or extension": {"component": [], "extension": []},
    "an unknown condition code": {
        "extension": [
            {
                "url": MCODE + "mcode-related-condition-absent",
                "valueCodeableConcept": {"coding": [{"system": SCT, "code": "414916001"}]},
            }
        ]
    },
    "no comorbidities (Disease absent) is no field": {
        "extension": [
            {
                "url": MCODE + "mcode-related-condition-absent",
                "valueCodeableConcept": {"coding": [{"system": SCT, "code": "64572001"}]},
            }
        ]
    },
    "the code in another system": {
        "extension": [
            {
                "url": MCODE + "mcode-related-condition-absent",
                "valueCodeableConcept": {"coding": [{"system": ICD, "code": "86406008"}]},
            }
        ]
    },
    "a component valued neither present nor absent": {
        "extension": [],
        "component": [
            {"code": {"coding": [HIV]}, "valueCodeableConcept": {"coding": [{"code": "x"}]}}
        ],
    },
    "an extension of another URL": {
        "extension": [{"url": MCODE + "other", "valueCodeableConcept": {"coding": [HIV]}}]
    },
    "both present and absent": {
        "extension": [
            {"url": MCODE + "mcode-related-condition", "valueCodeableConcept": {"coding": [HIV]}},
            {
                "url": MCODE + "mcode-related-condition-absent",
                "valueCodeableConcept": {"coding": [HIV]},
            },
        ]
    },
    "not final": {"status": "preliminary"},
    "entered in error": {"status": "entered-in-error"},
    "undated": {"effectiveDateTime": None},
}


@pytest.mark.parametrize("change", NOTHING.values(), ids=list(NOTHING))
def test_nothing_else_is_read(criteria: Criteria, change: dict[str, Any]) -> None:
    observation = _stu4("o", "2026-11-01", "mcode-related-condition-absent", HIV)
    observation.update(change)
    assert _hiv(criteria, observation)[0] is None


def test_the_present_extension_counts_only_on_a_comorbidities_observation(
    criteria: Criteria,
) -> None:
    """mcode-related-condition is any related condition elsewhere (a tumor marker's cancer)."""
    observation = _stu4("o", "2026-11-01", "mcode-related-condition", HIV)
    observation["code"] = {"coding": [{"system": "http://loinc.org", "code": "85319-2"}]}
    assert _hiv(criteria, observation)[0] is None
    absent = _stu4("o", "2026-11-01", "mcode-related-condition-absent", HIV)
    absent["code"] = observation["code"]
    assert _hiv(criteria, absent)[0] is False  # "not present" says so wherever it is


STATEMENTS = st.lists(
    st.tuples(
        st.sampled_from(["present", "absent", "condition", "resolved"]),
        st.dates(date(2026, 11, 1), date(2026, 11, 6)).map(date.isoformat),
    ),
    max_size=6,
)


def _statement(index: int, kind: str, day: str) -> dict[str, Any]:
    if kind in ("condition", "resolved"):
        condition = _hiv_condition(day, "active" if kind == "condition" else "resolved")
        condition["id"] = f"c{index}"
        return condition
    url = "mcode-related-condition" if kind == "present" else "mcode-related-condition-absent"
    return _stu4(f"o{index}", day, url, HIV)


@given(STATEMENTS, st.randoms(use_true_random=False))
@settings(max_examples=80, deadline=None)
def test_false_only_from_an_absent_newer_than_every_other_statement(
    criteria: Criteria, statements: list[tuple[str, str]], rng: Any
) -> None:
    """False needs an "absent" later than every current Condition and "present"; true needs
    a current Condition or a "present", and no "absent" later than all of them; the order of
    the resources never matters."""
    resources = [_statement(i, kind, day) for i, (kind, day) in enumerate(statements)]
    value, mapped = _hiv(criteria, *resources)
    rng.shuffle(resources)
    again, shuffled = _hiv(criteria, *resources)
    assert again == value and sorted(shuffled.notes) == sorted(mapped.notes)
    assert shuffled.provenance == mapped.provenance
    absent = [day for kind, day in statements if kind == "absent"]
    others = [day for kind, day in statements if kind in ("present", "condition")]
    if value is False:
        assert absent and all(day < max(absent) for day in others)
    if value is True:
        assert others and not any(day > max(others) for day in absent)
    if not statements or {kind for kind, _ in statements} == {"resolved"}:
        assert value is None


def test_the_answers_are_data(criteria: Criteria) -> None:
    """Without the dictionary's `comorbidities`, nothing is read."""
    dictionary = criteria.catalog.dictionary
    bare = copy.copy(dictionary)
    object.__setattr__(bare, "comorbidities", [])
    [group] = read_bundle(FIXTURE)
    mapped = map_patient(group, bare)
    assert _at(mapped.record, "conditions.hiv") is None
    assert _at(mapped.record, "conditions.hbv") is True  # the Condition still counts


def test_comorbidity_codes_of_an_unknown_system_are_refused() -> None:
    from screen.errors import InputError

    core = {
        "dictionary": {"id": "x", "title": "x", "version": "1"},
        "code_systems": {"snomed_ct": [SCT]},
        "comorbidities": {
            "codes": {"snomed_ct": "398192003"},
            "present": {"snomed_ct": "52101004"},
            "absent": {"nowhere": "2667000"},
        },
        "fields": [{"path": "a", "type": "yes_no"}],
    }
    with pytest.raises(InputError, match="comorbidities: code system"):
        merge([(DictionaryFile.model_validate(core), "d", "x.yaml")])


def test_import_writes_the_negative_with_its_source(criteria: Criteria, tmp_path: Path) -> None:
    from screen.fhir.prefill import import_exports

    written, problems = import_exports([FIXTURE], criteria.catalog.dictionary, [], tmp_path)
    assert problems == []
    text = written[0].read_text()
    assert "hiv: false  # from Observation/fhir-0004-comorbid-2026 (2026-11-05)" in text
    assert "hbv: true  # from Condition/fhir-0004-hbv (2025-06-10)" in text


def test_explain_shows_where_the_negative_came_from() -> None:
    from typer.testing import CliRunner

    from screen.cli import app

    shown = CliRunner().invoke(app, ["explain", str(FIXTURE), "--as-of", "2026-11-20"])
    assert "conditions.hiv: Observation/fhir-0004-comorbid-2026 (2026-11-05)" in shown.stdout
    assert json.loads(FIXTURE.read_text())["resourceType"] == "Bundle"
