"""The nodes real trials need (weeks, ongoing, intervals, computed values, multiples of the
upper limit of normal, means of repeated readings), each through another trial's one-rule
criteria file: data-driven cases (tests/rules/*.yaml), their windows against evaluating
every day of the horizon, and properties tying the new nodes to the old ones."""

from __future__ import annotations

import copy
import datetime
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from screen.engine.evaluate import Context, evaluate, evaluate_node
from screen.errors import InputError
from screen.load import Criteria, load_criteria, load_patient, validate_patient
from screen.report.explain import Step, explain
from screen.report.reasons import needs, reason
from screen.rules.describe import describe_criterion
from screen.rules.language import Interval, Period, Window
from screen.screening import screen_file
from tests.conftest import ROOT, TODAY, merge, one_rule_criteria, remove, yaml_cases

RULES = Path(__file__).parent / "rules"
# Another trial's own fields, in its dictionary extension: a lab with its reference range,
# QTc read in triplicate, body weight, the date of progression.
EXTENSION = """
dictionary: {id: other-1, title: Another trial's fields, version: "1"}
fields:
  - {path: labs.ggt, type: quantity, series: true, unit: U/L, reference_range: true, description: gamma-glutamyl transferase}
  - {path: ecg, type: group, description: electrocardiogram}
  - {path: ecg.qtc, type: quantity, series: true, unit: ms, description: QTc by Fridericia}
  - {path: weight_kg, type: number, min: 1, max: 500, description: body weight in kg}
  - {path: progression, type: group, description: disease progression}
  - {path: progression.date, type: date, description: date of progression}
"""


def criteria_for(folder: Path, logic: str, kind: str = "inclusion") -> Criteria:
    (folder / "other.dictionary.yaml").write_text(EXTENSION)
    uses = "uses: {dictionaries: [core, other.dictionary.yaml]}\n"
    return one_rule_criteria(folder, f"IN1 {kind} A rule: protocol text", logic, uses)


def steps(step: Step) -> Iterator[Step]:
    yield step
    for child in step.children:
        yield from steps(child)


@pytest.mark.parametrize("case", yaml_cases(RULES))
def test_rule_case(case: dict[str, Any], eligible: dict[str, Any], tmp_path: Path) -> None:
    other = criteria_for(tmp_path, case["logic"], case.get("kind", "inclusion"))
    record = merge(eligible, copy.deepcopy(case.get("set", {})))
    for dotted in case.get("remove", []):
        remove(record, dotted)
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(record, sort_keys=False))
    as_of = case.get("as_of")
    report = screen_file(path, other, as_of, TODAY)
    assert report.problems == [], [str(p) for p in report.problems]
    outcome = report.outcomes[0]
    assert outcome.status == case["status"], reason(outcome.trace)
    if "reason" in case:
        assert case["reason"].lower() in reason(outcome.trace).lower()
    if "describe" in case:
        assert case["describe"] in "\n".join(describe_criterion(other.rules.criteria[0]).lines())
    if "needs" in case:
        assert list(dict.fromkeys(needs(outcome.trace))) == case["needs"]
    elif outcome.status == "unknown":
        assert needs(outcome.trace), "an unknown says what would settle it"
    if "explain" in case:
        wanted = case["explain"]
        found = [s.found for s in steps(explain(outcome)) if s.kind == wanted["kind"]]
        assert any(wanted["found"] in f for f in found), found
    summary = report.to_dict()["eligibility"]["summary"]
    if "when" in case:
        assert case["when"].lower() in summary.lower(), summary
    # The window against brute force: the verdict on every day of the horizon.
    patient, screening = load_patient(path, other, as_of, TODAY)
    start, until = day_by_day(other, patient, screening, 90)
    assert (report.eligible_from, report.eligible_until) == (start, until), summary


def day_by_day(
    criteria: Criteria, patient: Any, as_of: datetime.date, horizon: int
) -> tuple[datetime.date | None, datetime.date | None]:
    start: datetime.date | None = None
    for offset in range(horizon + 1):
        day = as_of + datetime.timedelta(days=offset)
        outcomes = evaluate(criteria.rules.criteria, criteria.vocabulary, patient, day)
        passing = all(o.status == "pass" for o in outcomes)
        if passing and start is None:
            start = day
        elif not passing and start is not None:
            return start, day - datetime.timedelta(days=1)
    return start, None


