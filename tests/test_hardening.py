"""Hostile input and hostile conditions (issue 12): no hang, no lost report, no injection.
One test (or one parametrized group) per defect class; classes 5, 7 and 12 (what a view
prints) are in test_safe_output.py. Whatever could hang runs in a subprocess under a
timeout, so that a regression fails instead of stalling the suite."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from screen.cli import app
from screen.load import Criteria
from screen.record import yamlio
from screen.render import csvlog, jsonout
from screen.screening import screen_file
from tests.conftest import EXAMPLES, ROOT, TODAY

runner = CliRunner()
ELIGIBLE = (EXAMPLES / "eligible.yaml").read_text()
BUNDLED = (ROOT / "criteria" / "precious.yaml").read_text()
HANG = 60  # seconds: far beyond the normal run time of each command below


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result.exit_code, result.stdout, result.stderr


def process(*args: str, **options: Any) -> subprocess.CompletedProcess[str]:
    """The installed program in its own process, as a site runs it (never left hanging)."""
    return subprocess.run(
        [sys.executable, "-m", "screen", *args],
        capture_output=options.pop("capture_output", True),
        text=True,
        check=False,
        timeout=HANG,
        **options,
    )


def screen_text(tmp_path: Path, criteria: Criteria, text: str, name: str = "p.yaml") -> Any:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return screen_file(path, criteria, None, TODAY)


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2,000 copies of the eligible record: a batch long enough to interrupt."""
    folder = tmp_path_factory.mktemp("clinic")
    for index in range(2000):
        (folder / f"p{index:04}.yaml").write_text(
            ELIGIBLE.replace("JP-0001", f"JP-{index:04}"), encoding="utf-8"
        )
    return folder


# --- 1. problems are located from one parse ---------------------------------------------


def test_every_problem_is_located_from_a_single_parse(
    tmp_path: Path, criteria: Criteria, monkeypatch: pytest.MonkeyPatch
) -> None:
    composed = 0
    real = yamlio.yaml.compose

    def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal composed
        composed += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(yamlio.yaml, "compose", counting)
    text = "patient_id: X\n" + "".join(f"k{i}: 1\n" for i in range(3000))
    report = screen_text(tmp_path, criteria, text)
    assert len(report.problems) == 3000 and composed == 1
    assert [p.line for p in report.problems[:3]] == [2, 3, 4]
    assert report.problems[-1].line == 3001


# --- 2. a FIFO (or any non-regular file) is refused without blocking --------------------


@pytest.mark.parametrize("command", ["check", "explain", "criteria"])
def test_a_fifo_named_yaml_is_refused_without_blocking(tmp_path: Path, command: str) -> None:
    fifo = tmp_path / "p.yaml"
    os.mkfifo(fifo)
    args = {
        "check": ["check", str(fifo), str(EXAMPLES / "eligible.yaml"), "-f", "csv"],
        "explain": ["explain", str(fifo)],
        "criteria": ["check", str(EXAMPLES / "eligible.yaml"), "--criteria", str(fifo)],
    }[command]
    result = process(*args)
    assert result.returncode == 3
    assert "it is a FIFO, not a regular file" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_a_device_named_yaml_is_refused_unread(tmp_path: Path, criteria: Criteria) -> None:
    link = tmp_path / "zero.yaml"
    link.symlink_to("/dev/zero")
    report = screen_file(link, criteria, None, TODAY)
    assert report.verdict == "error"
    assert "a character device, not a regular file" in report.problems[0].message


# --- 3. a worker that dies ------------------------------------------------------------

DYING_WORKER = """
import json, os, signal, sys, datetime, multiprocessing
from pathlib import Path
import screen.batch as batch
from screen.load import load_criteria
from screen.render import csvlog

from screen.trials import trials_of

real = batch.screen_trials
def screen_trials(path, *args, **kwargs):
    if Path(path).name == "die.yaml":
        os.kill(os.getpid(), signal.SIGKILL)
    return real(path, *args, **kwargs)
batch.screen_trials = screen_trials

files = sorted(str(p) for p in Path(sys.argv[1]).glob("*.yaml"))
job = batch.Job(trials_of([load_criteria()]), None, datetime.date(2026, 11, 20), csvlog.row)
with batch.Batch(job, 2) as pool:
    rows = [(Path(s.source).name, s.verdict, [p.message for p in s.problems]) for s in pool.screen(files)]
print(json.dumps({"rows": rows, "children": len(multiprocessing.active_children())}))
"""


