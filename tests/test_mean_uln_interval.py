"""Means of the latest readings, multiples of the upper limit of normal and intervals, where
a one-rule YAML case cannot say it (tests/rules/mean-uln-interval.yaml has the rest): the
evidence `screen explain --format json` shows, a trial's own field three steps deep, and an
unknown reading counting as one of the facts the 4096-completion cap counts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from screen.report.explain import explain
from tests.conftest import merge, remove, screen_one_rule
from tests.test_rule_features import YES_NO_FIELDS

# A trial's own fields: a troponin result read as a group (its assay method beside its own
# upper limit of normal), and QTc three steps deep, accepted in seconds.
EXTENSION = """
dictionary: {id: other-3, title: Another trial's fields, version: "1"}
fields:
  - {path: troponin, type: group, description: cardiac troponin}
  - {path: troponin.value, type: number, min: 0, max: 100000, description: troponin in ng/L}
  - {path: troponin.uln, type: number, min: 0, max: 100000, description: the laboratory's upper limit of normal}
  - {path: troponin.method, type: choice, choices: [hs, conventional], description: assay}
  - {path: troponin.date, type: date, description: date of the result}
  - {path: cardiac, type: group, description: cardiac assessment}
  - {path: cardiac.ecg, type: group, description: electrocardiogram}
  - {path: cardiac.ecg.qtc, type: quantity, series: true, unit: ms, accepts: {s: {multiply: 1000}}, description: QTc}
"""


def _screen(tmp_path: Path, logic: str, record: dict[str, Any], extension: bool = False) -> Any:
    """The one outcome of `record` against a one-rule criteria file (with the extension's
    fields when asked)."""
    uses = ""
    if extension:
        (tmp_path / "other.dictionary.yaml").write_text(EXTENSION)
        uses = "uses: {dictionaries: [core, other.dictionary.yaml]}\n"
    (outcome,) = screen_one_rule(tmp_path, logic, record, uses).outcomes
    return outcome


def test_the_evidence_of_a_multiple_of_the_uln(tmp_path: Path, eligible: dict[str, Any]) -> None:
    """Every field explain's JSON shows for a reading compared with 3 x its own ULN: the
    window's start, the unit it is compared in, how many readings were recorded and the
    latest's date (one reading is out of the 14-day window)."""
    ast = [
        {"value": 29, "unit": "U/L", "uln": 10, "date": "2026-11-12"},
        {"value": 80, "unit": "U/L", "uln": 10, "date": "2026-10-01"},
    ]
    outcome = _screen(
        tmp_path,
        "{recent: labs.ast, within: {days: 14}, op: le, value: 3, times: uln}",
        merge(eligible, {"labs": {"ast": ast}}),
    )
    assert outcome.status == "pass"
    step = explain(outcome)
    assert step.to_dict()["evidence"] == {
        "path": "labs.ast",
        "window_start": "2026-11-06",
        "value": 29.0,
        "unit": "U/L",
        "converted": "29",
        "compared_unit": "U/L",
        "threshold": "30",
        "date": "2026-11-12",
        "days_before": 8,
        "recorded": 2,
        "latest_date": "2026-11-12",
        "uln": "10",
        "uln_missing": False,
    }
    assert step.notes == [
        "near miss: 29 U/L is within 3.3% of the threshold 30 U/L;"
        " a retest or a corrected record may change the verdict"
    ]


def test_the_evidence_of_a_multiple_of_the_uln_shows_the_method(
    tmp_path: Path, eligible: dict[str, Any]
) -> None:
    """A result read as a group with its method: explain's JSON shows the method (and no
    unit, as none is recorded)."""
    troponin = {"value": 5, "uln": 14, "method": "hs", "date": "2026-11-12"}
    outcome = _screen(
        tmp_path,
        "{recent: troponin, within: {days: 14}, op: le, value: 1, times: uln}",
        merge(eligible, {"troponin": troponin}),
        extension=True,
    )
    assert outcome.status == "pass"
    assert explain(outcome).to_dict()["evidence"] == {
        "path": "troponin",
        "window_start": "2026-11-06",
        "value": 5.0,
        "converted": "5",
        "threshold": "14",
        "date": "2026-11-12",
        "days_before": 8,
        "method": "hs",
        "recorded": 1,
        "latest_date": "2026-11-12",
        "uln": "14",
        "uln_missing": False,
    }


def test_a_mean_converts_a_field_three_steps_deep_by_its_last_step(
    tmp_path: Path, eligible: dict[str, Any]
) -> None:
    """The analyte whose conversions apply is the path's last step (qtc), not the rest of
    the path after its first step (ecg.qtc): 0.46 s is 460 ms."""
    qtc = [
        {"value": 0.46, "unit": "s", "date": "2026-11-12"},
        {"value": 470, "unit": "ms", "date": "2026-11-12"},
    ]
    outcome = _screen(
        tmp_path,
        "{recent: cardiac.ecg.qtc, label: QTc, within: {days: 14}, op: le, value: 470,"
        " unit: ms, mean_of_latest: 2}",
        merge(eligible, {"cardiac": {"ecg": {"qtc": qtc}}}),
        extension=True,
    )
    assert outcome.status == "pass"
    assert explain(outcome).found == (
        "QTc: mean of the 2 latest (0.46 s (= 460 ms) on 2026-11-12, 470 ms on 2026-11-12)"
        " = 465 ms ≤ 470 ms"
    )


# One node of each kind left unknown by a reading or date not recorded.
UNKNOWN_NODES = {
    "mean": "{recent: labs.creatinine, within: {days: 28}, op: gt, value: 1.1, unit: mg/dL,"
    " mean_of_latest: 2}",
    "uln": "{recent: labs.ast, within: {days: 14}, op: gt, value: 3, times: uln}",
    "interval": "{interval: {from: birth_date, to: informed_consent.date}, op: ge,"
    " value: {years: 18}}",
}


@pytest.mark.parametrize("kind", sorted(UNKNOWN_NODES))
@pytest.mark.parametrize(("answers", "expect"), [(11, "pass"), (12, "unknown")])
def test_an_unknown_reading_or_interval_is_one_of_the_facts_completed(
    kind: str, answers: int, expect: str, tmp_path: Path, eligible: dict[str, Any]
) -> None:
    """`a or not a or b ... or <node>`: true whatever the facts are, found by trying every
    completion; the unknown node is a fact too, so 11 answers not recorded and the node are
    2^12 completions (tried), 12 and the node 2^13 (beyond the 4096 cap: unknown)."""
    fields = YES_NO_FIELDS[:answers]
    parts = [f"{{field: {fields[0]}, op: eq, value: false}}"]
    parts += [f"{{field: {name}, op: eq, value: true}}" for name in fields]
    parts.append(UNKNOWN_NODES[kind])
    for dotted in fields:
        remove(eligible, dotted)
    eligible["informed_consent"] = {"signed": False, "date": None}
    outcome = _screen(tmp_path, "{any: [" + ", ".join(parts) + "]}", eligible)
    assert outcome.status == expect


def test_a_reading_converts_a_field_three_steps_deep_by_its_last_step(
    tmp_path: Path, eligible: dict[str, Any]
) -> None:
    """One reading, not a mean: its conversions are found by the path's last step too."""
    outcome = _screen(
        tmp_path,
        "{recent: cardiac.ecg.qtc, label: QTc, within: {days: 14}, op: le, value: 470, unit: ms}",
        merge(
            eligible,
            {"cardiac": {"ecg": {"qtc": [{"value": 0.46, "unit": "s", "date": "2026-11-12"}]}}},
        ),
        extension=True,
    )
    assert outcome.status == "pass"
    assert "0.46 s (= 460 ms)" in explain(outcome).found


# Every other kind of node left unknown by a value, date, list or name not recorded: each is a
# fact the cap counts, as the reading and the interval above are.
UNKNOWN_LEAVES = {
    "compare": ("{field: life_expectancy_months, op: ge, value: 3}", ["life_expectancy_months"]),
    "recent": ("{recent: lvef, of: percent, within: {days: 28}, op: gt, value: 50}", ["lvef"]),
    "window": ("{date: informed_consent.date, within: {days: 28}}", []),
    "count": (
        "{count: toxicities, where: {field: grade, op: ge, value: 3}, op: gt, value: 1}",
        ["toxicities"],
    ),
    "exists": (
        "{exists: other_malignancies, where: {field: invasive_breast, op: eq, value: true}}",
        ["other_malignancies"],
    ),
    "sum": (
        "{sum: anthracyclines, of: cumulative_dose_mg_m2, op: gt, value: 100}",
        ["anthracyclines"],
    ),
    "latest": (
        "{latest: prior_regimens, by: start, where: {field: setting, op: eq, value: advanced}}",
        ["prior_regimens"],
    ),
    "age": ("{age: birth_date, op: ge, value: 20}", ["birth_date"]),
    "drug": ("{drug: planned_chemotherapy, has_class: x}", ["planned_chemotherapy"]),
}


@pytest.mark.parametrize("kind", sorted(UNKNOWN_LEAVES))
@pytest.mark.parametrize(("answers", "expect"), [(11, "pass"), (12, "unknown")])
def test_every_kind_of_unknown_node_is_one_of_the_facts_completed(
    kind: str, answers: int, expect: str, tmp_path: Path, eligible: dict[str, Any]
) -> None:
    node, removed = UNKNOWN_LEAVES[kind]
    fields = YES_NO_FIELDS[:answers]
    parts = [f"{{field: {fields[0]}, op: eq, value: false}}"]
    parts += [f"{{field: {name}, op: eq, value: true}}" for name in fields]
    parts.append(node)
    for dotted in [*fields, *removed]:
        remove(eligible, dotted)
    eligible["informed_consent"] = {"signed": False, "date": None}
    outcome = _screen(tmp_path, "{any: [" + ", ".join(parts) + "]}", eligible)
    assert outcome.status == expect
