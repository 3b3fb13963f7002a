"""Calendar arithmetic for windows: months and years are calendar ones, clamped to month end."""

from __future__ import annotations

import calendar
import datetime


def shift_back(day: datetime.date, amount: int, unit: str) -> datetime.date:
    """`day` minus a period: 6 months before 2024-03-31 is 2023-09-30."""
    if unit == "weeks":
        amount, unit = amount * 7, "days"
    if unit == "days":
        return day - datetime.timedelta(days=amount)
    months = amount * 12 if unit == "years" else amount
    total = day.year * 12 + (day.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, min(day.day, last))


def completed_years(birth: datetime.date, on: datetime.date) -> int:
    """Age in completed years; a birthday falling on `on` counts."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def first_day_after(day: datetime.date, amount: int, unit: str) -> datetime.date:
    """The first as-of date whose window of `amount unit` no longer reaches back to `day`:
    the smallest d with shift_back(d, amount, unit) > day. A 28-day window holding an LVEF of
    2026-11-10 holds it as of 2026-12-08 and no longer as of 2026-12-09."""
    if unit == "weeks":
        amount, unit = amount * 7, "days"
    # The guess only saves steps: the two loops below correct any guess, so a changed guess
    # changes no result (its lines are left out of mutation testing, tools/mutation/).
    if unit == "days":  # pragma: no mutate
        return day + datetime.timedelta(days=amount + 1)
    months = amount * 12 if unit == "years" else amount  # pragma: no mutate
    total = day.year * 12 + (day.month - 1) + months  # pragma: no mutate
    year, month = divmod(total, 12)  # pragma: no mutate
    last = calendar.monthrange(year, month + 1)[1]  # pragma: no mutate
    guess = datetime.date(year, month + 1, min(day.day, last))  # pragma: no mutate
    # A guard: the guess is never past the edge (shift_back of it is at most `day`).
    while shift_back(guess, amount, unit) > day:  # pragma: no mutate (never runs)
        guess -= datetime.timedelta(days=1)  # pragma: no mutate
    while shift_back(guess, amount, unit) <= day:
        guess += datetime.timedelta(days=1)
    return guess


def next_birthdays(
    birth: datetime.date, after: datetime.date, until: datetime.date
) -> list[datetime.date]:
    """Birthdays in (after, until]; 29 February is celebrated on 1 March in common years,
    the day completed_years counts the new year from."""
    found = []
    for year in range(after.year, until.year + 1):  # pragma: no mutate (more years: filtered below)
        try:
            birthday = birth.replace(year=year)
        except ValueError:
            birthday = datetime.date(year, 3, 1)
        if after < birthday <= until:  # pragma: no mutate (<=: window.changes drops `after`)
            found.append(birthday)
    return found


def implausible_screening(day: datetime.date) -> str | None:
    """Why `day` cannot be a screening date (--as-of), or None when it can: the same bounds
    as every date of a record, so that every window and horizon stays a valid date."""
    from screen.record.fields import EARLIEST, LATEST

    if EARLIEST <= day <= LATEST:
        return None
    return f"date {day} is not plausible (expected {EARLIEST.year} to {LATEST.year})"
