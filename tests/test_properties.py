"""Properties of the whole engine over the example records (hypothesis)."""

from __future__ import annotations

import copy
import datetime
from typing import Any

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from screen.engine.evaluate import evaluate
from screen.errors import InputError
from screen.load import Criteria, load_criteria, validate_patient
from screen.report.report import verdict_of
from tests.conftest import EXAMPLES, TODAY
from tests.strategies import examples

RECORDS = {p.stem: yaml.safe_load(p.read_text()) for p in sorted(EXAMPLES.glob("*.yaml"))}
KEEP = {"patient_id", "screening_date"}  # required, or the clock the windows count from
CRITERIA = load_criteria()  # module-level: hypothesis reports stay readable


def removable_paths(record: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every mapping key outside lists: leaving one out means "not assessed"."""
    paths = []
    for key, value in record.items():
        if not prefix and key in KEEP:
            continue
        paths.append((*prefix, key))
        if isinstance(value, dict):
            paths.extend(removable_paths(value, (*prefix, key)))
    return paths


def statuses(criteria: Criteria, record: dict[str, Any]) -> dict[str, str]:
    patient, as_of = validate_patient(record, "", "record", criteria, None, TODAY)
    return {
        o.criterion.id: o.status
        for o in evaluate(criteria.rules.criteria, criteria.vocabulary, patient, as_of)
    }


def without(record: dict[str, Any], paths: list[tuple[str, ...]]) -> dict[str, Any]:
    smaller = copy.deepcopy(record)
    for path in paths:
        node = smaller
        for step in path[:-1]:
            node = node.get(step) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(path[-1], None)
    return smaller


@pytest.mark.parametrize("name", sorted(RECORDS))
@settings(max_examples=examples(60), deadline=None)
@given(data=st.data())
def test_removing_data_only_ever_makes_criteria_unknown(name: str, data: st.DataObject) -> None:
    record = RECORDS[name]
    paths = data.draw(st.lists(st.sampled_from(removable_paths(record)), max_size=6, unique=True))
    before = statuses(CRITERIA, record)
    try:
        after = statuses(CRITERIA, without(record, paths))
    except InputError:
        assume(False)  # e.g. a signed consent left without its date: invalid, not "less data"
        raise
    for criterion_id, status in after.items():
        assert status in (before[criterion_id], "unknown"), (criterion_id, paths)
    if verdict_of_statuses(before) != "eligible":
        assert verdict_of_statuses(after) != "eligible"


def verdict_of_statuses(by_id: dict[str, str]) -> str:
    values = set(by_id.values())
    return (
        "ineligible" if "fail" in values else ("incomplete" if "unknown" in values else "eligible")
    )


@settings(max_examples=examples(40), deadline=None)
@given(days=st.integers(min_value=0, max_value=3650))
def test_any_as_of_date_gives_a_verdict_never_an_exception(days: int) -> None:
    criteria = CRITERIA
    record = RECORDS["eligible"]
    as_of = datetime.date(2026, 11, 20) + datetime.timedelta(days=days)
    patient, screening = validate_patient(record, "", "record", criteria, as_of, TODAY)
    outcomes = evaluate(criteria.rules.criteria, criteria.vocabulary, patient, screening)
    verdict = verdict_of(outcomes)
    assert verdict in ("eligible", "ineligible", "incomplete")
    assert (verdict == "eligible") == all(o.status == "pass" for o in outcomes)
