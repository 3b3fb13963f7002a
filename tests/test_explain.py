"""Explain (trace trees), the plain-words rendering of the logic, and the review document."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from screen.cli import app
from screen.load import Criteria
from screen.report.explain import Step, explain
from screen.report.report import Report
from screen.report.review import review_markdown
from screen.rules.describe import describe_criterion
from screen.screening import screen_file
from tests.conftest import EXAMPLES, TODAY, merge, one_rule_criteria, remove

runner = CliRunner()

ScreenRecord = Callable[..., Report]


def walk(step: Step) -> Iterator[Step]:
    yield step
    for child in step.children:
        yield from walk(child)


def explained(
    screen_record: ScreenRecord,
    record: dict[str, Any],
    criterion: str,
    kind: str,
    nth: int = 0,
) -> Step:
    report = screen_record(record)
    assert report.verdict != "error", report.problems
    outcome = next(o for o in report.outcomes if o.criterion.id == criterion)
    return [s for s in walk(explain(outcome)) if s.kind == kind][nth]


ANTHRACYCLINES_361 = {
    "anthracyclines": [
        {"agent": "Adriamycin", "cumulative_dose_mg_m2": 200},
        {"agent": "epirubicin", "cumulative_dose_mg_m2": 322},
    ]
}
UNKNOWN_REGIMEN = {"agents": ["Zorblatin"], "setting": "advanced", "start": "2026-10-25"}

# (kind, criterion, nth node of that kind, change, removed, truth, found, a note it must carry)
NODE_CASES = [
    ("compare", "IN7", 0, {"ecog": 1}, [], True, "ECOG: 1 (one of 0, 1, 2)", None),
    ("compare", "IN7", 0, {"ecog": 3}, [], False, "ECOG: 3 (not one of 0, 1, 2)", None),
    ("compare", "IN7", 0, {}, ["ecog"], None, "ECOG: not recorded", "needs ecog"),
    (
        "window",
        "EX8",
        0,
        {"cardiac_history": {"myocardial_infarctions": ["2026-05-20"]}},
        [],
        True,
        "myocardial infarction on 2026-05-20 (184 days before, within 6 months)",
        None,
    ),
    (
        "window",
        "EX8",
        0,
        {"cardiac_history": {"myocardial_infarctions": ["2026-05-19"]}},
        [],
        False,
        "myocardial infarction on 2026-05-19 (185 days before, not within 6 months)",
        None,
    ),
    (
        "count",
        "IN3",
        0,
        {},
        [],
        True,
        "chemotherapy regimens for advanced disease: 3 (in 2, 3)",
        None,
    ),
    (
        "count",
        "IN3",
        0,
        {
            "prior_regimens": [
                {
                    "agents": ["trastuzumab", "pertuzumab", "docetaxel"],
                    "setting": "advanced",
                    "start": "2024-01-01",
                    "end": "2025-01-01",
                }
            ]
        },
        [],
        False,
        "chemotherapy regimens for advanced disease: 1 (not in 2, 3)",
        None,
    ),
    (
        "count",
        "IN3",
        0,
        "add unknown regimen",
        [],
        None,
        "chemotherapy regimens for advanced disease: 3 to 4",
        "needs a recognized drug name instead of 'Zorblatin' in prior_regimens[3].agents",
    ),
    (
        "sum",
        "EX5",
        3,
        {},
        [],
        False,
        "Doxorubicin-equivalent dose: epirubicin 400 x 0.5 = 200 mg/m2 ≤ 360 mg/m2",
        None,
    ),
    (
        "sum",
        "EX5",
        3,
        ANTHRACYCLINES_361,
        [],
        True,
        "Adriamycin 200 x 1 + epirubicin 322 x 0.5 = 361 mg/m2 > 360 mg/m2",
        "near miss: 361 mg/m2 is within 0.3% of the threshold 360 mg/m2",
    ),
    (
        "sum",
        "EX5",
        3,
        {"anthracyclines": [{"agent": "pixantrone", "cumulative_dose_mg_m2": 100}]},
        [],
        None,
        "pixantrone 100 x ? = at least 0 mg/m2 (no factor for pixantrone)",
        "needs a known doxorubicin_equivalent factor for 'pixantrone'",
    ),
    ("all", "IN5", 0, {}, [], True, "2 true of 2", None),
    ("all", "IN5", 0, {"sex": "male"}, [], False, "1 true, 1 false of 2", None),
    ("all", "IN5", 0, {}, ["birth_date"], None, "1 true, 1 unknown of 2", None),
    ("any", "EX6", 0, {}, [], False, "3 false of 3", None),
    (
        "any",
        "EX6",
        0,
        {"cardiac_history": {"unstable_angina": True}},
        [],
        True,
        "1 true, 2 false of 3",
        None,
    ),
    ("any", "EX6", 0, {}, ["blood_pressure"], None, "1 false, 2 unknown of 3", None),
]


@pytest.mark.parametrize(
    ("kind", "criterion", "nth", "change", "removed", "truth", "found", "note"),
    NODE_CASES,
    ids=[
        f"{c[0]}-{c[1]}-{ {True: 'true', False: 'false', None: 'unknown'}[c[5]] }"
        for c in NODE_CASES
    ],
)
def test_each_kind_of_node_explains_its_truth_with_the_values_it_used(
    screen_record: ScreenRecord,
    eligible: dict[str, Any],
    kind: str,
    criterion: str,
    nth: int,
    change: Any,
    removed: list[str],
    truth: bool | None,
    found: str,
    note: str | None,
) -> None:
    if change == "add unknown regimen":
        eligible["prior_regimens"].append(UNKNOWN_REGIMEN)
    else:
        merge(eligible, change)
    for path in removed:
        remove(eligible, path)
    node = explained(screen_record, eligible, criterion, kind, nth)
    assert node.truth is truth
    assert found.lower() in node.found.lower()
    if note is None:
        assert not [n for n in node.notes if n.startswith("needs")]
    else:
        assert any(n.startswith(note) for n in node.notes), node.notes


def test_a_window_whose_date_is_not_recorded_is_unknown_and_says_what_is_needed(
    tmp_path: Path, eligible: dict[str, Any], screen_record: ScreenRecord
) -> None:
    """Another trial's criteria file: consent signed within 30 days before screening."""
    other = one_rule_criteria(
        tmp_path,
        "IN1 inclusion Recent consent: Consent signed within 30 days before enrollment",
        "{date: informed_consent.date, within: {days: 30}, label: consent}",
    )
    eligible["informed_consent"] = {"signed": False}
    path = tmp_path / "p.yaml"
    import yaml

    path.write_text(yaml.safe_dump(eligible, sort_keys=False))
    report = screen_file(path, other, None, TODAY)
    step = explain(report.outcomes[0])
    assert (step.kind, step.truth, step.found) == ("window", None, "consent: date not recorded")
    assert step.notes == ["needs informed_consent.date"]
    assert step.rule == "consent falls within 30 days before screening"


