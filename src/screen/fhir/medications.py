"""A patient's medication resources -> the dictionary's medication lists (regimens,
cumulative doses, courses), as each list row's `medications:` reading says: which agents
(by their classes in the drug vocabulary), how they are grouped, which field takes what.

Open world: a list is written only when the chart names one of its agents (nothing is not
`[]`); a regimen's setting is never in the chart and stays empty; a cumulative dose is
written only when every use of the agent is an administration with a dose that can be put
in the field's unit (else the total stays empty: unknown).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from screen.fhir.models import CodeableConcept, Medication, Observation, Quantity
from screen.record.dictionary import Dictionary, FieldSpec, MedicationReading
from screen.rules.vocabulary import Vocabulary, unit_key

# a list field's path, its entries, and each entry's sources (resource, date)
Put = Callable[[str, list[dict[str, Any]], list[list[tuple[str, str | None]]]], None]
Note = Callable[[str], None]

ACTIVE = {"active", "in-progress"}
DONE = {"completed", "stopped"}


@dataclass(frozen=True, slots=True)
class Use:
    """One medication resource whose drug the vocabulary knows."""

    medication: Medication
    name: str  # the name as the chart gives it, as far as the vocabulary knows it
    generics: frozenset[str]
    classes: frozenset[str]

    @property
    def ref(self) -> str:
        return f"{self.medication.resourceType}/{self.medication.id}"

    @property
    def source(self) -> tuple[str, str | None]:
        return self.ref, self.medication.start


@dataclass(slots=True)
class _Group:
    """Uses read together (one drug's course, or one regimen's courses)."""

    uses: list[Use] = field(default_factory=list)

    @property
    def start(self) -> str | None:
        return min((u.medication.start for u in self.uses if u.medication.start), default=None)

    @property
    def end(self) -> str | None:
        """The last end, when every use has ended; else None (ongoing, or not said)."""
        ends = [u.medication.end for u in self.uses]
        return None if any(e is None for e in ends) else max(e for e in ends if e)

    @property
    def last_day(self) -> str:
        return max((u.medication.end or u.medication.start or "") for u in self.uses)


def read_medications(
    medications: list[Medication],
    observations: list[Observation],
    dictionary: Dictionary,
    vocabulary: Vocabulary,
    put: Put,
    note: Note,
) -> None:
    """Fill every list field with a `medications:` reading from the resources given."""
    readings = [s for s in dictionary.fields.values() if s.medications is not None]
    if not readings:
        return
    uses, unknown = [], []
    for medication in medications:
        if not _dated_well(medication):
            note(f"{_ref(medication)}: a malformed date, read into no list")
            continue
        use = _use(medication, vocabulary)
        if use is None:
            unknown.append(f"{medication.name} ({_ref(medication)})")
        else:
            uses.append(use)
    if unknown:
        note(
            f"{len(unknown)} medication(s) not in the drug vocabulary, read into no list: "
            + "; ".join(sorted(set(unknown))[:5])
            + ("; ..." if len(set(unknown)) > 5 else "")
        )
    for spec in readings:
        reading = spec.medications
        assert reading is not None
        wanted = set(reading.classes)
        chosen = [u for u in uses if u.classes & wanted and not u.classes & set(reading.set_aside)]
        if not chosen:
            continue  # open world: no such drug in the chart is not an empty list
        chosen.sort(key=lambda u: (u.medication.start or "9999", u.ref))
        reader = {"regimens": _regimens, "cumulative_doses": _doses, "courses": _courses}
        entries = reader[reading.read_as](chosen, reading, spec, dictionary, observations, note)
        put(spec.path, [entry for entry, _ in entries], [sources for _, sources in entries])


Entries = list[tuple[dict[str, Any], list[tuple[str, str | None]]]]


def _use(medication: Medication, vocabulary: Vocabulary) -> Use | None:
    """The drug of a resource through the vocabulary: its text or a coding's display, whole
    or its leading words ("epirubicin hydrochloride 2 MG/ML Injectable Solution")."""
    for written in medication.names:
        words = written.split()
        for count in range(len(words), 0, -1):
            name = " ".join(words[:count])
            resolved = vocabulary.resolve(name)
            if resolved is not None:
                return Use(medication, name, resolved.generics, resolved.classes)
    return None


def _dated_well(medication: Medication) -> bool:
    try:
        for day in (medication.start, medication.end):
            if day is not None:
                datetime.date.fromisoformat(day)
    except ValueError:
        return False
    return True


def _days(first: str, second: str) -> int:
    return (datetime.date.fromisoformat(second) - datetime.date.fromisoformat(first)).days


def _regimens(
    uses: list[Use],
    reading: MedicationReading,
    spec: FieldSpec,
    dictionary: Dictionary,
    observations: list[Observation],
    note: Note,
) -> Entries:
    """One drug's uses close together are a course; courses starting close to a regimen's
    first start are that regimen. An undated use is a regimen of its own (undated)."""
    gap, join = reading.same_course_within_days or 0, reading.join_within_days or 0
    courses: list[_Group] = []
    open_course: dict[frozenset[str], _Group] = {}
    undated = []
    for use in uses:
        if use.medication.start is None:
            undated.append(_Group([use]))
            continue
        course = open_course.get(use.generics)
        if course is not None and _days(course.last_day, use.medication.start) <= gap:
            course.uses.append(use)
            continue
        open_course[use.generics] = course = _Group([use])
        courses.append(course)
    regimens: list[_Group] = []
    for course in sorted(courses, key=lambda c: c.start or ""):
        first = regimens[-1].start if regimens else None
        if first is not None and _days(first, course.start or first) <= join:
            regimens[-1].uses += course.uses
        else:
            regimens.append(_Group(list(course.uses)))
    fields = reading.fields
    entries: Entries = []
    for regimen in [*regimens, *undated]:
        agents = list(dict.fromkeys(use.name for use in regimen.uses))
        entry: dict[str, Any] = {fields["agents"]: agents}
        if regimen.start is not None:
            entry[fields["start"]] = regimen.start
        if regimen.end is not None:
            entry[fields["end"]] = regimen.end
        elif not any(u.medication.status in ACTIVE for u in regimen.uses):
            note(
                f"{spec.path}: {', '.join(agents)} ({regimen.start or 'undated'}): no end date"
                " in the chart, read as still ongoing: check it"
            )
        entries.append((entry, [use.source for use in regimen.uses]))
    return entries


def _doses(
    uses: list[Use],
    reading: MedicationReading,
    spec: FieldSpec,
    dictionary: Dictionary,
    observations: list[Observation],
    note: Note,
) -> Entries:
    """One entry per agent; its total only from administrations whose every dose can be put
    in the field's unit (directly, or divided by a recent body surface area)."""
    by_agent: dict[frozenset[str], list[Use]] = {}
    for use in uses:
        by_agent.setdefault(use.generics, []).append(use)
    areas = _areas(reading, dictionary, observations)
    entries: Entries = []
    for agent_uses in by_agent.values():
        entry: dict[str, Any] = {reading.fields["agent"]: agent_uses[0].name}
        total = 0.0
        for use in agent_uses:
            dose, why = _dose(use, reading, dictionary, areas)
            if dose is None:
                note(f"{spec.path}: {use.name}: {use.ref} {why}: the cumulative dose is unknown")
                break
            total += dose
        else:
            entry[reading.fields["dose"]] = round(total, 1)
        entries.append((entry, [use.source for use in agent_uses]))
    return entries


