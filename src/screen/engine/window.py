"""Eligibility over time: from when, and until when, the verdict holds.

The record stays as it is; only the as-of date moves forward. A criterion can only come
out differently on a date where one of its own windows opens or closes: the day an
observation falls out of its `recent` window, the day a dated event leaves (or passes) a
`within`/`before` window, a birthday. Those dates are read from the rules' windows and the
record's dates in the criterion's trace (nothing per criterion is special-cased), and only
the criteria concerned are evaluated again on each of them.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from screen.engine.dates import completed_years, first_day_after, next_birthdays
from screen.engine.evaluate import Context, evaluate_criterion
from screen.engine.trace import (
    AgeFound,
    Computed,
    DateCheck,
    IntervalFound,
    Mean,
    Observation,
    Outcome,
    Status,
    Trace,
    status_of,
)
from screen.report.reasons import label_of
from screen.rules.language import (
    AddTerm,
    Age,
    AgeTerm,
    AllOf,
    AnyOf,
    Criterion,
    DivTerm,
    Expr,
    IfTerm,
    Interval,
    MulTerm,
    Not,
    Recent,
    RecentTerm,
    SubTerm,
    Window,
)
from screen.rules.vocabulary import Vocabulary

DEFAULT_HORIZON_DAYS = 90


@dataclass(frozen=True, slots=True)
class Change:
    """A date from which a criterion may come out differently, and why."""

    date: datetime.date
    criterion: str
    cause: str
    status: Status | None = None  # the criterion's status from that date, once evaluated


@dataclass(frozen=True, slots=True)
class Blocker:
    """A criterion that keeps the patient out: its status, and from / until when within the
    horizon (None: from the as-of date / through the horizon)."""

    criterion: str
    status: Status
    since: datetime.date | None = None
    until: datetime.date | None = None

    def failing(self, titles: dict[str, str]) -> str:
        """The failing stretch in words (the summary names only failures: unknown is not
        never)."""
        since = f" from {self.since}" if self.since else ""
        until = f" until {self.until}" if self.until else ""
        return (
            f"{self.criterion} fails{since}{until} ({titles.get(self.criterion, self.criterion)})"
        )


@dataclass(slots=True)
class Eligibility:
    """When the patient is eligible within the horizon, and which criterion decides it."""

    as_of: datetime.date
    horizon_days: int
    eligible_from: datetime.date | None = None
    eligible_until: datetime.date | None = None  # last eligible day, when it ends in the horizon
    opened_by: list[Change] = field(default_factory=list)
    closed_by: list[Change] = field(default_factory=list)
    blocking: list[Blocker] = field(default_factory=list)  # when never eligible
    # What the record supports when unknowns keep the patient out: the criteria waiting
    # for data, and the stretch in which no criterion fails (eligible if the data come back
    # normal). `fresh_until` is the last day results collected on `assumed_from` still count.
    pending: list[str] = field(default_factory=list)
    assumed_from: datetime.date | None = None
    assumed_until: datetime.date | None = None
    assumed_opened_by: list[Change] = field(default_factory=list)
    assumed_closed_by: list[Change] = field(default_factory=list)
    fresh_until: datetime.date | None = None
    # The pending criteria rest on readings already recorded as well (those they use, and
    # those waiting for a fact: an LVEF's method): the data to collect do not renew them, so
    # the stretch ends the day before the first of them expires (None: none does).
    recorded_until: datetime.date | None = None
    recorded_closed_by: list[Change] = field(default_factory=list)

    @property
    def horizon_end(self) -> datetime.date:
        return self.as_of + datetime.timedelta(days=self.horizon_days)

    @property
    def until_if_normal(self) -> datetime.date | None:
        """The last eligible day if the pending data are normal and dated `assumed_from`."""
        ends = [
            d for d in (self.assumed_until, self.fresh_until, self.recorded_until) if d is not None
        ]
        return min(ends) if ends else None

    def summary(self, titles: dict[str, str]) -> str:
        """One sentence for the coordinator: what the record supports, and no more. Unknown
        is not never: "never" only for a criterion that fails and cannot change in time."""
        if self.eligible_from is None and self.assumed_from is None:
            blocked = "; ".join(b.failing(titles) for b in self.blocking if b.status == "fail")
            pending = f" (unknown as well: {', '.join(self.pending)})" if self.pending else ""
            return (
                f"Never eligible within {self.horizon_days} days on this record: {blocked}{pending}"
            )
        if self.eligible_from is None:
            assert self.assumed_from is not None
            start, pending = self.assumed_from, ", ".join(self.pending)
            if start == self.as_of:
                waiting = f"Cannot be decided until the data to collect are in ({pending} unknown)"
            else:
                waiting = (
                    f"Not eligible before {start} ({_first_causes(self.assumed_opened_by)});"
                    f" then it depends on the data to collect ({pending})"
                )
            dated = f" and dated {start}" if self.fresh_until is not None else ""
            opening = f"if they are normal{dated}, eligible from {start}"
            return f"{waiting}; {opening}{self._ending(self.until_if_normal, True)}"
        if self.eligible_from == self.as_of:
            opening = f"Eligible from {self.eligible_from}"
        else:
            causes = "; ".join(dict.fromkeys(c.cause for c in self.opened_by))
            opening = f"Not eligible now; eligible from {self.eligible_from} when {causes}"
        return opening + self._ending(self.eligible_until, False)

    def _ending(self, until: datetime.date | None, assumed: bool) -> str:
        if until is None:
            return f", still eligible at the {self.horizon_days}-day horizon ({self.horizon_end})"
        if assumed:
            if until == self.assumed_until:
                return f", until {until} ({_first_causes(self.assumed_closed_by)})"
            if until == self.recorded_until:
                return f", until {until} ({_first_causes(self.recorded_closed_by)})"
            return f", until {until} (when the first result of {self.assumed_from} expires)"
        return f", until {until} ({_first_causes(self.closed_by)})"

    def _assumed_closers(self) -> list[Change]:
        """What ends the assumed stretch on the day after its last: the criteria that change
        then, the readings on file that expire then, or both; none when it ends with the
        results to collect (fresh_until)."""
        until = self.until_if_normal
        return [
            *(self.assumed_closed_by if until == self.assumed_until else ()),
            *(self.recorded_closed_by if until == self.recorded_until else ()),
        ]

    def to_dict(self, titles: dict[str, str]) -> dict[str, Any]:
        return {
            "eligible_from": _iso(self.eligible_from),
            "eligible_until": _iso(self.eligible_until),
            "horizon_end": self.horizon_end.isoformat(),
            "summary": self.summary(titles),
            "opened_by": [_change(c) for c in self.opened_by],
            "closed_by": [_change(c) for c in self.closed_by],
            "blocking": [
                {
                    "id": b.criterion,
                    "status": b.status,
                    "since": _iso(b.since),
                    "until": _iso(b.until),
                }
                for b in self.blocking
            ],
            "assuming": None
            if self.assumed_from is None
            else {
                "pending": self.pending,
                "that": "the data to collect come back normal"
                + (", dated eligible_from" if self.fresh_until is not None else ""),
                "eligible_from": _iso(self.assumed_from),
                "eligible_until": _iso(self.until_if_normal),
                "opened_by": [_change(c) for c in self.assumed_opened_by],
                "closed_by": [_change(c) for c in self._assumed_closers()],
            },
        }


def eligibility(
    criteria: Sequence[Criterion],
    vocabulary: Vocabulary,
    record: Any,
    outcomes: Sequence[Outcome],
    as_of: datetime.date,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> Eligibility:
    """Walk forward from the as-of date through every date where a criterion can change."""
    found = Eligibility(as_of, horizon_days)
    record = vocabulary.read_entries(record)
    end = found.horizon_end
    # Every date where a criterion can change is known now: each comes from a date in the
    # record and a window in the rules, neither of which moves with the as-of date.
    planned: dict[str, list[Change]] = {}

    def plan(outcome: Outcome) -> list[Change]:
        cid = outcome.criterion.id
        if cid not in planned:
            windowed = has_windows(outcome.criterion.logic)
            planned[cid] = changes(cid, outcome.trace, as_of, end) if windowed else []
        return planned[cid]

    failing = [o for o in outcomes if o.status == "fail"]
    if any(not plan(o) for o in failing):
        # A failing criterion cannot change within the horizon: never eligible, whatever the
        # others do, even on complete data. Name every failing criterion that never passes.
        found.blocking = [
            Blocker(o.criterion.id, o.status)
            for o in failing
            if not _passes_later(o.criterion, plan(o), record, vocabulary)
        ]
        found.pending = [o.criterion.id for o in outcomes if o.status == "unknown"]
        return found
    _walk_forward(
        found, criteria, vocabulary, record, outcomes, [c for o in outcomes for c in plan(o)]
    )
    if found.assumed_from is not None:
        expiring = [
            change
            for o in outcomes
            if o.criterion.id in found.pending
            for change in _recorded_expiries(o.criterion.id, o.trace)
            if change.date > found.assumed_from
        ]
        if expiring:
            first = min(change.date for change in expiring)
            found.recorded_until = first - datetime.timedelta(days=1)
            found.recorded_closed_by = list(dict.fromkeys(c for c in expiring if c.date == first))
    return found


def _recorded_expiries(criterion_id: str, trace: Trace) -> list[Change]:
    """When the readings a pending criterion rests on leave their windows: those it uses,
    those whose admissibility waits for a fact, those of one day that disagree. The walk
    forward cannot see it (the criterion is unknown before and after), yet what is collected
    for it settles it only while they count."""
    found = []
    stack = [trace]
    while stack:
        node_trace = stack.pop()
        node, evidence = node_trace.node, node_trace.evidence
        if isinstance(node, Recent) and isinstance(evidence, Observation | Mean):
            amount, unit = node.within.amount
            label = label_of(node, node.recent)
            if isinstance(evidence, Mean):
                days = [day for *_, day in evidence.readings]
            else:
                days = [day for *_, day in evidence.maybe]
                if evidence.conflicting and evidence.conflict_date is not None:
                    days.append(evidence.conflict_date)
                if evidence.date is not None:
                    days.append(evidence.date)
            found += [
                Change(
                    first_day_after(day, amount, unit), criterion_id, f"{label} of {day} expires"
                )
                for day in dict.fromkeys(days)
            ]
        if isinstance(evidence, Computed):
            found += [
                Change(item.expires, criterion_id, f"{item.name} of {item.date} expires")
                for item in evidence.inputs
                if item.expires is not None
            ]
        stack.extend(reversed(node_trace.children))  # popped in document order
    return found


def _passes_later(
    criterion: Criterion, dates: list[Change], record: Any, vocabulary: Vocabulary
) -> bool:
    for day in sorted({c.date for c in dates}):
        trace = evaluate_criterion(criterion.logic, record, Context(vocabulary, day))
        if status_of(criterion.type, trace.truth) == "pass":
            return True
    return False


def _walk_forward(
    found: Eligibility,
    criteria: Sequence[Criterion],
    vocabulary: Vocabulary,
    record: Any,
    outcomes: Sequence[Outcome],
    planned: list[Change],
) -> None:
    """Evaluate again, on each date where one changes, only the criteria concerned."""
    statuses: dict[str, Status] = {o.criterion.id: o.status for o in outcomes}
    timeline: dict[str, list[tuple[datetime.date, Status]]] = {
        cid: [(found.as_of, status)] for cid, status in statuses.items()
    }
    queue = sorted(planned, key=lambda change: change.date)  # stable: same-day ones keep order
    queue.reverse()  # popped from the end: earliest first, in protocol and document order
    eligible = all(status == "pass" for status in statuses.values())
    if eligible:
        found.eligible_from = found.as_of
    if not eligible and "fail" not in statuses.values():
        _assume_from(found, found.as_of, statuses, [])
    while queue:
        day = queue[-1].date
        due: dict[str, list[str]] = {}
        while queue and queue[-1].date == day:
            change = queue.pop()
            due.setdefault(change.criterion, []).append(change.cause)
        changed: list[Change] = []
        for criterion in criteria:  # protocol order
            causes = due.get(criterion.id)
            if causes is None:
                continue
            trace = evaluate_criterion(criterion.logic, record, Context(vocabulary, day))
            status = status_of(criterion.type, trace.truth)
            if status != statuses[criterion.id]:
                statuses[criterion.id] = status
                timeline[criterion.id].append((day, status))
                changed += [Change(day, criterion.id, c, status) for c in dict.fromkeys(causes)]
        now_eligible = all(status == "pass" for status in statuses.values())
        if found.eligible_from is None and found.assumed_until is None:
            if found.assumed_from is None:
                if "fail" not in statuses.values():
                    _assume_from(found, day, statuses, changed)
            elif not _normal_would_do(statuses, found.pending):
                found.assumed_until = day - datetime.timedelta(days=1)
                found.assumed_closed_by = [
                    c for c in changed if c.status == "fail" or c.criterion not in found.pending
                ]
        if now_eligible and not eligible and found.eligible_from is None:
            found.eligible_from = day
            found.opened_by = [c for c in changed if c.status == "pass"]
        elif eligible and not now_eligible:
            found.eligible_until = day - datetime.timedelta(days=1)
            found.closed_by = [c for c in changed if c.status != "pass"]
            break
        eligible = now_eligible
    if found.eligible_from is None:
        found.blocking = [
            blocker for c in criteria for blocker in _first_block(c.id, timeline[c.id], found.as_of)
        ]
    if found.eligible_from is not None:
        found.assumed_from = found.assumed_until = None  # nothing is assumed after all
        found.assumed_opened_by, found.assumed_closed_by, found.pending = [], [], []
    elif found.assumed_from is None:
        found.pending = [cid for cid, status in statuses.items() if status == "unknown"]


def _assume_from(
    found: Eligibility, day: datetime.date, statuses: dict[str, Status], changed: list[Change]
) -> None:
    """No criterion fails from `day`: eligible then if the unknown ones come back normal."""
    found.assumed_from = day
    found.assumed_opened_by = [c for c in changed if c.status != "fail"]
    found.pending = [cid for cid, status in statuses.items() if status == "unknown"]


def _normal_would_do(statuses: dict[str, Status], pending: list[str]) -> bool:
    """Every criterion passes, or is one of those waiting for the data to collect."""
    return all(s == "pass" or (s == "unknown" and c in pending) for c, s in statuses.items())


def _first_block(
    criterion_id: str, timeline: list[tuple[datetime.date, Status]], as_of: datetime.date
) -> list[Blocker]:
    """The first stretch of the horizon in which the criterion does not pass."""
    for index, (start, status) in enumerate(timeline):
        if status != "pass":
            until = next((d for d, s in timeline[index + 1 :] if s == "pass"), None)
            last = None if until is None else until - datetime.timedelta(days=1)
            return [Blocker(criterion_id, status, None if start == as_of else start, last)]
    return []


def changes(
    criterion_id: str, trace: Trace, after: datetime.date, until: datetime.date
) -> list[Change]:
    """The dates in (after, until] where a window under this trace opens or closes."""
    found = []
    stack = [trace]
    while stack:
        node_trace = stack.pop()
        node = node_trace.node
        if type(node) in (Recent, Window, Age, Interval, Expr):
            for day, cause in _node_changes(node, node_trace.evidence, after, until):
                if after < day <= until:
                    found.append(Change(day, criterion_id, cause))
        if node_trace.children and has_windows(node):
            stack.extend(reversed(node_trace.children))  # popped in document order
    return found


_WINDOWED: dict[int, tuple[Any, bool]] = {}  # id(node) -> (node, has windows), per rule node


def has_windows(node: Any) -> bool:
    """Whether a rule node or anything under it depends on the as-of date."""
    known = _WINDOWED.get(id(node))
    if known is not None and known[0] is node:
        return known[1]
    found = (
        isinstance(node, Window | Recent | Age)
        or _dated(node)
        or any(has_windows(child) for child in _children(node))
    )
    _WINDOWED[id(node)] = (node, found)
    return found


def _children(node: Any) -> list[Any]:
    if isinstance(node, AllOf):
        return list(node.all)
    if isinstance(node, AnyOf):
        return list(node.any)
    if isinstance(node, Not):
        return [node.not_]
    if isinstance(node, Expr):
        return _conditions(node.expr)
    where = getattr(node, "where", None)
    return [] if where is None else [where]


def _node_changes(
    node: Any, evidence: Any, after: datetime.date, until: datetime.date
) -> list[tuple[datetime.date, str]]:
    special = _special_changes(node, evidence, after, until)
    if special is not None:
        return special
    if isinstance(node, Recent) and isinstance(evidence, Observation) and evidence.date:
        amount, unit = node.within.amount
        label = label_of(node, node.recent)
        return [
            (first_day_after(evidence.date, amount, unit), f"{label} of {evidence.date} expires")
        ]
    if isinstance(node, Window) and isinstance(evidence, DateCheck) and evidence.date:
        label = label_of(node, node.date)
        if node.within is not None:
            amount, unit = node.within.amount
            return [
                (
                    first_day_after(evidence.date, amount, unit),
                    f"the {amount}-{unit[:-1]} window after {label} on {evidence.date} closes",
                )
            ]
        assert node.before is not None
        amount, unit = node.before.amount
        return [
            (
                first_day_after(evidence.date, amount, unit),
                f"{label} on {evidence.date} becomes more than {amount}"
                f" {unit if amount != 1 else unit[:-1]} old",
            )
        ]
    if isinstance(evidence, AgeFound) and evidence.birth_date is not None:
        birth = evidence.birth_date
        return [
            (day, f"turns {completed_years(birth, day)} on {day}")
            for day in next_birthdays(birth, after, until)
        ]
    return []


def _first_causes(changes: list[Change]) -> str:
    """The first cause per criterion, in protocol order; the rest counted (all are in JSON)."""
    first: dict[str, str] = {}
    for change in changes:
        first.setdefault(change.criterion, change.cause)
    more = len(dict.fromkeys(c.cause for c in changes)) - len(first)
    shown = "; ".join(f"{cid}: {cause}" for cid, cause in first.items())
    return shown + (f"; and {more} more" if more > 0 else "")


def _iso(day: datetime.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _change(change: Change) -> dict[str, Any]:
    return {
        "date": change.date.isoformat(),
        "id": change.criterion,
        "cause": change.cause,
        "status": change.status,
    }


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of the horizon over which a criterion keeps one status; `cause`: the change
    that starts it (None for the first, from the as-of date)."""

    start: datetime.date
    end: datetime.date  # last day, included
    status: Status
    cause: str | None = None