def test_a_stale_observation_says_how_old_it_is(
    screen_record: ScreenRecord, eligible: dict[str, Any]
) -> None:
    merge(eligible, {"labs": {"platelets": {"date": "2026-09-30"}}})
    node = explained(screen_record, eligible, "EX10", "recent", 1)
    assert node.truth is None
    assert node.notes == [
        "needs labs.platelets dated 2026-10-23 or later",
        "the latest, 2026-09-30, is 51 days before screening: 23 days too old for the window"
        " starting 2026-10-23",
    ]


def test_a_lab_value_near_its_threshold_is_flagged_as_a_near_miss(
    screen_record: ScreenRecord, eligible: dict[str, Any]
) -> None:
    merge(eligible, {"labs": {"platelets": {"value": 104}}})
    node = explained(screen_record, eligible, "EX10", "recent", 1)
    assert node.truth is False
    assert node.notes == [
        "near miss: 104 x10^9/L is within 4% of the threshold 100 x10^9/L;"
        " a retest or a corrected record may change the verdict"
    ]
    merge(eligible, {"labs": {"platelets": {"value": 210}}})
    assert explained(screen_record, eligible, "EX10", "recent", 1).notes == []


def test_an_unrecognized_drug_is_named_with_the_closest_known_names(
    screen_record: ScreenRecord, eligible: dict[str, Any]
) -> None:
    eligible["prior_regimens"][-1]["agents"] = ["Herceptn", "Xeloda"]
    report = screen_record(eligible)
    outcome = next(o for o in report.outcomes if o.criterion.id == "IN3")
    found = [s.found for s in walk(explain(outcome)) if "Herceptn" in s.found]
    assert any("unrecognized drug name 'Herceptn' (did you mean Herceptin," in f for f in found)


