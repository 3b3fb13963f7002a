"""The patient record: exactly the layout of shared/spec/patient-record.md, nothing else.

Absent or null means "not assessed" (None here), at every level: inside a list entry too,
so every field but `patient_id` may be null. An empty list means "assessed: none". Types
are strict (no "yes" for true, no 1.0 for an ECOG score), every number is finite and has a
plausible range, and every date lies between 1900 and 2199, because a silently accepted
wrong record is the dangerous kind.
"""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


EARLIEST = datetime.date(1900, 1, 1)
LATEST = datetime.date(2199, 12, 31)


def _calendar_date(value: Any) -> Any:
    """Accept a YAML date or an ISO `YYYY-MM-DD` string; never a time stamp or a number."""
    if isinstance(value, datetime.datetime):
        raise ValueError("expected a calendar date (YYYY-MM-DD) without a time")
    if isinstance(value, str):
        if not _ISO_DATE.fullmatch(value.strip()):
            raise ValueError(f"expected a date as YYYY-MM-DD, got {value[:40]!r}")
        try:
            value = datetime.date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError(f"invalid date {value!r}: {exc}") from None
    if isinstance(value, datetime.date) and not EARLIEST <= value <= LATEST:
        raise ValueError(
            f"date {value} is not plausible (expected {EARLIEST.year} to {LATEST.year})"
        )
    return value


def _ihc_score(value: Any) -> Any:
    """IHC 0 is often written as a bare number; the other scores carry a '+'."""
    if type(value) is int and value == 0:
        return "0"
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


Date = Annotated[datetime.date, BeforeValidator(_calendar_date)]
Name = Annotated[str, AfterValidator(_not_blank)]