def _dose(
    use: Use,
    reading: MedicationReading,
    dictionary: Dictionary,
    areas: list[tuple[str, float, str]],
) -> tuple[float | None, str]:
    """The dose of one use in the field's unit, or None and why not."""
    medication = use.medication
    if medication.resourceType != "MedicationAdministration":
        return None, "is not an administration (no dose given)"
    quantities = [d.quantity for d in medication.dosages if d.quantity is not None]
    if len(quantities) != 1 or quantities[0].value is None or quantities[0].comparator:
        return None, "has no dose"
    quantity, day = quantities[0], medication.start
    value = float(quantities[0].value)
    unit = _unit(quantity, dictionary)
    if reading.dose_unit is not None and unit == unit_key(reading.dose_unit):
        return value, ""
    area = reading.area
    if area is None or unit != unit_key(area.dose_unit):
        return None, f"has a dose in {quantity.code or quantity.unit or 'no unit'}"
    if day is None:
        return None, "is undated (no body surface area can be matched)"
    recent = [
        (on, size)
        for on, size, _ in areas
        if on <= day and _days(on, day) <= area.within_days and size > 0
    ]
    if not recent:
        return None, f"has no body surface area within {area.within_days} days before it"
    return value / max(recent)[1], ""


def _areas(
    reading: MedicationReading, dictionary: Dictionary, observations: list[Observation]
) -> list[tuple[str, float, str]]:
    """Body surface areas measured: (day, size in the reading's unit, resource)."""
    area = reading.area
    if area is None:
        return []
    found = []
    for obs in observations:
        quantity = obs.valueQuantity
        if not _matches(obs.code, area.codes, dictionary) or obs.date is None:
            continue
        if quantity is None or quantity.value is None or quantity.comparator:
            continue
        if _unit(quantity, dictionary) == unit_key(area.unit):
            found.append((obs.date, float(quantity.value), f"Observation/{obs.id}"))
    return found