def test_a_worker_killed_mid_batch_leaves_an_error_row_and_no_process(tmp_path: Path) -> None:
    for index in range(40):
        (tmp_path / f"p{index:02}.yaml").write_text(ELIGIBLE)
    (tmp_path / "die.yaml").write_text(ELIGIBLE)
    result = subprocess.run(
        [sys.executable, "-c", DYING_WORKER, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=HANG,
        check=True,
    )
    found = json.loads(result.stdout)
    verdicts = {name: verdict for name, verdict, _ in found["rows"]}
    assert len(found["rows"]) == 41 and verdicts.pop("die.yaml") == "error"
    assert set(verdicts.values()) == {"eligible"}  # the others were screened again
    died = next(messages for name, _, messages in found["rows"] if name == "die.yaml")
    assert "worker process screening this file died" in died[0]
    assert found["children"] == 0


# --- 4. reused blocks cannot expand without bound --------------------------------------


def _nested_aliases(levels: int) -> str:
    """A criterion whose logic reuses a block two times per level."""
    blocks = ["&b0 {field: ecog, op: eq, value: 1}"]
    blocks += [f"&b{i} {{all: [*b{i - 1}, *b{i - 1}]}}" for i in range(1, levels + 1)]
    return (
        "criteria_set: {id: X, title: T, version: '1'}\n"
        "vocabulary: {classes: [x], drugs: []}\n"
        "criteria:\n"
        "  - {id: IN1, type: inclusion, title: t, text: t, logic: {all: [\n"
        + "".join(f"      {block},\n" for block in blocks)
        + "    ]}}\n"
    )


@pytest.mark.parametrize("levels", [18, 30])
def test_nested_reused_blocks_are_refused_by_their_expanded_size(
    tmp_path: Path, levels: int
) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(_nested_aliases(levels))
    result = process("criteria", "--check", str(path))
    assert result.returncode == 3
    assert f"expand to more than {yamlio.CRITERIA_EXPANDED} values" in result.stderr


def test_a_few_reused_blocks_are_still_fine(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(_nested_aliases(3))
    assert process("criteria", "--check", str(path)).returncode == 0


# --- 6. JSON arrays keep strings whole --------------------------------------------------


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\u0085", "\x1c", "\x0b"])
def test_a_json_array_keeps_line_separators_inside_strings(tmp_path: Path, separator: str) -> None:
    record = tmp_path / "p.yaml"
    escape = f"\\u{ord(separator):04x}"  # YAML reads a raw U+0085 as a line break
    record.write_text(ELIGIBLE.replace("patient_id: JP-0001", f'patient_id: "JP-{escape}1"'))
    code, out, _ = cli("check", str(record), str(EXAMPLES / "eligible.yaml"), "-f", "json")
    assert code == 0
    assert [r["patient_id"] for r in json.loads(out)] == [f"JP-{separator}1", "JP-0001"]


# --- 8. --output writes over regular files only ----------------------------------------


def test_output_to_a_device_streams_and_leaves_it_a_device() -> None:
    result = process("check", str(EXAMPLES / "eligible.yaml"), "--output", os.devnull)
    assert result.returncode == 0 and result.stderr == ""
    assert Path(os.devnull).is_char_device()


def test_output_to_dev_stdout_writes_standard_output() -> None:
    result = process("check", str(EXAMPLES / "eligible.yaml"), "-f", "json", "-o", "/dev/stdout")
    assert result.returncode == 0 and json.loads(result.stdout)["verdict"] == "eligible"


def test_output_through_a_symlink_replaces_its_target_and_keeps_the_link(tmp_path: Path) -> None:
    target = tmp_path / "logs" / "log.csv"
    target.parent.mkdir()
    target.write_text("old\n")
    link = tmp_path / "log.csv"
    link.symlink_to(target)
    code, _, _ = cli("check", str(EXAMPLES / "eligible.yaml"), "-f", "csv", "-o", str(link))
    assert code == 0 and link.is_symlink()
    assert target.read_text().startswith("patient_id,")
    assert sorted(p.name for p in target.parent.iterdir()) == ["log.csv"]


def test_output_to_a_fifo_nobody_reads_is_refused_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "out.csv"
    os.mkfifo(fifo)
    result = process("check", str(EXAMPLES / "eligible.yaml"), "-f", "csv", "-o", str(fifo))
    assert result.returncode == 4
    assert result.stderr == f"error: cannot write {fifo}: a FIFO that nobody reads\n"
    assert fifo.exists() and not fifo.is_file()


def test_output_to_a_folder_is_one_line(tmp_path: Path) -> None:
    code, _, err = cli("check", str(EXAMPLES / "eligible.yaml"), "-o", str(tmp_path))
    assert code in (2, 4) and err.count("\n") <= 12 and "Traceback" not in err


# --- 9. --output naming an input -------------------------------------------------------


@pytest.mark.parametrize("how", ["same", "symlink", "hardlink", "criteria", "in a folder"])
def test_output_naming_an_input_is_refused_before_anything_is_read(
    tmp_path: Path, how: str
) -> None:
    record = tmp_path / "p.yaml"
    record.write_text(ELIGIBLE)
    criteria = tmp_path / "c.yaml"
    criteria.write_text(BUNDLED)
    output = {
        "same": record,
        "symlink": tmp_path / "link.yaml",
        "hardlink": tmp_path / "hard.yaml",
        "criteria": criteria,
        "in a folder": record,
    }[how]
    if how == "symlink":
        output.symlink_to(record)
    if how == "hardlink":
        os.link(record, output)
    target = str(tmp_path) if how == "in a folder" else str(record)
    for command in (["check", target], ["explain", str(record)]):
        code, _, err = cli(*command, "--criteria", str(criteria), "-f", "csv", "-o", str(output))
        assert code == 2 and "it would be overwritten" in err
    assert record.read_text() == ELIGIBLE and criteria.read_text() == BUNDLED


# --- 10 and 11. CSV cells are data: no formula, no row split --------------------------

FORMULAS = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


@pytest.mark.parametrize("patient_id", FORMULAS)
def test_a_csv_cell_that_a_spreadsheet_would_run_is_neutralised(
    tmp_path: Path, patient_id: str
) -> None:
    record = tmp_path / "p.yaml"
    escaped = json.dumps(patient_id)  # a YAML double-quoted scalar
    record.write_text(ELIGIBLE.replace("patient_id: JP-0001", f"patient_id: {escaped}"))
    bad = tmp_path / "=bad.yaml"
    bad.write_text('patient_id: "@x"\necog: 9\n')
    for command in (["check", str(record), str(bad)], ["explain", str(record)]):
        _code, out, _ = cli(*command, "-f", "csv")
        rows = list(csv.reader(io.StringIO(out, newline="")))
        assert rows[1][0] == "'" + patient_id
        assert all(not cell.startswith(csvlog.FORMULA_START) for row in rows for cell in row)
    assert rows[0] == csvlog.HEADER


@settings(max_examples=300)
@given(st.lists(st.text(), min_size=2, max_size=10))
def test_every_csv_row_parses_back_to_its_cells(cells: list[str]) -> None:
    text = csvlog._row(cells)
    (parsed,) = list(csv.reader(io.StringIO(text, newline="")))
    assert parsed == [("'" + c if c.startswith(csvlog.FORMULA_START) else c) for c in cells]


def test_a_bare_carriage_return_cannot_split_a_row(tmp_path: Path) -> None:
    record = tmp_path / "p.yaml"
    record.write_text(ELIGIBLE.replace("patient_id: JP-0001", 'patient_id: "JP-1\\rJP-9,eligible"'))
    code, out, _ = cli("check", str(record), "-f", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert len(rows) == 2 and rows[1][0] == "JP-1\rJP-9,eligible"
    assert out.count("\n") == 2 and "\r" not in out.replace('"JP-1\rJP-9,eligible"', "")


# --- 13. dates and numbers at their limits ----------------------------------------------


def test_a_screening_date_at_the_calendar_limit_is_an_error_row(
    tmp_path: Path, criteria: Criteria
) -> None:
    text = ELIGIBLE.replace("screening_date: 2026-11-20", "screening_date: 9999-12-01")
    assert text != ELIGIBLE
    report = screen_text(tmp_path, criteria, text)
    assert report.verdict == "error" and report.problems[0].field == "screening_date"
    assert "not plausible" in report.problems[0].message


@pytest.mark.parametrize("as_of", ["9999-12-31", "0001-01-01", "1899-12-31"])
def test_an_as_of_at_the_calendar_limit_is_a_usage_error(as_of: str) -> None:
    code, _, err = cli("check", str(EXAMPLES / "eligible.yaml"), "--as-of", as_of)
    assert code == 2 and "is not plausible" in err


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("within: {days: 28}", "within: {days: 999999999}", "less than or equal to 36525"),
        ("within: {days: 28}", "within: {months: 99999999}", "less than or equal to 1200"),
        ("op: gt, value: 150,", "op: gt, value: .nan,", "finite number"),
        ("op: gt, value: 150,", "op: gt, value: -.inf,", "finite number"),
    ],
)
def test_criteria_thresholds_and_periods_are_bounded_where_read(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    assert old in BUNDLED
    path = tmp_path / "c.yaml"
    path.write_text(BUNDLED.replace(old, new, 1))
    code, _, err = cli("criteria", "--check", str(path))
    assert code == 3 and message in err and f"{path}:" in err


# --- 14. --max-file-size is capped; nothing is read past the limit ----------------------


@pytest.mark.parametrize("size", ["99999999999999999999999MiB", "1e400", "65MiB", "0"])
def test_an_absurd_max_file_size_is_a_usage_error(size: str) -> None:
    code, _, err = cli("check", str(EXAMPLES / "eligible.yaml"), "--max-file-size", size)
    assert code == 2 and "Traceback" not in err


def test_at_most_the_limit_and_one_byte_is_read_whatever_the_size_says() -> None:
    proc = Path("/proc/self/status")  # a regular file whose size says 0
    if not proc.exists() or proc.stat().st_size != 0:
        pytest.skip("needs a Linux /proc")
    with pytest.raises(yamlio.InputError) as caught:
        yamlio.read_text(proc, 16)
    assert caught.value.problems[0].message == "file is over the limit of 16 bytes"


# --- 15. YAML 1.1 number forms ----------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "read", "write"),
    [
        ("age: 045", "an octal number (leading zero), 37", "for example 45"),
        ("age: 1:05", "a base-60 (sexagesimal) number, 65", "for example 65"),
        ("age: 0x2D", "a hexadecimal or binary number, 45", "for example 45"),
        ("age: 0b101101", "a hexadecimal or binary number, 45", "for example 45"),
        ("age: -012", "an octal number (leading zero), -10", "for example 12"),
    ],
)
def test_leading_zero_and_sexagesimal_numbers_are_refused_with_what_was_read(
    tmp_path: Path, criteria: Criteria, line: str, read: str, write: str
) -> None:
    report = screen_text(tmp_path, criteria, ELIGIBLE + line + "\n")
    assert report.verdict == "error"
    (problem,) = report.problems
    assert f"is read by YAML as {read}" in problem.message and write in problem.message
    assert problem.line == ELIGIBLE.count("\n") + 1


def test_lvef_written_with_a_leading_zero_is_not_read_as_octal(
    tmp_path: Path, criteria: Criteria
) -> None:
    text = ELIGIBLE.replace("lvef: {percent: 61,", "lvef: {percent: 060,")
    report = screen_text(tmp_path, criteria, text)
    assert report.verdict == "error" and "octal" in report.problems[0].message


@pytest.mark.parametrize("line", ["age: 58", "ecog: 0", "life_expectancy_months: 012.5"])
def test_plain_numbers_are_still_read(tmp_path: Path, criteria: Criteria, line: str) -> None:
    field = line.split(":")[0] + ":"
    kept = "".join(x for x in ELIGIBLE.splitlines(True) if not x.startswith(field))
    report = screen_text(tmp_path, criteria, kept + line + "\n")
    assert report.verdict != "error", report.problems


# --- 16 (the JSON side): no invalid JSON is ever written -------------------------------


def test_json_never_holds_nan_or_infinity(tmp_path: Path) -> None:
    def strict(name: str) -> None:
        raise AssertionError(f"{name} in JSON")

    data = {"a": float("inf"), "b": [float("nan"), 1.5], "c": {"d": -float("inf")}}
    assert json.loads(jsonout.dumps(data), parse_constant=strict) == {
        "a": None,
        "b": [None, 1.5],
        "c": {"d": None},
    }
    record = tmp_path / "p.yaml"
    record.write_text(ELIGIBLE.replace("{value: 210, ", "{value: .inf, "))
    assert record.read_text() != ELIGIBLE
    for command in (["explain", str(record)], ["check", str(record), str(record)]):
        _, out, _ = cli(*command, "-f", "json")
        json.loads(out, parse_constant=strict)


# --- 17. SIGTERM and SIGHUP clean up as Ctrl-C does -----------------------------------


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_mid_batch_leaves_no_temporary_file_and_no_traceback(
    clinic: Path, tmp_path: Path, signum: int
) -> None:
    log = tmp_path / "log.csv"
    log.write_text("the previous log\n")
    command = [sys.executable, "-m", "screen", "check", str(clinic), "-f", "csv", "-o", str(log)]
    with subprocess.Popen(
        command, stderr=subprocess.PIPE, text=True, start_new_session=True
    ) as run:
        deadline = time.monotonic() + HANG
        while not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]:
            assert run.poll() is None, "the batch ended before it could be interrupted"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        run.send_signal(signum)
        _, err = run.communicate(timeout=HANG)
    assert run.returncode == 128 + signum, err
    assert "Traceback" not in err and err.startswith("stopped after ")
    assert [p.name for p in tmp_path.iterdir()] == ["log.csv"]
    assert log.read_text() == "the previous log\n"


