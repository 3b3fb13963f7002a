"""The whole hostile corpus (tests/hostile.py) in one batch beside a good record: the batch
ends, every file gets its row with the verdict expected, the good record is screened, and
every promise holds: exit 3, no traceback, one short located line per problem, CSV and
JSON that parse back, no control character reaching the terminal, the report whole."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from screen.render import csvlog
from screen.render.safe import shown
from tests.hostile import GOOD, make_corpus

HANG = 120  # seconds; the corpus takes a few


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    folder = tmp_path_factory.mktemp("hostile")
    return folder, make_corpus(folder)


def screen(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "screen", "check", *args],
        capture_output=True,
        text=True,
        timeout=HANG,
        check=False,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
    )


def _name(source: str) -> str:
    return source.rsplit("/", 1)[-1]


def _strict(constant: str) -> None:
    raise AssertionError(f"{constant} in JSON")


@pytest.mark.parametrize("workers", ["1", "2"])
def test_the_hostile_corpus_as_one_csv_batch(
    corpus: tuple[Path, dict[str, str]], tmp_path: Path, workers: str
) -> None:
    folder, expected = corpus
    log = tmp_path / "log.csv"
    result = screen(str(folder), "-f", "csv", "-o", str(log), "-w", workers)
    assert result.returncode == 3
    assert result.stderr == "" and result.stdout == ""
    assert [p.name for p in tmp_path.iterdir()] == ["log.csv"]  # whole, no temporary left
    rows = list(csv.DictReader(io.StringIO(log.read_text(encoding="utf-8"), newline="")))
    verdicts = {_name(row["source"]): row["verdict"] for row in rows}
    assert verdicts == expected
    good = next(row for row in rows if _name(row["source"]) == GOOD)
    assert good["patient_id"] == "JP-0001" and good["errors"] == ""
    for row in rows:
        assert all(not cell.startswith(csvlog.FORMULA_START) for cell in row.values())
        if row["verdict"] == "error":
            assert row["errors"] and len(row["errors"]) < 600 * (csvlog.CELL_PROBLEMS + 1)
            assert row["errors"].startswith(row["source"].lstrip("'"))


def test_the_hostile_corpus_as_one_json_array(corpus: tuple[Path, dict[str, str]]) -> None:
    folder, expected = corpus
    result = screen(str(folder), "-f", "json", "-w", "2")
    assert result.returncode == 3 and result.stderr == ""
    reports = json.loads(result.stdout, parse_constant=_strict)
    assert {_name(r["source"]): r["verdict"] for r in reports} == expected
    for report in reports:
        for error in report["errors"]:
            assert len(error["message"]) <= 500 and error["location"].startswith(report["source"])
            assert "<unicode string>" not in error["message"]
            assert "Traceback" not in error["message"] and "internal error" not in error["message"]


def test_the_hostile_corpus_in_the_table_reaches_the_terminal_escaped(
    corpus: tuple[Path, dict[str, str]],
) -> None:
    folder, expected = corpus
    result = screen(str(folder), "-w", "2")
    assert result.returncode == 3 and result.stderr == ""
    assert f"{len(expected)} patients: " in result.stdout
    assert all(shown(ch) == ch for ch in result.stdout.replace("\n", ""))
    assert "JP-0001" in result.stdout and "JP-\\u202e1000" in result.stdout


EACH_ALONE = """
import json, sys
from pathlib import Path
from typer.testing import CliRunner
from screen.cli import app
from screen.paths import display_name
from screen.render.safe import shown

runner = CliRunner()
found = []
for path in sorted(Path(sys.argv[1]).iterdir()):
    for command in ("check", "explain"):
        result = runner.invoke(app, [command, str(path)], env={"COLUMNS": "200"})
        crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
        clean = all(shown(ch) == ch for ch in (result.stdout + result.stderr).replace("\\n", ""))
        found.append([display_name(path.name), command, result.exit_code, crashed, clean])
print(json.dumps(found))
"""


def test_each_hostile_file_alone_is_one_clean_report(corpus: tuple[Path, dict[str, str]]) -> None:
    """Every file through `check` and `explain` alone (in one process, under a timeout)."""
    folder, expected = corpus
    result = subprocess.run(
        [sys.executable, "-c", EACH_ALONE, str(folder)],
        capture_output=True,
        text=True,
        timeout=HANG,
        check=True,
    )
    found = json.loads(result.stdout)
    assert len(found) == 2 * len(expected)
    for name, command, code, crashed, clean in found:
        assert code == (3 if expected[name] == "error" else 0), (name, command)
        assert not crashed and clean, (name, command)
