"""What the engine found: a tree of plain data mirroring the rule tree.

Every node keeps the evidence it used (values, units, dates, thresholds), so that reasons,
the explain tree and the JSON trace are all read from one structure (rich's traceback
model: extract plain data first, render elsewhere).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from screen.engine.logic import Truth

Status = Literal["pass", "fail", "unknown"]
# The classes below generate no __repr__ or __eq__ (nothing compares or prints a trace
# node): each generated method costs start-up time, and a one-file check pays it every run.


@dataclass(slots=True, repr=False, eq=False)
class FieldValue:
    """A recorded value (None: not recorded), maybe scaled by an equivalence factor."""

    path: str
    value: Any
    factor: Any = None
    scaled: Decimal | None = None
    factor_of: str | None = None


@dataclass(slots=True, repr=False, eq=False)
class DrugMatch:
    path: str
    names: tuple[str, ...]
    matched: tuple[str, ...]
    unrecognized: tuple[str, ...]
    suggestions: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(slots=True, repr=False, eq=False)
class DateCheck:
    path: str
    date: datetime.date | None
    bound: datetime.date
    days_before: int | None
    ongoing: bool = False  # the date was null and `open_is_now` read it as the screening date


@dataclass(slots=True, repr=False, eq=False)
class Observation:
    """The observation a `recent` node used, or why none was admissible."""

    path: str
    window_start: datetime.date
    value: float | None = None
    unit: str | None = None
    converted: Decimal | None = None
    compared_unit: str | None = None
    threshold: Decimal | None = None
    date: datetime.date | None = None
    days_before: int | None = None
    method: str | None = None
    recorded: int = 0
    latest_date: datetime.date | None = None
    latest_days_before: int | None = None
    not_admitted: str | None = None
    conflicting: tuple[tuple[Any, str | None], ...] = ()  # (value, unit) read on one day
    conflict_date: datetime.date | None = None
    # (value, unit, date) of readings whose admissibility is unknown; with no `conflicting`
    # beside them, no reading is known to be admissible
    maybe: tuple[tuple[Any, str | None, datetime.date], ...] = ()
    uln: Decimal | None = None  # `times: uln`: the reading's upper limit of normal
    uln_missing: bool = False  # `times: uln`, but the reading has no upper limit recorded


@dataclass(slots=True, repr=False, eq=False)
class Items:
    """The list a quantifier ran over (None: the list was not recorded). Its items' names
    are worked out only when a reason or an explanation asks for them."""

    path: str
    count: int | None
    _items: tuple[Any, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """A readable name per item: its first text field (a term, a diagnosis, its agents)."""
        names = []
        for item in self._items:
            name = ""
            for value in getattr(item, "__dict__", {}).values():
                if isinstance(value, str) or (
                    isinstance(value, list) and value and isinstance(value[0], str)
                ):
                    name = value if isinstance(value, str) else ", ".join(value)
                    break
            names.append(name)
        return tuple(names)


@dataclass(slots=True, repr=False, eq=False)
class Tally:
    path: str
    low: int | None
    high: int | None


@dataclass(slots=True, repr=False, eq=False)
class Term:
    item: int
    name: str
    amount: Decimal | None
    factor: Any
    counted: Truth
    entries: tuple[int, ...] = ()  # as Trace.entries: the file's numbering, when it differs


@dataclass(slots=True, repr=False, eq=False)
class Total:
    path: str
    low: Decimal | None
    high: Decimal | None
    terms: tuple[Term, ...]


@dataclass(slots=True, repr=False, eq=False)
class AgeFound:
    years: int | None
    birth_date: datetime.date | None
    stated: int | None


@dataclass(slots=True, repr=False, eq=False)
class IntervalFound:
    """The two dates of an `interval` node (None: not recorded), whether each was null and
    read as the screening date, and the earliest `from` that keeps `to` within the period."""

    from_path: str
    to_path: str
    start: datetime.date | None
    end: datetime.date | None
    start_open: bool = False
    end_open: bool = False
    bound: datetime.date | None = None


@dataclass(slots=True, repr=False, eq=False)
class Input:
    """One input of a computed value: what it is, its value (None: unknown) and where it
    came from (a reading's date, "born 1968-04-02"); `expires`: the date a windowed
    reading leaves its window, `birth_date` for an age."""

    name: str
    value: Decimal | None
    detail: str = ""
    path: str = ""
    dated_from: datetime.date | None = None
    expires: datetime.date | None = None
    birth_date: datetime.date | None = None
    date: datetime.date | None = None  # the reading's date, for a windowed reading


@dataclass(slots=True, repr=False, eq=False)
class Computed:
    """An `expr` node's value: its inputs, the formula with them written in, the result."""

    inputs: tuple[Input, ...]
    shown: str
    value: Decimal | None
    problem: str = ""  # why the value is unknown besides a missing input (division by zero)


@dataclass(slots=True, repr=False, eq=False)
class Mean:
    """The readings a `mean_of_latest` node averaged (value, unit, converted, date), or why
    it could not: fewer admissible readings than needed, or a reading not convertible."""

    path: str
    window_start: datetime.date
    needed: int
    readings: tuple[tuple[Any, str | None, Decimal | None, datetime.date], ...] = ()
    mean: Decimal | None = None
    threshold: Decimal | None = None
    compared_unit: str | None = None
    problem: str = ""


@dataclass(slots=True, repr=False, eq=False)
class Trace:
    """One evaluated node: its truth, its evidence, its children (item: list index).
    `settled`: unknown by Kleene alone, decided because every completion of the record's
    unknown facts gives it this truth."""

    node: Any
    truth: Truth
    evidence: Any = None
    children: tuple[Trace, ...] = ()
    item: int | None = None
    settled: bool = False
    entries: tuple[int, ...] = ()  # an item read from several (or renumbered) file entries


@dataclass(slots=True, repr=False, eq=False)
class Outcome:
    """A criterion's status and the trace behind it."""

    criterion: Any
    status: Status
    trace: Trace
    unrecognized: tuple[str, ...] = ()  # drug names the criterion could not classify


def status_of(kind: str, truth: Truth) -> Status:
    """Inclusion logic says when met; exclusion logic says when the patient is excluded."""
    if truth is None:
        return "unknown"
    met = truth if kind == "inclusion" else not truth
    return "pass" if met else "fail"