# --- 18. a closed pipe ends quietly; a write error is one line -------------------------


@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
def test_a_reader_that_goes_away_ends_the_batch_quietly(fmt: str) -> None:
    reader, writer = os.pipe()
    os.close(reader)  # gone before the first byte is written
    command = [sys.executable, "-m", "screen", "check", str(EXAMPLES), "-f", fmt, "-w", "2"]
    try:
        result = subprocess.run(
            command, stdout=writer, stderr=subprocess.PIPE, timeout=HANG, check=False
        )
    finally:
        os.close(writer)
    assert result.stderr == b""
    assert result.returncode == 141


@pytest.mark.parametrize("fmt", ["csv", "table"])
def test_a_full_disk_on_standard_output_is_one_line_and_exit_4(fmt: str) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full")
    with open("/dev/full", "w") as full:
        result = process(
            "check",
            str(EXAMPLES),
            "-f",
            fmt,
            stdout=full,
            capture_output=False,
            stderr=subprocess.PIPE,
        )
    assert result.returncode == 4
    assert result.stderr == "error: cannot write standard output: No space left on device\n"


# --- 19. messages: keys as written, file names kept, input cut short, strict dates ----


@pytest.mark.parametrize("key", ["~", "yes", "2026-01-01", "null", "12", "1.5"])
def test_a_key_is_named_as_written_at_its_line(
    tmp_path: Path, criteria: Criteria, key: str
) -> None:
    report = screen_text(tmp_path, criteria, ELIGIBLE + f"{key}: 1\n")
    (problem,) = report.problems
    assert problem.message == f"unknown field {key!r}"
    assert problem.field == key and problem.line == ELIGIBLE.count("\n") + 1