def test_the_json_trace_is_nested_data_with_dates_and_numbers_as_text() -> None:
    result = runner.invoke(
        app,
        ["explain", str(EXAMPLES / "ineligible-anthracycline.yaml"), "-f", "json", "-r", "EX5"],
    )
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    traced = [r for r in report["results"] if "trace" in r]
    assert [r["id"] for r in traced] == ["EX5"]
    trace = traced[0]["trace"]
    assert trace["kind"] == "any" and trace["truth"] is True
    total = trace["children"][3]
    assert total["kind"] == "sum" and total["truth"] is True
    assert (
        total["evidence"]["low"] == "361" and total["evidence"]["terms"][1]["name"] == "epirubicin"
    )
    assert total["children"] == [] and total["notes"][0].startswith("near miss")


def test_explain_shows_failed_and_unknown_in_full_and_the_passed_on_one_line() -> None:
    result = runner.invoke(
        app, ["explain", str(EXAMPLES / "ineligible-cardiac.yaml")], env={"COLUMNS": "200"}
    )
    out = result.stdout
    assert result.exit_code == 1
    assert "IN6 Adequate cardiac function  (inclusion)  ✘ fail" in out
    assert "EX8 Myocardial infarction within 6 months  (exclusion)  ✘ fail" in out
    assert "Left Ventricular Ejection Fraction (LVEF) > 50% at baseline" in out
    passed = next(line for line in out.splitlines() if line.startswith("Passed:"))
    assert "IN1 IN2 IN3" in passed and "IN6" not in passed and "EX8" not in passed


