"""Reading FHIR R4 / mCODE: every mapped field from a fixture to its record value, open-world
honesty (nothing false from silence, dropped statuses), units, duplicates and conflicts, and
a Bundle or a bulk folder screened through the same pipeline as YAML."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screen.errors import InputError
from screen.fhir.bundle import PatientResources, read_bulk, read_bundle
from screen.fhir.mapping import Mapped, map_patient
from screen.fhir.read import is_fhir, screen_fhir
from screen.load import Criteria
from screen.paths import display_name
from screen.record.dictionary import DictionaryFile, merge
from screen.screening import screen_data
from tests.conftest import EXAMPLES, ROOT, TODAY

FIXTURES = ROOT / "tests" / "fixtures" / "fhir"
ELIGIBLE = FIXTURES / "eligible.bundle.json"

# What the eligible Bundle gives: field -> record value (each from one resource).
FROM_FHIR: dict[str, Any] = {
    "patient_id": "fhir-0001",
    "sex": "female",
    "birth_date": "1968-04-02",
    "ecog": 1,
    "lvef.percent": 61.0,
    "lvef.method": "ECHO",
    "lvef.date": "2026-11-10",
    "blood_pressure.systolic": 132.0,
    "blood_pressure.diastolic": 84.0,
    "blood_pressure.date": "2026-11-18",
    "labs.neutrophils": [{"value": 3200.0, "unit": "/uL", "date": "2026-11-12"}],
    "labs.platelets": [
        {"value": 21.0, "unit": "10*4/uL", "date": "2026-11-12", "uln": 35.0, "lln": 15.0}
    ],
    "labs.hemoglobin": [{"value": 118.0, "unit": "g/L", "date": "2026-11-12"}],
    "labs.total_bilirubin": [{"value": 12.0, "unit": "umol/L", "date": "2026-11-12", "uln": 21.0}],
    "labs.ast": [{"value": 28.0, "unit": "U/L", "date": "2026-11-12", "uln": 40.0}],
    "labs.alt": [{"value": 31.0, "unit": "U/L", "date": "2026-11-12", "uln": 45.0}],
    "labs.albumin": [{"value": 3.9, "unit": "g/dL", "date": "2026-11-12"}],
    "labs.creatinine": [{"value": 70.7, "unit": "umol/L", "date": "2026-11-12"}],
    "pregnant": False,  # an explicit negative: pregnancy status "not pregnant"
    "pregnancy_test": "negative",
}


def _at(record: dict[str, Any], path: str) -> Any:
    for step in path.split("."):
        if not isinstance(record, dict) or step not in record:
            return None
        record = record[step]
    return record


def _drop(record: dict[str, Any], path: str) -> None:
    *parents, name = path.split(".")
    for step in parents:
        record = record.get(step, {})
    record.pop(name, None)


def _mapped(criteria: Criteria, path: Path = ELIGIBLE) -> Mapped:
    [group] = read_bundle(path)
    return map_patient(group, criteria.catalog.dictionary)


def _without(codes: set[str]) -> PatientResources:
    """The eligible Bundle's patient with every Observation of these codes removed."""
    [group] = read_bundle(ELIGIBLE)
    kept = [
        r
        for r in group.resources
        if not {c["code"] for c in r.get("code", {}).get("coding", [])} & codes
    ]
    return PatientResources(group.patient_id, kept)


def _hand_part(eligible: dict[str, Any]) -> dict[str, Any]:
    """The eligible example without what FHIR gives: what a coordinator fills by hand."""
    hand = copy.deepcopy(eligible)
    for path in FROM_FHIR:
        if path != "patient_id":
            _drop(hand, path)
    return hand


