"""Bad patient files: verdict error, one problem per fault naming file, line and field."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest

from screen.load import Criteria
from screen.screening import screen_file
from tests.conftest import EXAMPLES, TODAY


def _screen_text(tmp_path: Path, criteria: Criteria, text: str | bytes) -> Any:
    path = tmp_path / "bad.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return screen_file(path, criteria, None, TODAY)


def _eligible_text() -> str:
    return (EXAMPLES / "eligible.yaml").read_text()


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "message"),
    [
        ("ecog: 1", "ecog: 7", 20, "ecog", "less than or equal to 5"),
        (
            "lvef: {percent: 61,",
            "lvef: {percent: 140,",
            27,
            "lvef.percent",
            "less than or equal to 100",
        ),
        (
            "lvef: {percent: 61,",
            "lvef_percent: 61\nlvef: {percent: 61,",
            27,
            "lvef_percent",
            "did you mean 'lvef'",
        ),
        ("ecog: 1", "ecog: '1'", 20, "ecog", "valid integer"),
        (
            '  platelets:       {value: 210,  unit: "10*9/L",',
            '  platelets:       {value: 210,  unit: "g/dL",',
            33,
            "labs.platelets.unit",
            "not a unit of platelets",
        ),
        (
            '{value: 3.2,  unit: "10*9/L", date: 2026-11-12}',
            '{value: 3.2,  unit: "10*9/L", date: 2026-11-25}',
            32,
            "labs.neutrophils.date",
            "after the screening date",
        ),
        ("patient_id: JP-0001\n", "", None, "patient_id", "required"),
        (
            "  - {agent: epirubicin, cumulative_dose_mg_m2: 400}",
            "  - {agent: epirubicin, cumulative_dose_mg_m2: -5}",
            59,
            "anthracyclines[0].cumulative_dose_mg_m2",
            "greater than or equal to 0",
        ),
        ("sex: female", "sex: F", 4, "sex", "'female' or 'male'"),
    ],
)
def test_invalid_field_is_an_error_with_line_and_field(
    tmp_path: Path,
    criteria: Criteria,
    old: str,
    new: str,
    line: int | None,
    field: str,
    message: str,
) -> None:
    text = _eligible_text()
    assert old in text
    changed = text.replace(old, new, 1)
    if line is not None:  # the line where the changed text's first line now stands
        first = new.splitlines()[0] if new else None
        line = (
            next(
                i
                for i, text_line in enumerate(changed.splitlines(), 1)
                if first and first in text_line
            )
            if first
            else None
        )
    report = _screen_text(tmp_path, criteria, changed)
    assert report.verdict == "error"
    assert report.outcomes == []
    problem = next(p for p in report.problems if p.field == field)
    assert message in problem.message
    if line is not None:
        assert problem.line == line
    assert problem.location.startswith(str(tmp_path / "bad.yaml"))


def test_misspelt_lab_gets_a_suggestion(tmp_path: Path, criteria: Criteria) -> None:
    text = _eligible_text().replace("  neutrophils:", "  neutrophil:", 1)
    (problem,) = _screen_text(tmp_path, criteria, text).problems
    assert problem.field == "labs.neutrophil"
    assert "did you mean 'neutrophils'" in problem.message


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path, criteria: Criteria) -> None:
    text = (
        _eligible_text().replace("ecog: 1", "ecog: 9").replace("nursing: false", "nursing: maybe")
    )
    fields = {p.field for p in _screen_text(tmp_path, criteria, text).problems}
    assert {"ecog", "nursing"} <= fields


def test_patient_id_is_kept_when_the_record_is_invalid(tmp_path: Path, criteria: Criteria) -> None:
    report = _screen_text(tmp_path, criteria, _eligible_text().replace("ecog: 1", "ecog: 9"))
    assert report.patient_id == "JP-0001"
    assert report.to_dict()["results"] == []


HAZARDS = [
    (
        "patient_id: A\necog: 0\necog: 1\n",
        "duplicate key 'ecog' (first at line 2, again at line 3)",
        3,
    ),
    ("patient_id: A\nsex: [female\n", "invalid YAML", None),
    ("- patient_id: A\n", "top level must be a mapping", 1),
    ("just text\n", "top level must be a mapping", 1),
    ("", "empty", None),
    ("patient_id: A\n---\npatient_id: B\n", "several YAML documents", None),
    ("patient_id: !!python/object/apply:os.system ['true']\n", "tag not allowed", 1),
    ("patient_id: A\nbirth_date: 2026-02-30\n", "invalid date", 2),
    ("a: &a [1, 2]\nb: *a\npatient_id: A\n", "aliases are not allowed", 1),
    (
        'patient_id: A\necog: 0\n"ecog": 1\n',
        "duplicate key 'ecog' (first at line 2, again at line 3)",
        3,
    ),
    ("patient_id: A\n<<: {ecog: 1}\n", "merge keys (<<) are not allowed", 2),
    ("patient_id: A\n? [ecog, lvef]\n: 1\n", "a key must be a plain value", 2),
    ("patient_id: A\nsex: !!binary aGk=\n", "tag not allowed", 2),
    (
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
        "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n",
        "aliases are not allowed",
        1,
    ),
]


@pytest.mark.parametrize(("text", "message", "line"), HAZARDS)
def test_yaml_hazards_are_clean_errors(
    tmp_path: Path, criteria: Criteria, text: str, message: str, line: int | None
) -> None:
    report = _screen_text(tmp_path, criteria, text)
    assert report.verdict == "error"
    (problem,) = report.problems
    assert message in problem.message
    if line is not None:
        assert problem.line == line


def test_non_utf8_bytes_are_an_error_naming_the_line(tmp_path: Path, criteria: Criteria) -> None:
    report = _screen_text(tmp_path, criteria, b"patient_id: A\nsex: f\xe9male\n")
    (problem,) = report.problems
    assert "not UTF-8" in problem.message and problem.line == 2


def test_file_over_the_size_limit_is_refused(tmp_path: Path, criteria: Criteria) -> None:
    report = _screen_text(tmp_path, criteria, "patient_id: A\n" + "# padding\n" * 120_000)
    assert "over the limit" in report.problems[0].message


def test_the_size_limit_is_configurable_on_the_command_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from screen.cli import app

    runner = CliRunner()
    record = tmp_path / "p.yaml"
    record.write_text(_eligible_text())
    size = record.stat().st_size
    small = runner.invoke(app, ["check", str(record), "-f", "json", "--max-file-size", "1KiB"])
    assert small.exit_code == 3
    (error,) = json.loads(small.stdout)["errors"]
    assert error == {
        "message": f"file is {size} bytes, over the limit of 1024 bytes",
        "location": str(record),
    }
    roomy = runner.invoke(app, ["check", str(record), "-f", "json", "--max-file-size", "2MiB"])
    assert roomy.exit_code == 0
    bad = runner.invoke(app, ["check", str(record), "--max-file-size", "lots"])
    assert bad.exit_code == 2 and "not a size" in bad.stderr


def test_missing_file_is_an_error(tmp_path: Path, criteria: Criteria) -> None:
    report = screen_file(tmp_path / "nope.yaml", criteria, None, TODAY)
    assert report.verdict == "error" and "cannot read" in report.problems[0].message


@pytest.mark.parametrize(
    ("record_patch", "message"),
    [
        ("informed_consent:\n  signed: true\n", "a signed consent needs its date"),
        (
            "corticosteroids:\n  - {agent: prednisolone, daily_dose_mg: 5, route: oral, start: 2026-01-01, end: 2026-02-01, ongoing: true}\n",
            "ongoing cannot have an end date",
        ),
        (
            "prior_regimens:\n  - {agents: [docetaxel], setting: advanced, start: 2025-01-01, end: 2024-01-01}\n",
            "before start",
        ),
        (
            "birth_date: 1968-04-02\nage: 57\n",
            "age 57 disagrees with birth_date 1968-04-02 (58 on the screening date 2026-11-20)",
        ),
    ],
)
def test_inconsistent_records_are_errors(
    tmp_path: Path, criteria: Criteria, record_patch: str, message: str
) -> None:
    report = _screen_text(
        tmp_path, criteria, "patient_id: A\nscreening_date: 2026-11-20\n" + record_patch
    )
    assert report.verdict == "error"
    assert any(message in p.message for p in report.problems)


def test_every_hazard_in_one_batch_is_an_error_row_and_the_good_record_is_screened(
    tmp_path: Path,
) -> None:
    from typer.testing import CliRunner

    from screen.cli import app

    for index, (text, _, _) in enumerate(HAZARDS):
        (tmp_path / f"hazard-{index:02d}.yaml").write_text(text)
    (tmp_path / "zz-good.yaml").write_text(_eligible_text())
    result = CliRunner().invoke(app, ["check", str(tmp_path), "-f", "json", "--workers", "2"])
    reports = json.loads(result.stdout)
    assert result.exit_code == 3
    assert [r["verdict"] for r in reports] == ["error"] * len(HAZARDS) + ["eligible"]
    for report, (_, message, line) in zip(reports, HAZARDS, strict=False):
        (error,) = report["errors"]
        assert message in error["message"]
        if line is not None:
            assert error["location"].startswith(f"{report['source']}:{line}")


def test_a_criteria_file_may_reuse_a_block_but_not_expand_an_alias_bomb() -> None:
    from screen.errors import InputError
    from screen.record import yamlio

    reused = yamlio.parse_mapping("a: &w {days: 28}\nb: *w\nc: *w\n", "c.yaml", criteria=True)
    assert reused == {"a": {"days": 28}, "b": {"days": 28}, "c": {"days": 28}}
    bomb = "a: &a [x]\n" + "".join(f"k{i}: *a\n" for i in range(yamlio.CRITERIA_ALIASES + 1))
    with pytest.raises(InputError) as refused:
        yamlio.parse_mapping(bomb, "c.yaml", criteria=True)
    (problem,) = refused.value.problems
    assert problem.message == f"invalid YAML: more than {yamlio.CRITERIA_ALIASES} alias uses"
    assert problem.line == 1  # the anchored block: the composer shares one node for all uses


def test_a_stated_age_that_agrees_with_the_birth_date_is_accepted(
    tmp_path: Path, criteria: Criteria
) -> None:
    record = "patient_id: A\nscreening_date: 2026-11-20\nbirth_date: 1968-04-02\nage: 58\n"
    assert _screen_text(tmp_path, criteria, record).verdict == "incomplete"


@pytest.mark.parametrize(
    ("record_patch", "field", "message"),
    [
        ("birth_date: 0001-01-01\n", "birth_date", "not plausible"),
        ("screening_date: 9999-12-01\n", "screening_date", "not plausible"),
        (
            "labs: {platelets: {value: .inf, unit: 10*9/L, date: 2026-11-01}}\n",
            "labs.platelets.value",
            "finite",
        ),
        (
            "labs: {platelets: {value: -1, unit: 10*9/L, date: 2026-11-01}}\n",
            "labs.platelets.value",
            "greater than or equal to 0",
        ),
        ("lvef: {percent: .nan, method: ECHO, date: 2026-11-01}\n", "lvef.percent", "finite"),
        (
            "anthracyclines: [{agent: epirubicin, cumulative_dose_mg_m2: 100000}]\n",
            "anthracyclines[0].cumulative_dose_mg_m2",
            "less than or equal to",
        ),
        ("ecog: -1\n", "ecog", "greater than or equal to 0"),
        ("age: -1\n", "age", "greater than or equal to 0"),
        ("life_expectancy_months: -1\n", "life_expectancy_months", "greater than or equal to 0"),
        (
            "blood_pressure: {systolic: 400, diastolic: 80, date: 2026-11-01}\n",
            "blood_pressure.systolic",
            "less than or equal to 300",
        ),
        (
            "toxicities: [{term: rash, grade: 0, hematologic: false}]\n",
            "toxicities[0].grade",
            "greater than or equal to 1",
        ),
        (
            "prior_regimens: [{agents: [], setting: advanced, start: 2025-01-01}]\n",
            "prior_regimens[0].agents",
            "at least 1",
        ),
        ("breast_cancer: {her2: {ihc: 3}}\n", "breast_cancer.her2.ihc", "'0', '1+', '2+' or '3+'"),
    ],
)
def test_implausible_values_are_errors_naming_the_field(
    tmp_path: Path, criteria: Criteria, record_patch: str, field: str, message: str
) -> None:
    """The record model's bounds: every quantity finite and plausible, every date 1900-2199."""
    report = _screen_text(tmp_path, criteria, "patient_id: A\n" + record_patch)
    assert report.verdict == "error"
    assert any(p.field == field and message in p.message for p in report.problems), [
        str(p) for p in report.problems
    ]


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        (
            "  hemoglobin:      {value: 11.8, unit: g/dL,     date: 2026-11-12}",
            "  hemoglobin: 11.8",
            "labs.hemoglobin",
            "expected a mapping of its fields or a list of them (got 11.8)",
        ),
        (
            "prior_regimens:",
            "prior_regimens: none\nold_regimens:",
            "prior_regimens",
            "expected a list",
        ),
    ],
)
def test_a_value_of_the_wrong_shape_is_one_line_in_the_files_words(
    tmp_path: Path, criteria: Criteria, old: str, new: str, field: str, message: str
) -> None:
    """A lab written as a bare number fails both shapes a lab result takes (one result, a
    list of them): one line saying what the place takes, no model class names."""
    text = _eligible_text()
    assert old in text
    report = _screen_text(tmp_path, criteria, text.replace(old, new, 1))
    at_field = [p for p in report.problems if p.field == field]
    assert len(at_field) == 1, report.problems
    assert message in at_field[0].message
    assert "instance of" not in at_field[0].message


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (
            [{"percent": 61, "method": "ECHO", "date": datetime.date(2026, 11, 10)}],
            "[{percent: 61, method: ECHO, date: 2026-11-10}]",
        ),
        ({"a": None, "b": True, "c": ""}, "{a: null, b: true, c: ''}"),
        ({"k: v": "a, b"}, "{'k: v': 'a, b'}"),
        (["12", "true", "~", "2026-11-10"], "['12', 'true', '~', '2026-11-10']"),
        (["- a", "&x", "a\nb", "x\u202ey"], "['- a', '&x', 'a\\nb', 'x\\u202ey']"),
        (["Herceptin 注", "a b"], "[Herceptin 注, a b]"),
        (datetime.date(2026, 1, 1), "2026-01-01"),
        ("ECHO", "'ECHO'"),
        ("x" * 70, "'" + "x" * 58 + "…(70 characters)"),
        (list(range(40)), "[" + ", ".join(str(n) for n in range(40))[:58] + "…"),
    ],
    ids=[
        "list of mappings",
        "null true empty",
        "quoted",
        "text YAML would read as another type",
        "indicators and control characters",
        "plain text",
        "date",
        "text",
        "long text",
        "long list",
    ],
)
def test_a_value_is_echoed_as_the_file_wrote_it(value: object, shown: str) -> None:
    """Messages echo the value as YAML's flow style writes it (dates as dates, `false`,
    `null`), not as Python's repr ("datetime.date(2026, 11, 10)"), cut at 60 characters."""
    from screen.record.yamlio import clip

    assert clip(value) == shown


def test_a_self_referencing_value_is_echoed_within_its_limit() -> None:
    from screen.record.yamlio import clip

    loop: list[object] = []
    loop.append(loop)
    assert clip(loop) == "[" * 59 + "…"
