"""Several trials at once: `--criteria` repeated (or a folder of criteria sets) screens each
patient against every set, one report per (patient, criteria set), in every format; a
record is validated against the union of the sets' dictionaries; exit codes hold over all
reports. The second trial is tests/trials/trial-b.yaml, a test fixture whose dictionary
extension adds two fields the PRECIOUS record does not have."""

from __future__ import annotations

import copy
import csv
import datetime
import io
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from screen.cli import app
from screen.render.csvlog import HEADER
from tests.conftest import EXAMPLES, ROOT

runner = CliRunner()
TRIALS = Path(__file__).parent / "trials"
TRIAL_B = TRIALS / "trial-b.yaml"
PRECIOUS = ROOT / "criteria" / "precious.yaml"
BOTH = ["--criteria", str(PRECIOUS), "--criteria", str(TRIAL_B)]
VIEWS = Path(__file__).parent / "views"


def cli(*args: str, columns: int | None = None) -> tuple[int, str]:
    env = {"COLUMNS": str(columns) if columns else ""}
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.stdout


def only_trial_b_knows(tmp_path: Path) -> Path:
    """The eligible example with the two fields only TRIAL-B's dictionary declares."""
    record: dict[str, Any] = yaml.safe_load((EXAMPLES / "eligible.yaml").read_text())
    record["cardiac_history"]["nyha_class"] = "I"
    record["labs"]["inr"] = {"value": 1.0, "unit": "{INR}", "date": datetime.date(2026, 11, 12)}
    path = tmp_path / "both.yaml"
    path.write_text(yaml.safe_dump(record, sort_keys=False, allow_unicode=True))
    return path


def by_set(reports: list[dict[str, Any]], set_id: str) -> list[dict[str, Any]]:
    return [r for r in reports if r["criteria_set"]["id"] == set_id]


def test_json_is_one_report_per_patient_and_set_each_exactly_the_one_set_report() -> None:
    code, out = cli("check", str(EXAMPLES), *BOTH, "-f", "json")
    both = json.loads(out)
    files = sorted(EXAMPLES.glob("*.yaml"))
    assert code == 1 and len(both) == 2 * len(files)
    # each file's reports together, the sets in the order given
    assert [r["criteria_set"]["id"] for r in both] == ["JBCRG-M05", "TRIAL-B"] * len(files)
    assert [r["source"] for r in both[::2]] == [r["source"] for r in both[1::2]]
    alone = json.loads(cli("check", str(EXAMPLES), "-f", "json")[1])
    assert by_set(both, "JBCRG-M05") == alone
    b_alone = json.loads(cli("check", str(EXAMPLES), "--criteria", str(TRIAL_B), "-f", "json")[1])
    assert by_set(both, "TRIAL-B") == b_alone
    lines = cli("check", str(EXAMPLES), *BOTH, "-f", "jsonl")[1].splitlines()
    assert [json.loads(line) for line in lines] == both


def test_one_patient_against_two_sets_in_json_is_an_array_of_two() -> None:
    code, out = cli("check", str(EXAMPLES / "eligible.yaml"), *BOTH, "-f", "json")
    reports = json.loads(out)
    assert isinstance(reports, list)
    assert [(r["criteria_set"]["id"], r["verdict"]) for r in reports] == [
        ("JBCRG-M05", "eligible"),
        ("TRIAL-B", "incomplete"),
    ]
    assert code == 1  # eligible for one trial is not eligible for all