def _merge(hand: dict[str, Any], mapped: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(hand)
    for key, value in mapped.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


@pytest.mark.parametrize("path", FROM_FHIR)
def test_every_mapped_field_from_a_fixture(criteria: Criteria, path: str) -> None:
    mapped = _mapped(criteria)
    assert _at(mapped.record, path) == FROM_FHIR[path]
    assert mapped.provenance[path][0].resource.split("/")[0] in ("Patient", "Observation")
    assert mapped.provenance[path][0].date or path in ("patient_id", "sex", "birth_date")


def test_nothing_else_is_filled_and_nothing_is_false_from_silence(criteria: Criteria) -> None:
    mapped = _mapped(criteria)
    assert set(mapped.provenance) == set(FROM_FHIR)
    # a refuted brain metastasis, a preliminary ECOG, a platelet count entered in error
    assert "breast_cancer" not in mapped.record
    assert any("refuted" in note for note in mapped.notes)
    assert any("preliminary" in note for note in mapped.notes)
    assert any("entered-in-error" in note for note in mapped.notes)


def test_the_bundle_plus_the_hand_filled_fields_is_eligible(
    criteria: Criteria, eligible: dict[str, Any]
) -> None:
    record = _merge(_hand_part(eligible), _mapped(criteria).record)
    report = screen_data(record, "", "fhir", criteria, today=TODAY)
    assert report.verdict == "eligible", [(o.criterion.id, o.status) for o in report.outcomes]


# Each kind of data PRECIOUS reads (albumin is in the dictionary, read by no PRECIOUS criterion).
KINDS = {
    "neutrophils": {"751-8"},
    "platelets": {"777-3"},
    "hemoglobin": {"718-7"},
    "bilirubin": {"1975-2"},
    "ast": {"1920-8"},
    "alt": {"1742-6"},
    "creatinine": {"2160-0"},
    "ecog": {"89247-1"},
    "lvef": {"8806-2"},
    "blood pressure": {"85354-9"},
    "pregnancy": {"82810-3", "2106-3"},
}


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_of_data_removed_is_never_eligible(
    criteria: Criteria, eligible: dict[str, Any], kind: str
) -> None:
    mapped = map_patient(_without(KINDS[kind]), criteria.catalog.dictionary)
    record = _merge(_hand_part(eligible), mapped.record)
    report = screen_data(record, "", "fhir", criteria, today=TODAY)
    assert report.verdict != "eligible"
    assert any(o.status == "unknown" for o in report.outcomes)


def test_brain_metastasis_coded_ecog_and_a_wrong_unit(criteria: Criteria) -> None:
    mapped = _mapped(criteria, FIXTURES / "brain-metastasis.bundle.json")
    assert mapped.record["breast_cancer"] == {"cns_metastases": {"present": True}}
    assert mapped.provenance["breast_cancer.cns_metastases.present"][0].date == "2026-08-02"
    assert mapped.record["ecog"] == 1  # LA9623-5
    assert mapped.record["lvef"] == {"percent": 58.0, "date": "2026-10-20"}  # method unknown
    assert "albumin" not in mapped.record["labs"]
    assert any("unit 'mg' is not a unit of albumin" in note for note in mapped.notes)


def test_duplicates_count_once_and_conflicts_leave_the_field_unknown(criteria: Criteria) -> None:
    mapped = _mapped(criteria, FIXTURES / "conflicts.bundle.json")
    labs = mapped.record["labs"]
    assert len(labs["neutrophils"]) == 1
    assert "platelets" not in labs  # the older 250 must not stand in for a disputed latest
    assert "hemoglobin" not in labs  # no unit
    assert any("conflicting results on 2026-11-09" in note for note in mapped.notes)
    assert any("no unit" in note for note in mapped.notes)


def test_a_bundle_is_screened_with_its_notes(criteria: Criteria) -> None:
    assert is_fhir(ELIGIBLE) and is_fhir(FIXTURES / "bulk")
    assert not is_fhir(EXAMPLES / "eligible.yaml")
    [report] = screen_fhir(ELIGIBLE, criteria, today=TODAY)
    assert report.patient_id == "fhir-0001"
    assert report.verdict == "incomplete"  # life expectancy, consent, ... are not in FHIR
    assert any("refuted" in w.message for w in report.warnings)


def test_an_incomplete_searchset_is_refused(criteria: Criteria) -> None:
    with pytest.raises(InputError, match="next"):
        read_bundle(FIXTURES / "searchset-page.bundle.json")
    [report] = screen_fhir(FIXTURES / "searchset-page.bundle.json", criteria, today=TODAY)
    assert report.verdict == "error"


def test_not_a_bundle_is_one_clear_error(criteria: Criteria, tmp_path: Path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text('{"resourceType": "Bundle", "entry": [')
    [report] = screen_fhir(bad, criteria, today=TODAY)
    assert report.verdict == "error" and "JSON" in report.problems[0].message


def test_a_malformed_resource_is_left_out_not_the_bundle(
    criteria: Criteria, tmp_path: Path
) -> None:
    data = json.loads(ELIGIBLE.read_text())
    data["entry"][2]["resource"]["valueQuantity"] = "lots"  # the neutrophils
    path = tmp_path / "b.json"
    path.write_text(json.dumps(data))
    mapped = _mapped(criteria, path)
    assert "neutrophils" not in mapped.record["labs"]
    assert any("malformed" in note for note in mapped.notes)
    assert mapped.record["labs"]["platelets"]


def _summary(report: Any) -> Any:
    return (
        report.patient_id,
        report.verdict,
        [(o.criterion.id, o.status) for o in report.outcomes],
    )


def test_a_bulk_folder_equals_each_bundle_alone(criteria: Criteria) -> None:
    bulk = {
        r.patient_id: _summary(r) for r in screen_fhir(FIXTURES / "bulk", criteria, today=TODAY)
    }
    alone = {}
    for name in ("eligible", "brain-metastasis", "conflicts"):
        [report] = screen_fhir(FIXTURES / f"{name}.bundle.json", criteria, today=TODAY)
        alone[report.patient_id] = _summary(report)
    assert bulk == alone and len(bulk) == 3
    groups = {g.patient_id: len(g.resources) for g in read_bulk(FIXTURES / "bulk")}
    assert groups == {
        g.patient_id: len(g.resources)
        for name in ("eligible", "brain-metastasis", "conflicts")
        for g in read_bundle(FIXTURES / f"{name}.bundle.json")
    }


def test_codes_of_an_unknown_system_are_refused() -> None:
    file = DictionaryFile.model_validate(
        {
            "dictionary": {"id": "x", "title": "x", "version": "1"},
            "fields": [{"path": "ecog", "type": "integer", "codes": {"nosuch": "1"}}],
        }
    )
    with pytest.raises(InputError, match="nosuch"):
        merge([(file, "", "x.yaml")])


def test_answers_name_only_the_fields_choices() -> None:
    with pytest.raises(ValueError, match="answers"):
        DictionaryFile.model_validate(
            {
                "dictionary": {"id": "x", "title": "x", "version": "1"},
                "fields": [
                    {"path": "m", "type": "choice", "choices": ["A"], "answers": {"B": {"l": "1"}}}
                ],
            }
        )


def test_the_prefilled_record_reads_back_as_mapped(criteria: Criteria, tmp_path: Path) -> None:
    from screen.fhir.prefill import import_exports
    from screen.record import yamlio

    dictionary = criteria.catalog.dictionary
    written, problems = import_exports([ELIGIBLE], dictionary, ["JBCRG-M05"], tmp_path)
    assert problems == [] and [p.name for p in written] == ["fhir-0001.yaml"]
    text = written[0].read_text()
    data = yamlio.parse_mapping(text, "x.yaml")
    mapped = _mapped(criteria)
    report = screen_data(data, text, "x.yaml", criteria, today=TODAY)
    assert report.verdict == "incomplete"
    for path, value in FROM_FHIR.items():
        assert json.dumps(_at(data, path), default=str) == json.dumps(value), path
    assert "lvef:\n  percent: 61.0  # from Observation/fhir-0001-lvef (2026-11-10)" in text
    assert "life_expectancy_months:  # fill by hand:" in text
    assert "refuted, left out" in text and mapped.notes
    # never overwritten: a second import is refused for that patient
    again, problems = import_exports([ELIGIBLE], dictionary, [], tmp_path)
    assert again == [] and "already exists" in problems[0].message


def test_import_of_a_bulk_folder_writes_each_patient_and_reports_bad_exports(
    criteria: Criteria, tmp_path: Path
) -> None:
    from screen.fhir.prefill import import_exports

    bad = tmp_path / "bad.json"
    bad.write_text("{")
    out = tmp_path / "out"
    written, problems = import_exports(
        [bad, FIXTURES / "bulk"], criteria.catalog.dictionary, [], out
    )
    assert sorted(p.name for p in written) == ["fhir-0001.yaml", "fhir-0002.yaml", "fhir-0003.yaml"]
    assert len(problems) == 1 and "bad.json" in str(problems[0])


def test_text_from_the_export_cannot_break_out_of_a_comment() -> None:
    from screen.fhir.prefill import comment, file_name

    assert "\n" not in comment("Observation/x\nscreening_date: 2020-01-01")
    assert file_name("../../etc/passwd") == "_.._etc_passwd.yaml".lstrip(".")
    assert "/" not in file_name("a/b") and not file_name("..x").startswith(".")


def _run(*args: str) -> Any:
    from typer.testing import CliRunner

    from screen.cli import app

    return CliRunner().invoke(app, list(args))


def test_check_reads_a_bundle_and_a_bulk_folder() -> None:
    one = _run("check", str(ELIGIBLE), "-f", "json", "--as-of", "2026-11-20")
    assert one.exit_code == 1, one.output
    report = json.loads(one.stdout)
    assert report["patient_id"] == "fhir-0001" and report["verdict"] == "incomplete"
    assert any("refuted" in w["message"] for w in report["warnings"])
    bulk = _run("check", str(FIXTURES / "bulk"), "-f", "csv", "--as-of", "2026-11-20")
    assert bulk.exit_code == 1
    rows = bulk.stdout.strip().splitlines()[1:]
    assert [row.split(",")[0] for row in rows] == ["fhir-0001", "fhir-0002", "fhir-0003"]


def test_check_refuses_an_incomplete_searchset_and_mixed_input() -> None:
    page = _run("check", str(FIXTURES / "searchset-page.bundle.json"), "-f", "json")
    assert page.exit_code == 3 and "next" in page.stdout
    mixed = _run("check", str(ELIGIBLE), str(EXAMPLES / "eligible.yaml"))
    assert mixed.exit_code == 2 and "separate runs" in mixed.stderr


def test_explain_names_the_resource_each_value_came_from() -> None:
    shown = _run("explain", str(ELIGIBLE), "--as-of", "2026-11-20")
    assert shown.exit_code == 1
    assert "Values read from FHIR" in shown.stdout
    assert "lvef.percent: Observation/fhir-0001-lvef (2026-11-10)" in shown.stdout


def test_import_writes_prefilled_records(tmp_path: Path) -> None:
    done = _run("import", str(FIXTURES / "bulk"), "--output-dir", str(tmp_path / "out"))
    assert done.exit_code == 0, done.output
    assert "wrote 3 prefilled record(s)" in done.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "fhir-0001.yaml",
        "fhir-0002.yaml",
        "fhir-0003.yaml",
    ]
    again = _run("import", str(ELIGIBLE), "--output-dir", str(tmp_path / "out"))
    assert again.exit_code == 3 and "already exists" in again.stderr


PUBLISHED = FIXTURES / "mcode-trial-matching"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "TrialMatching_Patient01.json",
            {
                "patient_id": "mCODETrialMatchingPatientExample01",
                "sex": "female",
                "birth_date": "1959-01-01",
                "breast_cancer": {"liver_metastases": True},
                "ecog": 1,
            },
        ),
        (
            "TrialMatching_Patient02.json",
            {
                "patient_id": "mCODETrialMatchingPatientExample02",
                "sex": "female",
                "birth_date": "1973-01-01",
                "ecog": 1,
            },
        ),
    ],
)
def test_published_mcode_patients_read_whole_and_nothing_invented(
    criteria: Criteria, name: str, expected: dict[str, Any]
) -> None:
    # transaction Bundles with narrative, extensions, staging, genomics and medications:
    # what we read is read; a HER2 test reported only as Negative gives no IHC score
    mapped = _mapped(criteria, PUBLISHED / name)
    assert mapped.record == expected
    assert mapped.notes == []
    [report] = screen_fhir(PUBLISHED / name, criteria, today=TODAY)
    assert report.verdict == "incomplete"


