"""Several trials at once: a record is read and validated once, then screened against each
criteria set, one report per set in the order the sets were given.

With several sets a record is validated against the union of their data dictionaries (a
field only one trial knows is valid when that trial is screened beside the others); with
one set, against that set's own dictionaries, exactly as `screen_file` does.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from screen.engine.window import DEFAULT_HORIZON_DAYS
from screen.errors import InputError
from screen.load import Criteria, validate_patient
from screen.paths import display_name
from screen.record import yamlio
from screen.record.model import record_model
from screen.report.report import Report
from screen.rules.sources import union_dictionary
from screen.rules.vocabulary import Vocabulary
from screen.screening import error_report, screen_record


@dataclass(frozen=True, slots=True)
class Trials:
    """The criteria sets screened together, and what a record is validated with: the one
    set itself, or (several) the union of their dictionaries and units."""

    sets: tuple[Criteria, ...]
    validator: Criteria

    @property
    def several(self) -> bool:
        return len(self.sets) > 1

    @property
    def ids(self) -> list[str]:
        return [c.rules.criteria_set.id for c in self.sets]


def trials_of(sets: Sequence[Criteria]) -> Trials:
    """The sets to screen against; InputError when their dictionaries disagree on a field."""
    chosen = tuple(sets)
    if len(chosen) == 1:
        return Trials(chosen, chosen[0])
    first = chosen[0]
    dictionary = union_dictionary([c.catalog for c in chosen])
    analytes: dict[str, Any] = {}
    aliases: dict[str, str] = {}
    for criteria in chosen:
        for name, analyte in criteria.catalog.analytes.items():
            analytes.setdefault(name, analyte)
        for alias, code in criteria.catalog.unit_aliases.items():
            aliases.setdefault(alias, code)
    catalog = dataclasses.replace(
        first.catalog, dictionary=dictionary, analytes=analytes, unit_aliases=aliases
    )
    validator = dataclasses.replace(
        first,
        catalog=catalog,
        vocabulary=Vocabulary.from_catalog(catalog, {}),
        record=record_model(dictionary),
    )
    return Trials(chosen, validator)


def screen_trials(
    path: Path,
    trials: Trials,
    as_of: datetime.date | None = None,
    today: datetime.date | None = None,
    max_bytes: int = yamlio.DEFAULT_MAX_BYTES,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> list[Report]:
    """One report per criteria set. A record that cannot be read or is invalid gives one
    error report per set, each with the same problems."""
    source = display_name(path)
    data = None
    try:
        text = yamlio.read_text(path, max_bytes)
        data = yamlio.parse_mapping(text, source)
        patient, screening_date = validate_patient(
            data, text, source, trials.validator, as_of, today or datetime.date.today()
        )
    except InputError as exc:
        return [error_report(data, source, as_of, c, exc.problems) for c in trials.sets]
    return [
        screen_record(patient, screening_date, data, text, source, criteria, horizon_days)
        for criteria in trials.sets
    ]


def criteria_files(paths: Sequence[Path]) -> list[Path]:
    """The criteria files named: a folder gives every criteria set directly in it (*.yaml,
    sorted; data dictionaries and vocabularies beside them are not criteria sets). A file
    named twice counts once."""
    found: dict[Path, Path] = {}
    for path in paths:
        if path.is_dir():
            for member in sorted(path.glob("*.yaml")):
                if member.is_file() and not _dictionary_or_vocabulary(member):
                    found.setdefault(member.resolve(), member)
        else:
            found.setdefault(path.resolve(), path)
    return list(found.values())


def _dictionary_or_vocabulary(path: Path) -> bool:
    """A file a criteria set uses rather than one: a mapping with a `dictionary` or a
    `vocabulary` and no `criteria`. A file that cannot be read is loaded, to report why."""
    try:
        data = yamlio.parse_mapping(yamlio.read_text(path), display_name(path), criteria=True)
    except (InputError, OSError):
        return False
    return "criteria" not in data and ("dictionary" in data or "vocabulary" in data)


def shared_ids(sets: Sequence[Criteria]) -> list[str]:
    """Ids borne by more than one of the sets (their reports could not be told apart)."""
    ids = [c.rules.criteria_set.id for c in sets]
    return sorted({i for i in ids if ids.count(i) > 1})