def test_explain_rule_shows_only_the_criteria_named_and_refuses_unknown_ids() -> None:
    result = runner.invoke(
        app, ["explain", str(EXAMPLES / "eligible.yaml"), "--rule", "in7"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0
    assert "IN7 ECOG performance status 0-2" in result.stdout
    assert "IN6 " not in result.stdout and "Passed:" not in result.stdout
    bad = runner.invoke(app, ["explain", str(EXAMPLES / "eligible.yaml"), "--rule", "IN99"])
    assert bad.exit_code == 2 and "no criterion IN99" in bad.stderr


def test_explain_all_shows_every_criterion(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["explain", str(EXAMPLES / "eligible.yaml"), "--all", "-o", str(tmp_path / "e.txt")]
    )
    text = (tmp_path / "e.txt").read_text()
    assert result.exit_code == 0
    assert all(f"{cid} " in text for cid in ("IN1", "IN9", "EX1", "EX22"))


# The plain-words rendering is generated from the logic; these pin it for a few criteria.
PINNED = {
    "IN6": [
        "- Met when the most recent LVEF (lvef) within 28 days before screening is above 50 %,"
        " counting only measurements where:",
        "  - method (method) is one of ECHO, MUGA",
    ],
    "IN7": ["- Met when ECOG (ecog) is one of 0, 1, 2"],
    "EX8": [
        "- Excluded when myocardial infarction within 6 months: some entry of"
        " cardiac_history.myocardial_infarctions is one where:",
        "  - myocardial infarction falls within 6 months before screening",
    ],
    "EX1": [
        "- Excluded when chemotherapy regimens for advanced disease: the number of entries of"
        " prior_regimens for which the following holds is more than 4:",
        "  - all of the following hold:",
        "    - setting (setting) is advanced",
        "    - agents (agents) includes a drug of class cytotoxic (by the drug vocabulary)",
    ],
}


@pytest.mark.parametrize("criterion_id", sorted(PINNED))
def test_the_logic_in_plain_words_is_generated_from_the_rules(
    criteria: Criteria, criterion_id: str
) -> None:
    criterion = next(c for c in criteria.rules.criteria if c.id == criterion_id)
    assert describe_criterion(criterion).lines() == PINNED[criterion_id]


def test_the_doxorubicin_equivalent_rule_reads_as_a_sum_with_its_factor(criteria: Criteria) -> None:
    ex5 = next(c for c in criteria.rules.criteria if c.id == "EX5")
    assert describe_criterion(ex5).lines()[-1] == (
        "  - doxorubicin-equivalent dose: the sum of cumulative_dose_mg_m2 over anthracyclines,"
        " each converted by the doxorubicin_equivalent factor of its agent, is above 360 mg/m2"
    )


def test_the_review_document_sets_protocol_text_beside_the_logic_and_the_tables(
    criteria: Criteria,
) -> None:
    document = review_markdown(criteria)
    assert document.startswith("# Criteria review: JBCRG-M05\n")
    assert document.count("\n### IN") == 9 and document.count("\n### EX") == 22
    in6 = document[document.index("### IN6") : document.index("### IN7")]
    assert in6.index("**Protocol text**") < in6.index("**Encoded logic**")
    assert "> Left Ventricular Ejection Fraction (LVEF) > 50% at baseline" in in6
    assert "\n".join(PINNED["IN6"]) in in6
    assert "| dexamethasone | / 0.1875 | 5.3333 mg/day methylprednisolone |" in document
    assert (
        "\n| Herceptin |" not in document and "| trastuzumab | anti_her2 | Herceptin," in document
    )
    assert "| creatinine | mg/dL | umol/L (/ 88.4) |" in document


def test_criteria_review_markdown_for_chosen_criteria_and_check_of_a_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["criteria", "IN6", "--review", "--format", "markdown"])
    assert result.exit_code == 0
    assert "### IN6: Adequate cardiac function" in result.stdout
    assert "### IN7" not in result.stdout and "## Drug vocabulary" not in result.stdout
    ok = runner.invoke(app, ["criteria", "--check", str(Path("criteria/precious.yaml").resolve())])
    assert ok.exit_code == 0 and "OK, 31 criteria (9 inclusion, 22 exclusion)" in ok.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "criteria_set: {id: X, title: T, version: '1'}\n"
        "vocabulary: {classes: [a], drugs: []}\n"
        "criteria:\n"
        "  - id: IN1\n    type: inclusion\n    title: t\n    text: t\n"
        "    logic: {field: ecgo, op: eq, value: 1}\n"
    )
    failed = runner.invoke(app, ["criteria", "--check", str(bad)])
    assert failed.exit_code == 3
    assert (
        f"{bad}:8 criteria[0].logic.field: no field 'ecgo' (did you mean 'ecog'?)" in failed.stderr
    )


# Reasons a person reads in one glance: the decisive facts, no field paths, units as
# people write them; `explain` holds the full tree.
@pytest.mark.parametrize(
    ("code", "shown"),
    [
        ("10*9/L", "x10^9/L"),
        ("10*4/uL", "x10^4/µL"),
        ("umol/L", "µmol/L"),
        ("mm[Hg]", "mmHg"),
        ("mg/dL", "mg/dL"),
        ("U/L", "U/L"),
    ],
)
def test_units_are_written_as_people_write_them(code: str, shown: str) -> None:
    from screen.report.reasons import unit_text

    assert unit_text(code) == shown


