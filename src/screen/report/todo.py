"""The to-do list of an incomplete record, by what a coordinator does: a blood draw, an
echo, a blood pressure, a pregnancy test, questions for the chart or the investigator,
consent.

The unknown criteria's needs (reasons.needs_of) are grouped by the task that collects them,
each task once, with the criteria it settles and the dates its results must carry. The
28-day windows count back from the enrollment date, so the dates follow the planned
enrollment date (`enroll_on`), not the screening date. The tasks are named after the
sections of the patient record (the input contract), not after any trial's criteria.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from screen.engine.trace import Outcome
from screen.report.reasons import Need, needs_of, noun
from screen.rules.schema import FieldType, PathError, resolve

_INDEX = re.compile(r"\[\d+\]")
_ENTRY = re.compile(r"^(?P<list>[^\[]+)\[(?P<index>\d+)\]\.(?P<field>[^\[]+)$")

# record section -> task, in the order a coordinator works through them
TASKS = {
    "labs": "blood draw",
    "lvef": "echocardiogram or MUGA",
    "blood_pressure": "blood pressure",
    "pregnancy_test": "pregnancy test, if applicable",
}
CHART = "from the chart or the investigator"
CONSENT = "informed consent"
_SECTIONS = {**TASKS, "informed_consent": CONSENT}
_ORDER = [*TASKS.values(), CHART, CONSENT]


@dataclass(slots=True)
class Todo:
    """One task: what it collects, the criteria it settles, the dates its results need."""

    task: str
    items: list[str] = field(default_factory=list)
    criteria: list[str] = field(default_factory=list)
    dated_from: datetime.date | None = None
    dated_until: datetime.date | None = None  # the planned enrollment date
    details: list[str] = field(default_factory=list)

    def sentence(self) -> str:
        what = self.task[:1].upper() + self.task[1:]
        if self.items:
            what += f": {', '.join(self.items)}"
        if self.dated_from and self.dated_until:
            what += f"; dated {self.dated_from} to {self.dated_until}"
        elif self.dated_from:
            what += f"; dated {self.dated_from} or later"
        details = f"; {'; '.join(self.details)}" if self.details else ""
        return f"{what}{details} (settles {' '.join(self.criteria)})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "items": self.items,
            "criteria": self.criteria,
            "dated_from": _iso(self.dated_from),
            "dated_until": _iso(self.dated_until),
            "details": self.details,
            "text": self.sentence(),
        }


def todo(
    outcomes: Sequence[Outcome],
    enroll_on: datetime.date | None = None,
    model: type[BaseModel] | None = None,
) -> list[Todo]:
    """For the unknown criteria, in protocol order, the data to collect per task.

    `enroll_on`: the planned enrollment date the outcomes were evaluated on (their windows
    count back from it); `model`: the record model, whose fixed sets of values are named, so
    that the to-do says e.g. that `not_done` is an answer too."""
    found: dict[str, Todo] = {}
    for outcome in outcomes:
        if outcome.status != "unknown":
            continue
        for need in needs_of(outcome.trace):
            path = _INDEX.sub("", need.path)
            section = path.partition(".")[0]
            task = _SECTIONS.get(section, CHART)
            item = found.setdefault(task, Todo(task))
            name = _item_name(need, path, task, _choices(model, path))
            if name not in item.items:
                item.items.append(name)
            if need.dated_from and (item.dated_from is None or need.dated_from > item.dated_from):
                item.dated_from = need.dated_from
                item.dated_until = enroll_on
            if outcome.criterion.id not in item.criteria:
                item.criteria.append(outcome.criterion.id)
    return sorted(found.values(), key=lambda t: _ORDER.index(t.task))


def _item_name(need: Need, path: str, task: str, accepted: tuple[Any, ...] | None) -> str:
    """What to collect, as people say it: the rule's label, the kind that counts, the
    answers the record accepts; a plain phrase when the need is not simply a value."""
    section, _, rest = path.partition(".")
    plain = need.text in (need.path, f"{need.path} (an empty list if none)") or need.dated_from
    if not plain:
        return need.text  # e.g. a recognized drug name instead of ..., a factor for ...
    label = (
        need.label
        or _entry_label(need.path)
        or (rest or section).replace("_", " ").replace(".", " ")
    )
    if task == CONSENT and not label.lower().startswith("informed"):
        label = f"informed consent {label}"
    name = label[:1].lower() + label[1:] if not label[:2].isupper() else label
    if need.qualifier:
        name += f" {need.qualifier}"
    if accepted:
        name += f" (one of {', '.join(str(a) for a in accepted)})"
    if need.text.endswith("(an empty list if none)"):
        name += " (the list, empty if none)"
    return name


def _entry_label(path: str) -> str | None:
    """A field of one list entry as people name it, numbered as the file numbers it:
    `prior_regimens[4].start` -> "prior regimen #5 start" (None: not an entry's field)."""
    found = _ENTRY.match(path)
    if found is None:
        return None
    field = found["field"].replace("_", " ").replace(".", " ")
    return f"{noun(found['list'])} #{int(found['index']) + 1} {field}"


def _choices(model: type[BaseModel] | None, path: str) -> tuple[Any, ...] | None:
    if model is None:
        return None
    try:
        return resolve(FieldType("model", model=model), path).choices
    except PathError:
        return None


def fresh_until(items: Sequence[Todo]) -> datetime.date | None:
    """The last day on which results dated on the enrollment date all still count."""
    ends = [
        t.dated_until + (t.dated_until - t.dated_from)
        for t in items
        if t.dated_from is not None and t.dated_until is not None
    ]
    return min(ends) if ends else None


def _iso(day: datetime.date | None) -> str | None:
    return None if day is None else day.isoformat()
