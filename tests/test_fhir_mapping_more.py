"""map_patient on small resource lists, under the bundled dictionary or one built here: what
is read (and what is not), each value's source, and the exact note a coordinator reads for
what was left out. Dictionaries of our own say what the bundled one has no row for: a single
(not series) quantity, a number or choice read on its own, a group with integer parts, fields
inside a list, a dictionary without UCUM."""

from __future__ import annotations

from typing import Any

from screen.fhir.bundle import PatientResources
from screen.fhir.mapping import Mapped, map_patient
from screen.load import Criteria
from screen.record.dictionary import Dictionary, DictionaryFile, merge

LOINC, SCT = "http://loinc.org", "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
SYSTEMS = {"loinc": [LOINC], "ucum": [UCUM]}


def _dictionary(*fields: dict[str, Any], systems: dict[str, list[str]] = SYSTEMS) -> Dictionary:
    data = {
        "dictionary": {"id": "test", "title": "a test's own fields", "version": "1"},
        "code_systems": systems,
        "fields": list(fields),
    }
    return merge([(DictionaryFile.model_validate(data), "d", "test.dictionary.yaml")])


def _map(dictionary: Dictionary, *resources: dict[str, Any], vocabulary: Any = None) -> Mapped:
    return map_patient(PatientResources("p", list(resources)), dictionary, vocabulary)


def _obs(ident: str, code: str, day: str | None = "2026-11-01", **value: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": ident,
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "subject": {"reference": "Patient/p"},
        "effectiveDateTime": day,
        **value,
    }


def _sources(mapped: Mapped, path: str) -> list[str]:
    return [str(s) for s in mapped.provenance[path]]


# --- a single quantity (not a series): the latest result, with its one source -------------

POTASSIUM = {
    "path": "potassium",
    "type": "quantity",
    "unit": "mmol/L",
    "codes": {"loinc": "2823-3"},
}


def _potassium(ident: str, day: str, value: float) -> dict[str, Any]:
    quantity = {"value": value, "unit": "mmol/L", "system": UCUM, "code": "mmol/L"}
    return _obs(ident, "2823-3", day, valueQuantity=quantity)


def test_a_single_quantity_is_the_latest_of_three_results_with_its_source() -> None:
    mapped = _map(
        _dictionary(POTASSIUM),
        _potassium("b", "2026-10-01", 4.4),
        _potassium("c", "2026-11-01", 5.1),
        _potassium("a", "2026-09-01", 3.9),
    )
    assert mapped.record == {"potassium": {"value": 5.1, "unit": "mmol/L", "date": "2026-11-01"}}
    assert mapped.provenance == {"potassium": mapped.provenance["potassium"]}
    assert _sources(mapped, "potassium") == ["Observation/c (2026-11-01)"]


def test_a_dictionary_without_ucum_reads_a_quantity_by_its_unit() -> None:
    """No `ucum` code system: a result's `unit` is what it is read in."""
    dictionary = _dictionary(POTASSIUM, systems={"loinc": [LOINC]})
    quantity = {"value": 4.2, "unit": "mmol/L"}
    mapped = _map(dictionary, _obs("k", "2823-3", valueQuantity=quantity))
    assert mapped.record == {"potassium": {"value": 4.2, "unit": "mmol/L", "date": "2026-11-01"}}


# --- the bundled dictionary's lab results: codes, units, limits of normal ------------------


def _anc(**quantity: Any) -> dict[str, Any]:
    return _obs("anc", "751-8", "2026-11-12", valueQuantity=quantity)


def test_a_code_is_matched_whole_not_as_part_of_another(criteria: Criteria) -> None:
    """51-8 is not 751-8 (neutrophils)."""
    observation = _anc(value=2.5, unit="10*9/L", system=UCUM, code="10*9/L")
    observation["code"] = {"coding": [{"system": LOINC, "code": "51-8"}]}
    mapped = _map(criteria.catalog.dictionary, observation)
    assert mapped.record == {}
    assert mapped.notes == []