def test_reasons_name_each_fact_once_and_no_field_paths(criteria: Criteria) -> None:
    for path in sorted(EXAMPLES.glob("*.yaml")):
        report = screen_file(path, criteria, None, TODAY)
        for outcome in report.outcomes:
            said = report.to_dict()["results"][report.outcomes.index(outcome)]["reason"]
            assert "10*" not in said and ">=" not in said and "<=" not in said, said
            for path_like in ("prior_regimens", "informed_consent", "(agent)", "breast_cancer."):
                assert path_like not in said, said
    reasons = {
        r["id"]: r["reason"]
        for r in screen_file(EXAMPLES / "eligible.yaml", criteria, None, TODAY).to_dict()["results"]
    }
    assert (
        "prior regimen #1 (trastuzumab, pertuzumab, docetaxel): setting: advanced;"
        " with pertuzumab; with trastuzumab; with cytotoxic (docetaxel)"
    ) in reasons["IN3"]
    assert reasons["IN3"].count("docetaxel") == 2  # the regimen's name, and what matched
    # EX10 passes without liver metastases: the branch for them is not spoken of, and
    # the labs of one draw say their date once
    assert "albumin" not in reasons["EX10"] and "200 U/L" not in reasons["EX10"]
    assert reasons["EX10"].count("2026-11-12") == 1
    assert reasons["EX10"].endswith("(all on 2026-11-12, 8 days before)")
    assert "x10^9/L" in reasons["EX10"]
    assert reasons["EX11"].endswith("planned chemotherapy: eribulin, not gemcitabine")


def test_explain_asks_for_nothing_under_a_branch_already_decided(
    screen_record: ScreenRecord, eligible: dict[str, Any]
) -> None:
    """Without liver metastases the albumin threshold never applies: no "needs" for it."""
    remove(eligible, "labs.albumin")
    report = screen_record(eligible)
    outcome = next(o for o in report.outcomes if o.criterion.id == "EX10")
    assert outcome.status == "pass" and report.todo == []
    notes = [note for step in walk(explain(outcome)) for note in step.notes]
    assert not [n for n in notes if "albumin" in n]
    rules = [step.rule for step in walk(explain(outcome))]
    assert not [r for r in rules if "(labs." in r or "(breast_cancer." in r]


@pytest.mark.parametrize(
    ("value", "said"),
    [(100.04, "is within 0.1% of the threshold"), (104, "is within 4% of the threshold")],
)
def test_a_near_miss_never_says_within_0_percent(
    screen_record: ScreenRecord, eligible: dict[str, Any], value: float, said: str
) -> None:
    eligible["labs"]["platelets"]["value"] = value
    step = explained(screen_record, eligible, "EX10", "recent", 1)
    assert step.notes and said in step.notes[0] and "within 0%" not in step.notes[0]


def test_a_near_miss_of_an_observation_without_a_unit_field_names_the_rule_s_unit(
    screen_record: ScreenRecord, eligible: dict[str, Any]
) -> None:
    """A blood pressure has no unit of its own: the threshold's (mmHg) is the one shown."""
    merge(eligible, {"blood_pressure": {"systolic": 148}})
    node = explained(screen_record, eligible, "EX6", "recent", 0)
    assert node.truth is False
    assert node.notes == [
        "near miss: 148 mmHg is within 1.3% of the threshold 150 mmHg;"
        " a retest or a corrected record may change the verdict"
    ]


