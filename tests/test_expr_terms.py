"""The computed value (`expr`) where a YAML case cannot say it: a reading's name from a path
three steps deep (another trial's own fields), and the eligibility window of a value decided
whichever way the readings that disagree turn out."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from screen.report.reasons import num, reason, shown_against
from tests.conftest import merge, screen_one_rule

DEEP = """
dictionary: {id: deep-1, title: Fields three steps deep, version: "1"}
fields:
  - {path: cardio, type: group, description: cardiology}
  - {path: cardio.ecg, type: group, description: electrocardiogram}
  - {path: cardio.ecg.qtc, type: quantity, series: true, unit: ms, description: QTc}
"""


def test_a_reading_three_steps_deep_is_named_by_its_last_step(
    eligible: dict[str, Any], tmp_path: Path
) -> None:
    (tmp_path / "deep.dictionary.yaml").write_text(DEEP)
    uses = "uses: {dictionaries: [core, deep.dictionary.yaml]}\n"
    record = merge(eligible, {"cardio": {"ecg": {"qtc": {"value": 450, "unit": "ms"}}}})
    record["cardio"]["ecg"]["qtc"]["date"] = datetime.date(2026, 11, 12)
    logic = "{expr: {recent_value: cardio.ecg.qtc, within: {days: 28}, unit: ms}, op: lt, value: 470, label: QTc}"
    report = screen_one_rule(tmp_path, logic, record, uses)
    (outcome,) = report.outcomes
    assert outcome.status == "pass"
    assert reason(outcome.trace) == "QTc: 450 = 450 < 470 from qtc 450 (on 2026-11-12, in ms)"


def test_readings_that_disagree_but_both_pass_still_expire(
    eligible: dict[str, Any], tmp_path: Path
) -> None:
    readings = [
        {"value": 0.8, "unit": "mg/dL", "date": "2026-11-12"},
        {"value": 1.0, "unit": "mg/dL", "date": "2026-11-12"},
    ]
    eligible["labs"]["creatinine"] = readings
    logic = "{expr: {recent_value: labs.creatinine, within: {days: 28}, unit: mg/dL}, op: lt, value: 1.5}"
    report = screen_one_rule(tmp_path, logic, eligible)
    assert report.outcomes[0].status == "pass"
    # On 2026-12-11 neither reading is within 28 days: the value is unknown from then on.
    assert report.eligible_until == datetime.date(2026, 12, 10)
    assert report.eligibility is not None
    assert report.eligibility.summary({}).endswith(
        "until 2026-12-10 (IN1: creatinine of 2026-11-12 expires)"
    )


@given(
    st.decimals(min_value=-(10**6), max_value=10**6, places=12, allow_nan=False),
    st.decimals(min_value=-(10**6), max_value=10**6, places=6, allow_nan=False),
)
def test_a_worked_out_value_never_reads_as_a_threshold_it_differs_from(
    value: Decimal, threshold: Decimal
) -> None:
    """Both written to 4 places as usual, unless that would show them alike ("1 > 1"): then
    to the first place that tells them apart, each rounded, never "-0"."""
    shown, limit = shown_against(value, threshold)
    if num(value) != num(threshold) or value == threshold:
        assert (shown, limit) == (num(value), num(threshold))
    else:
        assert Decimal(shown) != Decimal(limit)
        assert (Decimal(shown) < Decimal(limit)) == (value < threshold)  # the same side
    assert "-0" not in (shown, limit)
