"""A FHIR export screened as records: a Bundle file or a bulk export folder gives one unit of
batch work per Patient, screened through the same validation as a YAML record."""

from __future__ import annotations

import datetime
import gc
from dataclasses import dataclass
from pathlib import Path

from screen.engine.window import DEFAULT_HORIZON_DAYS
from screen.errors import InputError, Problem
from screen.fhir.bundle import PatientResources, is_bulk_folder, is_bundle, read_bulk, read_bundle
from screen.fhir.mapping import Mapped, map_patient
from screen.load import Criteria, validate_patient
from screen.paths import display_name
from screen.report.report import Report
from screen.screening import error_report, screen_record, stamp
from screen.trials import Trials, trials_of


@dataclass(frozen=True, slots=True)
class FhirPatient:
    """One patient of a FHIR export as a unit of batch work (sent to a worker whole), or an
    export that could not be read (its problems, screened as one error row)."""

    source: str  # "export#Patient/id", or the export's name when it gave no patient
    resources: PatientResources | None = None
    problems: tuple[Problem, ...] = ()


def is_fhir(path: Path) -> bool:
    """A Bundle JSON file or a bulk export folder (told apart from a YAML record by content)."""
    return is_bundle(path) or is_bulk_folder(path)


def read_patients(path: Path) -> list[PatientResources]:
    """The export's resources by patient. The cycle collector is paused meanwhile: parsed
    JSON holds no reference cycles, and collecting over a growing heap of resources costs
    about as much as parsing them (memory is freed by reference counting all the same)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return read_bulk(path) if path.is_dir() else read_bundle(path)
    finally:
        if enabled:
            gc.enable()


def fhir_patients(path: Path) -> list[FhirPatient]:
    """The export's patients in file order; an unreadable export, or one without a Patient,
    is one item carrying its problems."""
    name = display_name(path)
    try:
        groups = read_patients(path)
    except InputError as exc:
        return [FhirPatient(name, problems=tuple(exc.problems))]
    if not groups:
        return [
            FhirPatient(
                name, problems=(Problem("no Patient resource in this FHIR export", name, None, ""),)
            )
        ]
    return [FhirPatient(f"{name}#Patient/{group.patient_id}", group) for group in groups]


def notes_of(mapped: Mapped, source: str) -> list[Problem]:
    """What was read but left out, as warnings beside the report."""
    return [Problem(note, source, None, "") for note in mapped.notes]


def screen_patient(
    item: FhirPatient,
    trials: Trials,
    as_of: datetime.date | None = None,
    today: datetime.date | None = None,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> tuple[list[Report], Mapped | None]:
    """One report per criteria set (the record read once, validated as screen_trials does a
    YAML record), and the record read with its sources. Internal failures are error rows."""
    if item.resources is None:
        problems = list(item.problems)
        return [
            Report(None, item.source, as_of, "error", stamp(c), problems=problems)
            for c in trials.sets
        ], None
    try:
        validator = trials.validator
        mapped = map_patient(item.resources, validator.catalog.dictionary, validator.vocabulary)
        record, withheld = mapped.screened()
        notes = notes_of(mapped, item.source) + [
            Problem(note, item.source, None, "") for note in withheld
        ]
        try:
            patient, screening_date = validate_patient(
                record,
                "",
                item.source,
                trials.validator,
                as_of,
                today or datetime.date.today(),
            )
        except InputError as exc:
            return [
                error_report(record, item.source, as_of, c, exc.problems) for c in trials.sets
            ], mapped
        reports = [
            screen_record(patient, screening_date, record, "", item.source, c, horizon_days, notes)
            for c in trials.sets
        ]
    except Exception as exc:  # a bug in screen, not in the export: say so, go on
        message = f"internal error, please report: {type(exc).__name__}: {exc}"
        problem = Problem(message, item.source, None, "")
        return [
            Report(None, item.source, as_of, "error", stamp(c), problems=[problem])
            for c in trials.sets
        ], None
    return reports, mapped


def screen_fhir(
    path: Path,
    criteria: Criteria,
    as_of: datetime.date | None = None,
    today: datetime.date | None = None,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> list[Report]:
    """One report per patient of the export; an unreadable export is one `error` report."""
    trials = trials_of([criteria])
    return [
        report
        for item in fhir_patients(path)
        for report in screen_patient(item, trials, as_of, today, horizon_days)[0]
    ]


def sources_of(mapped: Mapped) -> list[tuple[str, str]]:
    """Each field read from FHIR and screened, and where it came from, for people."""
    return [
        (path, ", ".join(str(source) for source in sources))
        for path, sources in mapped.provenance.items()
        if not any(path == p or path.startswith(p + ".") for p in mapped.open_lists)
    ]


def explain_fhir(
    path: Path,
    trials: Trials,
    as_of: datetime.date | None,
    today: datetime.date,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> tuple[list[Report], list[tuple[str, str]]] | str:
    """The one patient of a Bundle (a report per criteria set) with the sources of its
    values, or why not (a message)."""
    items = fhir_patients(path)
    if len(items) != 1:
        return (
            f"{display_name(path)} holds {len(items)} patients: explain reads one "
            "(screen check it, or screen import it and explain each record)"
        )
    reports, mapped = screen_patient(items[0], trials, as_of, today, horizon_days)
    return reports, [] if mapped is None else sources_of(mapped)
