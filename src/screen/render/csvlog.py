"""The screening log: one CSV row per patient; the first six columns are the contract's,
then when the patient is eligible (eligible_from, eligible_until: ISO dates or empty), so
a site can sort its pre-screened patients by when they can be enrolled, then an error
row's problems and the warnings (each `location: message`, several joined by " | ")."""

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


def header() -> str:
    return _row(HEADER)


def row(report: Report) -> str:
    return _row(
        [
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
    )


def render(reports: Iterable[Report]) -> str:
    return header() + "".join(row(r) for r in reports)


def _row(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue()
