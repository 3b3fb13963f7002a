"""Data-driven cases: tests/cases/*.yaml, each a change to the eligible example and the
statuses expected. Criteria not named in `expect` must still pass, so a case also pins that
a change touches nothing else. Optional: `reason_contains`, `warning_contains`, `verdict`,
`reasons` (a criterion's whole reason) and `missing` (the whole list). Add a case without
writing Python."""

from __future__ import annotations

import datetime
import functools
from pathlib import Path
from typing import Any

import pytest
import yaml

from screen.load import Criteria, load_criteria
from tests.conftest import ROOT, merge, remove, yaml_cases

CASES = Path(__file__).parent / "cases"


@functools.cache
def trial_criteria(path: str) -> Criteria:
    return load_criteria(ROOT / path)


@pytest.mark.parametrize("case", yaml_cases(CASES))
def test_case(case: dict[str, Any], eligible: dict[str, Any], screen_record: Any) -> None:
    base, criteria = eligible, None
    if "_criteria" in case:  # another trial's cases: its criteria and its eligible record
        criteria = trial_criteria(case["_criteria"])
        base = yaml.safe_load((ROOT / case["_base"]).read_text())
    record = merge(base, case.get("set", {}))
    for dotted in case.get("remove", []):
        remove(record, dotted)
    as_of = case.get("as_of")
    report = screen_record(
        record, as_of if isinstance(as_of, datetime.date) else None, criteria=criteria
    )
    assert report.problems == [], [str(p) for p in report.problems]
    statuses = {o.criterion.id: o.status for o in report.outcomes}
    expected = {cid: "pass" for cid in statuses} | case["expect"]
    assert statuses == expected
    fragment = case.get("reason_contains")
    if fragment is not None:
        (only,) = case["expect"]
        reason = report.to_dict()["results"][[o.criterion.id for o in report.outcomes].index(only)][
            "reason"
        ]
        assert fragment in reason
    wanted = case.get("missing_contains")
    if wanted is not None:
        assert any(wanted in need for need in report.missing), report.missing
    warning = case.get("warning_contains")
    if warning is not None:
        assert any(warning in w.message for w in report.warnings), report.warnings
    else:
        assert report.warnings == [], [str(w) for w in report.warnings]
    results = {r["id"]: r["reason"] for r in report.to_dict()["results"]}
    for cid, expected_reason in case.get("reasons", {}).items():
        assert results[cid] == expected_reason, cid
    if "missing" in case:
        assert report.missing == case["missing"]
    if "verdict" in case:
        assert report.verdict == case["verdict"]
    if "todo" in case:  # the to-do list's lines, as a coordinator reads them
        assert [t["text"] for t in report.to_dict()["todo"]] == case["todo"]