def test_a_local_unit_code_is_not_read_the_written_unit_is(criteria: Criteria) -> None:
    """`code` is a UCUM code only with the UCUM system; else the `unit` is read."""
    observation = _anc(value=2.5, unit="10*9/L", system="http://lab.example/units", code="K9")
    mapped = _map(criteria.catalog.dictionary, observation)
    assert mapped.record["labs"]["neutrophils"] == [
        {"value": 2.5, "unit": "10*9/L", "date": "2026-11-12"}
    ]


def test_a_unit_of_another_analyte_is_not_a_unit_of_this_one(criteria: Criteria) -> None:
    """IU/L is a spelling of U/L (an enzyme's unit), never a neutrophil count's."""
    mapped = _map(criteria.catalog.dictionary, _anc(value=2.5, unit="IU/L"))
    assert mapped.record == {}
    assert mapped.notes == [
        "labs.neutrophils: Observation/anc: unit 'IU/L' is not a unit of neutrophils, left out"
    ]


def _limits(**limits: Any) -> dict[str, Any]:
    observation = _anc(value=2.5, unit="10*9/L", system=UCUM, code="10*9/L")
    observation["referenceRange"] = [limits]
    return observation


def test_a_lower_limit_without_an_upper_one_is_kept(criteria: Criteria) -> None:
    """No `high`: the `low` is still read; a limit without a unit is in the result's."""
    mapped = _map(criteria.catalog.dictionary, _limits(low={"value": 1.8}))
    [result] = mapped.record["labs"]["neutrophils"]
    assert result == {"value": 2.5, "unit": "10*9/L", "date": "2026-11-12", "lln": 1.8}


def test_a_limit_in_a_unit_not_the_result_s_is_left_out(criteria: Criteria) -> None:
    """An upper limit written in a unit the field does not know is not the result's ULN."""
    limits = _limits(high={"value": 7.5, "unit": "furlongs"}, low={"value": 1.8, "unit": "10^9/L"})
    mapped = _map(criteria.catalog.dictionary, limits)
    [result] = mapped.record["labs"]["neutrophils"]
    assert result == {"value": 2.5, "unit": "10*9/L", "date": "2026-11-12", "lln": 1.8}


# --- integer and number fields read on their own ----------------------------------------


def test_an_integer_field_refuses_a_fraction(criteria: Criteria) -> None:
    """ECOG 1.5 is no ECOG grade: not rounded down to 1."""
    mapped = _map(criteria.catalog.dictionary, _obs("e", "89247-1", valueQuantity={"value": 1.5}))
    assert mapped.record == {}
    assert mapped.notes == ["ecog: Observation/e has no value we read, left out"]


SCORE = {
    "path": "score",
    "type": "number",
    "codes": {"loinc": "S-1"},
    "answers": {"2.5": {"loinc": "LA-25"}},
}
WEIGHT = {
    "path": "weight",
    "type": "number",
    "unit": "kg",
    "accepts": {"[lb_av]": {"multiply": "0.4536"}},
    "codes": {"loinc": "29463-7"},
}


def test_a_number_field_reads_a_quantity() -> None:
    weight = {"value": 70, "unit": "kg", "system": UCUM, "code": "kg"}
    mapped = _map(_dictionary(WEIGHT), _obs("w", "29463-7", valueQuantity=weight))
    assert mapped.record == {"weight": 70.0}
    assert _sources(mapped, "weight") == ["Observation/w (2026-11-01)"]
    assert mapped.notes == []


def test_a_number_field_reads_a_coded_answer_as_a_number() -> None:
    answer = {"coding": [{"system": LOINC, "code": "LA-25"}]}
    mapped = _map(_dictionary(SCORE), _obs("s", "S-1", valueCodeableConcept=answer))
    assert mapped.record == {"score": 2.5}
    assert isinstance(mapped.record["score"], float)


def test_a_reading_without_a_value_is_named_and_the_next_one_read() -> None:
    mapped = _map(
        _dictionary(SCORE),
        _obs("a", "S-1", "2026-11-02", valueString="pending"),
        _obs("b", "S-1", valueQuantity={"value": 3}),
    )
    assert mapped.notes == ["score: Observation/a has no value we read, left out"]
    assert mapped.record == {"score": 3.0}
    assert _sources(mapped, "score") == ["Observation/b (2026-11-01)"]


