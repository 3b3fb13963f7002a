"""The people's views at 80 and 120 columns, compared with the expected text in
tests/views/ (after a deliberate change: UPDATE_VIEWS=1 pytest tests/test_views.py, then
read the diff). Every line fits the width, and `--output file` is what `> file` gets."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from screen.cli import app
from tests.conftest import EXAMPLES

VIEWS = Path(__file__).parent / "views"
runner = CliRunner()
SHOWN = {
    "check-batch": ["check", "examples/patients"],
    "check-incomplete": ["check", "examples/patients/incomplete-prescreening.yaml"],
    "explain-anthracycline": ["explain", "examples/patients/ineligible-anthracycline.yaml"],
}
ROOT = EXAMPLES.parent.parent


def view(args: list[str], columns: int | None) -> str:
    env = {"COLUMNS": str(columns)} if columns else {"COLUMNS": ""}
    cwd = os.getcwd()
    os.chdir(ROOT)  # file names as the README shows them
    try:
        result = runner.invoke(app, args, env=env)
    finally:
        os.chdir(cwd)
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def pinned(shown: str) -> str:
    """The view as pinned: the criteria file's hash changes with every edit of the file."""
    return re.sub(r"(sha256\s+)[0-9a-f]{12}", r"\1" + "#" * 12, shown)


@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.parametrize("name", sorted(SHOWN))
def test_the_view_reads_as_expected(name: str, columns: int) -> None:
    shown = pinned(view(SHOWN[name], columns))
    expected = VIEWS / f"{name}-{columns}.txt"
    if os.environ.get("UPDATE_VIEWS"):
        expected.write_text(shown)
    assert shown == expected.read_text()


@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.parametrize("command", ["check", "explain"])
@pytest.mark.parametrize("path", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_every_line_fits_the_width_and_no_header_is_cut(
    path: str, command: str, columns: int
) -> None:
    shown = view([command, f"examples/patients/{path}"], columns)
    assert max(len(line) for line in shown.splitlines()) <= columns
    assert "…" not in shown


@pytest.mark.parametrize("columns", [80, 120])
def test_the_batch_fits_names_each_file_by_what_differs_and_lists_only_busy_criteria(
    columns: int,
) -> None:
    shown = view(["check", "examples/patients"], columns)
    assert max(len(line) for line in shown.splitlines()) <= columns
    assert (
        "files in examples/patients/" in shown
        and "examples/patie"
        not in shown.split("files in examples/patients/")[1].split("Attrition")[0]
    )
    assert "…" not in shown  # no header or cell cut short
    attrition = shown.split("Attrition")[1]
    assert "│EX9 " not in attrition and "The other 23 criteria" in attrition


def test_an_output_file_holds_what_a_redirection_gets(tmp_path: Path) -> None:
    out = tmp_path / "view.txt"
    args = ["check", "examples/patients/eligible.yaml"]
    redirected = view(args, None)
    view([*args, "--output", str(out)], None)
    assert out.read_text() == redirected
    assert max(len(line) for line in redirected.splitlines()) > 80  # the content's width


def test_an_error_rows_message_is_listed_whole_under_the_table(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("patient_id: JP-9\necog: 7\n")
    (tmp_path / "ok.yaml").write_text((EXAMPLES / "eligible.yaml").read_text())
    result = runner.invoke(app, ["check", str(tmp_path)], env={"COLUMNS": "80"})
    assert result.exit_code == 3
    shown = result.stdout
    assert max(len(line) for line in shown.splitlines()) <= 80
    problems = shown.split("Problems (error rows):")[1].split("Attrition")[0]
    assert "│" not in problems  # not in a table column, where it would be shredded
    flat = " ".join(problems.split())
    assert "broken.yaml:2 ecog: Input should be less than or equal to 5" in flat


def test_the_reason_is_not_the_faintest_column() -> None:
    from rich.console import Console

    from screen.load import load_criteria
    from screen.render.table import patient_view
    from screen.screening import screen_file
    from tests.conftest import TODAY

    report = screen_file(EXAMPLES / "eligible.yaml", load_criteria(), None, TODAY)
    console = Console(width=200, force_terminal=True, color_system="standard", record=False)
    with console.capture() as captured:
        console.print(patient_view(report))
    row = next(line for line in captured.get().splitlines() if "ECOG: 1" in line)
    assert "\x1b[2m" not in row  # dim
