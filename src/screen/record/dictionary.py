"""The record as data: data dictionaries (core + a trial's extensions) loaded and merged.

A dictionary lists every field of the patient record as a row, as REDCap's data dictionary
or OMOP's field tables do: its dotted path, type, allowed values, plausible range, units and
a one-line description. The bundled core dictionary is the layout of
shared/spec/patient-record.md; a trial adds the fields it needs in an extension file. The
record model is built from the merged rows (screen.record.model); nothing about fields is in Python.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from screen.errors import InputError, Problem, dotted_path
from screen.record import yamlio
from screen.rules.language import Conversion

FieldKind = Literal[
    "yes_no",
    "integer",
    "number",
    "date",
    "choice",
    "text",
    "drug",
    "drugs",
    "dates",
    "group",
    "list",
    "quantity",
]
CONTAINERS = ("group", "list")


class _Spec(BaseModel):
    # built on first use: a run whose criteria come checked from the cache never validates one
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class RequiredWhen(_Spec):
    """A group's field that must be given when another has a value (a signed consent's date)."""

    field: str
    is_: bool | int | str = Field(alias="is")
    then: str
    message: str


class AreaReading(_Spec):
    """A body surface area Observation a dose is divided by: its codes, unit, and how many
    days before the administration it may be."""

    codes: dict[str, str | list[str]]
    unit: str
    dose_unit: str
    within_days: Annotated[int, Field(ge=0)]


class MedicationReading(_Spec):
    """How a list field is read from the chart's MedicationStatement/Request/Administration
    resources (screen.fhir.medications): which agents, by their classes in the drug
    vocabulary, and which field of an entry takes what."""

    read_as: Literal["regimens", "cumulative_doses", "courses"]
    classes: list[str]  # an agent of one of these classes goes in
    set_aside: list[str] = Field(default_factory=list)  # ... unless it has one of these
    fields: dict[str, str]  # role (agents, agent, start, end, ongoing, dose, route) -> entry field
    join_within_days: Annotated[int, Field(ge=0)] | None = None  # regimens: starts this close
    same_course_within_days: Annotated[int, Field(ge=0)] | None = None  # one drug's uses
    dose_unit: str | None = None  # cumulative_doses: a dose given in it counts as it is
    area: AreaReading | None = None  # ... or in area.dose_unit divided by the body area

    @model_validator(mode="after")
    def _roles(self) -> MedicationReading:
        needed, allowed = ROLES[self.read_as]
        if not needed <= set(self.fields) <= allowed:
            raise ValueError(
                f"`fields` of a {self.read_as} reading: {', '.join(sorted(needed))} needed,"
                f" only {', '.join(sorted(allowed))} allowed"
            )
        return self


# each reading's roles: (needed, allowed)
ROLES = {
    "regimens": ({"agents", "start", "end"}, {"agents", "start", "end"}),
    "cumulative_doses": ({"agent", "dose"}, {"agent", "dose"}),
    "courses": ({"agent"}, {"agent", "start", "end", "ongoing", "route", "daily_dose"}),
}


class ComorbidityReading(_Spec):
    """How an mCODE comorbidities Observation states that a condition is present or absent:
    STU2 components (a condition or category code, valued `present` / `absent`), STU3/STU4
    extensions on the Observation (one URL for present, one for absent), the present one read
    only on an Observation with one of `codes` (it is a generic "related condition")."""

    codes: dict[str, str | list[str]]
    present: dict[str, str | list[str]]
    absent: dict[str, str | list[str]]
    present_extensions: list[str] = Field(default_factory=list)
    absent_extensions: list[str] = Field(default_factory=list)


class FieldSpec(_Spec):
    """One row of a dictionary: a field of the record."""

    path: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")]
    type: FieldKind
    description: str = ""
    required: bool = False
    choices: list[str] | None = None
    min: float | None = None
    max: float | None = None
    above: float | None = None
    min_items: Annotated[int, Field(ge=0)] | None = None
    series: bool = False
    unit: str | None = None
    accepts: dict[str, Conversion] = Field(default_factory=dict)
    reference_range: bool = False
    codes: dict[str, str | list[str]] = Field(default_factory=dict)
    answers: dict[str, dict[str, str | list[str]]] = Field(default_factory=dict)
    agrees_with_age: str | None = None
    required_when: RequiredWhen | None = None
    not_before: str | None = None
    false_when_given: str | None = None
    message_when_both: str | None = None
    medications: MedicationReading | None = None

    @model_validator(mode="after")
    def _fits_its_type(self) -> FieldSpec:
        if self.medications is not None and self.type != "list":
            raise ValueError("`medications` is for list fields")
        if (self.type == "choice") != (self.choices is not None):
            raise ValueError("`choices` is given exactly for a field of type choice")
        if self.type == "quantity" and not self.unit:
            raise ValueError("a quantity needs its analyte's `unit`")
        if self.type not in ("quantity", "number") and (self.unit or self.accepts):
            # a number's unit is the one the record holds it in; `accepts` converts a value
            # read from FHIR in another unit (an LVEF given as the fraction 1 is x 100 %)
            raise ValueError("`unit` and `accepts` are for quantities and numbers")
        if self.type != "quantity" and self.reference_range:
            raise ValueError("`reference_range` is for quantities")
        if self.series and self.type != "quantity":
            raise ValueError("`series` is for quantities")
        numeric = self.type in ("integer", "number")
        if not numeric and any(v is not None for v in (self.min, self.max, self.above)):
            raise ValueError("`min`, `max` and `above` are for integer and number fields")
        if self.required_when is not None and self.type != "group":
            raise ValueError("`required_when` is for groups")
        if self.answers and self.type not in ("choice", "integer", "number", "yes_no"):
            raise ValueError("`answers` is for choice, integer, number and yes/no fields")
        if self.choices is not None and not set(self.answers) <= set(self.choices):
            raise ValueError("`answers` maps only the field's `choices`")
        if self.type == "yes_no" and not set(self.answers) <= {"true", "false"}:
            raise ValueError('a yes/no field\'s `answers` are "true" and "false"')
        return self

    @property
    def name(self) -> str:
        return self.path.rsplit(".", 1)[-1]

    @property
    def parent(self) -> str:
        return self.path.rsplit(".", 1)[0] if "." in self.path else ""


class DictionaryIdentity(_Spec):
    id: str
    title: str
    version: str


class DictionaryFile(_Spec):
    """A dictionary file: its identity, unit spellings and field rows."""

    dictionary: DictionaryIdentity
    code_systems: dict[str, list[str]] = Field(default_factory=dict)
    unit_aliases: dict[str, str] = Field(default_factory=dict)
    comorbidities: ComorbidityReading | None = None
    fields: list[FieldSpec]


@dataclass(frozen=True, slots=True)
class Dictionary:
    """Merged dictionaries: every field by path, in file order, and the unit spellings."""

    sources: tuple[tuple[str, str], ...]  # (id, sha256) of each file, in order
    fields: dict[str, FieldSpec] = field(default_factory=dict)
    unit_aliases: dict[str, str] = field(default_factory=dict)
    code_systems: dict[str, list[str]] = field(default_factory=dict)
    comorbidities: list[ComorbidityReading] = field(default_factory=list)  # of every file

    @property
    def key(self) -> tuple[tuple[str, str], ...]:
        return self.sources

    def children(self, parent: str) -> list[FieldSpec]:
        return [f for f in self.fields.values() if f.parent == parent]

    def quantities(self) -> list[FieldSpec]:
        return [f for f in self.fields.values() if f.type == "quantity"]


_LOADED: dict[tuple[str, str], tuple[DictionaryFile, str]] = {}


def read_dictionary(path: Path) -> tuple[DictionaryFile, str]:
    """One dictionary file, validated (every problem with its line), and its sha256."""
    source = str(path)
    text = yamlio.read_text(path)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    cached = _LOADED.get((source, digest))
    if cached is not None:
        return cached
    from screen.load import read_model

    parsed = read_model(text, source, DictionaryFile)
    _LOADED[(source, digest)] = (parsed, digest)
    return parsed, digest


def merge(files: list[tuple[DictionaryFile, str, str]]) -> Dictionary:
    """Core first, then extensions: a field may be added, never defined twice; a dotted
    field's parent must be a group or a list defined before it."""
    merged = Dictionary(tuple((f.dictionary.id, digest) for f, digest, _ in files))
    problems: list[Problem] = []
    for dictionary, _, source in files:
        for index, spec in enumerate(dictionary.fields):
            where = dotted_path(("fields", index))
            known = merged.fields.get(spec.path)
            if known is not None and known != spec:
                problems.append(
                    Problem(
                        f"field {spec.path!r} is already defined differently", source, None, where
                    )
                )
                continue
            parent = merged.fields.get(spec.parent) if spec.parent else None
            if spec.parent and (parent is None or parent.type not in CONTAINERS):
                problems.append(
                    Problem(
                        f"field {spec.path!r}: {spec.parent!r} is not a group or list defined before it",
                        source,
                        None,
                        where,
                    )
                )
                continue
            merged.fields[spec.path] = spec
        merged.unit_aliases.update(dictionary.unit_aliases)
        for name, systems in dictionary.code_systems.items():
            merged.code_systems[name] = [*merged.code_systems.get(name, []), *systems]
        if dictionary.comorbidities is not None:
            merged.comorbidities.append(dictionary.comorbidities)
    for spec in merged.fields.values():
        unknown = sorted(set(spec.codes).union(*spec.answers.values()) - set(merged.code_systems))
        if unknown:
            problems.append(
                Problem(
                    f"field {spec.path!r}: code system(s) {', '.join(unknown)} not in any "
                    "dictionary's `code_systems`",
                    files[-1][2] if files else "",
                    None,
                    "",
                )
            )
        reading = spec.medications
        missing = [
            name
            for name in (reading.fields.values() if reading is not None else ())
            if f"{spec.path}.{name}" not in merged.fields
        ]
        if missing:
            problems.append(
                Problem(
                    f"field {spec.path!r}: `medications` names {', '.join(missing)}, not a "
                    "field of its entries",
                    files[-1][2] if files else "",
                    None,
                    "",
                )
            )
    for comorbidities in merged.comorbidities:
        used = [comorbidities.codes, comorbidities.present, comorbidities.absent]
        unknown = sorted(set().union(*used) - set(merged.code_systems))
        if unknown:
            problems.append(
                Problem(
                    f"comorbidities: code system(s) {', '.join(unknown)} not in any "
                    "dictionary's `code_systems`",
                    files[-1][2] if files else "",
                    None,
                    "",
                )
            )
    if problems:
        raise InputError(problems)
    return merged


