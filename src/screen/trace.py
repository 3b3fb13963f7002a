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

from screen.logic import Truth

Status = Literal["pass", "fail", "unknown"]


@dataclass(slots=True)
class FieldValue:
    """A recorded value (None: not recorded), maybe scaled by an equivalence factor."""

    path: str
    value: Any
    factor: Any = None
    scaled: Decimal | None = None
    factor_of: str | None = None


@dataclass(slots=True)
class DrugMatch:
    path: str
    names: tuple[str, ...]
    matched: tuple[str, ...]
    unrecognized: tuple[str, ...]
    suggestions: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(slots=True)
class DateCheck:
    path: str
    date: datetime.date | None
    bound: datetime.date
    days_before: int | None


@dataclass(slots=True)
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


@dataclass(slots=True)
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


@dataclass(slots=True)
class Tally:
    path: str
    low: int | None
    high: int | None


@dataclass(slots=True)
class Term:
    item: int
    name: str
    amount: Decimal | None
    factor: Any
    counted: Truth


@dataclass(slots=True)
class Total:
    path: str
    low: Decimal | None
    high: Decimal | None
    terms: tuple[Term, ...]


@dataclass(slots=True)
class AgeFound:
    years: int | None
    birth_date: datetime.date | None
    stated: int | None


@dataclass(slots=True)
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


@dataclass(slots=True)
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
