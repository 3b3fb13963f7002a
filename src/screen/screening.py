"""One record through the whole pipeline: load -> validate -> evaluate -> Report.

An unreadable or invalid record becomes a Report with verdict `error` and its problems:
it never raises, so one bad file never stops a batch.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from screen.engine.evaluate import evaluate
from screen.engine.trace import Outcome
from screen.engine.window import DEFAULT_HORIZON_DAYS, Eligibility, eligibility, tracks
from screen.errors import InputError, Problem, dotted_path
from screen.load import Criteria, validate_patient
from screen.paths import display_name
from screen.record import yamlio
from screen.report.quality import path_of, unrecognized_names
from screen.report.report import CriteriaStamp, Report, verdict_of
from screen.report.todo import Todo, fresh_until, todo


def stamp(criteria: Criteria) -> CriteriaStamp:
    identity = criteria.rules.criteria_set
    return CriteriaStamp(identity.id, identity.version, criteria.sha256)


def screen_file(
    path: Path,
    criteria: Criteria,
    as_of: datetime.date | None = None,
    today: datetime.date | None = None,
    max_bytes: int = yamlio.DEFAULT_MAX_BYTES,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> Report:
    """Screen one patient file; `as_of` overrides its screening date, `today` is the fallback;
    a file over `max_bytes` is refused without being read."""
    source = display_name(path)
    try:
        text = yamlio.read_text(path, max_bytes)
        data = yamlio.parse_mapping(text, source)
    except InputError as exc:
        return Report(None, source, as_of, "error", stamp(criteria), problems=exc.problems)
    return screen_data(data, text, source, criteria, as_of, today, horizon_days)


def screen_data(
    data: dict[str, Any],
    text: str,
    source: str,
    criteria: Criteria,
    as_of: datetime.date | None = None,
    today: datetime.date | None = None,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    notes: list[Problem] | None = None,
) -> Report:
    """Screen one record already read (a YAML file's mapping, or a record read from FHIR,
    whose `text` is empty and `notes` say what was read but left out)."""
    try:
        patient, screening_date = validate_patient(
            data, text, source, criteria, as_of, today or datetime.date.today()
        )
    except InputError as exc:
        return error_report(data, source, as_of, criteria, exc.problems)
    return screen_record(patient, screening_date, data, text, source, criteria, horizon_days, notes)


def error_report(
    data: Any, source: str, as_of: datetime.date | None, criteria: Criteria, problems: list[Problem]
) -> Report:
    """The report of a record that could not be read or is invalid: its problems, and the
    patient id if one could be read."""
    patient_id = data.get("patient_id") if isinstance(data, dict) else None
    return Report(
        patient_id if isinstance(patient_id, str) else None,
        source,
        as_of,
        "error",
        stamp(criteria),
        problems=problems,
    )


def screen_record(
    patient: Any,
    screening_date: datetime.date,
    data: dict[str, Any],
    text: str,
    source: str,
    criteria: Criteria,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    notes: list[Problem] | None = None,
) -> Report:
    """A validated record against one criteria set: outcomes, verdict, window, to-do;
    `notes` (what a FHIR export held but was left out) come first among its warnings."""
    rules, vocabulary = criteria.rules.criteria, criteria.vocabulary
    outcomes = evaluate(rules, vocabulary, patient, screening_date)
    warnings = [*(notes or []), *data_warnings(outcomes, criteria, data, text, source)]
    window = eligibility(rules, vocabulary, patient, outcomes, screening_date, horizon_days)
    return Report(
        patient.patient_id,
        source,
        screening_date,
        verdict_of(outcomes),
        stamp(criteria),
        outcomes,
        eligibility=window,
        warnings=warnings,
        todo=_todo(criteria, patient, outcomes, window),
        tracks=lambda: tracks(rules, vocabulary, patient, outcomes, screening_date, horizon_days),
    )


def data_warnings(
    outcomes: list[Outcome], criteria: Criteria, data: dict[str, Any], text: str, source: str
) -> list[Problem]:
    """Data problems that did not stop the screening, each where it stands in the file."""
    vocabulary = criteria.vocabulary
    locator = yamlio.Locator(text)  # composed only if a warning needs a line
    found = []
    for name, readers in unrecognized_names(outcomes).items():
        close = vocabulary.closest_names(name)
        hint = f" (did you mean {' or '.join(close)}?)" if close else ""
        path = path_of(data, name)
        found.append(
            Problem(
                f"drug name {name!r} is not in the vocabulary{hint}; read by {', '.join(readers)}",
                source,
                None if path is None else locator.line(path),
                "" if path is None else dotted_path(path),
            )
        )
    return found


def _todo(
    criteria: Criteria, patient: Any, outcomes: list[Outcome], window: Eligibility
) -> list[Todo]:
    """What to collect, dated for the planned enrollment date: the first day the record
    allows if the pending data are normal (their windows count back from that day)."""
    enroll_on = window.assumed_from
    if enroll_on is None:
        return todo(outcomes, model=type(patient))  # nothing to plan for: what is unknown now
    if enroll_on != window.as_of:
        pending = [c for c in criteria.rules.criteria if c.id in window.pending]
        outcomes = evaluate(pending, criteria.vocabulary, patient, enroll_on)
    items = todo(outcomes, enroll_on, type(patient))
    window.fresh_until = fresh_until(items)
    return items