@given(st.randoms(use_true_random=False), st.sets(st.integers(0, 40)))
@settings(max_examples=60, deadline=None)
def test_order_never_matters_and_nothing_comes_without_a_source(
    criteria: Criteria, rng: Any, dropped: set[int]
) -> None:
    """Shuffled, and with any resources missing, the record holds only values of the full
    Bundle's resources (or fewer), each with its source, whatever the order."""
    [group] = read_bundle(FIXTURES / "conflicts.bundle.json")
    [full] = read_bundle(ELIGIBLE)
    resources = [r for i, r in enumerate(full.resources + group.resources[1:]) if i not in dropped]
    dictionary = criteria.catalog.dictionary
    first = map_patient(PatientResources("p", resources), dictionary)
    rng.shuffle(resources)
    second = map_patient(PatientResources("p", resources), dictionary)
    assert first.record == second.record
    assert sorted(first.notes) == sorted(second.notes)
    for path in first.provenance:
        assert _at(first.record, path) is not None


def test_the_drug_history_is_listed_for_people(criteria: Criteria, tmp_path: Path) -> None:
    from screen.fhir.prefill import prefilled_record

    mapped = _mapped(criteria)
    assert len(mapped.medications) == 6  # the lapatinib entered in error is left out
    assert any(
        "MedicationStatement/fhir-0001-err: status entered-in-error" in n for n in mapped.notes
    )
    assert not {"prior_regimens", "anthracyclines", "corticosteroids"} & set(mapped.record)
    text = prefilled_record(mapped, criteria.catalog.dictionary, "x", [])
    listed = [line for line in text.splitlines() if line.startswith("#   ")]
    assert listed[0].startswith("#   pertuzumab, 2023-02-01 to 2024-03-15 (MedicationStatement/")
    assert listed[-1].startswith("#   dexamethasone 4 mg oral, 2026-10-01 to 2026-10-03")
    assert "trastuzumab emtansine, 2024-04-01 to 2025-06-30 (MedicationAdministration/" in text
    assert "prior_regimens:  # fill by hand" in text
    published = _mapped(criteria, PUBLISHED / "TrialMatching_Patient02.json")
    assert len(published.medications) == 11


