"""Calendar windows and age: month ends, leap years, both ends of a window."""

from __future__ import annotations

import datetime as dt

import pytest

from screen.engine.dates import completed_years, shift_back


@pytest.mark.parametrize(
    ("day", "amount", "unit", "expected"),
    [
        (dt.date(2024, 3, 1), 6, "months", dt.date(2023, 9, 1)),  # the notes' own example
        (dt.date(2026, 8, 31), 6, "months", dt.date(2026, 2, 28)),  # no 31 February: month end
        (dt.date(2024, 8, 31), 6, "months", dt.date(2024, 2, 29)),  # leap year month end
        (dt.date(2026, 11, 20), 28, "days", dt.date(2026, 10, 23)),
        (dt.date(2024, 3, 1), 1, "days", dt.date(2024, 2, 29)),
        (dt.date(2024, 2, 29), 5, "years", dt.date(2019, 2, 28)),
        (dt.date(2026, 1, 15), 3, "months", dt.date(2025, 10, 15)),
    ],
)
def test_shift_back(day: dt.date, amount: int, unit: str, expected: dt.date) -> None:
    assert shift_back(day, amount, unit) == expected


@pytest.mark.parametrize(
    ("birth", "on", "years"),
    [
        (dt.date(2006, 11, 20), dt.date(2026, 11, 20), 20),  # birthday on the day counts
        (dt.date(2006, 11, 21), dt.date(2026, 11, 20), 19),
        (dt.date(2004, 2, 29), dt.date(2024, 2, 28), 19),
        (dt.date(2004, 2, 29), dt.date(2024, 2, 29), 20),
        (dt.date(2004, 2, 29), dt.date(2023, 3, 1), 19),  # common year: 1 March
        (dt.date(2004, 2, 29), dt.date(2023, 2, 28), 18),
    ],
)
def test_completed_years(birth: dt.date, on: dt.date, years: int) -> None:
    assert completed_years(birth, on) == years