class Record(BaseModel):
    """Base of every part of the record: strict types, unknown keys rejected."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, allow_inf_nan=False)


class Her2(Record):
    ihc: Annotated[Literal["0", "1+", "2+", "3+"] | None, BeforeValidator(_ihc_score)] = None
    ish_ratio: Annotated[float, Field(ge=0, le=100)] | None = None


class CnsMetastases(Record):
    present: bool | None = None
    symptomatic: bool | None = None
    controlled: bool | None = None


class BreastCancer(Record):
    invasive: bool | None = None
    confirmed_by: Literal["histology", "cytology"] | None = None
    extent: Literal["locally_advanced", "metastatic"] | None = None
    her2: Her2 | None = None
    recist_disease: Literal["measurable", "non_measurable", "none"] | None = None
    cns_metastases: CnsMetastases | None = None
    liver_metastases: bool | None = None


class InformedConsent(Record):
    signed: bool | None = None
    date: Date | None = None

    @model_validator(mode="after")
    def _signed_needs_date(self) -> InformedConsent:
        if self.signed is True and self.date is None:
            raise ValueError("a signed consent needs its date")
        return self


class Lvef(Record):
    percent: Annotated[float, Field(ge=0, le=100)] | None = None
    method: Literal["ECHO", "MUGA", "MRI", "other"] | None = None
    date: Date | None = None


class BloodPressure(Record):
    systolic: Annotated[float, Field(gt=0, le=300)] | None = None
    diastolic: Annotated[float, Field(gt=0, le=250)] | None = None
    date: Date | None = None


class LabResult(Record):
    value: Annotated[float, Field(ge=0, le=1_000_000)] | None = None
    unit: Name | None = None
    date: Date | None = None


LabSeries = LabResult | list[LabResult]


class Labs(Record):
    neutrophils: LabSeries | None = None
    platelets: LabSeries | None = None
    hemoglobin: LabSeries | None = None
    total_bilirubin: LabSeries | None = None
    ast: LabSeries | None = None
    alt: LabSeries | None = None
    albumin: LabSeries | None = None
    creatinine: LabSeries | None = None


class Regimen(Record):
    agents: Annotated[list[Name], Field(min_length=1)] | None = None
    setting: Literal["advanced", "early"] | None = None
    start: Date | None = None
    end: Date | None = None

    @model_validator(mode="after")
    def _end_after_start(self) -> Regimen:
        if self.end is not None and self.start is not None and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class AnthracyclineExposure(Record):
    agent: Name | None = None
    cumulative_dose_mg_m2: Annotated[float, Field(ge=0, le=10_000)] | None = None


class Toxicity(Record):
    term: Name | None = None
    grade: Annotated[int, Field(ge=1, le=5)] | None = None
    hematologic: bool | None = None


class OtherMalignancy(Record):
    diagnosis: Name | None = None
    invasive_breast: bool | None = None
    date: Date | None = None


class Arrhythmia(Record):
    type: (
        Literal["atrial_fibrillation", "paroxysmal_supraventricular_tachycardia", "other"] | None
    ) = None
    requires_treatment: bool | None = None


class CardiacHistory(Record):
    heart_failure: bool | None = None
    arrhythmias: list[Arrhythmia] | None = None
    unstable_angina: bool | None = None
    myocardial_infarctions: list[Date | None] | None = None


class Conditions(Record):
    dyspnea_at_rest: bool | None = None
    gilbert_syndrome: bool | None = None
    severe_uncontrolled_systemic_disease: bool | None = None
    interstitial_lung_disease: bool | None = None
    uncontrolled_hypercalcemia: bool | None = None
    hiv: bool | None = None
    hbv: bool | None = None
    hcv: bool | None = None


class RadiationAdverseEvent(Record):
    grade: Annotated[int, Field(ge=1, le=5)] | None = None
    date: Date | None = None


class RecentEvents(Record):
    radiation_adverse_events: list[RadiationAdverseEvent] | None = None
    major_surgery_or_trauma: list[Date | None] | None = None
    major_surgery_planned: bool | None = None
    investigational_treatment: list[Date | None] | None = None
    iv_antibiotics: list[Date | None] | None = None


class CorticosteroidCourse(Record):
    agent: Name | None = None
    daily_dose_mg: Annotated[float, Field(ge=0, le=10_000)] | None = None
    route: Literal["oral", "intravenous", "intramuscular", "inhaled", "topical", "other"] | None = (
        None
    )
    start: Date | None = None
    end: Date | None = None
    ongoing: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _ended_means_not_ongoing(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("end") is not None and "ongoing" not in data:
            return {**data, "ongoing": False}
        return data

    @model_validator(mode="after")
    def _consistent_dates(self) -> CorticosteroidCourse:
        if self.ongoing is True and self.end is not None:
            raise ValueError("a course marked ongoing cannot have an end date")
        if self.end is not None and self.start is not None and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class Hypersensitivity(Record):
    pertuzumab: bool | None = None
    trastuzumab: bool | None = None


class Patient(Record):
    """One patient's screening record."""

    patient_id: Name
    screening_date: Date | None = None
    sex: Literal["female", "male"] | None = None
    birth_date: Date | None = None
    age: Annotated[int, Field(ge=0, le=130)] | None = None
    breast_cancer: BreastCancer | None = None
    ecog: Annotated[int, Field(ge=0, le=5)] | None = None
    life_expectancy_months: Annotated[float, Field(ge=0, le=1200)] | None = None
    informed_consent: InformedConsent | None = None
    lvef: Lvef | None = None
    blood_pressure: BloodPressure | None = None
    labs: Labs | None = None
    prior_regimens: list[Regimen] | None = None
    planned_chemotherapy: Name | None = None
    anthracyclines: list[AnthracyclineExposure] | None = None
    toxicities: list[Toxicity] | None = None
    other_malignancies: list[OtherMalignancy] | None = None
    cardiac_history: CardiacHistory | None = None
    conditions: Conditions | None = None
    recent_events: RecentEvents | None = None
    corticosteroids: list[CorticosteroidCourse] | None = None
    pregnant: bool | None = None
    pregnancy_test: Literal["negative", "positive", "not_done"] | None = None
    nursing: bool | None = None
    hypersensitivity: Hypersensitivity | None = None
    able_to_comply: bool | None = None