@pytest.mark.parametrize("path", ["labs.neutrophils", "lvef.percent"])
def test_a_bound_is_not_a_result(criteria: Criteria, tmp_path: Path, path: str) -> None:
    """'<1.5' must never be read as 1.5 (it would pass a '< 1.5 excludes' rule)."""
    data = json.loads(ELIGIBLE.read_text())
    ids = {"labs.neutrophils": "fhir-0001-anc", "lvef.percent": "fhir-0001-lvef"}
    for entry in data["entry"]:
        if entry["resource"]["id"] == ids[path]:
            entry["resource"]["valueQuantity"]["comparator"] = "<"
    bundle = tmp_path / "b.json"
    bundle.write_text(json.dumps(data))
    mapped = _mapped(criteria, bundle)
    assert _at(mapped.record, path) is None
    assert _at(_mapped(criteria).record, path) is not None


@pytest.mark.parametrize(
    ("resource", "answer", "path", "expected"),
    [
        ("fhir-0001-preg", "77386006", "pregnant", True),
        ("fhir-0001-preg", "60001007", "pregnant", False),
        ("fhir-0001-preg", "261665006", "pregnant", None),  # unknown: no answer of ours
        ("fhir-0001-hcg", "10828004", "pregnancy_test", "positive"),
        ("fhir-0001-hcg", "260385009", "pregnancy_test", "negative"),
    ],
)
def test_coded_answers_only_as_the_dictionary_maps_them(
    criteria: Criteria, tmp_path: Path, resource: str, answer: str, path: str, expected: Any
) -> None:
    data = json.loads(ELIGIBLE.read_text())
    for entry in data["entry"]:
        if entry["resource"]["id"] == resource:
            entry["resource"]["valueCodeableConcept"]["coding"][0]["code"] = answer
    bundle = tmp_path / "b.json"
    bundle.write_text(json.dumps(data))
    assert _mapped(criteria, bundle).record.get(path) == expected
    assert "pregnant" not in _mapped(criteria, FIXTURES / "brain-metastasis.bundle.json").record


@pytest.mark.parametrize(
    "content",
    [
        b'{"resourceType": "Bundle", "entry": [',
        b'{"resourceType": "Bundle", "entry": [], "x": NaN}',
        b'{"resourceType": "Bundle", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"resourceType": "Bundle", "x": "\xff\xfe"}',
        b'{"resourceType": "Bundle", "entry": {"not": "a list"}}',
    ],
)
def test_a_hostile_bundle_is_one_clear_error(
    criteria: Criteria, tmp_path: Path, content: bytes
) -> None:
    bundle = tmp_path / "hostile.json"
    bundle.write_bytes(content)
    [report] = screen_fhir(bundle, criteria, today=TODAY)
    assert report.verdict == "error"
    assert "\n" not in report.problems[0].message


@pytest.mark.parametrize(
    "line", [b"{not json", b'{"resourceType": "Patient", "id": "\xff"}', b"NaN"]
)
def test_a_bad_ndjson_line_is_refused_with_its_line(
    criteria: Criteria, tmp_path: Path, line: bytes
) -> None:
    folder = tmp_path / "bulk"
    folder.mkdir()
    (folder / "Patient.000.ndjson").write_bytes(
        b'{"resourceType": "Patient", "id": "a"}\n' + line + b"\n"
    )
    [report] = screen_fhir(folder, criteria, today=TODAY)
    assert report.verdict == "error"
    assert report.problems[0].line == 2


