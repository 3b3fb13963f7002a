"""The command line against its contract: exit codes, JSON report, CSV log, --output."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from screen.cli import app
from tests.conftest import EXAMPLES

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_eligible_patient_exits_0_and_reports_every_criterion_in_protocol_order() -> None:
    code, out, _ = run("check", str(EXAMPLES / "eligible.yaml"), "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert report["verdict"] == "eligible"
    ids = [r["id"] for r in report["results"]]
    assert ids == [f"IN{i}" for i in range(1, 10)] + [f"EX{i}" for i in range(1, 23)]
    assert set(report) >= {
        "patient_id",
        "source",
        "as_of",
        "verdict",
        "criteria_set",
        "results",
        "missing",
        "errors",
    }
    assert (
        set(report["criteria_set"]) == {"id", "version", "sha256"}
        and report["criteria_set"]["id"] == "JBCRG-M05"
    )
    in6 = report["results"][5]
    assert in6["text"].startswith("Left Ventricular Ejection Fraction (LVEF) > 50% at baseline")
    assert in6["reason"] == "LVEF 61% by ECHO on 2026-11-10 (10 days before) > 50%"


def test_ineligible_exits_1() -> None:
    code, out, _ = run("check", str(EXAMPLES / "ineligible-anthracycline.yaml"), "-f", "json")
    assert code == 1
    assert json.loads(out)["verdict"] == "ineligible"


def test_incomplete_exits_1_and_lists_missing_data() -> None:
    code, out, _ = run("check", str(EXAMPLES / "incomplete-prescreening.yaml"), "-f", "json")
    report = json.loads(out)
    assert code == 1 and report["verdict"] == "incomplete"
    assert "IN9: informed_consent.signed" in report["missing"]
    assert "IN6: lvef by ECHO or MUGA dated 2026-10-23 or later" in report["missing"]


def test_an_invalid_file_among_good_ones_exits_3_and_the_others_are_screened(
    tmp_path: Path,
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("patient_id: X-1\necog: 9\n")
    code, out, _ = run("check", str(EXAMPLES / "eligible.yaml"), str(bad), "-f", "json")
    assert code == 3
    first, second = json.loads(out)
    assert first["verdict"] == "eligible"
    assert (
        second["verdict"] == "error" and second["results"] == [] and second["patient_id"] == "X-1"
    )
    assert second["errors"] == [
        {"message": "Input should be less than or equal to 5 (got 9)", "location": f"{bad}:2 ecog"}
    ]


def test_csv_log_has_the_contract_columns() -> None:
    code, out, _ = run("check", str(EXAMPLES), "-f", "csv")
    assert code == 1
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0][:6] == ["patient_id", "source", "as_of", "verdict", "failed", "unknown"]
    by_id = {row[0]: row for row in rows[1:]}
    assert by_id["JP-0002"][3:6] == ["ineligible", "IN6 EX8", ""]
    assert by_id["JP-0006"][3:6] == ["incomplete", "", "IN6 IN9 EX6 EX10"]
    assert [row[1] for row in rows[1:]] == sorted(row[1] for row in rows[1:])


def test_jsonl_gives_one_object_per_line() -> None:
    _, out, _ = run("check", str(EXAMPLES), "-f", "jsonl")
    lines = out.splitlines()
    assert len(lines) == len(list(EXAMPLES.glob("*.yaml")))
    assert all(json.loads(line)["patient_id"] for line in lines)


def test_as_of_overrides_the_screening_date() -> None:
    code, out, _ = run(
        "check", str(EXAMPLES / "eligible.yaml"), "--as-of", "2026-12-20", "-f", "json"
    )
    report = json.loads(out)
    assert report["as_of"] == "2026-12-20"
    statuses = {r["id"]: r["status"] for r in report["results"]}
    assert statuses["IN6"] == "unknown" and statuses["EX10"] == "unknown"  # LVEF and labs now stale
    assert code == 1


def test_a_bad_as_of_is_a_usage_error() -> None:
    code, _, err = run("check", str(EXAMPLES / "eligible.yaml"), "--as-of", "20/11/2026")
    assert code == 2 and "not a date" in err


def test_unknown_option_is_a_usage_error() -> None:
    assert run("check", "--frobnicate")[0] == 2


def test_output_file_is_written_whole(tmp_path: Path) -> None:
    target = tmp_path / "log.csv"
    code, out, _ = run("check", str(EXAMPLES), "-f", "csv", "--output", str(target))
    assert code == 1 and out == ""
    assert target.read_text().startswith(
        "patient_id,source,as_of,verdict,failed,unknown,eligible_from,eligible_until,errors,warnings\n"
    )
    assert [p.name for p in tmp_path.iterdir()] == ["log.csv"]  # no temporary file left behind


def test_invalid_criteria_file_exits_3_with_its_lines(tmp_path: Path) -> None:
    broken = tmp_path / "criteria.yaml"
    broken.write_text(
        (Path(__file__).parents[1] / "criteria" / "precious.yaml")
        .read_text()
        .replace("field: ecog,", "field: ecgo,")
    )
    code, out, err = run("check", str(EXAMPLES / "eligible.yaml"), "--criteria", str(broken))
    assert code == 3 and out == ""
    assert f"{broken}:" in err and "no field 'ecgo' (did you mean 'ecog'?)" in err


def test_table_view_puts_the_verdict_first_and_lists_what_to_collect() -> None:
    result = runner.invoke(
        app, ["check", str(EXAMPLES / "incomplete-prescreening.yaml")], env={"COLUMNS": "200"}
    )
    out = result.stdout
    assert result.exit_code == 1
    assert (
        out.index("Verdict: INCOMPLETE") < out.index("When: Cannot be decided") < out.index("IN1")
    )
    assert "Never" not in out
    assert "To collect (settles the unknown criteria):" in out
    assert "• Informed consent: informed consent signed (settles IN9)" in out
    assert (
        "• Blood draw: neutrophils, platelets, hemoglobin, total bilirubin, AST, ALT, creatinine;"
        " dated 2026-10-23 to 2026-11-20 (settles EX10)"
    ) in out


def test_criteria_lists_the_set() -> None:
    code, out, _ = run("criteria", "IN6", "EX10")
    assert code == 0 and "Adequate cardiac function" in out and "IN1 " not in out


@pytest.mark.parametrize("args", [["--version"], ["check", "--help"]])
def test_python_dash_m_is_the_same_program(args: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "screen", *args], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and result.stdout
    assert "Traceback" not in result.stderr


def test_an_error_row_in_the_screening_log_says_why(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("patient_id: JP-9\necog: 7\n")
    code, out, _ = run("check", str(tmp_path), "-f", "csv")
    (row,) = list(csv.DictReader(io.StringIO(out)))
    assert code == 3 and row["verdict"] == "error"
    assert "bad.yaml:2 ecog" in row["errors"] and "less than or equal to 5" in row["errors"]
    assert row["warnings"] == ""


# Smaller defects a new user found (issue 13, point 5).
CRITERIA_FILE = EXAMPLES.parent.parent / "criteria" / "precious.yaml"


def test_the_review_document_has_no_stray_path_for_the_item_itself() -> None:
    code, out, _ = run("criteria", "--review", "--format", "markdown")
    assert code == 0 and "(.)" not in out
    assert "last IV antibiotic dose falls within 14 days before screening" in out


def test_the_terminal_review_folds_long_names_instead_of_cutting_them() -> None:
    result = runner.invoke(app, ["criteria", "--review"], env={"COLUMNS": "80"})
    assert result.exit_code == 0 and "…" not in result.stdout
    assert "tegafur/gimeracil/oterac" in result.stdout


def test_check_with_review_reviews_the_checked_file(tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    text = CRITERIA_FILE.read_text()
    other.write_text(text.replace("title: Adequate cardiac function", "title: Heart OK", 1))
    result = runner.invoke(
        app, ["criteria", "--check", str(other), "--review", "--format", "markdown"]
    )
    assert result.exit_code == 0
    assert "OK, 31 criteria" in result.stderr
    assert "Heart OK" in result.stdout and "Criteria review" in result.stdout


def test_a_duplicate_id_is_numbered_as_its_location_is(tmp_path: Path) -> None:
    duplicate = tmp_path / "dup.yaml"
    duplicate.write_text(CRITERIA_FILE.read_text().replace("  - id: IN2\n", "  - id: IN1\n", 1))
    result = runner.invoke(app, ["criteria", "--check", str(duplicate)])
    assert result.exit_code == 3
    assert "criteria[1].id: duplicate criterion id 'IN1' (also criteria[0])" in result.stderr


def test_help_shows_no_type_placeholders_and_offers_completion() -> None:
    top = runner.invoke(app, ["--help"], env={"COLUMNS": "120"}).stdout
    assert "--install-completion" in top
    assert not [line for line in top.splitlines() if "--version" in line and "<bool>" in line]
    explain = runner.invoke(app, ["explain", "--help"], env={"COLUMNS": "120"}).stdout
    assert not [line for line in explain.splitlines() if "--all" in line and "<bool>" in line]
    assert "<list[str]>" not in explain and "FILE" in explain
    check = runner.invoke(app, ["check", "--help"], env={"COLUMNS": "120"}).stdout
    assert "{paths}" not in check and "PATH" in check


def test_the_criteria_as_json_data() -> None:
    code, out, _ = run("criteria", "--format", "json")
    data = json.loads(out)
    assert code == 0 and len(data["criteria"]) == 31
    assert [c["id"] for c in data["criteria"]][:2] == ["IN1", "IN2"]
    in6 = next(c for c in data["criteria"] if c["id"] == "IN6")
    assert in6["logic"]["recent"] == "lvef" and in6["text"].startswith("Left Ventricular")
    assert in6["logic_in_words"][0].startswith("- Met when the most recent LVEF")
    report = json.loads(run("check", str(EXAMPLES / "eligible.yaml"), "-f", "json")[1])
    assert data["criteria_set"]["sha256"] == report["criteria_set"]["sha256"]
    only = json.loads(run("criteria", "EX10", "--format", "json")[1])
    assert [c["id"] for c in only["criteria"]] == ["EX10"]


def test_the_readmes_error_example_is_the_real_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """README: a copy of the eligible example with `ecog: 7` and `lvef_percent: 60` added."""
    record = (EXAMPLES / "eligible.yaml").read_text()
    (tmp_path / "patients").mkdir()
    p17 = tmp_path / "patients" / "p17.yaml"
    p17.write_text(record.replace("\necog: 1\n", "\necog: 7\n") + "lvef_percent: 60\n")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["check", "patients/p17.yaml"], env={"COLUMNS": "120"})
    readme = (EXAMPLES.parent.parent / "README.md").read_text()
    block = readme.split("$ screen check patients/p17.yaml\n")[1].split("```")[0]
    assert result.exit_code == 3
    assert [line.rstrip() for line in result.stdout.splitlines() if line.strip()] == [
        line for line in block.splitlines() if line.strip()
    ]


def test_output_naming_a_dictionary_or_vocabulary_of_the_criteria_is_refused(
    tmp_path: Path,
) -> None:
    """The criteria's own files are inputs too: the report must never overwrite them."""
    (tmp_path / "trial.dictionary.yaml").write_text(
        'dictionary: {id: t, title: t, version: "1"}\nfields:\n'
        "  - {path: qtc, type: number, description: QTc}\n"
    )
    criteria = tmp_path / "trial.yaml"
    criteria.write_text(
        "criteria_set: {id: T, title: T, version: '1'}\n"
        "uses: {dictionaries: [core, trial.dictionary.yaml]}\n"
        "criteria:\n  - {id: EX1, type: exclusion, title: t, text: t, logic: {field: qtc, op: gt, value: 470}}\n"
    )
    before = (tmp_path / "trial.dictionary.yaml").read_text()
    code, _, err = run(
        "check",
        str(EXAMPLES / "eligible.yaml"),
        "--criteria",
        str(criteria),
        "--output",
        str(tmp_path / "trial.dictionary.yaml"),
    )
    assert code == 2 and "would be overwritten" in err
    assert (tmp_path / "trial.dictionary.yaml").read_text() == before


def test_garbage_collection_is_back_once_the_criteria_are_loaded(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """main() switches the cycle collector off for start-up only: a batch of thousands of
    records must run with it on."""
    import gc

    from screen import cli

    monkeypatch.setattr(
        sys, "argv", ["screen", "check", str(EXAMPLES / "eligible.yaml"), "--format", "json"]
    )
    seen: list[bool] = []
    real = cli._check_many

    def watched(*args: object, **kwargs: object) -> int:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(cli, "_check_many", watched)
    try:
        with pytest.raises(SystemExit) as exited:
            cli.main()
        assert exited.value.code == 0
        assert seen == [True] and gc.isenabled()
        assert json.loads(capsys.readouterr().out)["verdict"] == "eligible"
    finally:
        gc.enable()
        gc.unfreeze()