def test_a_raw_nul_names_the_file_and_the_line(tmp_path: Path, criteria: Criteria) -> None:
    report = screen_text(tmp_path, criteria, "patient_id: X\nsex: fe\x00male\n")
    (problem,) = report.problems
    assert problem.file == str(tmp_path / "p.yaml") and problem.line == 2
    assert "U+0000" in problem.message and "<unicode string>" not in problem.message


def test_echoed_input_is_cut_short(tmp_path: Path, criteria: Criteria) -> None:
    huge = "x" * 500_000
    text = ELIGIBLE.replace("unit: g/dL,", f"unit: {huge},", 1).replace(
        "\nsex: female", f"\nsex: {huge}"
    )
    report = screen_text(tmp_path, criteria, text)
    assert report.verdict == "error" and len(report.problems) == 2
    assert all(len(str(p)) < 600 for p in report.problems)


def test_an_exponent_without_its_sign_says_how_to_write_it(
    tmp_path: Path, criteria: Criteria
) -> None:
    text = ELIGIBLE.replace("{value: 210, ", "{value: 1.0e308, ")
    report = screen_text(tmp_path, criteria, text)
    (problem,) = report.problems
    assert "write it as 1e+308" in problem.message or "write it as 1.0e+308" in problem.message


# --- from issue 12's sibling: every problem of a file at once, missing fields placed ---


