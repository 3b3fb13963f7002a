"""Sums and the selection of the most recent admissible reading, where a one-rule YAML case
cannot say it (tests/features/sums-and-selection.yaml has the rest): the data warning for an
agent a sum cannot scale, the facts an unknown method adds to the 4096-completion cap, and
the reason for a later reading that may be admissible."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from screen.report.reasons import needs, reason
from tests.conftest import merge, remove, screen_one_rule
from tests.test_rule_features import YES_NO_FIELDS

DRUGS = "uses: {dictionaries: [core], vocabularies: [drugs]}\n"


def _report(tmp_path: Path, logic: str, record: dict[str, Any], extra: str = "") -> Any:
    vocabulary = "{}" if extra else "{classes: [x], drugs: []}"
    return screen_one_rule(tmp_path, logic, record, extra, vocabulary)


def test_an_agent_a_sum_cannot_scale_is_a_data_warning(
    tmp_path: Path, eligible: dict[str, Any]
) -> None:
    """A name the vocabulary does not know, read only by an equivalence factor: the
    coordinator is told where it stands in the file, as for a name a drug rule reads."""
    report = _report(
        tmp_path,
        "{sum: anthracyclines, of: cumulative_dose_mg_m2, label: dox-eq,"
        " factor: {table: doxorubicin_equivalent, key: agent}, op: gt, value: 360, unit: mg/m2}",
        merge(eligible, {"anthracyclines": [{"agent": "zorubicin", "cumulative_dose_mg_m2": 100}]}),
        DRUGS,
    )
    (outcome,) = report.outcomes
    assert outcome.status == "unknown"
    assert [(w.message, w.field) for w in report.warnings] == [
        (
            "drug name 'zorubicin' is not in the vocabulary (did you mean doxorubicin or"
            " Farmorubicin or daunorubicin?); read by IN1",
            "anthracyclines[0].agent",
        )
    ]


LVEF = (
    "{recent: lvef, of: percent, within: {days: 28},"
    " where: {field: method, op: in, value: [ECHO, MUGA]}, op: gt, value: 50}"
)


@pytest.mark.parametrize(("answers", "expect"), [(10, "pass"), (11, "unknown")])
def test_an_lvef_without_its_method_is_two_of_the_facts_completed(
    answers: int, expect: str, tmp_path: Path, eligible: dict[str, Any]
) -> None:
    """`a or not a or b ... or LVEF`: true whatever the facts are, found by trying every
    completion. An LVEF without its method is two facts: what its method is and whether it
    counts; so 10 answers not recorded and the LVEF are 2^12 completions (tried), 11 and the
    LVEF 2^13 (beyond the 4096 cap: unknown)."""
    fields = YES_NO_FIELDS[:answers]
    parts = [f"{{field: {fields[0]}, op: eq, value: false}}"]
    parts += [f"{{field: {name}, op: eq, value: true}}" for name in fields]
    parts.append(LVEF)
    for dotted in [*fields, "lvef.method"]:
        remove(eligible, dotted)
    report = _report(tmp_path, "{any: [" + ", ".join(parts) + "]}", eligible)
    assert report.outcomes[0].status == expect


def test_a_later_reading_that_may_be_admissible_is_named_with_its_own_date(
    tmp_path: Path, eligible: dict[str, Any]
) -> None:
    """AST 28 U/L of 2026-11-10 is admissible (its ULN is 40); 150 U/L of 2026-11-12 has no
    ULN, so whether it is admissible, and so the latest, is unknown: what settles it is that
    reading's ULN, and no two readings of one day disagree."""
    ast = [
        {"value": 28, "unit": "U/L", "uln": 40, "date": "2026-11-10"},
        {"value": 150, "unit": "U/L", "date": "2026-11-12"},
    ]
    report = _report(
        tmp_path,
        "{recent: labs.ast, label: AST, within: {days: 14}, unit: U/L,"
        " where: {field: uln, op: gt, value: 30}, op: lt, value: 100}",
        merge(eligible, {"labs": {"ast": ast}}),
    )
    (outcome,) = report.outcomes
    assert outcome.status == "unknown"
    assert reason(outcome.trace) == (
        "AST: 28 U/L on 2026-11-10, unless 150 U/L on 2026-11-12 is admissible too;"
        " which counts is not known (uln: not recorded)"
    )
    assert needs(outcome.trace) == ["labs.ast[1].uln"]