CHRONIC_DEXAMETHASONE = {
    "corticosteroids": [
        {
            "agent": "dexamethasone",
            "daily_dose_mg": 2,
            "route": "oral",
            "start": "2026-08-01",
            "ongoing": True,
        }
    ]
}
# (change to the eligible example, criterion, step kind, nth such step, its evidence)
EVIDENCE = [
    (
        {"recent_events": {"major_surgery_or_trauma": ["2026-11-20"]}},
        "EX14",
        "window",
        0,
        {"path": ".", "date": "2026-11-20", "bound": "2026-10-23", "days_before": 0}
        | {"ongoing": False},
    ),
    (
        CHRONIC_DEXAMETHASONE,
        "EX20",
        "window",
        0,
        {"path": "start", "date": "2026-08-01", "bound": "2026-08-20", "days_before": 111}
        | {"ongoing": False},
    ),
    (
        {"labs": {"platelets": {"value": 9.5, "unit": "x10^4/uL"}}},
        "EX10",
        "recent",
        1,
        {
            "path": "labs.platelets",
            "window_start": "2026-10-23",
            "uln_missing": False,
            "value": 9.5,
            "unit": "10*4/uL",
            "converted": "95",
            "compared_unit": "10*9/L",
            "threshold": "100",
            "date": "2026-11-12",
            "days_before": 8,
            "recorded": 1,
            "latest_date": "2026-11-12",
        },
    ),
    (
        {"labs": {"platelets": {"date": "2026-09-30"}}},
        "EX10",
        "recent",
        1,
        {
            "path": "labs.platelets",
            "window_start": "2026-10-23",
            "uln_missing": False,
            "recorded": 1,
            "latest_date": "2026-09-30",
            "latest_days_before": 51,
        },
    ),
    (
        {"lvef": {"percent": 45, "method": "other", "date": "2026-11-15"}},
        "IN6",
        "recent",
        0,
        {
            "path": "lvef",
            "window_start": "2026-10-23",
            "uln_missing": False,
            "recorded": 1,
            "latest_date": "2026-11-15",
            "latest_days_before": 5,
            "not_admitted": "other",
        },
    ),
    (
        {
            "labs": {
                "platelets": [
                    {"value": 90, "unit": "10*9/L", "date": "2026-11-12"},
                    {"value": 120, "unit": "10*9/L", "date": "2026-11-12"},
                ]
            }
        },
        "EX10",
        "recent",
        1,
        {
            "path": "labs.platelets",
            "window_start": "2026-10-23",
            "uln_missing": False,
            "recorded": 2,
            "latest_date": "2026-11-12",
            "latest_days_before": 8,
            "conflicting": [[90.0, "10*9/L"], [120.0, "10*9/L"]],
            "conflict_date": "2026-11-12",
        },
    ),
    (
        CHRONIC_DEXAMETHASONE,
        "EX20",
        "compare",
        2,
        {
            "path": "daily_dose_mg",
            "value": 2.0,
            "factor": "/ 0.1875",
            "scaled": "10.6667",
            "factor_of": "dexamethasone",
        },
    ),
    (CHRONIC_DEXAMETHASONE, "EX20", "compare", 0, {"path": "route", "value": "oral"}),
    ({}, "EX1", "count", 0, {"path": "prior_regimens", "low": 3, "high": 3}),
    (
        {},
        "EX5",
        "sum",
        3,
        {
            "path": "anthracyclines",
            "low": "200",
            "high": "200",
            "terms": [
                {
                    "item": 0,
                    "name": "epirubicin",
                    "amount": "400",
                    "factor": "x 0.5",
                    "counted": True,
                }
            ],
        },
    ),
    ({}, "EX11", "drug", 0, {"path": "planned_chemotherapy", "names": ["eribulin"]}),
    ({}, "IN5", "age", 0, {"years": 58, "birth_date": "1968-04-02"}),
    ({"age": 58}, "IN5", "age", 0, {"years": 58, "birth_date": "1968-04-02", "stated": 58}),
    (
        {},
        "EX2",
        "exists",
        0,
        {"path": "toxicities", "count": 1, "names": ["peripheral sensory neuropathy"]},
    ),
]


