"""The to-do list of an incomplete record: what to collect, merged per assessment.

The unknown criteria's needs (reasons.needs_of) are grouped by the part of the record they
belong to, so that one blood draw settles every lab: "labs (neutrophils, platelets, ...):
dated on or after 2026-10-23, for EX10". The date is the earliest a result may carry and
still count at enrollment on the screening date.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from screen.reasons import needs_of
from screen.trace import Outcome

_INDEX = re.compile(r"\[\d+\]")


@dataclass(slots=True)
class Todo:
    """One assessment to do: its fields, the earliest date they may carry, for whom."""

    assessment: str
    fields: list[str] = field(default_factory=list)
    dated_from: datetime.date | None = None
    criteria: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)

    def sentence(self) -> str:
        what = self.assessment
        if self.fields:
            what += f" ({', '.join(self.fields)})"
        when = f": dated on or after {self.dated_from}" if self.dated_from else ""
        details = f"; {'; '.join(self.details)}" if self.details else ""
        return f"{what}{when}{details}, for {' '.join(self.criteria)}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "assessment": self.assessment,
            "fields": self.fields,
            "dated_on_or_after": self.dated_from.isoformat() if self.dated_from else None,
            "criteria": self.criteria,
            "details": self.details,
            "text": self.sentence(),
        }


def todo(outcomes: Sequence[Outcome]) -> list[Todo]:
    """For the unknown criteria, in protocol order, the data to collect per assessment."""
    found: dict[str, Todo] = {}
    for outcome in outcomes:
        if outcome.status != "unknown":
            continue
        for need in needs_of(outcome.trace):
            assessment, _, rest = _INDEX.sub("", need.path).partition(".")
            if need.qualifier:
                assessment = f"{assessment} {need.qualifier}"
            item = found.setdefault(assessment, Todo(assessment))
            if rest and rest not in item.fields:
                item.fields.append(rest)
            if need.dated_from and (item.dated_from is None or need.dated_from > item.dated_from):
                item.dated_from = need.dated_from
            if outcome.criterion.id not in item.criteria:
                item.criteria.append(outcome.criterion.id)
            plain = need.text in (
                need.path,
                f"{need.path} {need.qualifier} dated {need.dated_from} or later".replace("  ", " "),
            )
            if not plain and need.text not in item.details:
                item.details.append(need.text)
    return list(found.values())
