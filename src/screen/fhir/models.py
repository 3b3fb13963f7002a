"""Lenient models of the few FHIR R4 resources read: unknown elements are ignored, so a real
export is never refused over an element we do not read (the full-spec libraries are slower
and reject whole bundles for that)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError


class _Element(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Coding(_Element):
    system: str | None = None
    code: str | None = None
    display: str | None = None


class CodeableConcept(_Element):
    coding: list[Coding] = []
    text: str | None = None


class Quantity(_Element):
    value: float | None = None
    comparator: str | None = None  # <, <=, >=, >: the value is a bound, not a result
    unit: str | None = None
    system: str | None = None
    code: str | None = None


class Reference(_Element):
    reference: str | None = None


class Extension(_Element):
    """An extension with a coded value (mCODE's comorbidConditionPresent / Absent)."""

    url: str | None = None
    valueCodeableConcept: CodeableConcept | None = None


class Period(_Element):
    start: str | None = None
    end: str | None = None


class ReferenceRange(_Element):
    low: Quantity | None = None
    high: Quantity | None = None


class Component(_Element):
    code: CodeableConcept = CodeableConcept()
    valueQuantity: Quantity | None = None
    valueInteger: int | None = None
    valueCodeableConcept: CodeableConcept | None = None


class Repeat(_Element):
    frequency: int | None = None
    period: float | None = None
    periodUnit: str | None = None


class Timing(_Element):
    repeat: Repeat | None = None


class DoseAndRate(_Element):
    doseQuantity: Quantity | None = None


class Dosage(_Element):
    """A dosage of any of the three medication resources: an administration's `dose`, or a
    statement's or prescription's `doseAndRate` with its `timing`."""

    route: CodeableConcept | None = None
    dose: Quantity | None = None
    doseAndRate: list[DoseAndRate] = []
    timing: Timing | None = None

    @property
    def quantity(self) -> Quantity | None:
        if self.dose is not None:
            return self.dose
        return next((d.doseQuantity for d in self.doseAndRate if d.doseQuantity), None)


class Resource(_Element):
    resourceType: str
    id: str | None = None


class Patient(Resource):
    gender: str | None = None
    birthDate: str | None = None


class Observation(Resource):
    extension: list[Extension] = []
    status: str | None = None
    code: CodeableConcept = CodeableConcept()
    subject: Reference | None = None
    effectiveDateTime: str | None = None
    effectivePeriod: Period | None = None
    issued: str | None = None
    valueQuantity: Quantity | None = None
    valueInteger: int | None = None
    valueString: str | None = None
    valueBoolean: bool | None = None
    valueCodeableConcept: CodeableConcept | None = None
    component: list[Component] = []
    referenceRange: list[ReferenceRange] = []

    @property
    def date(self) -> str | None:
        start = self.effectivePeriod.start if self.effectivePeriod else None
        return _day(self.effectiveDateTime or start or self.issued)


class Condition(Resource):
    clinicalStatus: CodeableConcept | None = None
    verificationStatus: CodeableConcept | None = None
    code: CodeableConcept = CodeableConcept()
    subject: Reference | None = None
    onsetDateTime: str | None = None
    recordedDate: str | None = None

    @property
    def date(self) -> str | None:
        return _day(self.onsetDateTime or self.recordedDate)


class Medication(Resource):
    """MedicationStatement, MedicationAdministration or MedicationRequest: the drug and when."""

    status: str | None = None
    medicationCodeableConcept: CodeableConcept | None = None
    effectiveDateTime: str | None = None
    effectivePeriod: Period | None = None
    authoredOn: str | None = None
    dosage: Any = None  # an administration's one Dosage; a statement's list of them
    dosageInstruction: Any = None  # a prescription's list

    @property
    def dosages(self) -> list[Dosage]:
        """The dosages given, each read leniently: a malformed one is skipped, not the drug."""
        raw = self.dosageInstruction if self.dosageInstruction is not None else self.dosage
        found = []
        for item in raw if isinstance(raw, list) else [raw]:
            try:
                found.append(Dosage.model_validate(item))
            except ValidationError:
                continue
        return found

    @property
    def names(self) -> list[str]:
        """Every name the chart gives the drug: its text, then its codings' displays."""
        concept = self.medicationCodeableConcept
        if concept is None:
            return []
        found = [concept.text] if concept.text else []
        return found + [c.display for c in concept.coding if c.display]

    @property
    def name(self) -> str | None:
        concept = self.medicationCodeableConcept
        if concept is None:
            return None
        return concept.text or next((c.display for c in concept.coding if c.display), None)

    @property
    def start(self) -> str | None:
        period = self.effectivePeriod
        return _day(self.effectiveDateTime or (period.start if period else None) or self.authoredOn)

    @property
    def end(self) -> str | None:
        """The period's end; a completed administration at one time ended that day."""
        if self.effectivePeriod is not None:
            return _day(self.effectivePeriod.end)
        if self.resourceType == "MedicationAdministration" and self.status == "completed":
            return _day(self.effectiveDateTime)
        return None


MODELS: dict[str, type[Resource]] = {
    "MedicationStatement": Medication,
    "MedicationAdministration": Medication,
    "MedicationRequest": Medication,
    "Patient": Patient,
    "Observation": Observation,
    "Condition": Condition,
}


def parse(data: dict[str, Any]) -> Resource | None:
    """The resource as one of our models; None for a type we do not read or one whose read
    elements are malformed (the caller notes it)."""
    model = MODELS.get(str(data.get("resourceType")))
    if model is None:
        return None
    try:
        return model.model_validate(data)
    except ValidationError:
        return None


def _day(value: str | None) -> str | None:
    """A FHIR date or dateTime's day (YYYY-MM-DD); partial dates (a year) give None."""
    if value is None or len(value) < 10:
        return None
    return value[:10]
