"""Several trials in the terminal: a patient x trial matrix (each cell the verdict and the
eligibility window), then per trial its counts and attrition; for one patient, the matrix
row then each trial's table."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from screen.attrition import Attrition
from screen.render.names import common_folder, within
from screen.render.safe import text
from screen.render.table import VERDICT_STYLE, attrition_view, patient_view
from screen.report import Report

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


def matrix_view(
    rows: Sequence[Sequence[Screened]], ids: Sequence[str], problems_below: bool = True
) -> RenderableType:
    """One row per patient, one column per trial; the problems of error rows once per file."""
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
    table.add_column("patient_id", no_wrap=True)
    names = [within(results[0].source, folder) for results in rows]
    # a file's name stays whole where it can; a cell wraps between verdict and window
    table.add_column("file", overflow="fold", no_wrap=max(map(len, names)) <= 30)
    for trial in ids:
        table.add_column(text(trial), overflow="fold", min_width=10)
    problems: list[Text] = []
    for results in rows:
        first = results[0]
        cells = []
        for row in results:
            _, style = VERDICT_STYLE[row.verdict]
            shown = cell(row.verdict, row.failed, row.eligible_from, row.eligible_until, year)
            cells.append(text(shown, style.replace("bold ", "")))
        table.add_row(text(first.patient_id or "-"), text(within(first.source, folder)), *cells)
        problems += [text(f"  {problem}", "magenta") for problem in first.problems]
    parts: list[RenderableType] = [table]
    if problems and problems_below:
        parts += [Text("Problems (error rows):", style="bold magenta"), *problems]
    return Group(*parts)


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
