"""A patient's FHIR resources -> a record dict, driven by the data dictionary's `codes` and
`answers` (no code list here), with the resource each value came from.

Open world: a value is written only from a resource that says it; nothing missing becomes
`false` or `[]`. Resources entered in error, refuted or unconfirmed, and observations not
final are left out; so is a result without a unit the dictionary accepts, and a field whose
latest results disagree on one date (each with a note). Explicit negatives: a coded answer
(not pregnant), and a condition an mCODE comorbidities Observation says is absent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from screen.fhir.bundle import PatientResources
from screen.fhir.medications import read_medications
from screen.fhir.models import (
    CodeableConcept,
    Condition,
    Medication,
    Observation,
    Patient,
    Quantity,
    Resource,
    parse,
)
from screen.record.dictionary import Dictionary, FieldSpec
from screen.rules.vocabulary import Vocabulary, unit_key

FINAL = {"final", "amended", "corrected"}
NOT_GIVEN = {
    "entered-in-error",
    "not-taken",
    "not-done",
    "cancelled",
    "draft",
    "unknown",
    "intended",  # a statement of a drug planned, not taken
}
NOT_SO = {"refuted", "entered-in-error", "unconfirmed", "provisional", "differential"}
PAST = {"inactive", "remission", "resolved"}


@dataclass(frozen=True, slots=True)
class Source:
    """Where a value came from: the resource (type/id) and its date."""

    resource: str
    date: str | None

    def __str__(self) -> str:
        return f"{self.resource}" + (f" ({self.date})" if self.date else "")


@dataclass(slots=True)
class Mapped:
    """One patient's record as read from FHIR, each filled field's sources, and notes on
    what was read but left out."""

    patient_id: str
    record: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, list[Source]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    medications: list[str] = field(default_factory=list)  # for people: drug, dates, source
    open_lists: list[str] = field(default_factory=list)  # lists read from the medications

    def screened(self) -> tuple[dict[str, Any], list[str]]:
        """The record to screen, and notes: the lists read from the medications are left
        out of it. The chart may not hold every regimen or course (open world: a list would
        assert there are no others, and decide "more than 4 regimens" or a steroid course
        on what is missing); `screen import` writes them for the coordinator to complete."""
        if not self.open_lists:
            return self.record, []
        record = dict(self.record)
        notes = []
        for path in self.open_lists:
            *parents, name = path.split(".")
            group = record  # a list inside a group: the groups on its path copied, not changed
            chain = []
            for step in parents:
                copied = dict(group.get(step) or {})
                group[step] = copied
                chain.append((group, step))
                group = copied
            read = group.pop(name, None)
            for holder, step in reversed(chain):  # a group left empty is not recorded at all
                if holder[step]:
                    break
                del holder[step]
            notes.append(
                f"{path}: {_entries(len(read or []))} read from the chart's "
                "medications, not screened: the chart may not hold them all (screen import "
                "writes them; complete the record, then screen it)"
            )
        return record, notes


def map_patient(
    group: PatientResources, dictionary: Dictionary, vocabulary: Vocabulary | None = None
) -> Mapped:
    """The record dict of one patient's resources under these dictionaries; with the drug
    vocabulary, its medications too (the list rows with a `medications:` reading)."""
    mapped = Mapped(group.patient_id)
    observations: list[Observation] = []
    conditions: list[Condition] = []
    medications: list[Medication] = []
    for raw in group.resources:
        resource = parse(raw)
        if resource is None:
            if raw.get("resourceType") in ("Patient", "Observation", "Condition") or str(
                raw.get("resourceType")
            ).startswith("Medication"):
                mapped.notes.append(f"{_name(raw)}: malformed, left out")
            continue
        if isinstance(resource, Patient):
            _patient(resource, mapped, dictionary)
        elif isinstance(resource, Observation):
            if resource.status in FINAL:
                observations.append(resource)
            else:
                mapped.notes.append(f"{_ref(resource)}: status {resource.status}, left out")
        elif isinstance(resource, Medication):
            if _medication(resource, mapped):
                medications.append(resource)
        elif isinstance(resource, Condition):
            verification = _codes(resource.verificationStatus)
            if verification & NOT_SO:
                mapped.notes.append(
                    f"{_ref(resource)}: {', '.join(sorted(verification))}, left out"
                )
            else:
                conditions.append(resource)
    reader = _Reader(dictionary, mapped)
    for spec in dictionary.fields.values():
        if not spec.codes or _inside_list(spec, dictionary):
            continue
        if spec.type == "quantity":
            reader.quantity(spec, observations)
        elif spec.type == "group":
            reader.group(spec, observations)
        elif spec.type in ("integer", "number", "choice") and not _group_read(spec, dictionary):
            reader.value(spec, observations)
        elif spec.type == "yes_no":
            reader.condition(spec, conditions, observations)
    if vocabulary is not None:
        read_medications(
            medications, observations, dictionary, vocabulary, reader.put_list, mapped.notes.append
        )
    return mapped


class _Reader:
    def __init__(self, dictionary: Dictionary, mapped: Mapped) -> None:
        self.dictionary = dictionary
        self.mapped = mapped
        self.aliases = {unit_key(alias): code for alias, code in dictionary.unit_aliases.items()}

    def matches(self, concept: CodeableConcept | None, codes: dict[str, str | list[str]]) -> bool:
        return concept is not None and any(
            coding.system in self.dictionary.code_systems.get(name, [])
            and coding.code in ([wanted] if isinstance(wanted, str) else wanted)
            for coding in concept.coding
            for name, wanted in codes.items()
        )

    def answer(self, spec: FieldSpec, concept: CodeableConcept | None) -> str | None:
        for value, codes in spec.answers.items():
            if self.matches(concept, codes):
                return value
        return None

    def put(self, path: str, value: Any, sources: list[Source]) -> None:
        *parents, name = path.split(".")
        node = self.mapped.record
        for step in parents:
            node = node.setdefault(step, {})
        node[name] = value
        self.mapped.provenance[path] = sources

    def put_list(
        self,
        path: str,
        entries: list[dict[str, Any]],
        sources: list[list[tuple[str, str | None]]],
    ) -> None:
        """A list field's entries, each with its sources (as `path.N`)."""
        self.put(path, entries, [])
        del self.mapped.provenance[path]
        self.mapped.open_lists.append(path)
        for index, each in enumerate(sources):
            self.mapped.provenance[f"{path}.{index}"] = [Source(r, d) for r, d in each]

    def latest(
        self, spec: FieldSpec, found: list[tuple[Observation, Any]]
    ) -> tuple[Observation, Any] | None:
        """The latest dated reading; readings of that day that disagree leave it unknown."""
        dated = [(obs, value) for obs, value in found if obs.date is not None]
        if not dated:
            return None
        day = max(obs.date or "" for obs, _ in dated)
        same = sorted(
            ((obs, value) for obs, value in dated if obs.date == day), key=lambda r: _ref(r[0])
        )  # the same readings in any order give the same record
        if len({repr(value) for _, value in same}) > 1:
            self.mapped.notes.append(
                f"{spec.path}: conflicting results on {day} "
                f"({', '.join(_ref(obs) for obs, _ in same)}), left out"
            )
            return None
        return same[0]

    def quantity(self, spec: FieldSpec, observations: list[Observation]) -> None:
        by_day: dict[str, list[tuple[Observation, dict[str, Any]]]] = {}
        for obs in observations:
            if not self.matches(obs.code, spec.codes):
                continue
            result = self.result(spec, obs)
            if result is not None and obs.date is not None:
                by_day.setdefault(obs.date, []).append((obs, result))
        kept: list[tuple[Observation, dict[str, Any]]] = []
        for day in sorted(by_day):
            readings = sorted(by_day[day], key=lambda reading: _ref(reading[0]))
            if len({(r["value"], r["unit"]) for _, r in readings}) > 1:
                self.mapped.notes.append(
                    f"{spec.path}: conflicting results on {day} "
                    f"({', '.join(_ref(obs) for obs, _ in readings)}), left out"
                )
                if day == max(by_day):
                    kept = []  # the latest value is in doubt: an older one must not stand in
                continue
            kept.append(readings[0])  # duplicates of one value count once
        if not kept:
            return
        sources = [Source(_ref(obs), obs.date) for obs, _ in kept]
        if spec.series:
            self.put(spec.path, [result for _, result in kept], sources)
        else:
            self.put(spec.path, kept[-1][1], sources[-1:])

    def result(self, spec: FieldSpec, obs: Observation) -> dict[str, Any] | None:
        quantity = obs.valueQuantity
        if quantity is None or quantity.value is None:
            self.mapped.notes.append(f"{spec.path}: {_ref(obs)} has no numeric value, left out")
            return None
        if quantity.comparator:
            self.mapped.notes.append(
                f"{spec.path}: {_ref(obs)}: a bound ({quantity.comparator} {quantity.value}), "
                "not a result, left out"
            )
            return None
        unit = self.unit(spec, quantity)
        if unit is None:
            written = quantity.code or quantity.unit
            why = f"unit {written!r} is not a unit of {spec.name}" if written else "no unit"
            self.mapped.notes.append(f"{spec.path}: {_ref(obs)}: {why}, left out")
            return None
        result: dict[str, Any] = {"value": quantity.value, "unit": unit, "date": obs.date}
        if spec.reference_range and obs.referenceRange:
            limits = obs.referenceRange[0]
            for name, bound in (("uln", limits.high), ("lln", limits.low)):
                if bound is None or bound.value is None:
                    continue
                if not (bound.code or bound.unit) or self.unit(spec, bound) == unit:
                    result[name] = bound.value
        return result

    def unit(self, spec: FieldSpec, quantity: Quantity) -> str | None:
        """The result's UCUM code: `code` when the system is UCUM, else `unit` through the
        dictionary's aliases; None when the field does not accept it."""
        accepted = {spec.unit or "", *spec.accepts}
        ucum = self.dictionary.code_systems.get("ucum", [])
        written = quantity.code if quantity.system in ucum and quantity.code else quantity.unit
        if not written:
            return None
        aliases = {unit_key(code): code for code in accepted}
        aliases.update(self.aliases)
        code = aliases.get(unit_key(written))
        return code if code in accepted else None

    def group(self, spec: FieldSpec, observations: list[Observation]) -> None:
        children = self.dictionary.children(spec.path)
        found = []
        for obs in observations:
            if not self.matches(obs.code, spec.codes):
                continue
            values: dict[str, Any] = {}
            for child in children:
                value = self.child_value(child, obs)
                if value is not None:
                    values[child.name] = value
            if any(isinstance(v, int | float) for v in values.values()):
                found.append((obs, values))
        day = max((obs.date for obs, _ in found if obs.date), default=None)
        if day is None:
            return  # undated readings are not evidence of when
        readings = sorted(((o, v) for o, v in found if o.date == day), key=lambda r: _ref(r[0]))
        values = {}
        for _, reading in readings:  # one day's parts (a systolic, a diastolic) make one reading
            for name, value in reading.items():
                if values.setdefault(name, value) != value:
                    self.mapped.notes.append(
                        f"{spec.path}: conflicting results on {day} "
                        f"({', '.join(_ref(o) for o, _ in readings)}), left out"
                    )
                    return
        obs = readings[0][0]
        source = [Source(_ref(o), o.date) for o, _ in readings]
        for child in children:
            if child.type == "date" and obs.date is not None:
                values[child.name] = obs.date
        for name, value in values.items():
            self.put(f"{spec.path}.{name}", value, source)

    def child_value(self, child: FieldSpec, obs: Observation) -> Any:
        if child.type in ("integer", "number"):
            if child.codes:
                if self.matches(obs.code, child.codes):
                    return self.number(child, obs, obs.valueQuantity, obs.valueInteger)
                for part in obs.component:
                    if self.matches(part.code, child.codes):
                        return self.number(child, obs, part.valueQuantity, part.valueInteger)
                return None
            return self.number(child, obs, obs.valueQuantity, obs.valueInteger)
        if child.type == "choice" and child.answers:
            return self.answer(child, obs.code)
        return None

    def number(
        self, spec: FieldSpec, obs: Observation, quantity: Quantity | None, integer: int | None
    ) -> Any:
        """The number given; for a field with a `unit`, only with that unit or one it
        `accepts` (converted): a bare 0.61 could be a fraction or a percent, so a value
        without a unit the field knows is left out, with a note."""
        value = _number(spec, quantity, integer)
        if value is None or spec.unit is None:
            return value
        unit = self.unit(spec, quantity) if quantity is not None and integer is None else None
        if unit is None:
            written = (quantity.code or quantity.unit) if quantity is not None else None
            why = f"unit {written!r}" if written else "no unit"
            units = ", ".join(repr(u) for u in (spec.unit, *spec.accepts))
            self.mapped.notes.append(
                f"{spec.path}: {_ref(obs)}: {value} with {why}, left out (read in {units})"
            )
            return None
        conversion = spec.accepts.get(unit)
        return value if conversion is None else float(conversion.apply(Decimal(str(value))))

    def value(self, spec: FieldSpec, observations: list[Observation]) -> None:
        found = []
        for obs in observations:
            if not self.matches(obs.code, spec.codes):
                continue
            numeric = spec.type in ("integer", "number")
            value: Any = (
                self.number(spec, obs, obs.valueQuantity, obs.valueInteger) if numeric else None
            )
            if value is None:
                answer = self.answer(spec, obs.valueCodeableConcept)
                if answer is not None:
                    value = int(answer) if spec.type == "integer" else answer
                    value = float(answer) if spec.type == "number" else value
            if value is None:
                self.mapped.notes.append(f"{spec.path}: {_ref(obs)} has no value we read, left out")
                continue
            found.append((obs, value))
        chosen = self.latest(spec, found)
        if chosen is not None:
            self.put(spec.path, chosen[1], [Source(_ref(chosen[0]), chosen[0].date)])

    def condition(
        self, spec: FieldSpec, conditions: list[Condition], observations: list[Observation]
    ) -> None:
        """True from a current Condition with one of the codes; else the latest explicit
        answer: an Observation with the code and a boolean or a coded answer of `answers`, or
        an mCODE comorbidities Observation naming the code present or absent. A Condition wins
        over an older negative; a negative of its day or later (or beside an undated one)
        leaves the field unknown: the chart says both. Never false from silence."""
        current = sorted(
            (
                c
                for c in conditions
                if self.matches(c.code, spec.codes) and not (_codes(c.clinicalStatus) & PAST)
            ),
            key=_ref,
        )  # the same resources in any order give the same notes and sources
        answers = []
        for obs in observations:
            if self.matches(obs.code, spec.codes):
                coded = self.answer(spec, obs.valueCodeableConcept)
                value = obs.valueBoolean if coded is None else coded == "true"
                if value is not None:
                    answers.append((obs, value))
            stated = self.comorbidity(spec, obs)
            if stated is not None:
                answers.append((obs, stated))
        chosen = self.latest(spec, answers)
        if current:
            days = [c.date for c in current]
            if chosen is not None and chosen[1] is False:
                obs = chosen[0]
                if None in days or max(d for d in days if d) <= (obs.date or ""):
                    self.mapped.notes.append(
                        f"{spec.path}: {', '.join(_ref(c) for c in current)} says present, "
                        f"{_ref(obs)} ({obs.date}) says absent, left out"
                    )
                    return
            self.put(spec.path, True, [Source(_ref(c), c.date) for c in current])
            return
        if chosen is not None:
            self.put(spec.path, chosen[1], [Source(_ref(chosen[0]), chosen[0].date)])

    def comorbidity(self, spec: FieldSpec, obs: Observation) -> bool | None:
        """What an mCODE comorbidities Observation says of the field's condition: present
        (True), absent (False) or nothing (None; also when it says both), read as the
        dictionary's `comorbidities` say (STU2 components, STU3/STU4 extensions)."""
        said: set[bool] = set()
        for reading in self.dictionary.comorbidities:
            for part in obs.component:
                if self.matches(part.code, spec.codes):
                    if self.matches(part.valueCodeableConcept, reading.present):
                        said.add(True)
                    elif self.matches(part.valueCodeableConcept, reading.absent):
                        said.add(False)
            panel = self.matches(obs.code, reading.codes)
            for extension in obs.extension:
                if not self.matches(extension.valueCodeableConcept, spec.codes):
                    continue
                if extension.url in reading.absent_extensions:
                    said.add(False)
                elif panel and extension.url in reading.present_extensions:
                    said.add(True)
        if len(said) > 1:
            self.mapped.notes.append(
                f"{spec.path}: {_ref(obs)} says both present and absent, left out"
            )
            return None
        return said.pop() if said else None