def test_every_problem_of_a_file_comes_out_in_one_round(tmp_path: Path, criteria: Criteria) -> None:
    text = (
        ELIGIBLE.replace("unit: g/dL,", "unit: furlongs,", 1).replace(
            "lvef: {percent: 61, method: ECHO, date: 2026-11-10}",
            "lvef: {percent: 61, method: ECHO, date: 2027-01-01}",
        )
        + "lvef_percent: 61\n"
    )
    report = screen_text(tmp_path, criteria, text)
    messages = [p.message for p in report.problems]
    assert any(m.startswith("unknown field 'lvef_percent'") for m in messages)
    assert any(m.startswith("unit 'furlongs' is not a unit of hemoglobin") for m in messages)
    assert any(m == "date 2027-01-01 is after the screening date 2026-11-20" for m in messages)
    assert [p.line for p in report.problems] == sorted(p.line or 0 for p in report.problems)


def test_a_missing_field_is_put_on_its_mapping_or_on_no_line(
    tmp_path: Path, criteria: Criteria
) -> None:
    report = screen_text(tmp_path, criteria, "# a comment\n\nsex: female\n")
    (problem,) = report.problems
    assert problem.field == "patient_id" and problem.line is None
    assert problem.message == "required field is missing (the file has none)"
    title = "    title: Confirmed invasive breast cancer\n"
    assert BUNDLED.count(title) == 1
    path = tmp_path / "c.yaml"
    path.write_text(BUNDLED.replace(title, ""))
    item = BUNDLED[: BUNDLED.index(title)].count("\n") - 1  # `- id: IN1`, two lines up
    code, _, err = cli("criteria", "--check", str(path))
    assert code == 3
    assert f"{path}:{item} criteria[0].title: required field is missing" in err


def test_a_compact_date_is_not_an_as_of() -> None:
    code, _, err = cli("check", str(EXAMPLES / "eligible.yaml"), "--as-of", "20261120")
    assert code == 2 and "not a date as YYYY-MM-DD" in err


def test_a_csv_cell_lists_the_first_problems_then_how_many_more(
    tmp_path: Path, criteria: Criteria
) -> None:
    text = "patient_id: X\n" + "".join(f"k{i}: 1\n" for i in range(30))
    cells = next(csv.reader(io.StringIO(csvlog.row(screen_text(tmp_path, criteria, text)))))
    errors = cells[csvlog.HEADER.index("errors")]
    assert errors.count("unknown field") == csvlog.CELL_PROBLEMS
    assert errors.endswith(f" | ... and {30 - csvlog.CELL_PROBLEMS} more")