# Error messages name the key actually wrong, with its line and a did-you-mean.
BUNDLED = (Path(__file__).resolve().parents[1] / "criteria" / "precious.yaml").read_text()


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "within: {days: 28}\n      where: {field: method",
            "within: {dayz: 28}\n      where: {field: method",
            "criteria[5].logic.within.dayz: unknown field 'dayz' (did you mean 'days'?)",
        ),
        (
            "where: {date: ., within: {months: 6}",
            "where: {date: ., within: {monthz: 6}",
            "logic.where.within.monthz: unknown field 'monthz' (did you mean 'months'?)",
        ),
        (
            "where: {date: ., within: {months: 6}",
            "where: {date: ., wihtin: {months: 6}",
            "logic.where.wihtin: unknown field 'wihtin' (did you mean 'within'?)",
        ),
        (
            "      recent: lvef\n",
            "      recnt: lvef\n",
            "criteria[5].logic.recnt: unknown field 'recnt' (did you mean 'recent'",
        ),
        (
            "{field: ecog, op: in",
            "{field: ecog, opp: in",
            "logic.opp: unknown field 'opp' (did you mean 'op'?)",
        ),
    ],
)
def test_an_error_names_the_key_actually_wrong(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    assert old in BUNDLED
    path = tmp_path / "criteria.yaml"
    path.write_text(BUNDLED.replace(old, new, 1))
    with pytest.raises(InputError) as caught:
        load_criteria(path)
    problems = [str(p) for p in caught.value.problems]
    match = [p for p in problems if expected in p]
    assert match, problems
    line = (
        BUNDLED[: BUNDLED.index(old)].count("\n") + 1 + old[: old.index(old.lstrip())].count("\n")
    )
    assert any(f"criteria.yaml:{n} " in match[0] for n in (line, line + 1)), match[0]


@pytest.mark.parametrize(
    ("logic", "expected"),
    [
        (
            "{expr: {add: [1, {feild: age}]}, op: lt, value: 3}",
            "logic.expr.add[1].feild: unknown field 'feild' (did you mean 'field'?)",
        ),
        (
            "{expr: {field: age}, op: lt, value: 3, unti: mg}",
            "logic.unti: unknown field 'unti' (did you mean 'unit'?)",
        ),
        (
            "{interval: {from: birth_date, too: screening_date}, op: le, value: {weeks: 2}}",
            "logic.interval.too: unknown field 'too' (did you mean 'to'?)",
        ),
        (
            "{interval: {from: birth_date, to: sex}, op: le, value: {weeks: 2}}",
            "logic.interval.to: sex must be date",
        ),
        (
            "{expr: {mul: [{field: sex}, 2]}, op: lt, value: 3}",
            "logic.expr.mul[0].field: sex must be int or float",
        ),
        (
            "{expr: {recent_value: labs.creatinine, within: {days: 3}, unit: g}, op: lt, value: 3}",
            "logic.expr.unit: 'g' is not a unit of creatinine",
        ),
        (
            "{recent: labs.ast, within: {days: 3}, op: gt, value: 3, times: uln, stated_in: {U/L: 2}}",
            "give either `times` or `stated_in`, not both",
        ),
        (
            "{recent: lvef, of: percent, within: {days: 3}, op: gt, value: 3, times: uln}",
            "logic.times: no field 'uln'",
        ),
        (
            "{date: birth_date, within: {weeks: 2, days: 3}}",
            "give exactly one of days, weeks, months or years",
        ),
    ],
)
def test_a_new_node_written_wrong_is_named_with_its_key(
    tmp_path: Path, logic: str, expected: str
) -> None:
    with pytest.raises(InputError) as caught:
        criteria_for(tmp_path, logic)
    problems = [str(p) for p in caught.value.problems]
    assert any(expected in p for p in problems), problems


# Properties: the new nodes agree with the old ones they generalize.
DATES = st.dates(datetime.date(2000, 1, 1), datetime.date(2030, 12, 31))
PERIODS = st.one_of(
    st.integers(0, 400).map(lambda n: Period(days=n)),
    st.integers(0, 60).map(lambda n: Period(weeks=n)),
    st.integers(0, 30).map(lambda n: Period(months=n)),
    st.integers(0, 3).map(lambda n: Period(years=n)),
)
_CRITERIA = load_criteria()


class _Dates:
    def __init__(self, start: datetime.date | None, end: datetime.date | None) -> None:
        self.start, self.end = start, end


def _truth(node: Any, scope: Any, as_of: datetime.date) -> bool | None:
    context = Context(_CRITERIA.vocabulary, as_of)
    return evaluate_node(node, scope, context).truth


@settings(max_examples=300, deadline=None)
@given(DATES, DATES, PERIODS)
def test_an_interval_is_the_window_counted_back_from_its_later_date(
    start: datetime.date, end: datetime.date, period: Period
) -> None:
    """`to` at most P after `from` is `from` within P before `to`, as windows count; the
    four comparisons split every case in two."""
    scope = _Dates(start, end)
    truths = {
        op: _truth(
            Interval.model_validate(
                {"interval": {"from": "start", "to": "end"}, "op": op, "value": period}
            ),
            scope,
            end,
        )
        for op in ("lt", "le", "gt", "ge")
    }
    assert truths["le"] is not truths["gt"] and truths["lt"] is not truths["ge"]
    if start <= end:
        window = Window(date="start", within=period)
        assert truths["le"] is _truth(window, scope, end)


@settings(max_examples=200, deadline=None)
@given(DATES, DATES, st.integers(0, 60))
def test_weeks_are_seven_days(day: datetime.date, as_of: datetime.date, weeks: int) -> None:
    scope = _Dates(day, None)
    for key in ("within", "before"):
        in_weeks = Window.model_validate({"date": "start", key: {"weeks": weeks}})
        in_days = Window.model_validate({"date": "start", key: {"days": 7 * weeks}})
        assert _truth(in_weeks, scope, as_of) is _truth(in_days, scope, as_of)


@settings(max_examples=100, deadline=None)
@given(DATES, st.booleans())
def test_an_open_date_is_the_screening_date(as_of: datetime.date, open_is_now: bool) -> None:
    """A null date is unknown, unless the rule reads it as ongoing: then it is the as-of date."""
    scope = _Dates(None, None)
    node = Window.model_validate(
        {"date": "start", "within": {"days": 0}, "open_is_now": open_is_now}
    )
    assert _truth(node, scope, as_of) is (True if open_is_now else None)


# Decided whichever way: an expr whose `if` rules read facts not recorded, against the
# brute-force oracle (every completion of those facts screened as a record of its own).
_WHICHEVER = criteria_for(
    Path(tempfile.mkdtemp(prefix="screen-expr-")),
    "{expr: {add: [{if: {field: conditions.hbv, op: eq, value: true}, then: {field: weight_kg},"
    " else: 2}, {mul: [{if: {field: conditions.hcv, op: eq, value: true}, then: 3, else: 1},"
    " {if: {field: conditions.hbv, op: eq, value: true}, then: 1, else: 4}]}]}, op: lt, value: 9}",
)
_BASE = yaml.safe_load((ROOT / "examples" / "patients" / "eligible.yaml").read_text())


def _status(record: dict[str, Any]) -> str:
    patient, as_of = validate_patient(record, "", "oracle", _WHICHEVER, None, TODAY)
    outcomes = evaluate(_WHICHEVER.rules.criteria, _WHICHEVER.vocabulary, patient, as_of)
    return outcomes[0].status


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from([True, False, None]),
    st.sampled_from([True, False, None]),
    st.sampled_from([None, 1, 5, 7, 20]),
)
def test_an_expr_is_decided_whichever_way_its_unknown_facts_turn_out(
    hbv: bool | None, hcv: bool | None, weight: int | None
) -> None:
    record = copy.deepcopy(_BASE)
    record["conditions"]["hbv"], record["conditions"]["hcv"] = hbv, hcv
    record["weight_kg"] = weight
    completions = []
    for b in [hbv] if hbv is not None else [True, False]:
        for c in [hcv] if hcv is not None else [True, False]:
            completed = copy.deepcopy(record)
            completed["conditions"]["hbv"], completed["conditions"]["hcv"] = b, c
            completions.append(_status(completed))
    expected = completions[0] if len(set(completions)) == 1 else "unknown"
    assert _status(record) == expected, completions
