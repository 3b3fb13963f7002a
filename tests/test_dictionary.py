"""The record as data: the record model is built from data dictionaries, and a trial adds
the fields it needs in an extension file of its own, with no change to the code."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import yaml

from screen.errors import InputError
from screen.load import load_criteria
from screen.screening import screen_file
from tests.conftest import EXAMPLES, ROOT, TODAY

EXTENSION = """
dictionary: {id: kidney-1, title: A kidney trial's fields, version: "1"}
unit_aliases: {"mL/min/1.73m2": "mL/min/{1.73_m2}"}
fields:
  - {path: labs.egfr, type: quantity, series: true, unit: "mL/min/{1.73_m2}", description: estimated GFR}
  - {path: labs.inr, type: quantity, series: true, unit: "{INR}", description: international normalized ratio}
  - {path: cardiac_history.nyha_class, type: choice, choices: [I, II, III, IV], description: NYHA class}
  - {path: dialysis, type: group, description: dialysis}
  - {path: dialysis.started, type: date, description: first session}
  - {path: dialysis.sessions_per_week, type: integer, min: 0, max: 7, description: sessions a week}
"""

CRITERIA = """
criteria_set: {id: KIDNEY-1, title: A kidney trial, version: "1"}
uses: {dictionaries: [core, kidney.dictionary.yaml]}
criteria:
  - id: IN1
    type: inclusion
    title: eGFR under 30
    text: eGFR < 30 mL/min/1.73m2 within 28 days.
    logic: {recent: labs.egfr, within: {days: 28}, op: lt, value: 30, unit: "mL/min/{1.73_m2}", label: eGFR}
  - id: EX1
    type: exclusion
    title: NYHA III or IV
    text: Heart failure of NYHA class III or IV.
    logic: {field: cardiac_history.nyha_class, op: in, value: [III, IV], label: NYHA class}
  - id: EX2
    type: exclusion
    title: Dialysis more than 3 times a week
    text: Dialysis more than three times a week.
    logic: {field: dialysis.sessions_per_week, op: gt, value: 3, label: sessions a week}
"""


@pytest.fixture
def kidney(tmp_path: Path) -> Path:
    (tmp_path / "kidney.dictionary.yaml").write_text(EXTENSION)
    path = tmp_path / "kidney.yaml"
    path.write_text(CRITERIA)
    return path


def write(folder: Path, record: dict[str, object]) -> Path:
    path = folder / "patient.yaml"
    path.write_text(yaml.safe_dump(record, sort_keys=False, allow_unicode=True))
    return path


def test_a_trial_adds_fields_in_its_own_dictionary_and_screens_them(
    kidney: Path, tmp_path: Path
) -> None:
    criteria = load_criteria(kidney)
    record = {
        "patient_id": "K-1",
        "screening_date": datetime.date(2026, 11, 20),
        "labs": {
            "egfr": {"value": 24, "unit": "mL/min/1.73m2", "date": datetime.date(2026, 11, 2)}
        },
        "cardiac_history": {"nyha_class": "II"},
        "dialysis": {"started": datetime.date(2025, 1, 4), "sessions_per_week": 3},
    }
    report = screen_file(write(tmp_path, record), criteria, None, TODAY)
    assert report.problems == []
    assert report.verdict == "eligible", [(o.criterion.id, o.status) for o in report.outcomes]
    record["cardiac_history"] = {"nyha_class": "IV"}
    assert screen_file(write(tmp_path, record), criteria, None, TODAY).failed == ["EX1"]


def test_an_extension_field_is_still_strict(kidney: Path, tmp_path: Path) -> None:
    criteria = load_criteria(kidney)
    record = {
        "patient_id": "K-2",
        "cardiac_history": {"nyha_class": "V"},
        "dialysis": {"sesions": 2},
    }
    report = screen_file(write(tmp_path, record), criteria, None, TODAY)
    messages = [str(p) for p in report.problems]
    assert report.verdict == "error"
    assert any(
        "cardiac_history.nyha_class" in m and "'I', 'II', 'III' or 'IV'" in m for m in messages
    )
    assert any("unknown field 'sesions'" in m for m in messages), messages


def test_the_core_record_does_not_know_a_trial_s_fields(tmp_path: Path) -> None:
    """A record's validity does not depend on which trial screens it: without the extension,
    the extension's fields are unknown keys."""
    record = {"patient_id": "K-3", "cardiac_history": {"nyha_class": "II"}}
    report = screen_file(write(tmp_path, record), load_criteria(), None, TODAY)
    assert report.verdict == "error"
    assert "unknown field 'nyha_class'" in report.problems[0].message


@pytest.mark.parametrize(
    ("extension", "expected"),
    [
        (
            "  - {path: labs.inr, type: number, description: x}\n  - {path: labs.inr, type: integer, description: y}\n",
            "already defined differently",
        ),
        (
            "  - {path: ecg.qtc, type: number, description: x}\n",
            "'ecg' is not a group or list defined before it",
        ),
        ("  - {path: qtc, type: numbr, description: x}\n", "fields[0].type"),
        (
            "  - {path: qtc, type: choice, description: x}\n",
            "`choices` is given exactly for a field of type choice",
        ),
        (
            "  - {path: qtc, type: quantity, description: x}\n",
            "a quantity needs its analyte's `unit`",
        ),
        (
            "  - {path: qtc, type: yes_no, unit: ms, description: x}\n",
            "`unit` and `accepts` are for quantities and numbers",
        ),
        (
            "  - {path: qtc, type: number, unit: ms, reference_range: true, description: x}\n",
            "`reference_range` is for quantities",
        ),
        (
            "  - {path: steroids, type: list, description: x, medications: {read_as: courses, classes: [corticosteroid], fields: {agent: drug}}}\n"
            "  - {path: steroids.name, type: drug, description: x}\n",
            "`medications` names drug, not a field of its entries",
        ),
        (
            "  - {path: steroids, type: list, description: x, medications: {read_as: regimens, classes: [cytotoxic], fields: {agents: name}}}\n"
            "  - {path: steroids.name, type: drugs, description: x}\n",
            "`fields` of a regimens reading: agents, end, start needed",
        ),
        (
            "  - {path: qtc, type: number, description: x, medications: {read_as: courses, classes: [a], fields: {agent: a}}}\n",
            "`medications` is for list fields",
        ),
        ("  - {path: qtc, type: number, series: true}\n", "`series` is for quantities"),
        ("  - {path: qtc, type: date, accepts: {d: {multiply: 1}}}\n", "`unit` and `accepts` are"),
        ("  - {path: qtc, type: text, max: 1}\n", "`min`, `max` and `above` are for integer"),
        ("  - {path: qtc, type: dates, above: 0}\n", "`min`, `max` and `above` are for integer"),
        (
            "  - {path: qtc, type: list, required_when: {field: a, is: true, then: b, message: m}}\n",
            "`required_when` is for groups",
        ),
        (
            "  - {path: qtc, type: text, answers: {a: {loinc: '1'}}}\n",
            "`answers` is for choice, integer, number and yes/no fields",
        ),
        (
            "  - {path: qtc, type: choice, choices: [a], answers: {b: {loinc: '1'}}}\n",
            "`answers` maps only the field's `choices`",
        ),
        (
            "  - {path: qtc, type: yes_no, answers: {'yes': {loinc: '1'}}}\n",
            'a yes/no field\'s `answers` are "true" and "false"',
        ),
    ],
)
def test_a_broken_dictionary_is_refused_with_its_problem(
    tmp_path: Path, extension: str, expected: str
) -> None:
    (tmp_path / "kidney.dictionary.yaml").write_text(
        'dictionary: {id: k, title: k, version: "1"}\nfields:\n' + extension
    )
    path = tmp_path / "kidney.yaml"
    path.write_text(
        CRITERIA.split("criteria:\n")[0]
        + "criteria:\n"
        + CRITERIA.split("criteria:\n")[1].split("  - id: IN1")[0]
        + "  - {id: EX9, type: exclusion, title: t, text: t, logic: {field: nursing, op: eq, value: true}}\n"
    )
    with pytest.raises(InputError) as caught:
        load_criteria(path)
    assert any(expected in str(p) for p in caught.value.problems), [
        str(p) for p in caught.value.problems
    ]


@pytest.mark.parametrize(
    ("logic", "expected"),
    [
        (
            "{field: birth_date, op: eq, value: '2020-01-01'}",
            "'birth_date' is a date: a comparison with '2020-01-01' would never match",
        ),
        ("{field: birth_date, op: eq, value: 2020}", "'birth_date' is a date"),
        ("{field: patient_id, op: eq, value: 7}", "'patient_id' is text, not 7"),
        ("{field: ecog, op: eq, value: 'one'}", "'ecog' is a number, not 'one'"),
        ("{field: sex, op: eq, value: f}", "'f' can never be the value of 'sex'"),
    ],
)
def test_comparisons_that_could_never_match_are_refused(
    tmp_path: Path, logic: str, expected: str
) -> None:
    """A rule that can never fire would make an exclusion pass silently."""
    path = tmp_path / "trial.yaml"
    path.write_text(
        "criteria_set: {id: T, title: T, version: '1'}\ncriteria:\n"
        f"  - {{id: EX1, type: exclusion, title: t, text: t, logic: {logic}}}\n"
    )
    with pytest.raises(InputError) as caught:
        load_criteria(path)
    assert any(expected in str(p) for p in caught.value.problems), [
        str(p) for p in caught.value.problems
    ]


def test_the_bundled_dictionary_is_today_s_layout() -> None:
    """Every example valid before the dictionary still validates and screens the same."""
    criteria = load_criteria()
    verdicts = {
        p.name: screen_file(p, criteria, None, TODAY).verdict
        for p in sorted(EXAMPLES.glob("*.yaml"))
    }
    assert verdicts == {
        "eligible-japanese-site.yaml": "eligible",
        "eligible.yaml": "eligible",
        "incomplete-prescreening.yaml": "incomplete",
        "ineligible-anthracycline.yaml": "ineligible",
        "ineligible-cardiac.yaml": "ineligible",
        "ineligible-labs.yaml": "ineligible",
        "ineligible-prior-therapy.yaml": "ineligible",
    }
    fields = criteria.catalog.dictionary.fields
    assert (ROOT / "criteria" / "dictionaries" / "core.yaml").is_file()
    assert fields["labs.platelets"].unit == "10*9/L" and fields["patient_id"].required


def test_screen_new_writes_a_blank_record_that_validates_once_its_id_is_given(
    kidney: Path, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from screen.cli import app

    result = CliRunner().invoke(app, ["new", "--criteria", str(kidney)])
    assert result.exit_code == 0, result.stdout
    blank = yaml.safe_load(result.stdout)
    assert "dialysis" in blank and "nyha_class" in blank["cardiac_history"]
    assert "# NYHA class (choice: I / II / III / IV)" in result.stdout
    blank["patient_id"] = "K-9"
    report = screen_file(write(tmp_path, blank), load_criteria(kidney), None, TODAY)
    assert report.verdict == "incomplete" and report.problems == []


def test_screen_schema_is_the_record_model_s_json_schema(kidney: Path) -> None:
    import json

    from typer.testing import CliRunner

    from screen.cli import app

    core = json.loads(CliRunner().invoke(app, ["schema"]).stdout)
    assert core["additionalProperties"] is False and core["required"] == ["patient_id"]
    example = set(yaml.safe_load((EXAMPLES / "eligible.yaml").read_text()))
    assert set(core["properties"]) - example == {"age"} and example <= set(core["properties"])
    both = json.loads(CliRunner().invoke(app, ["schema", "--criteria", str(kidney)]).stdout)
    assert "dialysis" in both["properties"] and "dialysis" not in core["properties"]


def test_a_lab_result_may_carry_the_laboratory_s_limits_of_normal(tmp_path: Path) -> None:
    base = yaml.safe_load((EXAMPLES / "eligible.yaml").read_text())
    base["labs"]["ast"] = {
        "value": 28,
        "unit": "U/L",
        "date": datetime.date(2026, 11, 12),
        "uln": 33,
        "lln": 13,
    }
    assert screen_file(write(tmp_path, base), load_criteria(), None, TODAY).verdict == "eligible"
    base["labs"]["ast"]["uln"] = -1
    report = screen_file(write(tmp_path, base), load_criteria(), None, TODAY)
    assert report.verdict == "error" and report.problems[0].field == "labs.ast.uln"


def test_the_readme_s_example_of_another_trial_loads_as_written(tmp_path: Path) -> None:
    """The documentation is the test: its dictionary extension and criteria file, as printed."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Writing another trial's criteria") :]
    blocks = [b.split("```", 1)[0] for b in section.split("```yaml\n")[1:3]]
    dedented = ["\n".join(line[3:] for line in block.splitlines()) for block in blocks]
    (tmp_path / "my-trial.dictionary.yaml").write_text(dedented[0])
    (tmp_path / "my-trial.yaml").write_text(dedented[1])
    criteria = load_criteria(tmp_path / "my-trial.yaml")
    record = {"patient_id": "M-1", "cardiac_history": {"nyha_class": "IV"}}
    assert screen_file(write(tmp_path, record), criteria, None, TODAY).failed == ["EX1"]


DESCRIBED = """
dictionary: {id: k, title: k, version: "1"}
fields:
  - {path: dialysis, type: group, description: dialysis}
  - {path: dialysis.home, type: yes_no, required: true, description: at home}
  - {path: dialysis.sessions, type: integer, min: 0, max: 7, description: sessions a week}
  - {path: dialysis.kt_v, type: number, above: 0, max: 2.5, description: Kt/V}
  - {path: dialysis.hours, type: number, above: 1, min: 0, description: hours}
  - {path: dialysis.flow, type: number, max: 600.5}
  - {path: dialysis.weight, type: number, min: 30.5}
  - {path: dialysis.volume, type: number, description: volume}
  - {path: dialysis.note, type: text, description: note}
  - {path: dialysis.dates, type: dates, description: session dates}
  - {path: labs.egfr, type: quantity, series: true, unit: "mL/min/{1.73_m2}", accepts: {"mL/s/{1.73_m2}": {multiply: 60}}, description: eGFR}
  - {path: labs.inr, type: quantity, unit: "{INR}", description: INR}
  - {path: accesses, type: list, min_items: 1, description: vascular accesses}
  - {path: accesses.site, type: choice, choices: [arm, leg]}
  - {path: transfusions, type: list, description: transfusions}
"""


@pytest.mark.parametrize(
    "line",
    [
        "dialysis:  # dialysis (group)",
        "  home:  # at home (yes/no, required)",
        "  sessions:  # sessions a week (integer: >= 0, <= 7)",
        "  kt_v:  # Kt/V (number: > 0, <= 2.5)",
        "  hours:  # hours (number: > 1)",
        "  flow:  # (number: <= 600.5)",
        "  weight:  # (number: >= 30.5)",
        "  volume:  # volume (number)",
        "  note:  # note (text)",
        "  dates:  # session dates (dates)",
        "  egfr:  # eGFR (dated result or a list of them: mL/min/{1.73_m2}, mL/s/{1.73_m2})",
        "  inr:  # INR (dated result: {INR})",
        "accesses:  # vascular accesses (list: at least 1); each entry:",
        "  #   site:  # (choice: arm / leg)",
        "transfusions:  # transfusions (list); each entry:",
    ],
)
def test_screen_new_describes_each_field_s_type_and_values(tmp_path: Path, line: str) -> None:
    """The blank record's comment is what a coordinator reads before filling a field: its
    type, whether it is required, its range (`above` over `min`), units and item count."""
    from typer.testing import CliRunner

    from screen.cli import app

    (tmp_path / "k.dictionary.yaml").write_text(DESCRIBED)
    path = tmp_path / "k.yaml"
    path.write_text(
        "criteria_set: {id: K, title: K, version: '1'}\n"
        "uses: {dictionaries: [core, k.dictionary.yaml]}\ncriteria:\n"
        "  - {id: EX9, type: exclusion, title: t, text: t, logic: {field: nursing, op: eq, value: true}}\n"
    )
    result = CliRunner().invoke(app, ["new", "--criteria", str(path)])
    assert result.exit_code == 0, result.stdout
    assert line in result.stdout.splitlines(), result.stdout


MISTAKES = """
dictionary: {id: k, title: k, version: "1"}
code_systems: {local: ["urn:local"]}
comorbidities: {codes: {loinc: "1"}, present: {nosuch: "2"}, absent: {local: "3", other: "4"}}
fields:
  - {path: labs.inr, type: number, description: x}
  - {path: labs.inr, type: integer, description: y}
  - {path: ecg.qtc, type: number, description: x}
  - {path: qtc, type: number, description: x, codes: {nosuch: "1", local: "2", zzz: "3"}}
  - {path: mood, type: choice, choices: [low, high], answers: {low: {local: "5"}, high: {other: "6"}}}
  - {path: steroids, type: list, description: x, medications: {read_as: courses, classes: [corticosteroid], fields: {agent: drug, route: route}}}
  - {path: steroids.route, type: text, description: x}
  - {path: steroids.drug, type: drug, description: x}
  - {path: pills, type: list, medications: {read_as: courses, classes: [c], fields: {agent: drug, route: way}}}
"""


def test_every_mistake_of_a_dictionary_is_one_line_naming_where_it_is(tmp_path: Path) -> None:
    """A refused field does not hide the mistakes after it, in its own file or the next
    checks; each names the file and the row. A code system is known when any dictionary
    names it (`local` here), and `steroids.drug` after its list is not missing. A field
    defined twice or under no parent is named with its line."""
    extension = tmp_path / "k.dictionary.yaml"
    extension.write_text(MISTAKES)
    path = tmp_path / "k.yaml"
    path.write_text(
        "criteria_set: {id: K, title: K, version: '1'}\n"
        "uses: {dictionaries: [core, k.dictionary.yaml]}\ncriteria:\n"
        "  - {id: EX9, type: exclusion, title: t, text: t, logic: {field: nursing, op: eq, value: true}}\n"
    )
    with pytest.raises(InputError) as caught:
        load_criteria(path)
    unknown = "not in any dictionary's `code_systems`"
    assert [str(p) for p in caught.value.problems] == [
        f"{extension}:7 fields[1]: field 'labs.inr' is already defined differently",
        f"{extension}:8 fields[2]: field 'ecg.qtc': 'ecg' is not a group or list defined before it",
        f"{extension}: field 'qtc': code system(s) nosuch, zzz {unknown}",
        f"{extension}: field 'mood': code system(s) other {unknown}",
        f"{extension}: field 'pills': `medications` names drug, way, not a field of its entries",
        f"{extension}: comorbidities: code system(s) nosuch, other {unknown}",
    ]


def test_an_extension_adds_a_system_uri_to_a_core_code_system(tmp_path: Path) -> None:
    """LOINC written as its OID in one site's export: the extension names that URI too, and
    the core's own URI still reads every other export the same."""
    from screen.fhir.bundle import read_bundle
    from screen.fhir.mapping import map_patient
    from screen.record.dictionary import load_dictionaries

    core = ROOT / "criteria" / "dictionaries" / "core.yaml"
    extension = tmp_path / "oid.dictionary.yaml"
    oid = "urn:oid:2.16.840.1.113883.6.1"
    extension.write_text(
        'dictionary: {id: oid, title: LOINC as an OID, version: "1"}\n'
        f'code_systems: {{loinc: ["{oid}"]}}\nfields: []\n'
    )
    bundle = ROOT / "tests" / "fixtures" / "fhir" / "eligible.bundle.json"
    renamed = tmp_path / "oid.bundle.json"
    renamed.write_text(bundle.read_text().replace("http://loinc.org", oid))
    both = load_dictionaries([core, extension])
    [group], [oid_group] = read_bundle(bundle), read_bundle(renamed)
    expected = map_patient(group, load_dictionaries([core])).record
    assert expected["ecog"] == 1 and "labs" in expected
    assert map_patient(oid_group, load_dictionaries([core])).record != expected
    assert map_patient(group, both).record == map_patient(oid_group, both).record == expected


def test_a_mistake_of_the_last_of_three_dictionaries_names_that_file(tmp_path: Path) -> None:
    """Two extensions: the one that lists an entry field its list does not have is named."""
    (tmp_path / "a.dictionary.yaml").write_text(
        'dictionary: {id: a, title: a, version: "1"}\nfields:\n'
        "  - {path: qtc, type: number, description: x}\n"
    )
    last = tmp_path / "b.dictionary.yaml"
    last.write_text(
        'dictionary: {id: b, title: b, version: "1"}\nfields:\n'
        "  - {path: pills, type: list, medications: {read_as: courses, classes: [c], fields: {agent: drug}}}\n"
    )
    path = tmp_path / "k.yaml"
    path.write_text(
        "criteria_set: {id: K, title: K, version: '1'}\n"
        "uses: {dictionaries: [core, a.dictionary.yaml, b.dictionary.yaml]}\ncriteria:\n"
        "  - {id: EX9, type: exclusion, title: t, text: t, logic: {field: nursing, op: eq, value: true}}\n"
    )
    with pytest.raises(InputError) as caught:
        load_criteria(path)
    assert [str(p) for p in caught.value.problems] == [
        f"{last}: field 'pills': `medications` names drug, not a field of its entries"
    ]


GROUPS_OF_ONE_NAME = """
dictionary: {id: graft-1, title: Groups that share a name, version: "1"}
fields:
  - {path: kidney_graft, type: group, description: the graft}
  - {path: kidney_graft.labs, type: group, description: the graft's own labs}
  - {path: kidney_graft.labs.taken, type: date, description: when}
  - {path: kidney_graft.donor, type: group, description: its donor}
  - {path: kidney_graft.donor.labs, type: group, description: the donor's labs}
  - {path: kidney_graft.donor.labs.taken, type: date, description: when}
  - {path: kidney_graft.donor.biopsy, type: group, description: a biopsy}
  - {path: kidney_graft.donor.biopsy.labs, type: group, description: the biopsy's labs}
  - {path: kidney_graft.donor.biopsy.labs.taken, type: date, description: when}
  - {path: living, type: group, description: a living donor}
  - {path: living.donor, type: group, description: the donor}
  - {path: living.donor.age, type: integer, min: 0, description: the donor's age}
  - {path: living.donor.labs, type: group, description: the living donor's labs}
  - {path: living.donor.labs.taken, type: date, required: true, description: when taken}
  - {path: tx, type: group, description: a transplant}
  - {path: tx.donor, type: group, description: its donor}
  - {path: tx.donor.biopsy, type: group, description: the donor's biopsy}
  - {path: tx.donor.biopsy.labs, type: group, description: the biopsy's labs}
  - {path: tx.donor.biopsy.labs.taken, type: date, description: when}
  - {path: x_labs, type: group, description: labs of x}
  - {path: x_labs.taken, type: date, description: when}
  - {path: x, type: group, description: x}
  - {path: x.labs, type: group, description: x's own labs}
  - {path: x.labs.taken, type: date, description: when}
  - {path: x__labs, type: group, description: more labs of x}
  - {path: x__labs.taken, type: date, description: when}
"""


def test_the_schema_names_each_group_after_its_path(tmp_path: Path) -> None:
    """Editors show the schema's definitions by name: a group is named after its own name,
    and a name already taken is prefixed with its parents' names, nearest first, until free
    (Labs, then KidneyGraftLabs, DonorLabs, BiopsyLabs, DonorBiopsyLabs, LivingDonorLabs);
    taken all the way up, it is numbered (x_labs is XLabs, so x.labs is XLabs2, x__labs
    XLabs3)."""
    import json

    from typer.testing import CliRunner

    from screen.cli import app

    (tmp_path / "graft.dictionary.yaml").write_text(GROUPS_OF_ONE_NAME)
    criteria = tmp_path / "graft.yaml"
    criteria.write_text(
        "criteria_set: {id: GRAFT-1, title: A graft trial, version: '1'}\n"
        "uses: {dictionaries: [core, graft.dictionary.yaml]}\n"
        "criteria:\n"
        "  - {id: IN1, type: inclusion, title: Donor labs, text: Donor labs taken.,"
        " logic: {field: living.donor.age, op: ge, value: 20}}\n"
    )
    core = json.loads(CliRunner().invoke(app, ["schema"]).stdout)
    assert sorted(core["$defs"]) == [
        "Anthracyclines",
        "Arrhythmias",
        "BloodPressure",
        "BreastCancer",
        "CardiacHistory",
        "CnsMetastases",
        "Conditions",
        "Corticosteroids",
        "Her2",
        "Hypersensitivity",
        "InformedConsent",
        "Labs",
        "Lvef",
        "OtherMalignancies",
        "PriorRegimens",
        "QuantityWithRange",
        "RadiationAdverseEvents",
        "RecentEvents",
        "Toxicities",
    ]
    result = CliRunner().invoke(app, ["schema", "--criteria", str(criteria)])
    assert result.exit_code == 0, result.stdout
    graft = json.loads(result.stdout)
    added = sorted(set(graft["$defs"]) - set(core["$defs"]))
    assert added == [
        "Biopsy",
        "BiopsyLabs",
        "Donor",
        "DonorBiopsy",
        "DonorBiopsyLabs",
        "DonorLabs",
        "KidneyGraft",
        "KidneyGraftLabs",
        "Living",
        "LivingDonor",
        "LivingDonorLabs",
        "Tx",
        "TxDonor",
        "X",
        "XLabs",
        "XLabs2",
        "XLabs3",
    ]
    assert core["description"] == "One patient's screening record."
    # A dated result, with or without its reference range (DESTINY-Breast03 has both kinds).
    destiny = json.loads(
        CliRunner()
        .invoke(app, ["schema", "--criteria", str(ROOT / "criteria" / "destiny-breast03.yaml")])
        .stdout
    )
    for name in ("Quantity", "QuantityWithRange"):
        assert destiny["$defs"][name]["description"] == "A dated result with its unit."
    assert "uln" in destiny["$defs"]["QuantityWithRange"]["properties"]
    assert "uln" not in destiny["$defs"]["Quantity"]["properties"]
    assert graft["title"] == core["title"] == "Patient"
    assert graft["$defs"]["XLabs2"]["description"] == "x's own labs"
    assert graft["$defs"]["DonorBiopsyLabs"]["description"] == "the biopsy's labs"
    labs = graft["$defs"]["LivingDonorLabs"]
    assert labs["required"] == ["taken"]
    assert labs["properties"]["taken"]["description"] == "when taken"  # a required field
    age = graft["$defs"]["LivingDonor"]["properties"]["age"]
    assert age["description"] == "the donor's age"  # an optional one
    assert graft["$defs"]["LivingDonor"]["description"] == "the donor"
    assert graft["$defs"]["LivingDonorLabs"]["description"] == "the living donor's labs"
    assert graft["$defs"]["DonorLabs"]["description"] == "the donor's labs"


def test_an_integer_field_above_a_bound_refuses_the_bound_itself(tmp_path: Path) -> None:
    """`above: 0` on an integer (a count that must be positive): 0 is refused with its line,
    1 is read; `max` still holds."""
    (tmp_path / "count.dictionary.yaml").write_text(
        'dictionary: {id: count-1, title: counts, version: "1"}\n'
        "fields:\n"
        "  - {path: transplants, type: integer, above: 0, max: 9, description: transplants}\n"
    )
    criteria_path = tmp_path / "count.yaml"
    criteria_path.write_text(
        "criteria_set: {id: COUNT-1, title: counts, version: '1'}\n"
        "uses: {dictionaries: [core, count.dictionary.yaml]}\n"
        "criteria:\n"
        "  - {id: IN1, type: inclusion, title: t, text: t., logic: {field: transplants, op: ge,"
        " value: 1}}\n"
    )
    criteria = load_criteria(criteria_path)
    for value, verdict in ((0, "error"), (1, "eligible"), (10, "error")):
        report = screen_file(
            write(tmp_path, {"patient_id": "C-1", "transplants": value}), criteria, None, TODAY
        )
        assert report.verdict == verdict, (value, [str(p) for p in report.problems])
        if verdict == "error":
            assert report.problems[0].field == "transplants"
            assert report.problems[0].line == 2


def test_a_list_of_drugs_may_be_empty_and_a_single_result_is_not_a_list(tmp_path: Path) -> None:
    """A drugs field without `min_items` takes an empty list (none taken); a quantity that is
    not a `series` takes one dated result, not a list of them."""
    (tmp_path / "more.dictionary.yaml").write_text(
        'dictionary: {id: more-1, title: more, version: "1"}\n'
        "fields:\n"
        "  - {path: other_drugs, type: drugs, description: other drugs taken}\n"
        '  - {path: hba1c, type: quantity, unit: "%", description: HbA1c}\n'
    )
    criteria_path = tmp_path / "more.yaml"
    criteria_path.write_text(
        "criteria_set: {id: MORE-1, title: more, version: '1'}\n"
        "uses: {dictionaries: [core, more.dictionary.yaml]}\n"
        "vocabulary: {classes: [x], drugs: [{name: alpha, classes: [x]}]}\n"
        "criteria:\n"
        "  - {id: IN1, type: inclusion, title: t, text: t., logic: {drug: other_drugs,"
        " is: alpha}}\n"
    )
    criteria = load_criteria(criteria_path)
    empty = screen_file(
        write(tmp_path, {"patient_id": "M-1", "other_drugs": []}), criteria, None, TODAY
    )
    assert empty.problems == [], [str(p) for p in empty.problems]
    assert empty.verdict == "ineligible"  # no alpha among none
    result = {"value": 6.1, "unit": "%", "date": "2026-11-12"}
    listed = screen_file(
        write(tmp_path, {"patient_id": "M-2", "hba1c": [result]}), criteria, None, TODAY
    )
    assert listed.verdict == "error"
    assert listed.problems[0].field == "hba1c"