def test_a_patient_without_an_id_is_not_a_record(criteria: Criteria, tmp_path: Path) -> None:
    bundle = tmp_path / "b.json"
    bundle.write_text(
        '{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Patient"}}]}'
    )
    [report] = screen_fhir(bundle, criteria, today=TODAY)
    assert report.verdict == "error" and "no Patient" in report.problems[0].message


def test_a_systolic_and_a_diastolic_of_one_day_make_one_reading(
    criteria: Criteria, tmp_path: Path
) -> None:
    data = json.loads(ELIGIBLE.read_text())
    [bp] = [e for e in data["entry"] if e["resource"]["id"] == "fhir-0001-bp"]
    data["entry"].remove(bp)
    for part in bp["resource"]["component"]:
        resource = {**bp["resource"], "id": "bp-" + part["code"]["coding"][0]["code"]}
        resource.pop("component")
        resource["code"], resource["valueQuantity"] = part["code"], part["valueQuantity"]
        data["entry"].append({"resource": resource})
    bundle = tmp_path / "b.json"
    bundle.write_text(json.dumps(data))
    mapped = _mapped(criteria, bundle)
    assert mapped.record["blood_pressure"] == {
        "systolic": 132.0,
        "diastolic": 84.0,
        "date": "2026-11-18",
    }
    assert len(mapped.provenance["blood_pressure.date"]) == 2
    # the same day's LVEF twice with different values is still a conflict
    [lvef] = [e for e in data["entry"] if e["resource"]["id"] == "fhir-0001-lvef"]
    other = json.loads(json.dumps(lvef))
    other["resource"]["id"], other["resource"]["valueQuantity"]["value"] = "lvef-2", 40
    data["entry"].append(other)
    bundle.write_text(json.dumps(data))
    mapped = _mapped(criteria, bundle)
    assert "lvef" not in mapped.record
    assert any(n.startswith("lvef: conflicting results on 2026-11-10") for n in mapped.notes)


PRECIOUS = str(ROOT / "criteria" / "precious.yaml")
DESTINY = str(ROOT / "criteria" / "destiny-breast03.yaml")


def _lines(*args: str) -> list[dict[str, Any]]:
    done = _run("check", *args, "-f", "jsonl", "--as-of", "2026-11-20")
    assert done.exit_code in (0, 1), done.output
    return [json.loads(line) for line in done.stdout.splitlines()]


def _results(report: dict[str, Any]) -> Any:
    return (
        report["patient_id"],
        report["criteria_set"]["id"],
        report["verdict"],
        [(r["id"], r["status"]) for r in report["results"]],
        report["eligible_from"],
        sorted(w["message"] for w in report["warnings"]),
    )


def test_a_bulk_folder_through_the_workers_equals_one_process_and_each_bundle_alone() -> None:
    bulk = str(FIXTURES / "bulk")
    two = _lines(bulk, "--workers", "2")
    one = _lines(bulk, "--workers", "1")
    assert [_results(r) for r in two] == [_results(r) for r in one] and len(two) == 3
    alone = [
        _results(report)
        for name in ("eligible", "brain-metastasis", "conflicts")
        for report in _lines(str(FIXTURES / f"{name}.bundle.json"))
    ]
    assert sorted(_results(r) for r in two) == sorted(alone)
    assert [r["source"] for r in two] == [
        f"{display_name(bulk)}#Patient/fhir-000{n}" for n in (1, 2, 3)
    ]


def test_two_criteria_sets_on_a_bundle_give_one_report_per_trial() -> None:
    reports = _lines(str(ELIGIBLE), "--criteria", PRECIOUS, "--criteria", DESTINY)
    assert [r["criteria_set"]["id"] for r in reports] == ["JBCRG-M05", "DS8201-A-U302"]
    assert {r["patient_id"] for r in reports} == {"fhir-0001"}
    # each trial's report equals screening the Bundle against that trial alone
    for report, criteria in zip(reports, (PRECIOUS, DESTINY), strict=True):
        [alone] = _lines(str(ELIGIBLE), "--criteria", criteria)
        assert _results(report) == _results(alone)
    csv = _run(
        "check",
        str(FIXTURES / "bulk"),
        "--criteria",
        PRECIOUS,
        "--criteria",
        DESTINY,
        "-f",
        "csv",
        "-w",
        "2",
        "--as-of",
        "2026-11-20",
    )
    header, *rows = csv.stdout.strip().splitlines()
    assert header.endswith(",criteria_set") and len(rows) == 6
    assert [row.rsplit(",", 1)[1] for row in rows] == ["JBCRG-M05", "DS8201-A-U302"] * 3
    table = _run("check", str(ELIGIBLE), "--criteria", PRECIOUS, "--criteria", DESTINY)
    assert "JBCRG-M05" in table.stdout and "DS8201-A-U302" in table.stdout


def test_explain_of_a_bundle_against_two_trials_names_the_sources() -> None:
    shown = _run(
        "explain",
        str(ELIGIBLE),
        "--criteria",
        PRECIOUS,
        "--criteria",
        DESTINY,
        "--as-of",
        "2026-11-20",
    )
    assert shown.exit_code == 1, shown.output
    assert "JBCRG-M05" in shown.stdout and "DS8201-A-U302" in shown.stdout
    assert "lvef.percent: Observation/fhir-0001-lvef (2026-11-10)" in shown.stdout


def test_a_patient_in_two_exports_or_an_export_given_twice_is_flagged() -> None:
    bulk = str(FIXTURES / "bulk")
    twice = _lines(str(ELIGIBLE), bulk, str(ELIGIBLE), "-w", "2")
    assert len(twice) == 5
    assert any("is also in" in w["message"] for w in twice[1]["warnings"])
    assert any("given twice" in w["message"] for w in twice[4]["warnings"])
    assert not any("also in" in w["message"] for w in twice[0]["warnings"])