def _medication(medication: Medication, mapped: Mapped) -> bool:
    """A drug the chart names, listed for the coordinator (and read into the medication
    lists when the vocabulary knows it); False when it is left out."""
    if medication.status in NOT_GIVEN:
        mapped.notes.append(f"{_ref(medication)}: status {medication.status}, left out")
        return False
    name = medication.name
    if name is None:
        mapped.notes.append(f"{_ref(medication)}: no drug name, left out")
        return False
    dates = " to ".join(d for d in (medication.start, medication.end) if d) or "no date"
    mapped.medications.append(f"{name}, {dates} ({_ref(medication)}, {medication.status})")
    return True


def _patient(patient: Patient, mapped: Mapped, dictionary: Dictionary) -> None:
    source = [Source(f"Patient/{patient.id}", None)]
    mapped.record["patient_id"] = mapped.patient_id
    mapped.provenance["patient_id"] = source
    sex = dictionary.fields.get("sex")
    if sex is not None and sex.choices and patient.gender in sex.choices:
        mapped.record["sex"] = patient.gender
        mapped.provenance["sex"] = source
    if "birth_date" in dictionary.fields and patient.birthDate and len(patient.birthDate) == 10:
        mapped.record["birth_date"] = patient.birthDate
        mapped.provenance["birth_date"] = source