def test_a_number_s_readings_that_disagree_on_its_latest_day_are_named() -> None:
    mapped = _map(
        _dictionary(SCORE),
        _obs("b", "S-1", valueQuantity={"value": 3}),
        _obs("a", "S-1", valueQuantity={"value": 4}),
    )
    assert mapped.record == {}
    assert mapped.notes == [
        "score: conflicting results on 2026-11-01 (Observation/a, Observation/b), left out"
    ]


def test_a_number_with_a_unit_refuses_a_bare_integer_naming_its_units() -> None:
    mapped = _map(_dictionary(WEIGHT), _obs("w", "29463-7", valueInteger=70))
    assert mapped.record == {}
    assert mapped.notes == [
        "weight: Observation/w: 70.0 with no unit, left out (read in 'kg', '[lb_av]')",
        "weight: Observation/w has no value we read, left out",
    ]


def test_a_bare_integer_beside_a_quantity_is_not_given_the_quantity_s_unit() -> None:
    """An Observation with two values (not valid FHIR): the integer read has no unit of its
    own; it is not 70 lb converted to kg."""
    pounds = {"value": 154, "unit": "[lb_av]", "system": UCUM, "code": "[lb_av]"}
    mapped = _map(_dictionary(WEIGHT), _obs("w", "29463-7", valueInteger=70, valueQuantity=pounds))
    assert mapped.record == {}
    assert mapped.notes == [
        "weight: Observation/w: 70.0 with unit '[lb_av]', left out (read in 'kg', '[lb_av]')",
        "weight: Observation/w has no value we read, left out",
    ]


def test_a_choice_field_reads_only_its_coded_answers() -> None:
    """A stage given as the number 2 is not one of the choices' codes: left out, named."""
    stage = {
        "path": "stage",
        "type": "choice",
        "choices": ["early", "late"],
        "codes": {"loinc": "ST-1"},
        "answers": {"early": {"loinc": "LA-E"}, "late": {"loinc": "LA-L"}},
    }
    mapped = _map(_dictionary(stage), _obs("s", "ST-1", valueInteger=2))
    assert mapped.record == {}
    assert mapped.notes == ["stage: Observation/s has no value we read, left out"]


# --- groups: one Observation's parts -------------------------------------------------------

PULSE = [
    {"path": "pulse", "type": "group", "codes": {"loinc": ["P-1", "R-1", "O-1"]}},
    {"path": "pulse.rate", "type": "integer", "codes": {"loinc": "R-1"}},
    {"path": "pulse.oxygen", "type": "number", "unit": "%", "codes": {"loinc": "O-1"}},
    {"path": "pulse.count", "type": "integer"},
    {"path": "pulse.regular", "type": "yes_no", "answers": {"true": {"loinc": "P-1"}}},
]


def test_a_group_s_integer_part_is_read_from_the_observation_s_own_code() -> None:
    mapped = _map(_dictionary(*PULSE), _obs("r", "R-1", valueInteger=72))
    assert mapped.record == {"pulse": {"rate": 72, "count": 72}}
    assert _sources(mapped, "pulse.rate") == ["Observation/r (2026-11-01)"]


def test_a_group_s_integer_part_is_read_from_a_component() -> None:
    component = {"code": {"coding": [{"system": LOINC, "code": "R-1"}]}, "valueInteger": 64}
    mapped = _map(_dictionary(*PULSE), _obs("p", "P-1", component=[component]))
    assert mapped.record == {"pulse": {"rate": 64}}
    assert mapped.notes == []


def test_a_group_s_part_in_a_unit_it_does_not_know_is_named() -> None:
    """On the Observation itself or in a component: the note names the Observation."""
    furlongs = {"value": 97, "unit": "furlongs"}
    component = {"code": {"coding": [{"system": LOINC, "code": "O-1"}]}, "valueQuantity": furlongs}
    mapped = _map(
        _dictionary(*PULSE),
        _obs("o", "O-1", valueQuantity=furlongs),
        _obs("p", "P-1", component=[component]),
    )
    assert mapped.record == {"pulse": {"count": 97}}  # a part without codes takes the value
    assert mapped.notes == [
        "pulse.oxygen: Observation/o: 97.0 with unit 'furlongs', left out (read in '%')",
        "pulse.oxygen: Observation/p: 97.0 with unit 'furlongs', left out (read in '%')",
    ]