def test_an_unreadable_export_is_an_error_row_and_the_others_are_screened(
    tmp_path: Path,
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"resourceType": "Bundle", "entry": [')
    done = _run("check", str(bad), str(FIXTURES / "bulk"), "-f", "csv", "-w", "2")
    assert done.exit_code == 3
    rows = done.stdout.strip().splitlines()[1:]
    assert len(rows) == 4 and ",error," in rows[0]
    assert all(",error," not in row for row in rows[1:])


def test_fhir_patients_go_to_worker_processes(criteria: Criteria) -> None:
    from screen.batch import Batch, Job
    from screen.fhir.read import fhir_patients
    from screen.render.jsonout import render_jsonl
    from screen.trials import trials_of

    job = Job(trials_of([criteria]), None, TODAY, render_jsonl)
    items = [*fhir_patients(FIXTURES / "bulk"), *fhir_patients(ELIGIBLE)]
    with Batch(job, 2) as pool:
        assert pool._pool is not None  # really other processes, not this one
        parallel = list(pool.screen(items))
    with Batch(job, 1) as alone:
        serial = list(alone.screen(items))
    assert parallel == serial and len(parallel) == 4
    assert [s.patient_id for s in parallel] == ["fhir-0001", "fhir-0002", "fhir-0003", "fhir-0001"]
    warnings = [w["message"] for w in json.loads(parallel[3].rendered)["warnings"]]
    assert any("is also in" in message for message in warnings)


UCUM = "http://unitsofmeasure.org"


@pytest.mark.parametrize(
    ("quantity", "percent", "in6", "note"),
    [
        ({"value": 0.61, "system": UCUM, "code": "1"}, 61.0, "pass", None),  # a fraction
        ({"value": 0.61, "unit": "1"}, 61.0, "pass", None),  # the same, UCUM unit as text
        ({"value": 61, "system": UCUM, "code": "%"}, 61.0, "pass", None),
        ({"value": 0.61}, None, "unknown", "0.61 with no unit"),  # a fraction or a percent?
        ({"value": 61}, None, "unknown", "61.0 with no unit"),
        ({"value": 61, "system": UCUM, "code": "mL"}, None, "unknown", "61.0 with unit 'mL'"),
    ],
)
def test_an_lvef_as_a_fraction_is_a_percent_and_a_bare_number_is_no_value(
    criteria: Criteria,
    eligible: dict[str, Any],
    tmp_path: Path,
    quantity: dict[str, Any],
    percent: float | None,
    in6: str,
    note: str | None,
) -> None:
    data = json.loads(ELIGIBLE.read_text())
    for entry in data["entry"]:
        if entry["resource"]["id"] == "fhir-0001-lvef":
            entry["resource"]["valueQuantity"] = quantity
    bundle = tmp_path / "b.json"
    bundle.write_text(json.dumps(data))
    mapped = _mapped(criteria, bundle)
    assert _at(mapped.record, "lvef.percent") == percent
    if note is not None:
        assert "lvef" not in mapped.record  # nor its method and date alone
        assert any(
            n.startswith(f"lvef.percent: Observation/fhir-0001-lvef: {note}") for n in mapped.notes
        )
    record = _merge(_hand_part(eligible), mapped.record)
    report = screen_data(record, "", "fhir", criteria, today=TODAY)
    assert {o.criterion.id: o.status for o in report.outcomes}["IN6"] == in6
    assert (report.verdict == "eligible") == (in6 == "pass")


SYNTHEA = FIXTURES / "synthea-bulk"


def test_a_synthea_bulk_excerpt_screens_in_one_batch_as_each_patient_alone(
    tmp_path: Path,
) -> None:
    """Published Synthea patients (not breast-cancer patients): no error row, never eligible,
    and each patient's result through the workers equals its own Bundle screened alone."""
    batch = _lines(str(SYNTHEA), "--workers", "2")
    assert len(batch) == 4
    assert {r["verdict"] for r in batch} <= {"ineligible", "incomplete"}
    for report in batch:
        [group] = [g for g in read_bulk(SYNTHEA) if g.patient_id == report["patient_id"]]
        bundle = tmp_path / f"{group.patient_id}.json"
        entries = [{"resource": resource} for resource in group.resources]
        bundle.write_text(
            json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries})
        )
        [alone] = _lines(str(bundle))
        assert _results(alone) == _results(report)
    assert any(r["verdict"] == "ineligible" for r in batch)  # the man: IN5 fails


def test_a_synthea_chart_gives_only_what_it_says(criteria: Criteria) -> None:
    """140 Conditions (none of our codes) and 41 prescriptions (none a cancer drug): the
    record is the patient's identity, nothing made up from silence."""
    for group in read_bulk(SYNTHEA):
        mapped = map_patient(group, criteria.catalog.dictionary)
        assert set(mapped.record) == {"patient_id", "sex", "birth_date"}
        assert mapped.notes == []
        # with the drug vocabulary: contraceptives, statins, analgesics are in no list
        drugs = map_patient(group, criteria.catalog.dictionary, criteria.vocabulary)
        assert drugs.record == mapped.record
        assert [n for n in drugs.notes if "not in the drug vocabulary" not in n] == []


MEDICATED = FIXTURES / "medications.bundle.json"


def _medicated(criteria: Criteria, path: Path = MEDICATED, dictionary: Any = None) -> Mapped:
    [group] = read_bundle(path)
    return map_patient(group, dictionary or criteria.catalog.dictionary, criteria.vocabulary)


