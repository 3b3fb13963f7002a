"""The building blocks of every record model: strict base, calendar dates, names, choices.

The record's fields themselves are data (criteria/dictionaries/, built by screen.record.model).
Absent or null means "not assessed" (None), at every level. Types are strict (no "yes" for
true, no 1.0 for an ECOG score), every number is finite, and every date lies between 1900
and 2199, because a silently accepted wrong record is the dangerous kind.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, PrivateAttr

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


EARLIEST = datetime.date(1900, 1, 1)
LATEST = datetime.date(2199, 12, 31)


def _calendar_date(value: Any) -> Any:
    """Accept a YAML date or an ISO `YYYY-MM-DD` string; never a time stamp or a number."""
    if isinstance(value, datetime.datetime):
        raise ValueError("expected a calendar date (YYYY-MM-DD) without a time")
    if isinstance(value, str):
        if not value.isascii():
            value = unicodedata.normalize("NFKC", value)  # full-width digits read as digits
        if not _ISO_DATE.fullmatch(value.strip()):
            raise ValueError(f"expected a date as YYYY-MM-DD, got {value[:40]!r}")
        try:
            value = datetime.date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError(f"invalid date {value!r}: {exc}") from None
    if isinstance(value, datetime.date) and not EARLIEST <= value <= LATEST:
        raise ValueError(
            f"date {value} is not plausible (expected {EARLIEST.year} to {LATEST.year})"
        )
    return value


def choice_from_number(choices: tuple[str, ...]) -> Any:
    """A choice written as a bare number (HER2 IHC 0) is the choice of that text; one in
    full-width characters is the choice it reads as after NFKC, as all text is compared
    (patient-record.md)."""

    def coerce(value: Any) -> Any:
        if type(value) is int and str(value) in choices:
            return str(value)
        if isinstance(value, str) and not value.isascii():  # ASCII is its own NFKC form
            normal = unicodedata.normalize("NFKC", value)
            return normal if normal in choices else value
        return value

    return coerce


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


Date = Annotated[datetime.date, BeforeValidator(_calendar_date)]
Name = Annotated[str, AfterValidator(_not_blank)]


class Record(BaseModel):
    """Base of every part of the record: strict types, unknown keys rejected."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, allow_inf_nan=False)
    # A list entry as the criteria read it (engine.entries): its number(s) in the file's
    # list, so that "prior regimen #4" is the file's fourth even after one was set aside,
    # and two joined entries are "#2+#3". None: the entry is where the file has it.
    _entries: tuple[int, ...] | None = PrivateAttr(default=None)
