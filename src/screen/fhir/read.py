"""A FHIR export screened as records: a Bundle file or a bulk export folder gives one Report
per Patient, through the same validation as a YAML record (screening.screen_data)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path

from screen.engine.window import DEFAULT_HORIZON_DAYS
from screen.errors import InputError, Problem
from screen.fhir.bundle import PatientResources, is_bulk_folder, is_bundle, read_bulk, read_bundle
from screen.fhir.mapping import Mapped, map_patient
from screen.load import Criteria
from screen.paths import display_name
from screen.report.report import Report
from screen.screening import screen_data, stamp


def is_fhir(path: Path) -> bool:
    """A Bundle JSON file or a bulk export folder (told apart from a YAML record by content)."""
    return is_bundle(path) or is_bulk_folder(path)


def read_patients(path: Path) -> list[PatientResources]:
    return read_bulk(path) if path.is_dir() else read_bundle(path)


def source_of(path: Path, mapped: Mapped) -> str:
    return f"{display_name(path)}#Patient/{mapped.patient_id}"


def notes_of(mapped: Mapped, source: str) -> list[Problem]:
    """What was read but left out, as warnings beside the report."""
    return [Problem(note, source, None, "") for note in mapped.notes]


def screen_fhir(
    path: Path,
    criteria: Criteria,
    as_of: datetime.date | None = None,
    today: datetime.date | None = None,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> list[Report]:
    """One report per patient of the export; an unreadable export is one `error` report."""
    _, reports = fhir_reports(path, criteria, as_of, today, horizon_days)
    return [report for report, _ in reports]


def fhir_reports(
    path: Path,
    criteria: Criteria,
    as_of: datetime.date | None = None,
    today: datetime.date | None = None,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> tuple[int, Iterator[tuple[Report, Mapped | None]]]:
    """How many reports the export gives, and the reports (each with the record read, for
    its sources), screened one at a time as they are consumed."""
    name = display_name(path)
    try:
        groups = read_patients(path)
    except InputError as exc:
        report = Report(None, name, as_of, "error", stamp(criteria), problems=exc.problems)
        return 1, iter([(report, None)])
    if not groups:
        problem = Problem("no Patient resource in this FHIR export", name, None, "")
        report = Report(None, name, as_of, "error", stamp(criteria), problems=[problem])
        return 1, iter([(report, None)])

    def screened() -> Iterator[tuple[Report, Mapped | None]]:
        for group in groups:
            try:
                mapped = map_patient(group, criteria.catalog.dictionary)
                source = source_of(path, mapped)
                notes = notes_of(mapped, source)
                report = screen_data(
                    mapped.record, "", source, criteria, as_of, today, horizon_days, notes
                )
            except Exception as exc:  # a bug in screen, not in the export: say so, go on
                where = f"{name}#Patient/{group.patient_id}"
                message = f"internal error, please report: {type(exc).__name__}: {exc}"
                problem = Problem(message, where, None, "")
                yield Report(None, where, as_of, "error", stamp(criteria), problems=[problem]), None
                continue
            yield report, mapped

    return len(groups), screened()


def sources_of(mapped: Mapped) -> list[tuple[str, str]]:
    """Each field read from FHIR and where it came from, for people."""
    return [
        (path, ", ".join(str(source) for source in sources))
        for path, sources in mapped.provenance.items()
    ]


def explain_fhir(
    path: Path,
    criteria: Criteria,
    as_of: datetime.date | None,
    today: datetime.date,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> tuple[Report, list[tuple[str, str]]] | str:
    """The one patient of a Bundle with the sources of its values, or why not (a message)."""
    count, reports = fhir_reports(path, criteria, as_of, today, horizon_days)
    if count != 1:
        return (
            f"{display_name(path)} holds {count} patients: explain reads one "
            "(screen check it, or screen import it and explain each record)"
        )
    report, mapped = next(reports)
    return report, [] if mapped is None else sources_of(mapped)