def test_medications_are_read_into_regimens_doses_and_courses(criteria: Criteria) -> None:
    mapped = _medicated(criteria)
    assert mapped.record["prior_regimens"] == [
        # four AC cycles three weeks apart: one course each, started together: one regimen;
        # ondansetron (supportive) set aside; no setting: the chart does not say it
        {
            "agents": ["cyclophosphamide", "doxorubicin hydrochloride"],
            "start": "2020-01-06",
            "end": "2020-03-09",
        },
        {"agents": ["Herceptin", "paclitaxel"], "start": "2020-03-30", "end": "2021-03-29"},
    ]
    # 96 mg / 1.6 m2 = 60 mg/m2, four times
    assert mapped.record["anthracyclines"] == [
        {"agent": "doxorubicin hydrochloride", "cumulative_dose_mg_m2": 240.0}
    ]
    assert mapped.record["corticosteroids"] == [
        {
            "agent": "prednisolone",
            "start": "2026-06-01",
            "ongoing": True,
            "route": "oral",
            "daily_dose_mg": 10.0,  # 5 mg twice a day
        }
    ]
    sources = {path: [str(s) for s in found] for path, found in mapped.provenance.items()}
    assert sources["prior_regimens.1"] == [
        "MedicationStatement/fhir-0004-her (2020-03-30)",
        "MedicationStatement/fhir-0004-pac (2020-03-30)",
    ]
    assert len(sources["prior_regimens.0"]) == 8 and len(sources["anthracyclines.0"]) == 4
    assert sources["corticosteroids.0"] == ["MedicationRequest/fhir-0004-pred (2026-06-01)"]
    assert any("Acetaminophen 325 MG Oral Tablet" in note for note in mapped.notes)
    without = map_patient(read_bundle(MEDICATED)[0], criteria.catalog.dictionary)
    assert not {"prior_regimens", "anthracyclines", "corticosteroids"} & set(without.record)


def _dox(data: dict[str, Any], cycle: int) -> dict[str, Any]:
    [found] = [
        e["resource"] for e in data["entry"] if e["resource"]["id"] == f"fhir-0004-dox-{cycle}"
    ]
    return found


def _no_dose(data: dict[str, Any]) -> None:
    del _dox(data, 2)["dosage"]["dose"]


def _old_area(data: dict[str, Any]) -> None:  # cycle 3's nearest area is 21 days before it
    data["entry"] = [e for e in data["entry"] if e["resource"]["id"] != "fhir-0004-bsa-3"]


def _per_area(data: dict[str, Any]) -> None:  # doses written per m2: no area needed
    data["entry"] = [e for e in data["entry"] if "-bsa-" not in e["resource"]["id"]]
    for cycle in (1, 2, 3, 4):
        dose = _dox(data, cycle)["dosage"]["dose"]
        dose.update(value=60, unit="mg/m2", code="mg/m2")


def _statement(data: dict[str, Any]) -> None:  # a use with no dose given: the total is open
    earlier = copy.deepcopy(_dox(data, 1))
    earlier.update(resourceType="MedicationStatement", id="fhir-0004-dox-0")
    earlier.pop("dosage")
    earlier["effectiveDateTime"] = "2015-05-01"
    data["entry"].append({"resource": earlier})


def _in_grams(data: dict[str, Any]) -> None:
    _dox(data, 4)["dosage"]["dose"].update(value=0.096, unit="g", code="g")


@pytest.mark.parametrize(
    ("change", "total", "why"),
    [
        (_no_dose, None, "fhir-0004-dox-2 has no dose"),
        (_old_area, None, "fhir-0004-dox-3 has no body surface area within 7 days"),
        (_per_area, 240.0, None),
        (_statement, None, "fhir-0004-dox-0 is not an administration"),
        (_in_grams, None, "fhir-0004-dox-4 has a dose in g"),
    ],
)
def test_a_cumulative_dose_only_from_administrations_with_a_dose_and_an_area(
    criteria: Criteria, tmp_path: Path, change: Any, total: float | None, why: str | None
) -> None:
    data = json.loads(MEDICATED.read_text())
    change(data)
    bundle = tmp_path / "b.json"
    bundle.write_text(json.dumps(data))
    mapped = _medicated(criteria, bundle)
    [entry] = mapped.record["anthracyclines"]
    assert entry.get("cumulative_dose_mg_m2") == total and entry["agent"]
    if why is not None:
        assert any(why in note and "cumulative dose is unknown" in note for note in mapped.notes)
        # EX5 on that record stays unknown, never a pass
        record = {"patient_id": "x", "anthracyclines": mapped.record["anthracyclines"]}
        report = screen_data(record, "", "fhir", criteria, today=TODAY)
        assert {o.criterion.id: o.status for o in report.outcomes}["EX5"] == "unknown"


def test_the_grouping_rule_is_data(criteria: Criteria) -> None:
    """The same chart under a dictionary whose courses end at once: every AC cycle is a
    regimen of its own (nothing about the grouping is in Python)."""
    import dataclasses

    dictionary = criteria.catalog.dictionary
    spec = dictionary.fields["prior_regimens"]
    assert spec.medications is not None
    reading = spec.medications.model_copy(update={"same_course_within_days": 0})
    fields = {
        **dictionary.fields,
        "prior_regimens": spec.model_copy(update={"medications": reading}),
    }
    strict = dataclasses.replace(dictionary, fields=fields)
    regimens = _medicated(criteria, dictionary=strict).record["prior_regimens"]
    assert [r["start"] for r in regimens] == [
        "2020-01-06",
        "2020-01-27",
        "2020-02-17",
        "2020-03-09",
        "2020-03-30",
    ]


