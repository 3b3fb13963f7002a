"""The report of one patient (the output contract) as plain data, and its JSON form.

Field names and shapes follow shared/spec/cli-and-report.md to the letter; renderers read
this and nothing else.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from screen.engine.trace import Outcome
from screen.engine.window import Eligibility, Segment
from screen.errors import Problem
from screen.report.reasons import needs, reason
from screen.report.todo import Todo

Verdict = Literal["eligible", "ineligible", "incomplete", "error"]


@dataclass(frozen=True, slots=True)
class CriteriaStamp:
    id: str
    version: str
    sha256: str


@dataclass(slots=True)
class Report:
    """One patient's screening: verdict, one result per criterion, or the input's problems."""

    patient_id: str | None
    source: str
    as_of: datetime.date | None
    verdict: Verdict
    criteria_set: CriteriaStamp
    outcomes: list[Outcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    eligibility: Eligibility | None = None
    warnings: list[Problem] = field(default_factory=list)
    todo: list[Todo] = field(default_factory=list)  # by task, for the unknown criteria
    # the time-limited criteria's statuses over the horizon, worked out only when a view
    # asks for them (the HTML timeline): the other formats pay nothing for it
    tracks: Callable[[], list[tuple[Any, list[Segment]]]] | None = None

    @property
    def eligible_from(self) -> datetime.date | None:
        return None if self.eligibility is None else self.eligibility.eligible_from

    @property
    def eligible_until(self) -> datetime.date | None:
        return None if self.eligibility is None else self.eligibility.eligible_until

    @property
    def window_summary(self) -> str | None:
        if self.eligibility is None:
            return None
        return self.eligibility.summary({o.criterion.id: o.criterion.title for o in self.outcomes})

    @property
    def failed(self) -> list[str]:
        return [o.criterion.id for o in self.outcomes if o.status == "fail"]

    @property
    def unknown(self) -> list[str]:
        return [o.criterion.id for o in self.outcomes if o.status == "unknown"]

    @property
    def missing(self) -> list[str]:
        """For the unknown criteria, the data that would settle them."""
        found: dict[str, None] = {}
        for outcome in self.outcomes:
            if outcome.status == "unknown":
                for need in needs(outcome.trace):
                    found[f"{outcome.criterion.id}: {need}"] = None
        return list(found)

    def to_dict(self) -> dict[str, Any]:
        return {
            "patient_id": self.patient_id,
            "source": self.source,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "verdict": self.verdict,
            "criteria_set": {
                "id": self.criteria_set.id,
                "version": self.criteria_set.version,
                "sha256": self.criteria_set.sha256,
            },
            "results": [
                {
                    "id": o.criterion.id,
                    "type": o.criterion.type,
                    "title": o.criterion.title,
                    "text": o.criterion.text,
                    "status": o.status,
                    "reason": reason(o.trace),
                }
                for o in self.outcomes
            ],
            "missing": self.missing,
            "errors": [{"message": p.message, "location": p.location} for p in self.problems],
            "warnings": [{"message": p.message, "location": p.location} for p in self.warnings],
            "eligible_from": _iso(self.eligible_from),
            "eligible_until": _iso(self.eligible_until),
            "eligibility": None
            if self.eligibility is None
            else self.eligibility.to_dict(
                {o.criterion.id: o.criterion.title for o in self.outcomes}
            ),
            "todo": [item.to_dict() for item in self.todo],
        }


def _iso(day: datetime.date | None) -> str | None:
    return None if day is None else day.isoformat()


def verdict_of(outcomes: list[Outcome]) -> Verdict:
    """Eligible only when every criterion passes; any fail is ineligible; else incomplete."""
    statuses = {o.status for o in outcomes}
    if "fail" in statuses:
        return "ineligible"
    if "unknown" in statuses or not outcomes:
        return "incomplete"
    return "eligible"