def load_dictionaries(paths: list[Path]) -> Dictionary:
    files = []
    for path in paths:
        parsed, digest = read_dictionary(path)
        files.append((parsed, digest, str(path)))
    try:
        return merge(files)
    except InputError as error:
        raise InputError([_with_line(problem) for problem in error.problems]) from None


def _with_line(problem: Problem) -> Problem:
    """A merge problem names a field entry of a file (`fields[3]`): its line, found again in
    that file's text (read again only when there is a problem to show)."""
    index = problem.field.removeprefix("fields[").removesuffix("]")
    if problem.line is not None or not problem.field.startswith("fields[") or not index.isdigit():
        return problem
    line = yamlio.Locator(yamlio.read_text(Path(problem.file))).line(("fields", int(index)))
    return replace(problem, line=line)


def field_kind(spec: FieldSpec) -> str:
    """A field's type as a person reads it."""
    kind = spec.type.replace("_", "/")
    if spec.type == "quantity":
        kind = "dated result" + (" or a list of them" if spec.series else "")
    if spec.required:
        kind += ", required"
    return kind


def field_values(spec: FieldSpec) -> str:
    """What a field may hold: its choices, range, units or item count."""
    if spec.choices is not None:
        return " / ".join(spec.choices)
    if spec.type in ("integer", "number"):
        low = (
            f"> {_num(spec.above)}"
            if spec.above is not None
            else (f">= {_num(spec.min)}" if spec.min is not None else "")
        )
        high = f"<= {_num(spec.max)}" if spec.max is not None else ""
        return ", ".join(part for part in (low, high) if part) or "-"
    if spec.type == "quantity":
        return ", ".join([spec.unit or "", *spec.accepts])
    if spec.min_items:
        return f"at least {spec.min_items}"
    return "-"


def _num(value: float | None) -> str:
    return "" if value is None else (str(int(value)) if float(value).is_integer() else str(value))
