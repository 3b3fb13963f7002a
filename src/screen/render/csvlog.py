"""The screening log: one CSV row per patient; the first six columns are the contract's,
then when the patient is eligible (eligible_from, eligible_until: ISO dates or empty), so
a site can sort its pre-screened patients by when they can be enrolled, then an error
row's problems and the warnings (each `location: message`, several joined by " | "); with
several criteria sets, one row per (patient, criteria set) and a last `criteria_set` column."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from screen.report import Report

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
        " | ".join(str(p) for p in report.problems),
        " | ".join(str(p) for p in report.warnings),
    ]


def render(reports: Iterable[Report]) -> str:
    return header() + "".join(row(r) for r in reports)


def _row(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue()
