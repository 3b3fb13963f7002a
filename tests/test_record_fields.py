"""The record's field types as a site writes them: calendar dates, choices written as bare
numbers, text that must not be blank. Each case is one change to the eligible example's text
and either the value the record reads or the one exact problem line a coordinator sees
(file, line, field and message).

Japanese sites write dates their own ways (2026/11/18, Reiwa era dates, full-width digits):
every one of them is refused with a message saying how to write it, never read as some other
day."""

from __future__ import annotations

import datetime
import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from screen.errors import InputError
from screen.load import Criteria, load_patient
from screen.screening import screen_file
from tests.conftest import EXAMPLES, TODAY, one_rule_criteria

CONSENT = "  signed: true\n  date: 2026-11-18\n"  # informed_consent, lines 22-23
PLATELETS = '  platelets:       {value: 210,  unit: "10*9/L", date: 2026-11-12}'
YYYY = "expected a date as YYYY-MM-DD, got"
NO_TIME = "expected a calendar date (YYYY-MM-DD) without a time"
IHC = "Input should be '0', '1+', '2+' or '3+'"
NYHA_CLASS = "Input should be '1', '2', '3' or '4'"


def _full_width(text: str) -> str:
    """`text` as a Japanese input method types it in full width (U+FF01 to U+FF5E)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _id(text: str) -> str:
    """A test id in plain ASCII on one line: pytest escapes anything else in a node id, and
    an escaped id cannot be named on the command line again (as mutmut names each test)."""
    one_line = " ".join(text.split())
    ascii_only = "".join(c if " " <= c <= "~" and c not in "[]\\" else "?" for c in one_line)
    return re.sub(r"\?+", "?", ascii_only)


WIDE_DATE = _full_width("2026-11-18")
WIDE_TWO = _full_width("2")


def _consent_date(written: str) -> tuple[str, str]:
    return CONSENT, f"  signed: true\n  date: {written}\n"


def _changed(tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    """The eligible example with `old` replaced by `new`, written to a file; and the line
    of the changed text's last line (where the changed field stands)."""
    text = (EXAMPLES / "eligible.yaml").read_text()
    assert text.count(old) == 1, old
    at = text.index(old)
    path = tmp_path / "p.yaml"
    path.write_text(text.replace(old, new, 1))
    line = text[:at].count("\n") + new.rstrip("\n").count("\n") + 1
    return path, line


def _problem_lines(path: Path, criteria: Criteria) -> list[str]:
    report = screen_file(path, criteria, None, TODAY)
    assert report.verdict == "error"
    assert report.outcomes == []
    return [str(problem) for problem in report.problems]


