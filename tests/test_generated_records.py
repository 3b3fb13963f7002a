"""Properties over generated records (tests/strategies.py): any schema-valid record is
screened without an exception, missing data never makes a patient eligible, and eligible
means every criterion passed."""

from __future__ import annotations

import copy
from typing import Any

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from screen.engine.evaluate import evaluate
from screen.engine.trace import Outcome
from screen.errors import InputError
from screen.load import load_criteria, validate_patient
from screen.report.report import verdict_of
from tests.conftest import EXAMPLES
from tests.strategies import SCREENING, examples, records, variations

CRITERIA = load_criteria()
ELIGIBLE = yaml.safe_load((EXAMPLES / "eligible.yaml").read_text())
RECORDS = st.one_of(records(CRITERIA), variations(CRITERIA, ELIGIBLE))
SETTINGS = settings(
    max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def screened(record: dict[str, Any]) -> list[Outcome] | None:
    """The outcomes, or None when validation refuses the record (with its problems)."""
    try:
        patient, as_of = validate_patient(record, "", "generated", CRITERIA, None, SCREENING)
    except InputError as exc:
        assert exc.problems and all(p.message for p in exc.problems)
        return None
    return evaluate(CRITERIA.rules.criteria, CRITERIA.vocabulary, patient, as_of)


def leaf_paths(record: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = []
    for key, value in record.items():
        if not prefix and key in ("patient_id", "screening_date"):
            continue
        paths.append((*prefix, key))
        if isinstance(value, dict):
            paths.extend(leaf_paths(value, (*prefix, key)))
    return paths


@SETTINGS
@given(RECORDS)
def test_any_generated_record_is_screened_or_refused_never_an_exception(
    record: dict[str, Any],
) -> None:
    outcomes = screened(record)
    if outcomes is not None:
        assert [o.criterion.id for o in outcomes] == [c.id for c in CRITERIA.rules.criteria]
        assert all(o.status in ("pass", "fail", "unknown") for o in outcomes)


@SETTINGS
@given(RECORDS)
def test_eligible_only_when_every_criterion_passes(record: dict[str, Any]) -> None:
    outcomes = screened(record)
    assume(outcomes is not None)
    assert outcomes is not None
    assert (verdict_of(outcomes) == "eligible") == all(o.status == "pass" for o in outcomes)


@SETTINGS
@given(RECORDS, st.data())
def test_removing_a_field_never_makes_an_ineligible_or_incomplete_record_eligible(
    record: dict[str, Any], data: st.DataObject
) -> None:
    before = screened(record)
    assume(before is not None and verdict_of(before) != "eligible")
    paths = leaf_paths(record)
    assume(paths)
    path = data.draw(st.sampled_from(paths))
    smaller = copy.deepcopy(record)
    holder = smaller
    for step in path[:-1]:
        holder = holder[step]
    del holder[path[-1]]
    after = screened(smaller)
    assert after is None or verdict_of(after) != "eligible"
