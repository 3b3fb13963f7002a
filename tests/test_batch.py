"""Batch screening: mixed arguments, bad files among good ones, workers, attrition, streaming."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from screen.batch import Batch, Job, screen_one, workers_for
from screen.cli import app
from screen.load import Criteria
from screen.paths import patient_files
from screen.render.csvlog import row
from screen.report.attrition import Attrition
from screen.screening import screen_file
from screen.trials import trials_of
from tests.conftest import EXAMPLES, TODAY

runner = CliRunner()

EXPECTED = {  # examples/patients, checked by hand against the criteria
    "JP-0001": ("eligible", [], []),
    "JP-0002": ("ineligible", ["IN6", "EX8"], []),
    "JP-0003": ("ineligible", ["EX10"], []),
    "JP-0004": ("ineligible", ["IN3", "EX1"], []),
    "JP-0005": ("ineligible", ["EX5"], []),
    "JP-0006": ("incomplete", [], ["IN6", "IN9", "EX6", "EX10"]),
    "JP-0107": ("eligible", [], []),
}


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def clinic(tmp_path: Path) -> Path:
    """A site folder: nested sub-folders, notes beside the records, one invalid record and
    one file that cannot be read."""
    (tmp_path / "2026" / "november").mkdir(parents=True)
    (tmp_path / "archive").mkdir()
    names = sorted(p.name for p in EXAMPLES.glob("*.yaml"))
    for index, name in enumerate(names):
        folder = tmp_path / ("2026/november" if index % 2 else "archive")
        shutil.copy(EXAMPLES / name, folder / name)
    (tmp_path / "2026" / "README.txt").write_text("not a record\n")
    (tmp_path / "2026" / "november" / "notes.md").write_text("# notes\n")
    (tmp_path / "2026" / "invalid.yaml").write_text("patient_id: X-9\necog: 7\n")
    (tmp_path / "2026" / "unreadable.yml").symlink_to(tmp_path / "gone.yaml")
    return tmp_path


def log_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_mixed_files_and_folders_are_screened_in_a_stable_order(clinic: Path) -> None:
    extra = EXAMPLES / "eligible.yaml"
    code, out, _ = cli(
        "check", str(clinic / "2026"), str(extra), str(clinic / "archive"), "-f", "csv"
    )
    sources = [r[1] for r in log_rows(out)[1:]]
    november = sorted(str(p) for p in (clinic / "2026" / "november").glob("*.yaml"))
    archive = sorted(str(p) for p in (clinic / "archive").glob("*.yaml"))
    assert sources == [
        str(clinic / "2026" / "invalid.yaml"),
        *november,
        str(clinic / "2026" / "unreadable.yml"),
        str(extra),
        *archive,
    ]
    assert code == 3


def test_bad_files_become_error_rows_and_every_other_record_is_screened(clinic: Path) -> None:
    code, out, _ = cli("check", str(clinic), "-f", "csv")
    rows = {r[1]: r for r in log_rows(out)[1:]}
    assert code == 3
    assert rows[str(clinic / "2026" / "invalid.yaml")][3] == "error"
    assert rows[str(clinic / "2026" / "unreadable.yml")][3] == "error"
    screened = {r[0]: (r[3], r[4].split(), r[5].split()) for r in rows.values() if r[3] != "error"}
    assert screened == EXPECTED


@pytest.mark.parametrize("format", ["csv", "jsonl", "json", "table"])
def test_one_worker_and_two_workers_give_identical_output(clinic: Path, format: str) -> None:
    one = cli("check", str(clinic), "-f", format, "--workers", "1")
    two = cli("check", str(clinic), "-f", format, "--workers", "2")
    assert one == two
    assert one[0] == 3


def test_the_pool_keeps_the_order_of_the_files_whatever_the_scheduling(
    tmp_path: Path, criteria: Criteria
) -> None:
    names = sorted(p.name for p in EXAMPLES.glob("*.yaml"))
    for copy in range(30):  # each copy its own patient (a repeated id would be warned of)
        for name in names:
            text = (EXAMPLES / name).read_text().replace("patient_id: JP-", f"patient_id: C{copy}-")
            (tmp_path / f"{copy:02d}-{name}").write_text(text)
    files = list(patient_files([tmp_path]))
    job = Job(trials_of([criteria]), None, TODAY, row)
    with Batch(job, 2) as batch:
        parallel = list(batch.screen(files))
    assert [s.source for s in parallel] == [str(f) for f in files]
    assert [s.rendered for s in parallel] == [
        row(screen_file(f, criteria, None, TODAY)) for f in files
    ]


def test_json_of_several_patients_is_one_array_streamed_whole(clinic: Path) -> None:
    _, out, _ = cli("check", str(clinic), "-f", "json", "--workers", "2")
    reports = json.loads(out)
    assert isinstance(reports, list) and len(reports) == len(EXPECTED) + 2
    single = json.loads(cli("check", str(EXAMPLES / "eligible.yaml"), "-f", "json")[1])
    assert isinstance(single, dict) and single["patient_id"] == "JP-0001"


def test_attrition_counts_on_the_examples(criteria: Criteria) -> None:
    attrition = Attrition(criteria.rules.criteria)
    for path in sorted(EXAMPLES.glob("*.yaml")):
        report = screen_file(path, criteria, None, TODAY)
        attrition.add(report.verdict, report.failed, report.unknown)
    assert attrition.verdicts == {"eligible": 2, "ineligible": 4, "incomplete": 1, "error": 0}
    counts = {
        cid: (t.failed, t.unknown, t.failed_alone)
        for cid, t in attrition.by_criterion.items()
        if t.failed or t.unknown
    }
    assert counts == {
        "IN3": (1, 0, 0),
        "IN6": (1, 1, 0),
        "IN9": (0, 1, 0),
        "EX1": (1, 0, 0),
        "EX5": (1, 0, 1),
        "EX6": (0, 1, 0),
        "EX8": (1, 0, 0),
        "EX10": (1, 1, 1),
    }


def test_the_batch_table_has_a_summary_rows_and_the_attrition_table(clinic: Path) -> None:
    result = runner.invoke(app, ["check", str(clinic)], env={"COLUMNS": "220"})
    out = result.stdout
    assert result.exit_code == 3
    assert "9 patients: 2 eligible  4 ineligible  1 incomplete  2 error" in out
    assert "Attrition" in out and "fails only this" in out
    ex5 = next(line for line in out.splitlines() if line.strip("│ ").startswith("EX5 "))
    assert [cell.strip() for cell in ex5.split("│")[-4:-1]] == ["1", "0", "1"]
    assert "ecog" in out and "Input should be less than or equal to 5 (got 7)" in out


def test_no_progress_bar_or_other_noise_on_stderr_when_it_is_not_a_terminal(
    clinic: Path,
) -> None:
    code, _, err = cli("check", str(clinic), "-f", "csv", "--workers", "2")
    assert code == 3 and err == ""


def test_an_interrupted_batch_leaves_no_output_file(
    clinic: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "log.csv"
    log.write_text("the previous log\n")
    calls = 0

    def fail_on_the_third(*args: object) -> str:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise KeyboardInterrupt
        return "row\n"

    monkeypatch.setattr("screen.render.csvlog.row", fail_on_the_third)
    result = runner.invoke(app, ["check", str(clinic), "-f", "csv", "-o", str(log), "-w", "1"])
    assert result.exit_code == 130
    assert "interrupted after 2 of 9 records" in result.stderr
    assert log.read_text() == "the previous log\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".log.csv")] == []


def test_an_unreadable_folder_becomes_an_error_row_even_for_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    shutil.copy(EXAMPLES / "eligible.yaml", tmp_path / "ok.yaml")
    real_scandir = os.scandir

    def refuse_locked(path: object = ".") -> object:
        if Path(str(path)) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", refuse_locked)
    code, out, _ = cli("check", str(tmp_path), "-f", "csv")
    rows = log_rows(out)[1:]
    assert code == 3
    assert [(r[1], r[3]) for r in rows] == [
        (str(locked), "error"),
        (str(tmp_path / "ok.yaml"), "eligible"),
    ]


def test_workers_default_to_in_process_for_a_small_batch_and_never_exceed_the_files() -> None:
    assert workers_for(1, None) == 1
    assert workers_for(7, None) == 1
    assert workers_for(3, 8) == 3
    assert workers_for(100, 1) == 1


def test_workers_below_one_is_a_usage_error() -> None:
    code, _, err = cli("check", str(EXAMPLES), "--workers", "0")
    assert code == 2 and "--workers" in err


def test_the_output_file_gets_ordinary_permissions_not_those_of_a_temporary_file(
    tmp_path: Path,
) -> None:
    log = tmp_path / "log.csv"
    previous = os.umask(0o022)
    try:
        cli("check", str(EXAMPLES), "-f", "csv", "-o", str(log))
    finally:
        os.umask(previous)
    assert log.stat().st_mode & 0o777 == 0o644
    log.chmod(0o640)
    cli("check", str(EXAMPLES), "-f", "csv", "-o", str(log))
    assert log.stat().st_mode & 0o777 == 0o640


def test_a_bug_while_screening_one_record_becomes_an_error_row_not_a_lost_batch(
    criteria: Criteria, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> object:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("screen.screening.evaluate", broken)
    (screened,) = screen_one(
        Job(trials_of([criteria]), None, TODAY, row), EXAMPLES / "eligible.yaml"
    )
    assert screened.verdict == "error"
    assert screened.problems[0].message == (
        "internal error, please report: ZeroDivisionError: division by zero"
    )
    assert screened.rendered.split(",")[3] == "error"


def test_the_criteria_list_as_markdown() -> None:
    code, out, _ = cli("criteria", "IN6", "EX5", "--format", "markdown")
    assert code == 0
    assert out.splitlines()[2:6] == [
        "| id | type | title |",
        "|---|---|---|",
        "| IN6 | inclusion | Adequate cardiac function |",
        "| EX5 | exclusion | Cumulative anthracycline dose over the limits |",
    ]


def test_a_patient_id_in_two_files_and_a_file_named_twice_are_warned_of(tmp_path: Path) -> None:
    text = (EXAMPLES / "eligible.yaml").read_text()
    (tmp_path / "a.yaml").write_text(text)
    (tmp_path / "b.yaml").write_text(text)  # the same patient_id, JP-0001, in another file
    code, out, _ = cli("check", str(tmp_path), str(tmp_path / "a.yaml"), "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["warnings"] for r in rows] == [
        "",
        f"{tmp_path / 'b.yaml'} patient_id: patient_id 'JP-0001' is also in {tmp_path / 'a.yaml'}",
        f"{tmp_path / 'a.yaml'} patient_id: this file is given twice in the batch; it is screened twice",
    ]
    assert [r["verdict"] for r in rows] == ["eligible"] * 3 and code == 0


def test_workers_started_by_spawn_screen_as_forked_ones_do(
    criteria: Criteria, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows has no fork: the job goes to spawned workers by pickle, and the record model
    (a class built at run time, which pickle cannot carry) is built again in each worker."""
    import multiprocessing

    files = sorted(str(p) for p in EXAMPLES.glob("*.yaml"))
    job = Job(trials_of([criteria]), None, TODAY, row)
    with Batch(job, 1) as batch:
        in_process = [s.rendered for s in batch.screen(files)]
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    with Batch(job, 2) as batch:
        assert batch._pool is not None and batch._pool._ctx.get_start_method() == "spawn"  # type: ignore[attr-defined]
        spawned = [s.rendered for s in batch.screen(files)]
    assert spawned == in_process
    assert len(in_process) == len(files) > 1