# (old text, new text, field, the whole message)
REFUSED = [
    # Full-width text that is no choice after NFKC either is refused as it was written.
    (
        "method: ECHO",
        f"method: {_full_width('EKG')}",
        "lvef.method",
        f"Input should be 'ECHO', 'MUGA', 'MRI' or 'other' (got '{_full_width('EKG')}')",
    ),
    # A time stamp is not a calendar date, in any time zone.
    (*_consent_date("2026-11-18 09:00:00"), "informed_consent.date", NO_TIME),
    (*_consent_date("2026-11-18T09:00:00+09:00"), "informed_consent.date", NO_TIME),
    (
        PLATELETS,
        PLATELETS.replace("2026-11-12", "2026-11-12 08:30:00"),
        "labs.platelets.date",
        NO_TIME,
    ),
    # Only YYYY-MM-DD: slashes, dots, day first, the Reiwa era, no zero padding, the basic
    # and week forms (that Python's fromisoformat would read), a time, nothing at all.
    (*_consent_date("2026/11/18"), "informed_consent.date", f"{YYYY} '2026/11/18'"),
    (*_consent_date("'2026.11.18'"), "informed_consent.date", f"{YYYY} '2026.11.18'"),
    (*_consent_date("18/11/2026"), "informed_consent.date", f"{YYYY} '18/11/2026'"),
    (*_consent_date("R8.11.18"), "informed_consent.date", f"{YYYY} 'R8.11.18'"),
    (*_consent_date("令和8年11月18日"), "informed_consent.date", f"{YYYY} '令和8年11月18日'"),
    (*_consent_date("2026-1-5"), "informed_consent.date", f"{YYYY} '2026-1-5'"),
    (*_consent_date("'20261118'"), "informed_consent.date", f"{YYYY} '20261118'"),
    (*_consent_date("2026-W47-3"), "informed_consent.date", f"{YYYY} '2026-W47-3'"),
    (*_consent_date("'2026-11-18T09:00'"), "informed_consent.date", f"{YYYY} '2026-11-18T09:00'"),
    (*_consent_date("''"), "informed_consent.date", f"{YYYY} ''"),
    # A long text is echoed by its first 40 characters.
    (
        *_consent_date("signed at the clinic on 2026-11-18 by the patient"),
        "informed_consent.date",
        f"{YYYY} 'signed at the clinic on 2026-11-18 by th'",
    ),
    (
        "  major_surgery_or_trauma: []\n",
        "  major_surgery_or_trauma: [2026/11/02]\n",
        "recent_events.major_surgery_or_trauma[0]",
        f"{YYYY} '2026/11/02'",
    ),
    # A number is not a date.
    (
        *_consent_date("20261118"),
        "informed_consent.date",
        "Input should be a valid date (got 20261118)",
    ),
    # Shaped like a date but no day of the calendar: 30 February.
    (
        *_consent_date("'2026-02-30'"),
        "informed_consent.date",
        "invalid date '2026-02-30': day is out of range for month",
    ),
    (
        *_consent_date("'1899-12-31'"),
        "informed_consent.date",
        "date 1899-12-31 is not plausible (expected 1900 to 2199)",
    ),
    # Text that must not be blank: empty, spaces, a full-width (ideographic) space, a tab.
    ("patient_id: JP-0001\n", "patient_id: ''\n", "patient_id", "must not be empty"),
    ("patient_id: JP-0001\n", "patient_id: '\u3000'\n", "patient_id", "must not be empty"),
    (PLATELETS, PLATELETS.replace('"10*9/L"', '" "'), "labs.platelets.unit", "must not be empty"),
    (
        PLATELETS,
        PLATELETS.replace('"10*9/L"', '"\\t"'),
        "labs.platelets.unit",
        "must not be empty",
    ),
    (
        "  - agents: [T-DM1]\n",
        "  - agents: ['  ']\n",
        "prior_regimens[1].agents[0]",
        "must not be empty",
    ),
    (
        "planned_chemotherapy: eribulin\n",
        "planned_chemotherapy: ' '\n",
        "planned_chemotherapy",
        "must not be empty",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    REFUSED,
    ids=[_id(f"{n} -> {f}") for _, n, f, _ in REFUSED],
)
def test_a_value_refused_is_one_exact_problem_line(
    tmp_path: Path, criteria: Criteria, old: str, new: str, field: str, message: str
) -> None:
    path, line = _changed(tmp_path, old, new)
    assert _problem_lines(path, criteria) == [f"{path}:{line} {field}: {message}"]


# (old text, new text, the field's path in the record, the value it reads)
ACCEPTED = [
    (*_consent_date("2026-11-18"), "informed_consent.date", datetime.date(2026, 11, 18)),
    (*_consent_date("'2026-11-18'"), "informed_consent.date", datetime.date(2026, 11, 18)),
    (*_consent_date("' 2026-11-18 '"), "informed_consent.date", datetime.date(2026, 11, 18)),
    (*_consent_date('"2026-11-18\\n"'), "informed_consent.date", datetime.date(2026, 11, 18)),
    (*_consent_date("1900-01-01"), "informed_consent.date", datetime.date(1900, 1, 1)),
    # Full-width digits read as the date they are after NFKC, as all text is compared.
    (*_consent_date(WIDE_DATE), "informed_consent.date", datetime.date(2026, 11, 18)),
    ('    ihc: "3+"\n', f"    ihc: {_full_width('3')}+\n", "breast_cancer.her2.ihc", "3+"),
    ("method: ECHO", f"method: {_full_width('ECHO')}", "lvef.method", "ECHO"),
    ('    ihc: "3+"\n', "    ihc: 0\n", "breast_cancer.her2.ihc", "0"),
    ('    ihc: "3+"\n', "    ihc: -0\n", "breast_cancer.her2.ihc", "0"),
    ('    ihc: "3+"\n', '    ihc: "0"\n', "breast_cancer.her2.ihc", "0"),
]


def _value(record: Any, dotted: str) -> Any:
    for step in dotted.split("."):
        record = getattr(record, step)
    return record


@pytest.mark.parametrize(
    ("old", "new", "field", "value"),
    ACCEPTED,
    ids=[_id(f"{n} -> {v!r}") for _, n, _, v in ACCEPTED],
)
def test_a_value_accepted_is_read_as(
    tmp_path: Path, criteria: Criteria, old: str, new: str, field: str, value: Any
) -> None:
    path, _ = _changed(tmp_path, old, new)
    try:
        record, _ = load_patient(path, criteria, None, TODAY)
    except InputError as exc:
        pytest.fail("\n".join(str(p) for p in exc.problems))
    assert _value(record, field) == value
    assert type(_value(record, field)) is type(value)


# A site's own dictionary with a choice spelled as numbers. Its title is new on every run, so
# the record model is built in the test itself (models are cached per dictionary, so one
# built before a mutant is switched on would hide it).
SITE_DICTIONARY = """
dictionary: {{id: site-numbers, title: "Choices written as numbers ({run})", version: "1"}}
fields:
  - {{path: cardiac_history.nyha_class, type: choice, choices: ["1", "2", "3", "4"], description: NYHA class as a number}}
"""

NYHA = "  heart_failure: false\n"


def _site_criteria(tmp_path: Path) -> Criteria:
    (tmp_path / "site.dictionary.yaml").write_text(SITE_DICTIONARY.format(run=uuid.uuid4().hex))
    return one_rule_criteria(
        tmp_path,
        "IN1 inclusion NYHA class 1 or 2: Heart failure of NYHA class I or II at most.",
        "{field: cardiac_history.nyha_class, op: in, value: ['1', '2'], label: NYHA class}",
        "uses: {dictionaries: [core, site.dictionary.yaml]}\n",
    )


# (old text, new text, field, the value read and IN1's status, or the whole message)
CHOICES = [
    (NYHA, NYHA + "  nyha_class: 2\n", "cardiac_history.nyha_class", ("2", "pass")),
    (NYHA, NYHA + "  nyha_class: 3\n", "cardiac_history.nyha_class", ("3", "fail")),
    (NYHA, NYHA + "  nyha_class: '2'\n", "cardiac_history.nyha_class", ("2", "pass")),
    (
        NYHA,
        NYHA + "  nyha_class: 5\n",
        "cardiac_history.nyha_class",
        f"{NYHA_CLASS} (got 5)",
    ),
    (
        NYHA,
        NYHA + "  nyha_class: 2.0\n",
        "cardiac_history.nyha_class",
        f"{NYHA_CLASS} (got 2.0)",
    ),
    (NYHA, NYHA + f"  nyha_class: {WIDE_TWO}\n", "cardiac_history.nyha_class", ("2", "pass")),
    (
        NYHA,
        NYHA + "  nyha_class: II\n",
        "cardiac_history.nyha_class",
        f"{NYHA_CLASS} (got 'II')",
    ),
    ('    ihc: "3+"\n', "    ihc: 0\n", "breast_cancer.her2.ihc", ("0", None)),
    # IHC 1 or 3 written bare is neither 1+ nor 3+: refused, never guessed.
    ('    ihc: "3+"\n', "    ihc: 1\n", "breast_cancer.her2.ihc", f"{IHC} (got 1)"),
    ('    ihc: "3+"\n', "    ihc: 3\n", "breast_cancer.her2.ihc", f"{IHC} (got 3)"),
    ('    ihc: "3+"\n', "    ihc: '3'\n", "breast_cancer.her2.ihc", f"{IHC} (got '3')"),
    ('    ihc: "3+"\n', "    ihc: 0.0\n", "breast_cancer.her2.ihc", f"{IHC} (got 0.0)"),
    ('    ihc: "3+"\n', "    ihc: false\n", "breast_cancer.her2.ihc", f"{IHC} (got false)"),
]


@pytest.mark.parametrize(
    ("old", "new", "field", "expected"), CHOICES, ids=[_id(n) for _, n, _, _ in CHOICES]
)
def test_a_choice_written_as_a_number(
    tmp_path: Path, old: str, new: str, field: str, expected: Any
) -> None:
    criteria = _site_criteria(tmp_path)
    path, line = _changed(tmp_path, old, new)
    if isinstance(expected, str):
        assert _problem_lines(path, criteria) == [f"{path}:{line} {field}: {expected}"]
        return
    value, status = expected
    record, _ = load_patient(path, criteria, None, TODAY)
    assert _value(record, field) == value
    report = screen_file(path, criteria, None, TODAY)
    assert report.problems == [], [str(p) for p in report.problems]
    if status is not None:  # IN1 reads the NYHA class
        assert [(o.criterion.id, o.status) for o in report.outcomes] == [("IN1", status)]