def _number(spec: FieldSpec, quantity: Quantity | None, integer: int | None) -> Any:
    """The number given; a bound (`<`, `>` ...) is not a value and gives None."""
    if quantity is not None and quantity.comparator:
        return None
    value = integer if integer is not None else (quantity.value if quantity else None)
    if value is None:
        return None
    if spec.type == "integer":
        return int(value) if float(value).is_integer() else None
    return float(value)


def _codes(concept: CodeableConcept | None) -> set[str]:
    return {c.code for c in concept.coding if c.code} if concept is not None else set()


def _ref(resource: Resource) -> str:
    return f"{resource.resourceType}/{resource.id}"


def _name(raw: dict[str, Any]) -> str:
    return f"{raw.get('resourceType')}/{raw.get('id')}"


def _inside_list(spec: FieldSpec, dictionary: Dictionary) -> bool:
    parent = spec.parent
    while parent:
        if dictionary.fields[parent].type == "list":
            return True
        parent = dictionary.fields[parent].parent
    return False


def _group_read(spec: FieldSpec, dictionary: Dictionary) -> bool:
    """A field read with its group (a blood pressure's systolic), not on its own."""
    parent = dictionary.fields.get(spec.parent) if spec.parent else None
    return parent is not None and parent.type == "group" and bool(parent.codes)


def _entries(count: int) -> str:
    return f"{count} entry" if count == 1 else f"{count} entries"
