"""The screening log: one CSV row per patient; the first six columns are the contract's,
then when the patient is eligible (eligible_from, eligible_until: ISO dates or empty), so
a site can sort its pre-screened patients by when they can be enrolled, then an error
row's problems and the warnings (each `location: message`, several joined by " | ").

Every cell is data for a spreadsheet, never a formula: one that begins with `=`, `+`, `-`,
`@`, a tab or a carriage return gets a leading `'` (OWASP's advice), and one holding a
comma, a quote, a carriage return or a line feed is quoted, so a bare CR cannot split a row
and attribute a verdict to a forged id."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from screen.errors import Problem
from screen.report.report import Report

CELL_PROBLEMS = 20  # problems listed in a row's errors or warnings cell

HEADER = [
    "patient_id",
    "source",
    "as_of",
    "verdict",
    "failed",
    "unknown",
    "eligible_from",
    "eligible_until",
    "errors",
    "warnings",
]


def header(several_sets: bool = False) -> str:
    return _row([*HEADER, "criteria_set"] if several_sets else HEADER)


def row_with_set(report: Report) -> str:
    """A row of a log of several criteria sets: which set it is for, in the last column."""
    return _row([*_cells(report), report.criteria_set.id])


def row(report: Report) -> str:
    return _row(_cells(report))


def _cells(report: Report) -> list[str]:
    return [
        report.patient_id or "",
        report.source,
        report.as_of.isoformat() if report.as_of else "",
        report.verdict,
        " ".join(report.failed),
        " ".join(report.unknown),
        report.eligible_from.isoformat() if report.eligible_from else "",
        report.eligible_until.isoformat() if report.eligible_until else "",
        _joined(report.problems),
        _joined(report.warnings),
    ]


def _joined(problems: Sequence[Problem]) -> str:
    """Problems in one cell: the first few (a file may have thousands; the JSON report
    keeps them all), then how many more."""
    shown = " | ".join(str(p) for p in problems[:CELL_PROBLEMS])
    more = len(problems) - CELL_PROBLEMS
    return shown + (f" | ... and {more} more" if more > 0 else "")


def render(reports: Iterable[Report]) -> str:
    return header() + "".join(row(r) for r in reports)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_QUOTED = re.compile(r'[",\r\n]')


def cell(value: str) -> str:
    """One CSV field: neutralised if a spreadsheet would run it, quoted if it needs it."""
    if value.startswith(FORMULA_START):
        value = "'" + value
    if _QUOTED.search(value):
        return '"' + value.replace('"', '""') + '"'
    return value


def _row(cells: list[str]) -> str:
    return ",".join([cell(value) for value in cells]) + "\n"
