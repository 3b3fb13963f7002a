"""Realistic, varied patient records for the benchmarks (not copies of one file).

Each record follows shared/spec/patient-record.md: lab values, dates, regimens, anthracycline
doses and histories are drawn at random, so the batch holds eligible, ineligible and
incomplete patients in proportions like a real pre-screening list, plus a few invalid files.
"""

from __future__ import annotations

import datetime
import random
from pathlib import Path
from typing import Any

import yaml

PLANNED = ["eribulin", "capecitabine", "vinorelbine", "gemcitabine", "paclitaxel", "docetaxel"]


class _Dumper(yaml.CSafeDumper):
    """Writes shared values (one draw date for every lab) in full, as a person would."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _date(screening: datetime.date, days_before: int) -> datetime.date:
    return screening - datetime.timedelta(days=days_before)


def _lab(
    rng: random.Random, drawn: datetime.date, mean: float, spread: float, unit: str
) -> dict[str, Any]:
    return {"value": round(max(0.0, rng.gauss(mean, spread)), 1), "unit": unit, "date": drawn}


def record(rng: random.Random, number: int) -> dict[str, Any]:
    """One patient, varied in every field the criteria read."""
    screening = datetime.date(2026, 1, 1) + datetime.timedelta(days=rng.randint(0, 320))
    regimens = []
    start = _date(screening, rng.randint(900, 2400))
    first = ["trastuzumab", "pertuzumab", rng.choice(["docetaxel", "paclitaxel"])]
    if rng.random() < 0.1:
        first = ["Phesgo", "docetaxel"]
    later = [
        ["T-DM1"],
        ["Herceptin", "Xeloda"],
        ["lapatinib", "capecitabine"],
        ["trastuzumab", "vinorelbine"],
        ["T-DXd"],
    ]
    courses = [first, *rng.sample(later, rng.choice([1, 1, 2, 2, 3]))]
    if rng.random() < 0.05:
        courses.append(["pertuzumab", "trastuzumab", "eribulin"])  # latest with pertuzumab
    for agents in courses:
        end = start + datetime.timedelta(days=rng.randint(60, 400))
        if end >= screening:
            break
        setting = "early" if rng.random() < 0.05 else "advanced"
        regimens.append({"agents": agents, "setting": setting, "start": start, "end": end})
        start = end + datetime.timedelta(days=rng.randint(7, 60))
    drawn = _date(screening, rng.randint(0, 31))  # one blood draw for all labs
    patient: dict[str, Any] = {
        "patient_id": f"BM-{number:06d}",
        "screening_date": screening,
        "sex": "female",
        "birth_date": datetime.date(
            rng.randint(1940, 1995), rng.randint(1, 12), rng.randint(1, 28)
        ),
        "breast_cancer": {
            "invasive": True,
            "confirmed_by": rng.choice(["histology", "cytology"]),
            "extent": rng.choice(["metastatic", "metastatic", "locally_advanced"]),
            "her2": {
                "ihc": rng.choice(["3+", "3+", "2+", "1+"]),
                "ish_ratio": round(rng.uniform(1.2, 6.0), 1),
            },
            "recist_disease": rng.choice(["measurable", "non_measurable", "measurable"]),
            "cns_metastases": {"present": rng.random() < 0.1},
            "liver_metastases": rng.random() < 0.3,
        },
        "ecog": rng.choice([0, 0, 1, 1, 2]),
        "life_expectancy_months": rng.choice([3, 6, 12, 24]),
        "informed_consent": {"signed": True, "date": _date(screening, rng.randint(0, 10))},
        "lvef": {
            "percent": rng.randint(48, 72),
            "method": rng.choice(["ECHO", "MUGA"]),
            "date": _date(screening, rng.randint(0, 32)),
        },
        "blood_pressure": {
            "systolic": rng.randint(105, 165),
            "diastolic": rng.randint(60, 100),
            "date": _date(screening, rng.randint(0, 5)),
        },
        "labs": {
            "neutrophils": _lab(rng, drawn, 3.5, 1.2, "10*9/L"),
            "platelets": _lab(rng, drawn, 220, 60, "10*9/L"),
            "hemoglobin": _lab(rng, drawn, 11.5, 1.4, "g/dL"),
            "total_bilirubin": _lab(rng, drawn, 0.8, 0.3, "mg/dL"),
            "ast": _lab(rng, drawn, 30, 15, "U/L"),
            "alt": _lab(rng, drawn, 30, 15, "U/L"),
            "albumin": _lab(rng, drawn, 3.8, 0.4, "g/dL"),
            "creatinine": _lab(rng, drawn, 0.8, 0.25, "mg/dL"),
        },
        "prior_regimens": regimens,
        "planned_chemotherapy": rng.choice(PLANNED),
        "anthracyclines": [
            {
                "agent": rng.choice(["epirubicin", "doxorubicin"]),
                "cumulative_dose_mg_m2": rng.randint(150, 450),
            }
        ]
        if rng.random() < 0.5
        else [],
        "toxicities": [
            {
                "term": "peripheral sensory neuropathy",
                "grade": rng.choice([1, 2, 3]),
                "hematologic": False,
            }
        ]
        if rng.random() < 0.4
        else [],
        "other_malignancies": [],
        "cardiac_history": {
            "heart_failure": rng.random() < 0.03,
            "arrhythmias": [],
            "unstable_angina": False,
            "myocardial_infarctions": [],
        },
        "conditions": {
            "dyspnea_at_rest": False,
            "gilbert_syndrome": rng.random() < 0.02,
            "severe_uncontrolled_systemic_disease": False,
            "interstitial_lung_disease": rng.random() < 0.02,
            "uncontrolled_hypercalcemia": False,
            "hiv": False,
            "hbv": False,
            "hcv": False,
        },
        "recent_events": {
            "radiation_adverse_events": [],
            "major_surgery_or_trauma": [],
            "major_surgery_planned": False,
            "investigational_treatment": [],
            "iv_antibiotics": [],
        },
        "corticosteroids": [],
        "pregnant": False,
        "pregnancy_test": "negative",
        "nursing": False,
        "hypersensitivity": {"pertuzumab": False, "trastuzumab": False},
        "able_to_comply": True,
    }
    for _ in range(rng.choice([0, 0, 0, 1, 2])):  # incomplete records: a few fields missing
        patient["labs"].pop(rng.choice(list(patient["labs"])), None)
    if rng.random() < 0.01:  # a hand-entry slip: an invalid record
        patient["ecog"] = 7
    return patient


def write_records(folder: Path, count: int, seed: int = 20261124) -> list[Path]:
    """Write `count` records into `folder` (100 per sub-folder, like a site export)."""
    rng = random.Random(seed)
    paths = []
    for number in range(count):
        sub = folder / f"site-{number // 100:04d}"
        sub.mkdir(parents=True, exist_ok=True)
        path = sub / f"patient-{number:06d}.yaml"
        path.write_text(
            yaml.dump(record(rng, number), Dumper=_Dumper, sort_keys=False),
            encoding="utf-8",
        )
        paths.append(path)
    return paths