@pytest.mark.parametrize(("patch", "criterion", "kind", "nth", "evidence"), EVIDENCE)
def test_the_evidence_explain_shows_for_each_kind_of_rule(
    patch: dict[str, Any],
    criterion: str,
    kind: str,
    nth: int,
    evidence: dict[str, Any],
    screen_record: ScreenRecord,
    eligible: dict[str, Any],
) -> None:
    """`screen explain --format json` shows each node's evidence: the trace's values."""
    assert (
        explained(screen_record, merge(eligible, patch), criterion, kind, nth).evidence == evidence
    )


def test_explanation_items_are_numbered_as_in_the_file(
    tmp_path: Path, criteria: Criteria, eligible: dict[str, Any]
) -> None:
    """After the criteria set an entry aside and joined two, the tree names the file's
    entries ("item #3+#4"), in the terminal and in JSON, not the places in the list as read."""
    eligible["prior_regimens"] = [
        {"agents": ["denosumab"], "setting": "advanced", "start": "2023-01-10"},
        {
            "agents": ["trastuzumab", "pertuzumab", "docetaxel"],
            "setting": "advanced",
            "start": "2023-02-01",
            "end": "2024-03-15",
        },
        {"agents": ["T-DM1"], "setting": "advanced", "start": "2024-04-01", "end": "2025-06-30"},
        {"agents": ["Xeloda"], "setting": "advanced", "start": "2025-07-15"},
        {"agents": ["trastuzumab"], "setting": "advanced", "start": "2025-07-15"},
    ]
    path = tmp_path / "renumbered.yaml"
    path.write_text(json.dumps(eligible, default=str))
    report = screen_file(path, criteria, None, TODAY)
    (in3,) = [o for o in report.outcomes if o.criterion.id == "IN3"]
    assert in3.status == "pass"
    count = explain(in3).children[0]
    assert [child.entries or (child.item + 1,) for child in count.children] == [
        (2,),
        (3,),
        (4, 5),
    ]
    assert [child.item_label for child in count.children] == ["item #2", "item #3", "item #4+#5"]
    result = runner.invoke(app, ["explain", str(path), "--rule", "IN3", "--as-of", "2026-11-20"])
    assert "item #4+#5:" in result.stdout and "item #1:" not in result.stdout
    data = runner.invoke(
        app, ["explain", str(path), "--rule", "IN3", "--as-of", "2026-11-20", "--format", "json"]
    )
    numbered = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if value.get("entries"):
                numbered.append(value["entries"])
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(json.loads(data.stdout))
    assert [4, 5] in numbered and [2] in numbered


@pytest.mark.parametrize(
    ("logic", "set_", "found"),
    [
        (  # IN6's reading: the method that admitted it is part of the explanation
            "{recent: lvef, of: percent, within: {days: 28}, op: gt, value: 50,"
            " where: {field: method, op: in, value: [ECHO, MUGA]}}",
            {},
            "method: ECHO (one of ECHO, MUGA)",
        ),
        (  # a multiple of the ULN, admitted by its unit
            "{recent: labs.ast, within: {days: 28}, op: gt, value: 3, times: uln,"
            " where: {field: unit, op: eq, value: U/L}}",
            {"labs": {"ast": {"value": 30, "unit": "U/L", "uln": 40, "date": "2026-11-12"}}},
            "unit: U/L",
        ),
    ],
)
def test_a_reading_s_explanation_shows_the_rule_that_admitted_it(
    logic: str, set_: dict[str, Any], found: str, eligible: dict[str, Any], tmp_path: Path
) -> None:
    criteria = one_rule_criteria(tmp_path, "IN1 inclusion Reading: a reading", logic)
    path = tmp_path / "p.yaml"
    path.write_text(json.dumps(merge(eligible, set_), default=str))
    (outcome,) = screen_file(path, criteria, None, TODAY).outcomes
    (reading,) = [s for s in walk(explain(outcome)) if s.kind == "recent"]
    assert [c.found for c in reading.children] == [found]
    assert reading.children[0].truth is True