def tracks(
    criteria: Sequence[Criterion],
    vocabulary: Vocabulary,
    record: Any,
    outcomes: Sequence[Outcome],
    as_of: datetime.date,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> list[tuple[Criterion, list[Segment]]]:
    """Per time-limited criterion (one with a date of change in the horizon), its statuses
    over the whole horizon: for the eligibility timeline picture (computed only when asked).
    The record is read as the verdict reads it (its entries as the criteria declare)."""
    record = vocabulary.read_entries(record)
    end = as_of + datetime.timedelta(days=horizon_days)
    found = []
    for outcome in outcomes:
        criterion = outcome.criterion
        if not has_windows(criterion.logic):
            continue
        dates: dict[datetime.date, str] = {}
        for change in changes(criterion.id, outcome.trace, as_of, end):
            dates.setdefault(change.date, change.cause)
        if not dates:
            continue
        segments = [Segment(as_of, end, outcome.status)]
        for day in sorted(dates):
            trace = evaluate_criterion(criterion.logic, record, Context(vocabulary, day))
            status = status_of(criterion.type, trace.truth)
            last = segments[-1]
            if status != last.status:
                segments[-1] = Segment(
                    last.start, day - datetime.timedelta(days=1), last.status, last.cause
                )
                segments.append(Segment(day, end, status, dates[day]))
        found.append((criterion, segments))
    return found


def _dated(node: Any) -> bool:
    """An interval that reads a null date as the screening date, or a computed value with
    a windowed reading or an age in it: these move with the as-of date too."""
    if isinstance(node, Interval):
        return node.open_is_now is not None
    if isinstance(node, Expr):
        return _term_dated(node.expr)
    return False


def _term_dated(term: Any) -> bool:
    if isinstance(term, RecentTerm | AgeTerm):
        return True
    if isinstance(term, IfTerm):
        return _term_dated(term.then) or _term_dated(term.else_)
    if isinstance(term, AddTerm | SubTerm | MulTerm | DivTerm):
        return any(_term_dated(part) for part in getattr(term, type(term).__name__[:3].lower()))
    return False


def _conditions(term: Any) -> list[Any]:
    """The rules of an `expr`'s `if` terms, in the order the engine evaluates them."""
    if isinstance(term, IfTerm):
        return [term.if_, *_conditions(term.then), *_conditions(term.else_)]
    if isinstance(term, AddTerm | SubTerm | MulTerm | DivTerm):
        parts = getattr(term, type(term).__name__[:3].lower())
        return [c for part in parts for c in _conditions(part)]
    return []


def _special_changes(
    node: Any, evidence: Any, after: datetime.date, until: datetime.date
) -> list[tuple[datetime.date, str]] | None:
    """Dates where an ongoing date, an interval, a mean or a computed value can change."""
    if isinstance(evidence, DateCheck) and evidence.ongoing:
        return []  # ongoing: it moves with the screening date and stays within any window
    if isinstance(evidence, IntervalFound):
        if evidence.end_open and not evidence.start_open and evidence.start is not None:
            amount, unit = node.value.amount
            label = label_of(node, f"{evidence.to_path} after {evidence.from_path}")
            cause = f"{label}: ongoing for {amount} {unit} since {evidence.start}"
            day_before = evidence.start - datetime.timedelta(days=1)
            # `le`/`gt` turn on the first day past the period, `lt`/`ge` on its last day
            return [
                (first_day_after(day_before, amount, unit), cause),
                (first_day_after(evidence.start, amount, unit), cause),
            ]
        return []
    if isinstance(evidence, Mean):
        if not evidence.readings:
            return []
        oldest = min(r[3] for r in evidence.readings)
        amount, unit = node.within.amount
        label = label_of(node, node.recent)
        return [(first_day_after(oldest, amount, unit), f"{label} of {oldest} expires")]
    if isinstance(evidence, Computed):
        found = []
        for item in evidence.inputs:
            if item.expires is not None:
                found.append((item.expires, f"{item.name} of {item.date} expires"))
            if item.birth_date is not None:
                found += [
                    (day, f"turns {completed_years(item.birth_date, day)} on {day}")
                    for day in next_birthdays(item.birth_date, after, until)
                ]
        return found
    return None
