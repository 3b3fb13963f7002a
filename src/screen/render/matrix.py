"""Several trials in the terminal: a patient x trial matrix (each cell the verdict and the
eligibility window), then per trial its counts and attrition; for one patient, the matrix
row then each trial's table."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from rich.console import Console, ConsoleOptions, Group, RenderableType
from rich.table import Table
from rich.text import Text

from screen.render.names import common_folder, within
from screen.render.safe import text
from screen.render.table import VERDICT_STYLE, attrition_view, patient_view
from screen.report.attrition import Attrition
from screen.report.report import Report

if TYPE_CHECKING:
    from screen.batch import Screened


def cell(
    verdict: str, failed: Sequence[str], first: str | None, last: str | None, year: str
) -> str:
    """ "eligible 11-20..12-08", "ineligible (EX5)", "incomplete": the verdict, the failed
    criteria, the eligibility window (dates in `year` as MM-DD; `..` alone: open beyond the
    horizon)."""
    shown = verdict + (f" ({' '.join(failed)})" if failed else "")
    if first is None:
        return shown
    return f"{shown} {_day(first, year)}..{_day(last, year) if last else ''}"


def _day(iso: str, year: str) -> str:
    return iso[5:] if iso.startswith(year + "-") else iso


class _Matrix:
    """The matrix, laid out for the width it is drawn at: a file's name stays whole when the
    trial cells can wrap between words to make room for it, else it folds too."""

    def __init__(self, rows: Sequence[Sequence[Screened]], ids: Sequence[str]) -> None:
        self.rows, self.ids = rows, ids

    def __rich_console__(
        self, console: Console, options: ConsoleOptions
    ) -> Iterator[RenderableType]:
        yield _matrix_table(self.rows, self.ids, options.max_width)


def matrix_view(
    rows: Sequence[Sequence[Screened]], ids: Sequence[str], problems_below: bool = True
) -> RenderableType:
    """One row per patient, one column per trial; the problems of error rows once per file."""
    parts: list[RenderableType] = [_Matrix(rows, ids)]
    problems = [text(f"  {p}", "magenta") for results in rows for p in results[0].problems]
    if problems and problems_below:
        parts += [Text("Problems (error rows):", style="bold magenta"), *problems]
    return Group(*parts)


def _matrix_table(rows: Sequence[Sequence[Screened]], ids: Sequence[str], width: int) -> Table:
    dates = sorted(
        d
        for results in rows
        for row in results
        for d in (row.eligible_from, row.eligible_until)
        if d
    )
    year = dates[0][:4] if dates else ""
    folder = common_folder([results[0].source for results in rows])
    table = Table(pad_edge=False, title_justify="left", caption_justify="left")
    if folder:
        table.title = text(f"files in {folder}{os.sep}")
    if year:
        table.caption = f"Eligible from..until; dates as MM-DD are in {year}."
    names = [within(results[0].source, folder) for results in rows]
    cells = [
        [cell(r.verdict, r.failed, r.eligible_from, r.eligible_until, year) for r in results]
        for results in rows
    ]
    # the narrowest the table can be with whole file names: each trial cell at its longest
    # word (a cell wraps between verdict, failed ids and window); 3 per column for the rules
    patient = max(len("patient_id"), *(len(r[0].patient_id or "-") for r in rows))
    words = [
        max(len(trial), *(len(w) for line in cells for w in line[k].split()))
        for k, trial in enumerate(ids)
    ]
    whole = patient + max(map(len, names)) + sum(words) + 3 * (len(ids) + 2) <= width
    table.add_column("patient_id", no_wrap=True)
    table.add_column("file", overflow="fold", no_wrap=whole)
    for trial in ids:
        table.add_column(text(trial), overflow="fold")
    for results, name, shown in zip(rows, names, cells, strict=True):
        styled = [
            text(words_, VERDICT_STYLE[row.verdict][1].replace("bold ", ""))
            for row, words_ in zip(results, shown, strict=True)
        ]
        table.add_row(text(results[0].patient_id or "-"), text(name), *styled)
    return table


def counts_line(trial: str, attrition: Attrition) -> Text:
    counts = attrition.verdicts
    return Text.assemble(
        (f"{trial}: ", "bold"),
        (f"{attrition.patients} patients: ", "bold"),
        *[
            item
            for verdict, (label, style) in VERDICT_STYLE.items()
            for item in ((f"{counts[verdict]} {label.lower()}", style), ("  ", ""))
        ],
    )


def trials_batch_view(
    rows: Sequence[Sequence[Screened]], attritions: Sequence[Attrition], ids: Sequence[str]
) -> RenderableType:
    parts: list[RenderableType] = [matrix_view(rows, ids)]
    for trial, attrition in zip(ids, attritions, strict=True):
        parts += [Text(""), counts_line(trial, attrition), attrition_view(attrition)]
    return Group(*parts)


def trials_patient_view(reports: Sequence[Report]) -> RenderableType:
    """One patient, several trials: the matrix row, then each trial's table."""
    row = [_summary(report) for report in reports]
    # an invalid record's problems are the same for every trial: said once
    tables = reports[:1] if reports[0].verdict == "error" else reports
    return Group(
        matrix_view([row], [r.criteria_set.id for r in reports], problems_below=False),
        Text(""),
        *(patient_view(report) for report in tables),
    )


def _summary(report: Report) -> Screened:
    from screen.batch import Screened

    return Screened(
        report.patient_id,
        report.source,
        report.verdict,
        tuple(report.failed),
        tuple(report.unknown),
        tuple(report.problems),
        "",
        report.eligible_from.isoformat() if report.eligible_from else None,
        report.eligible_until.isoformat() if report.eligible_until else None,
    )


def render_trials_batch(
    rows: Sequence[Sequence[Screened]],
    attritions: Sequence[Attrition],
    ids: Sequence[str],
    console: Console,
) -> None:
    console.print(trials_batch_view(rows, attritions, ids))


def render_trials_patient(reports: Sequence[Report], console: Console) -> None:
    console.print(trials_patient_view(reports))
