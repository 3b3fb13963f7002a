"""A hostile corpus, made at run time (the big inputs are never committed): each file is a
way a record can be malformed, huge, misleading or not a file at all, with the verdict a
batch must give it. Used by test_hostile_corpus.py; extend it when a new way is found."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

from tests.conftest import EXAMPLES

ELIGIBLE = (EXAMPLES / "eligible.yaml").read_text()
GOOD = "good.yaml"


def _with_id(patient_id: str) -> str:
    """The eligible record with a patient_id written as a YAML double-quoted scalar."""
    return ELIGIBLE.replace("patient_id: JP-0001", f'patient_id: "{patient_id}"', 1)


def _plus(line: str) -> str:
    return ELIGIBLE + line + "\n"


def _replace(old: str, new: str) -> str:
    assert old in ELIGIBLE, old
    return ELIGIBLE.replace(old, new, 1)


# name -> (content, verdict). Content is text, bytes, or a function making the file.
Maker = Callable[[Path], None]
CORPUS: dict[str, tuple[str | bytes | Maker, str]] = {
    GOOD: (ELIGIBLE, "eligible"),
    # what a view prints (classes 5, 6, 10, 11, 12): data, screened normally
    "markup-id.yaml": (_with_id("JP-1[/bold][link=https://x]y[/link]"), "eligible"),
    "escape-id.yaml": (_with_id("\\e[2J\\e]8;;https://evil\\aJP-2"), "eligible"),
    "bidi-id.yaml": (_with_id("JP-\\u202e1000"), "eligible"),
    "c1-nul-id.yaml": (_with_id("JP-\\x9b31m\\0"), "eligible"),
    "line-separator-id.yaml": (_with_id("JP-\\u2028\\u2029\\N3"), "eligible"),
    "formula-id.yaml": (_with_id('=HYPERLINK(\\"http://x\\",\\"y\\")'), "eligible"),
    "cr-id.yaml": (_with_id("JP-4\\rJP-9,eligible,,"), "eligible"),
    "[!]markup-name.yaml": (ELIGIBLE.replace("JP-0001", "JP-5"), "eligible"),
    "\x1b[31mescape-name.yaml": (ELIGIBLE.replace("JP-0001", "JP-6"), "eligible"),
    # invalid records (classes 1, 13, 15, 16, 19): error rows with short, located messages
    "many-unknown-keys.yaml": (
        "patient_id: JP-7\n" + "".join(f"unknown_{i}: 1\n" for i in range(8_000)),
        "error",
    ),
    "many-bad-items.yaml": (
        _plus(
            "toxicities:\n"
            + "".join(f"  - {{grade: 9, term: t{i}, bogus: 1}}\n" for i in range(5_000))
        ),
        "error",
    ),
    "far-screening-date.yaml": (
        _replace("screening_date: 2026-11-20", "screening_date: 9999-12-01"),
        "error",
    ),
    "octal.yaml": (_plus("age: 045"), "error"),
    "sexagesimal.yaml": (_plus("age: 1:05"), "error"),
    "odd-keys.yaml": (_plus("~: 1\nyes: 2\n2026-01-01: 3"), "error"),
    "raw-nul.yaml": (_replace("sex: female", "sex: fe\x00male"), "error"),
    "huge-unit.yaml": (_replace("unit: g/dL,", f"unit: {'x' * 600_000},"), "error"),
    "exponent.yaml": (_replace("{value: 210, ", "{value: 1.0e308, "), "error"),
    "not-utf8.yaml": (ELIGIBLE.encode() + b"\xff\xfe\n", "error"),
    "empty.yaml": ("", "error"),
    "alias.yaml": (_plus("x: &a 1\ny: *a"), "error"),
    "tag.yaml": (_plus("x: !!python/object:os.system echo"), "error"),
    "deep.yaml": ("patient_id: JP-8\nx: " + "[" * 5000 + "]" * 5000 + "\n", "error"),
    "over-the-limit.yaml": ("patient_id: JP-9\n" + "# padding\n" * 120_000, "error"),
    # not a regular file (classes 2, 14): refused unread, never waited on
    "fifo.yaml": (lambda path: os.mkfifo(path), "error"),
    "zero.yaml": (lambda path: path.symlink_to("/dev/zero"), "error"),
    "dangling.yaml": (lambda path: path.symlink_to(path.parent / "nowhere"), "error"),
}


def make_corpus(folder: Path) -> dict[str, str]:
    """Write every case into `folder`; returns file name -> expected verdict (file names as
    the reports show them)."""
    expected = {}
    for name, (content, verdict) in CORPUS.items():
        path = folder / name
        if callable(content):
            content(path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        expected[name] = verdict
    if sys.platform == "linux":  # a file name that is not UTF-8 (shown escaped)
        raw = os.fsencode(folder) + b"/not-utf8-\xff.yaml"
        with open(raw, "wb") as handle:
            handle.write(ELIGIBLE.replace("JP-0001", "JP-10").encode())
        expected["not-utf8-\\xff.yaml"] = "eligible"
    return expected