def test_a_route_the_dictionary_does_not_map_is_left_empty(
    criteria: Criteria, tmp_path: Path
) -> None:
    data = json.loads(MEDICATED.read_text())
    for entry in data["entry"]:
        if entry["resource"]["id"] == "fhir-0004-pred":
            entry["resource"]["dosageInstruction"][0]["route"]["coding"][0]["code"] = "447694001"
            entry["resource"]["dosageInstruction"][0]["timing"]["repeat"]["periodUnit"] = "wk"
    bundle = tmp_path / "b.json"
    bundle.write_text(json.dumps(data))
    [course] = _medicated(criteria, bundle).record["corticosteroids"]
    assert "route" not in course and "daily_dose_mg" not in course  # not daily: no daily dose
    assert course["ongoing"] is True


def test_regimens_from_the_chart_with_no_setting_are_never_eligible(
    criteria: Criteria, eligible: dict[str, Any]
) -> None:
    """The eligible patient's own chart: its drug history read into the record gives
    regimens without a setting, so IN3 stays unknown; once the coordinator enters the
    setting the record is eligible."""
    [group] = read_bundle(ELIGIBLE)
    mapped = map_patient(group, criteria.catalog.dictionary, criteria.vocabulary)
    assert [r["agents"] for r in mapped.record["prior_regimens"]] == [
        ["docetaxel", "pertuzumab", "trastuzumab"],
        ["trastuzumab emtansine"],
        ["Xeloda"],
    ]
    assert mapped.record["corticosteroids"] == [
        {"agent": "dexamethasone", "start": "2026-10-01", "end": "2026-10-03"}
    ]
    hand = _hand_part(eligible)
    for field in ("prior_regimens", "corticosteroids"):
        hand.pop(field)
    record = _merge(hand, mapped.record)
    report = screen_data(record, "", "fhir", criteria, today=TODAY)
    assert report.verdict != "eligible"
    assert {o.criterion.id: o.status for o in report.outcomes}["IN3"] == "unknown"
    for regimen in record["prior_regimens"]:
        regimen["setting"] = "advanced"
    assert screen_data(record, "", "fhir", criteria, today=TODAY).verdict == "eligible"


def test_check_leaves_lists_from_the_chart_unscreened_and_import_writes_them(
    tmp_path: Path,
) -> None:
    """A chart may not hold every regimen: `check` does not screen the lists it read (the
    criteria they decide stay unknown) and says so; `import` writes them, each entry with
    its sources, for the coordinator to complete."""
    [report] = _lines(str(MEDICATED))
    statuses = {r["id"]: r["status"] for r in report["results"]}
    assert statuses["IN3"] == statuses["EX1"] == statuses["EX5"] == statuses["EX20"] == "unknown"
    assert any(
        w["message"].startswith("prior_regimens: 2 entries read from the chart's medications")
        for w in report["warnings"]
    )
    done = _run("import", str(MEDICATED), "--output-dir", str(tmp_path))
    assert done.exit_code == 0, done.output
    text = (tmp_path / "fhir-0004.yaml").read_text()
    assert (
        "prior_regimens:  # read from the chart: check it is complete; fill by hand: setting\n"
        in text
    )
    assert (
        "  - {agents: [Herceptin, paclitaxel], start: 2020-03-30, end: 2021-03-29}  "
        "# from MedicationStatement/fhir-0004-her (2020-03-30), MedicationStatement/fhir-0004-pac (2020-03-30)"
    ) in text
    assert "  - {agent: doxorubicin hydrochloride, cumulative_dose_mg_m2: 240.0}  # from" in text
    record = _run("check", str(tmp_path / "fhir-0004.yaml"), "-f", "json", "--as-of", "2026-11-20")
    assert record.exit_code == 1, record.output  # read back valid; incomplete, not an error
    results = {r["id"]: r["status"] for r in json.loads(record.stdout)["results"]}
    assert results["IN3"] == "fail"  # never pertuzumab: decided whatever the setting
    assert results["EX5"] == "pass"  # 240 mg/m2 doxorubicin: under every limit


def test_a_malformed_medication_date_is_left_out_not_the_patient(
    criteria: Criteria, tmp_path: Path
) -> None:
    data = json.loads(MEDICATED.read_text())
    for entry in data["entry"]:
        if entry["resource"]["id"] == "fhir-0004-pac":
            entry["resource"]["effectivePeriod"]["start"] = "2020-13-45"
    bundle = tmp_path / "b.json"
    bundle.write_text(json.dumps(data))
    mapped = _medicated(criteria, bundle)
    assert [r["agents"] for r in mapped.record["prior_regimens"]][1] == ["Herceptin"]
    assert any("fhir-0004-pac: a malformed date" in note for note in mapped.notes)
    [report] = screen_fhir(bundle, criteria, today=TODAY)
    assert report.verdict == "incomplete"


def test_reading_an_export_leaves_the_collector_as_it_was(tmp_path: Path) -> None:
    import gc

    from screen.fhir.read import read_patients

    bad = tmp_path / "bad.json"
    bad.write_text('{"resourceType": "Bundle", "entry": [')
    for enabled in (True, False):
        (gc.enable if enabled else gc.disable)()
        try:
            assert len(read_patients(FIXTURES / "bulk")) == 3
            with pytest.raises(InputError):
                read_patients(bad)
            assert gc.isenabled() is enabled
        finally:
            gc.enable()
