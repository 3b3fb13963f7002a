"""A FHIR export screened as records: a Bundle file or a bulk export folder gives one Report
per Patient, through the same validation as a YAML record (screening.screen_data)."""

from __future__ import annotations

import datetime
from pathlib import Path

from screen.errors import InputError, Problem
from screen.fhir.bundle import PatientResources, is_bulk_folder, is_bundle, read_bulk, read_bundle
from screen.fhir.mapping import Mapped, map_patient
from screen.load import Criteria
from screen.paths import display_name
from screen.report import Report
from screen.screening import screen_data, stamp
from screen.window import DEFAULT_HORIZON_DAYS


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
    try:
        groups = read_patients(path)
    except InputError as exc:
        return [
            Report(None, display_name(path), as_of, "error", stamp(criteria), problems=exc.problems)
        ]
    if not groups:
        problem = Problem("no Patient resource in this FHIR export", display_name(path), None, "")
        return [
            Report(None, display_name(path), as_of, "error", stamp(criteria), problems=[problem])
        ]
    reports = []
    for group in groups:
        mapped = map_patient(group, criteria.catalog.dictionary)
        source = source_of(path, mapped)
        reports.append(
            screen_data(
                mapped.record,
                "",
                source,
                criteria,
                as_of,
                today,
                horizon_days,
                notes_of(mapped, source),
            )
        )
    return reports
