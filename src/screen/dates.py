"""Calendar arithmetic for windows: months and years are calendar ones, clamped to month end."""

from __future__ import annotations

import calendar
import datetime


def shift_back(day: datetime.date, amount: int, unit: str) -> datetime.date:
    """`day` minus a period: 6 months before 2024-03-31 is 2023-09-30."""
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