def test_the_csv_log_has_a_row_per_pair_and_a_criteria_set_column_last() -> None:
    code, out = cli("check", str(EXAMPLES), *BOTH, "-f", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert code == 1 and rows[0] == [*HEADER, "criteria_set"]
    assert [row[-1] for row in rows[1:]] == ["JBCRG-M05", "TRIAL-B"] * 7
    alone = list(csv.reader(io.StringIO(cli("check", str(EXAMPLES), "-f", "csv")[1])))
    assert alone[0] == HEADER  # one set: the log as it always was
    assert [row[:-1] for row in rows[1::2]] == alone[1:]


def test_a_record_with_a_field_only_one_trial_knows_is_valid_beside_that_trial(
    tmp_path: Path,
) -> None:
    record = str(only_trial_b_knows(tmp_path))
    code, out = cli("check", record, "-f", "json")
    assert code == 3
    assert "unknown field 'nyha_class'" in json.dumps(json.loads(out)["errors"])
    code, out = cli("check", record, *BOTH, "-f", "json")
    assert code == 0, out  # both trials: valid, and eligible for each
    assert [r["verdict"] for r in json.loads(out)] == ["eligible", "eligible"]
    assert cli("check", record, "--criteria", str(TRIAL_B))[0] == 0


def test_an_invalid_record_gives_an_error_report_per_set_and_exit_3(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("patient_id: JP-9\necog: 7\n")
    shutil.copy(EXAMPLES / "eligible.yaml", tmp_path / "fine.yaml")
    code, out = cli("check", str(tmp_path), *BOTH, "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 3
    assert [(r["patient_id"], r["verdict"], r["criteria_set"]) for r in rows[:2]] == [
        ("JP-9", "error", "JBCRG-M05"),
        ("JP-9", "error", "TRIAL-B"),
    ]
    assert rows[0]["errors"] == rows[1]["errors"] != ""
    code, shown = cli("check", str(tmp_path), *BOTH, columns=120)
    assert code == 3 and shown.count("ecog: Input should be less than") == 1  # said once
    code, shown = cli("check", str(broken), *BOTH, columns=120)
    assert code == 3 and shown.count("ecog: Input should be less than") == 1
    code, shown = cli("explain", str(broken), *BOTH, columns=120)
    assert code == 3 and shown.count("ecog: Input should be less than") == 1
    page = tmp_path / "broken.html"
    assert cli("check", str(broken), *BOTH, "-f", "html", "-o", str(page))[0] == 3
    assert page.read_text().count("ecog: Input should be less than") == 1


def test_a_unit_only_one_trial_s_dictionary_declares_is_checked_beside_it(tmp_path: Path) -> None:
    path = only_trial_b_knows(tmp_path)
    path.write_text(path.read_text().replace("'{INR}'", "mg/dL"))
    code, out = cli("check", str(path), *BOTH, "-f", "json")
    errors = [e["message"] for r in json.loads(out) for e in r["errors"]]
    assert code == 3 and errors == ["unit 'mg/dL' is not a unit of inr (accepted: {INR})"] * 2


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ("eligible.yaml", 1),  # eligible for PRECIOUS, incomplete for TRIAL-B
        ("ineligible-cardiac.yaml", 1),
    ],
)
def test_the_exit_code_holds_over_every_report(record: str, expected: int) -> None:
    for format in ("table", "json", "jsonl", "csv", "html"):
        assert cli("check", str(EXAMPLES / record), *BOTH, "-f", format)[0] == expected


@pytest.mark.parametrize("columns", [80, 120])
def test_the_table_is_a_patient_by_trial_matrix_then_each_trial_s_attrition(
    columns: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)  # file names as the README shows them
    args = ["check", "examples/patients", "--criteria", "criteria/precious.yaml"]
    code, shown = cli(*args, "--criteria", "tests/trials/trial-b.yaml", columns=columns)
    assert code == 1
    assert max(len(line) for line in shown.splitlines()) <= columns and "…" not in shown
    matrix = shown.split("JBCRG-M05: 7 patients")[0]
    flat = re.sub(r"[\s│]+", " ", matrix)
    row = flat.split("JP-0001")[1].split("JP-0006")[0]  # a cell may wrap on 80 columns
    assert [w for w in row.split() if w != "│"] in (
        ["eligible.yaml", "eligible", "11-20..12-08", "incomplete"],
        ["eligible.yaml", "eligible", "incomplete", "11-20..12-08"],
    )
    assert "(EX5)" in matrix and "(IN2)" in matrix
    assert "dates as MM-DD are in 2026" in flat
    assert "TRIAL-B: 7 patients: 0 eligible  1 ineligible  6 incomplete" in shown
    assert shown.count("Attrition: patients per criterion") == 2
    expected = VIEWS / f"check-trials-{columns}.txt"
    pinned = re.sub(r"(sha256\s+)[0-9a-f]{12}", r"\1" + "#" * 12, shown)
    if os.environ.get("UPDATE_VIEWS"):
        expected.write_text(pinned)
    assert pinned == expected.read_text()


@pytest.mark.parametrize("columns", [80, 120])
def test_one_patient_against_two_trials_shows_the_matrix_row_then_each_table(
    columns: int,
) -> None:
    code, shown = cli("check", str(EXAMPLES / "ineligible-cardiac.yaml"), *BOTH, columns=columns)
    assert code == 1 and max(len(line) for line in shown.splitlines()) <= columns
    assert "…" not in shown
    matrix, rest = shown.split("Verdict:", 1)
    assert "ineligible (IN6 EX8)" in re.sub(r"[\s│]+", " ", matrix)
    assert "Criteria: JBCRG-M05" in rest and "Criteria: TRIAL-B" in rest
    assert rest.index("Criteria: JBCRG-M05") < rest.index("Criteria: TRIAL-B")
    assert "LVEF 48% by MUGA" in rest.split("Criteria: TRIAL-B")[1]


def test_the_html_page_has_each_trial_s_section_and_the_batch_links_each_pair(
    tmp_path: Path,
) -> None:
    from screen.render.html import anchor

    page = tmp_path / "one.html"
    code, _ = cli("check", str(EXAMPLES / "eligible.yaml"), *BOTH, "-f", "html", "-o", str(page))
    text = page.read_text()
    assert code == 1 and text.count('<section class="patient"') == 2
    assert "JP-0001 — JBCRG-M05" in text and "JP-0001 — TRIAL-B" in text
    assert text.index("JP-0001 — JBCRG-M05") < text.index("JP-0001 — TRIAL-B")
    batch = tmp_path / "batch.html"
    assert cli("check", str(EXAMPLES), *BOTH, "-f", "html", "-o", str(batch))[0] == 1
    text = batch.read_text()
    sections = re.findall(r'<section class="patient" id="([^"]+)"', text)
    links = re.findall(r'<a href="#([^"]+)"', text)
    assert len(sections) == 14 == len(set(sections)) and links == sections
    source = str(EXAMPLES / "eligible.yaml")
    assert anchor(source, "TRIAL-B") in sections and anchor(source) not in sections
    assert text.count('<svg class="funnel"') == 2  # the attrition of each trial


def test_the_pages_of_several_trials_load_print_and_have_no_script_errors(tmp_path: Path) -> None:
    from tests.test_html import BROWSER, _screenshot_and_print, browse, console_messages

    if BROWSER is None:
        pytest.skip("chromium is not installed")
    for args in (["check", str(EXAMPLES)], ["check", str(EXAMPLES / "eligible.yaml")]):
        page = tmp_path / "page.html"
        assert cli(*args, *BOTH, "-f", "html", "-o", str(page))[0] == 1
        loaded = browse(page, "--dump-dom")
        assert loaded.returncode == 0 and console_messages(loaded.stderr) == []
        _screenshot_and_print(page, tmp_path)


def test_explain_against_two_trials_explains_each(tmp_path: Path) -> None:
    record = str(EXAMPLES / "eligible.yaml")
    code, out = cli("explain", record, *BOTH, "-f", "json", "--rule", "EX2")
    reports = json.loads(out)
    assert code == 1 and [r["criteria_set"]["id"] for r in reports] == ["JBCRG-M05", "TRIAL-B"]
    assert [[x["id"] for x in r["results"] if "trace" in x] for r in reports] == [["EX2"]] * 2
    code, shown = cli("explain", record, *BOTH, "--rule", "EX2", columns=100)
    assert "EX2 INR over 1.5" in shown and "EX2 Persistent grade >3" in shown
    rows = list(csv.reader(io.StringIO(cli("explain", record, *BOTH, "-f", "csv")[1])))
    assert [row[-1] for row in rows] == ["criteria_set", "JBCRG-M05", "TRIAL-B"]
    code, _ = cli("explain", record, *BOTH, "--rule", "EX99")
    assert code == 2


def test_a_folder_gives_every_criteria_set_directly_in_it(tmp_path: Path) -> None:
    sets = tmp_path / "site-trials"
    sets.mkdir()
    shutil.copy(PRECIOUS, sets / "precious.yaml")
    for name in ("trial-b.yaml", "trial-b.dictionary.yaml"):
        shutil.copy(TRIALS / name, sets / name)  # the dictionary beside it is no trial
    (sets / "old").mkdir()
    shutil.copy(TRIAL_B, sets / "old" / "ignored.yaml")  # only what is directly in it
    record = str(EXAMPLES / "eligible.yaml")
    code, out = cli("check", record, "--criteria", str(sets), "-f", "json")
    reports = json.loads(out)
    assert code == 1 and [r["criteria_set"]["id"] for r in reports] == ["JBCRG-M05", "TRIAL-B"]
    given = json.loads(cli("check", record, *BOTH, "-f", "json")[1])
    assert [r["verdict"] for r in reports] == [r["verdict"] for r in given]
    # the bundled folder: its sets by file name (dictionaries and vocabularies in folders)
    bundled = json.loads(
        cli("check", record, "--criteria", str(ROOT / "criteria"), "-f", "json")[1]
    )
    assert [r["criteria_set"]["id"] for r in bundled] == ["DS8201-A-U302", "JBCRG-M05"]
    assert bundled[1] == json.loads(cli("check", record, "-f", "json")[1])


def test_criteria_sets_that_cannot_be_told_apart_are_refused(tmp_path: Path) -> None:
    record = str(EXAMPLES / "eligible.yaml")
    twice = cli(
        "check", record, "--criteria", str(TRIAL_B), "--criteria", str(TRIAL_B), "-f", "json"
    )
    assert twice[0] == 1 and isinstance(json.loads(twice[1]), dict)  # one file named twice: once
    copy_of_b = tmp_path / "copy.yaml"
    copy_of_b.write_text(
        TRIAL_B.read_text().replace(
            "trial-b.dictionary.yaml", str(TRIALS / "trial-b.dictionary.yaml")
        )
    )
    result = runner.invoke(
        app, ["check", record, "--criteria", str(TRIAL_B), "--criteria", str(copy_of_b)]
    )
    assert result.exit_code == 2 and "several criteria sets have the id TRIAL-B" in result.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(app, ["check", record, "--criteria", str(empty)])
    assert result.exit_code == 3 and "no criteria sets" in result.stderr


def test_dictionaries_that_disagree_on_a_field_are_an_invalid_input(tmp_path: Path) -> None:
    other = tmp_path / "trial-c.yaml"
    (tmp_path / "trial-c.dictionary.yaml").write_text(
        (TRIALS / "trial-b.dictionary.yaml")
        .read_text()
        .replace("[I, II, III, IV]", "['1', '2', '3', '4']")
    )
    other.write_text(
        TRIAL_B.read_text()
        .replace("TRIAL-B", "TRIAL-C")
        .replace("trial-b.dictionary.yaml", "trial-c.dictionary.yaml")
        .replace("[III, IV]", "['3', '4']")
    )
    assert cli("criteria", "--check", str(other))[0] == 0
    result = runner.invoke(
        app,
        [
            "check",
            str(EXAMPLES / "eligible.yaml"),
            "--criteria",
            str(TRIAL_B),
            "--criteria",
            str(other),
        ],
    )
    assert result.exit_code == 3
    assert "field 'cardiac_history.nyha_class' is already defined differently" in result.stderr


def test_the_batch_is_parallel_in_order_and_the_progress_bar_counts_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import contextlib
    from collections.abc import Callable, Iterator

    for copy_number in range(3):
        for path in EXAMPLES.glob("*.yaml"):
            shutil.copy(path, tmp_path / f"{copy_number}-{path.name}")
    advanced: list[int] = []

    @contextlib.contextmanager
    def counting(total: int) -> Iterator[Callable[[], None]]:
        advanced.append(0)
        yield lambda: advanced.__setitem__(-1, advanced[-1] + 1)

    monkeypatch.setattr("screen.render.progress.progress", counting)
    one = cli("check", str(tmp_path), *BOTH, "-f", "jsonl", "--workers", "1")[1]
    two = cli("check", str(tmp_path), *BOTH, "-f", "jsonl", "--workers", "2")[1]
    assert one == two and len(one.splitlines()) == 2 * 21
    assert advanced == [21, 21]


def test_one_set_named_explicitly_is_today_s_output() -> None:
    record = str(EXAMPLES / "ineligible-labs.yaml")
    for format in ("table", "json", "csv", "html"):
        assert cli("check", record, "--criteria", str(PRECIOUS), "-f", format, columns=100) == cli(
            "check", record, "-f", format, columns=100
        )


def test_several_sets_never_change_what_one_set_validates(tmp_path: Path) -> None:
    """With one set, only its own dictionaries: a TRIAL-B field stays unknown to PRECIOUS."""
    record = copy.deepcopy(yaml.safe_load((EXAMPLES / "eligible.yaml").read_text()))
    record["labs"]["inr"] = {"value": 1.0, "unit": "{INR}", "date": datetime.date(2026, 11, 12)}
    path = tmp_path / "inr.yaml"
    path.write_text(yaml.safe_dump(record, sort_keys=False))
    assert cli("check", str(path), "-f", "json")[0] == 3
    assert cli("check", str(path), "--criteria", str(TRIAL_B), "-f", "json")[0] == 1


def test_the_readme_shows_the_real_output(monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (ROOT / "README.md").read_text().split("## Several trials at once")[1]
    readme = readme.split("\n## ")[0]
    monkeypatch.chdir(ROOT)
    for block in re.findall(r"```console\n\$ screen (.*?)\n(.*?)```", readme, re.S):
        command, shown = block
        output = [line.rstrip() for line in cli(*command.split())[1].splitlines()]
        expected = [line for line in shown.splitlines() if line.strip() != "..."]
        assert expected and all(line in output for line in expected), command


def test_on_a_narrow_terminal_the_file_names_fold_and_every_trial_stays_in_view() -> None:
    code, shown = cli("check", str(EXAMPLES), *BOTH, columns=60)
    matrix = shown.split("JBCRG-M05: 7 patients")[0]
    assert code == 1 and max(len(line) for line in shown.splitlines()) <= 60
    assert (
        "TRIAL-B" in matrix
        and "…" not in shown
        and len(re.findall(r"incomplete(?!-)", matrix)) == 7
    )


DESTINY = EXAMPLES.parent / "destiny-breast03" / "eligible.yaml"
WITH_DESTINY = [
    "--criteria",
    str(PRECIOUS),
    "--criteria",
    str(ROOT / "criteria" / "destiny-breast03.yaml"),
]


@pytest.mark.parametrize("format", ["table", "json", "jsonl", "csv", "html"])
def test_a_patient_is_screened_against_precious_and_destiny_breast03_in_one_command(
    format: str, tmp_path: Path
) -> None:
    out = tmp_path / f"report.{format}"
    code, _ = cli("check", str(DESTINY), *WITH_DESTINY, "-f", format, "-o", str(out), columns=120)
    text = out.read_text()
    assert code == 1  # eligible for DESTINY-Breast03, incomplete for PRECIOUS
    assert "JBCRG-M05" in text and "DS8201-A-U302" in text
    if format == "json":
        verdicts = [(r["criteria_set"]["id"], r["verdict"]) for r in json.loads(text)]
        assert verdicts == [("JBCRG-M05", "incomplete"), ("DS8201-A-U302", "eligible")]
    if format == "csv":
        assert [row[-1] for row in csv.reader(io.StringIO(text))][1:] == [
            "JBCRG-M05",
            "DS8201-A-U302",
        ]
    # the record is valid only with DESTINY-Breast03's dictionary beside the core one
    assert cli("check", str(DESTINY), "-f", "json")[0] == 3


@pytest.mark.parametrize("command", ["check", "explain"])
def test_the_help_says_criteria_takes_a_file_or_a_folder_and_repeats(command: str) -> None:
    shown = cli(command, "--help", columns=120)[1]
    line = next(line for line in shown.splitlines() if "│ --criteria" in line)
    assert "FILE|FOLDER" in line and "<list" not in line and "repeatable" in shown