def test_a_group_s_parts_read_with_the_group_are_named_once_when_they_disagree(
    criteria: Criteria,
) -> None:
    """Two systolic pressures of one day: the blood pressure is left out, with one note."""
    mapped = _map(
        criteria.catalog.dictionary,
        _obs("b", "8480-6", valueQuantity={"value": 120, "unit": "mm[Hg]"}),
        _obs("a", "8480-6", valueQuantity={"value": 140, "unit": "mm[Hg]"}),
    )
    assert mapped.record == {}
    assert mapped.notes == [
        "blood_pressure: conflicting results on 2026-11-01 (Observation/a, Observation/b), left out"
    ]


# --- fields inside a list are never read on their own --------------------------------------


def test_fields_inside_a_list_are_not_read_from_observations() -> None:
    dictionary = _dictionary(
        {"path": "visits", "type": "list"},
        {"path": "visits.potassium", **{k: v for k, v in POTASSIUM.items() if k != "path"}},
        {"path": "visits.vitals", "type": "group"},
        {"path": "visits.vitals.score", "type": "number", "codes": {"loinc": "S-1"}},
    )
    mapped = _map(
        dictionary,
        _potassium("k", "2026-11-01", 4.4),
        _obs("s", "S-1", valueQuantity={"value": 3}),
    )
    assert mapped.record == {}
    assert mapped.notes == []


# --- the patient -----------------------------------------------------------------------------


def test_the_patient_s_sex_and_birth_date_only_as_the_record_holds_them(
    criteria: Criteria,
) -> None:
    """A gender not among `sex`'s choices and a birth date without its day are not read; the
    patient id's source is the Patient, without a date."""
    patient = {"resourceType": "Patient", "id": "p", "gender": "other", "birthDate": "1970-05"}
    mapped = _map(criteria.catalog.dictionary, patient)
    assert mapped.record == {"patient_id": "p"}
    assert _sources(mapped, "patient_id") == ["Patient/p"]


# --- conditions ------------------------------------------------------------------------------

HIV = {"system": SCT, "code": "86406008"}


def _condition(ident: str, day: str) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": ident,
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "code": {"coding": [HIV]},
        "subject": {"reference": "Patient/p"},
        "onsetDateTime": day,
    }


def _comorbidities(ident: str, day: str, *urls: str) -> dict[str, Any]:
    return {
        **_obs(ident, "x", day),
        "code": {"coding": [{"system": SCT, "code": "398192003"}]},
        "extension": [
            {"url": MCODE + url, "valueCodeableConcept": {"coding": [HIV]}} for url in urls
        ],
    }


def test_conditions_contradicted_by_a_later_negative_are_all_named(criteria: Criteria) -> None:
    mapped = _map(
        criteria.catalog.dictionary,
        _condition("b", "2025-01-01"),
        _condition("a", "2025-06-01"),
        _comorbidities("o", "2026-11-05", "mcode-related-condition-absent"),
    )
    assert "conditions" not in mapped.record
    assert mapped.notes == [
        "conditions.hiv: Condition/a, Condition/b says present, Observation/o (2026-11-05) "
        "says absent, left out"
    ]


def test_an_observation_saying_present_and_absent_is_named(criteria: Criteria) -> None:
    observation = _comorbidities(
        "o", "2026-11-05", "mcode-related-condition", "mcode-related-condition-absent"
    )
    mapped = _map(criteria.catalog.dictionary, observation)
    assert mapped.record == {}
    assert mapped.notes == ["conditions.hiv: Observation/o says both present and absent, left out"]


# --- medications -----------------------------------------------------------------------------


def _medication(ident: str, **given: Any) -> dict[str, Any]:
    return {
        "resourceType": "MedicationStatement",
        "id": ident,
        "status": "active",
        "subject": {"reference": "Patient/p"},
        **given,
    }