def _courses(
    uses: list[Use],
    reading: MedicationReading,
    spec: FieldSpec,
    dictionary: Dictionary,
    observations: list[Observation],
    note: Note,
) -> Entries:
    """One entry per resource: agent, dates, whether still taken, route, daily dose."""
    fields = reading.fields
    route = dictionary.fields.get(f"{spec.path}.{fields.get('route', '')}")
    entries: Entries = []
    for use in uses:
        medication = use.medication
        entry: dict[str, Any] = {fields["agent"]: use.name}
        for role, value in (("start", medication.start), ("end", medication.end)):
            if value is not None and role in fields:
                entry[fields[role]] = value
        if "ongoing" in fields and medication.end is None:
            if medication.status in ACTIVE:
                entry[fields["ongoing"]] = True
            elif medication.status in DONE:
                entry[fields["ongoing"]] = False
        dosages = medication.dosages
        if route is not None and dosages:
            answer = _answer(route, dosages[0].route, dictionary)
            if answer is not None:
                entry[route.name] = answer
        daily = _daily(medication, reading, dictionary)
        if daily is not None and "daily_dose" in fields:
            entry[fields["daily_dose"]] = daily
        entries.append((entry, [use.source]))
    return entries


def _daily(medication: Medication, reading: MedicationReading, dictionary: Dictionary) -> Any:
    """A daily dose from one dosage: a dose in the reading's unit taken `frequency` times
    every `period` days; anything else (several dosages, no timing) gives none."""
    dosages = medication.dosages
    if len(dosages) != 1 or reading.dose_unit is None:
        return None
    dosage = dosages[0]
    quantity = dosage.quantity
    repeat = dosage.timing.repeat if dosage.timing else None
    if quantity is None or quantity.value is None or quantity.comparator or repeat is None:
        return None
    if _unit(quantity, dictionary) != unit_key(reading.dose_unit) or repeat.periodUnit != "d":
        return None
    if not repeat.frequency or not repeat.period:
        return None
    return round(quantity.value * repeat.frequency / repeat.period, 3)


def _unit(quantity: Quantity, dictionary: Dictionary) -> str:
    """The quantity's unit as a compared key: the UCUM code, else the written unit through
    the dictionary's spellings."""
    ucum = dictionary.code_systems.get("ucum", [])
    if quantity.system in ucum and quantity.code:
        return unit_key(quantity.code)
    written = quantity.unit or quantity.code or ""
    aliases = {unit_key(alias): code for alias, code in dictionary.unit_aliases.items()}
    return unit_key(aliases.get(unit_key(written), written))


def _matches(
    concept: CodeableConcept | None, codes: dict[str, str | list[str]], dictionary: Dictionary
) -> bool:
    return concept is not None and any(
        coding.system in dictionary.code_systems.get(name, [])
        and coding.code in ([wanted] if isinstance(wanted, str) else wanted)
        for coding in concept.coding
        for name, wanted in codes.items()
    )


def _answer(spec: FieldSpec, concept: CodeableConcept | None, dictionary: Dictionary) -> Any:
    for value, codes in spec.answers.items():
        if _matches(concept, codes, dictionary):
            return value
    return None


def _ref(medication: Medication) -> str:
    return f"{medication.resourceType}/{medication.id}"