def test_a_medication_without_a_name_is_named_once_and_read_into_no_list(
    criteria: Criteria,
) -> None:
    nameless = _medication("m", medicationCodeableConcept={"coding": [{"code": "123"}]})
    mapped = _map(criteria.catalog.dictionary, nameless, vocabulary=criteria.vocabulary)
    assert mapped.notes == ["MedicationStatement/m: no drug name, left out"]
    assert mapped.medications == []


def test_a_medication_without_dates_is_listed_as_such(criteria: Criteria) -> None:
    drug = _medication("m", medicationCodeableConcept={"text": "tamoxifen"})
    mapped = _map(criteria.catalog.dictionary, drug)
    assert mapped.medications == ["tamoxifen, no date (MedicationStatement/m, active)"]


def test_one_regimen_read_from_the_chart_is_one_entry_not_screened(criteria: Criteria) -> None:
    drug = _medication(
        "m",
        medicationCodeableConcept={"text": "paclitaxel"},
        effectivePeriod={"start": "2026-01-05", "end": "2026-03-30"},
    )
    mapped = _map(criteria.catalog.dictionary, drug, vocabulary=criteria.vocabulary)
    assert len(mapped.record["prior_regimens"]) == 1
    record, notes = mapped.screened()
    assert "prior_regimens" not in record
    assert notes == [
        "prior_regimens: 1 entry read from the chart's medications, not screened: the chart "
        "may not hold them all (screen import writes them; complete the record, then screen it)"
    ]


REGIMENS_IN_A_GROUP = [
    {"path": "history", "type": "group"},
    {
        "path": "history.regimens",
        "type": "list",
        "medications": {
            "read_as": "regimens",
            "classes": ["cytotoxic"],
            "same_course_within_days": 42,
            "join_within_days": 14,
            "fields": {"agents": "agents", "start": "start", "end": "end"},
        },
    },
    {"path": "history.regimens.agents", "type": "drugs"},
    {"path": "history.regimens.start", "type": "date"},
    {"path": "history.regimens.end", "type": "date"},
]
PACLITAXEL = _medication(
    "m",
    medicationCodeableConcept={"text": "paclitaxel"},
    effectivePeriod={"start": "2026-01-05", "end": "2026-03-30"},
)


def test_a_medication_list_inside_a_group_is_named_as_not_screened(criteria: Criteria) -> None:
    """A trial's dictionary may keep its regimens in a group (history.regimens): read from
    the chart all the same, and the coordinator is told they are not screened."""
    mapped = _map(_dictionary(*REGIMENS_IN_A_GROUP), PACLITAXEL, vocabulary=criteria.vocabulary)
    assert len(mapped.record["history"]["regimens"]) == 1
    _, notes = mapped.screened()
    assert [note.split(":")[0] for note in notes] == ["history.regimens"]


def test_a_medication_list_inside_a_group_is_not_screened_either(criteria: Criteria) -> None:
    """The regimens of history.regimens are left out of the record screened, as a top-level
    list is, and the note counts them."""
    mapped = _map(_dictionary(*REGIMENS_IN_A_GROUP), PACLITAXEL, vocabulary=criteria.vocabulary)
    record, notes = mapped.screened()
    assert "history" not in record  # a group with nothing else read is not recorded
    assert mapped.record["history"]["regimens"][0]["agents"] == ["paclitaxel"]  # not changed
    assert notes == [
        "history.regimens: 1 entry read from the chart's medications, not screened: the chart "
        "may not hold them all (screen import writes them; complete the record, then screen it)"
    ]


def test_a_group_keeps_what_else_was_read_into_it_when_its_medication_list_is_left_out() -> None:
    """Only the list leaves the screened record: the group's other fields stay, groups above
    it too, and the mapped record itself is not changed."""
    regimens = [{"agents": ["paclitaxel"], "start": "2026-01-05"}]
    mapped = Mapped(
        "p",
        record={"a": {"b": {"regimens": regimens}, "smoker": False}, "ecog": 1},
        open_lists=["a.b.regimens"],
    )
    record, notes = mapped.screened()
    assert record == {"a": {"smoker": False}, "ecog": 1}
    assert mapped.record["a"]["b"]["regimens"] is regimens
    assert notes[0].startswith("a.b.regimens: 1 entry read from the chart's medications")
