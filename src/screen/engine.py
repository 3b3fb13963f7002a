"""Evaluation: (criteria, patient, as-of date) -> an outcome and a trace per criterion.

Pure and deterministic: no files, no clock, no terminal. Kleene logic throughout; a
quantity that cannot be known (an unrecognized drug, an unconvertible unit, a stale
observation) is unknown, never assumed harmless.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from screen import logic
from screen.dates import completed_years, shift_back
from screen.logic import Truth
from screen.rules import (
    Age,
    AllOf,
    AnyOf,
    Compare,
    Conversion,
    Count,
    Criterion,
    Drug,
    Exists,
    Latest,
    Not,
    Period,
    Recent,
    Sum,
    Window,
)
from screen.trace import (
    AgeFound,
    DateCheck,
    DrugMatch,
    FieldValue,
    Items,
    Observation,
    Outcome,
    Tally,
    Term,
    Total,
    Trace,
    status_of,
)
from screen.vocabulary import Vocabulary

_UNSCALED = Conversion(multiply=Decimal(1))


@dataclass(frozen=True, slots=True)
class Context:
    """What every node of one patient's evaluation shares: the lookups and the as-of date."""

    vocabulary: Vocabulary
    as_of: datetime.date
    starts: dict[tuple[int, str], datetime.date] = field(default_factory=dict)
    selected: dict[tuple[int, datetime.date, int], Any] = field(default_factory=dict)


def evaluate(
    criteria: Sequence[Criterion], vocabulary: Vocabulary, record: Any, as_of: datetime.date
) -> list[Outcome]:
    """Every criterion's outcome, in the order of the criteria set."""
    context = Context(vocabulary, as_of)
    outcomes = []
    for criterion in criteria:
        trace = evaluate_node(criterion.logic, record, context)
        outcomes.append(Outcome(criterion, status_of(criterion.type, trace.truth), trace))
    return outcomes


def evaluate_node(node: Any, scope: Any, context: Context) -> Trace:
    return _EVALUATORS[type(node)](node, scope, context)


_STEPS: dict[str, tuple[str, ...]] = {}  # dotted path -> its steps, split once


def get(scope: Any, path: str) -> Any:
    """The value at a dotted path; None when any step is absent. "." is the scope itself."""
    if path == ".":
        return scope
    steps = _STEPS.get(path)
    if steps is None:
        steps = _STEPS.setdefault(path, tuple(path.split(".")))
    value = scope
    for step in steps:
        value = getattr(value, step, None)
        if value is None:
            return None
    return value


def _attribute(holder: Any, name: str) -> Any:
    """A field that this kind of record may not have (an observation's unit or method):
    looked up in __dict__, because pydantic's __getattr__ is slow to say it is absent."""
    return holder.__dict__.get(name) if hasattr(holder, "__dict__") else getattr(holder, name, None)


def window_start(context: Context, period: Period) -> datetime.date:
    """The first day of a window ending on the as-of date (worked out once per patient)."""
    key = period.amount
    start = context.starts.get(key)
    if start is None:
        start = context.starts[key] = shift_back(context.as_of, *key)
    return start


def decimal(number: float | int) -> Decimal:
    """A rule's number as the Decimal it reads as (2.0 is 2.0, not 2.00000000000000004)."""
    key = (type(number), number)  # 2 and 2.0 are one dict key, but read differently
    found = _DECIMALS.get(key)
    if found is None:
        found = _DECIMALS[key] = Decimal(str(number))
    return found


_DECIMALS: dict[tuple[type, float | int], Decimal] = {}


def _same(a: Any, b: Any) -> bool:
    """Equality in which true is never the number 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return bool(a == b)


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": _same,
    "ne": lambda a, b: not _same(a, b),
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "in": lambda a, b: any(_same(a, x) for x in b),
    "not_in": lambda a, b: not any(_same(a, x) for x in b),
}


def compare(value: Any, op: str, threshold: Any) -> Truth:
    """`value op threshold`, unknown when the value is."""
    if value is None:
        return None
    if isinstance(value, Decimal) and isinstance(threshold, float | int):
        threshold = decimal(threshold)
    return _COMPARE[op](value, threshold)


def compare_range(low: Any, high: Any, op: str, threshold: Any) -> Truth:
    """Compare a value known only to lie in [low, high] (high None: no upper bound)."""
    if low is not None and high is not None and low == high:
        return compare(low, op, threshold)
    if op in ("gt", "ge"):
        if compare(low, op, threshold):
            return True
        return False if high is not None and not compare(high, op, threshold) else None
    if op in ("lt", "le"):
        if high is not None and compare(high, op, threshold):
            return True
        return False if not compare(low, op, threshold) else None
    if high is None or not isinstance(low, int) or high - low > 1000:
        return None
    results = [compare(n, op, threshold) for n in range(low, high + 1)]
    return True if all(results) else (False if not any(results) else None)


def _all(node: AllOf, scope: Any, context: Context) -> Trace:
    children = tuple([_EVALUATORS[type(child)](child, scope, context) for child in node.all])
    return Trace(node, logic.all_of(c.truth for c in children), children=children)


def _any(node: AnyOf, scope: Any, context: Context) -> Trace:
    children = tuple([_EVALUATORS[type(child)](child, scope, context) for child in node.any])
    return Trace(node, logic.any_of(c.truth for c in children), children=children)


def _not(node: Not, scope: Any, context: Context) -> Trace:
    child = evaluate_node(node.not_, scope, context)
    return Trace(node, logic.negate(child.truth), children=(child,))


def _compare(node: Compare, scope: Any, context: Context) -> Trace:
    value = get(scope, node.field)
    if node.factor is None:
        return Trace(node, compare(value, node.op, node.value), FieldValue(node.field, value))
    agent = get(scope, node.factor.key)
    factor = None if agent is None else context.vocabulary.factor(node.factor.table, agent)
    scaled = None if value is None or factor is None else factor.apply(Decimal(str(value)))
    evidence = FieldValue(node.field, value, factor, scaled, agent)
    return Trace(node, compare(scaled, node.op, node.value), evidence)


def _drug(node: Drug, scope: Any, context: Context) -> Trace:
    recorded = get(scope, node.drug)
    if recorded is None:
        return Trace(node, None, DrugMatch(node.drug, (), (), ()))
    names = (recorded,) if isinstance(recorded, str) else tuple(recorded)
    vocabulary = context.vocabulary
    targets = None if node.is_ is None else vocabulary.generics_of(tuple(node.is_))
    matched, unrecognized = [], []
    for name in names:
        resolved = vocabulary.resolve(name)
        if resolved is None:
            unrecognized.append(name)
        elif (
            (targets & resolved.generics)
            if targets is not None
            else (node.has_class in resolved.classes)
        ):
            matched.append(name)
    truth: Truth = True if matched else (None if unrecognized else False)
    suggestions = (
        tuple((n, tuple(vocabulary.closest_names(n))) for n in unrecognized) if unrecognized else ()
    )
    evidence = DrugMatch(node.drug, names, tuple(matched), tuple(unrecognized), suggestions)
    return Trace(node, truth, evidence)


def _window(node: Window, scope: Any, context: Context) -> Trace:
    day = get(scope, node.date)
    days_before = None if day is None else (context.as_of - day).days
    if node.within is not None:
        bound = window_start(context, node.within)
        truth = None if day is None else bound <= day <= context.as_of
    else:
        assert node.before is not None
        bound = window_start(context, node.before)
        truth = None if day is None else day < bound
    return Trace(node, truth, DateCheck(node.date, day, bound, days_before))


def _recent(node: Recent, scope: Any, context: Context) -> Trace:
    start = window_start(context, node.within)
    recorded = get(scope, node.recent)
    if recorded is None:
        return Trace(node, None, Observation(node.recent, start))
    series = recorded if isinstance(recorded, list) else [recorded]
    key = (id(recorded), start, id(node.where))  # AST > 100 and AST > 200 read one result
    selected = context.selected.get(key)
    if selected is None:
        selected = context.selected[key] = _select(node, series, start, context)
    admissible, latest, refused, same_day = selected
    readings = {(getattr(o, node.of), _attribute(o, "unit")) for o in same_day}
    if not admissible or len(readings) > 1:
        evidence = Observation(
            node.recent,
            start,
            recorded=len(series),
            latest_date=latest,
            latest_days_before=None if latest is None else (context.as_of - latest).days,
            not_admitted=refused,
            conflicting=tuple(sorted(readings, key=str)) if len(readings) > 1 else (),
            conflict_date=admissible[0].date if len(readings) > 1 else None,
        )
        return Trace(node, None, evidence)
    observation, where = admissible
    value = getattr(observation, node.of)
    threshold = decimal(node.value)
    recorded_value = Decimal(str(value))
    converted: Decimal | None = recorded_value
    unit = _attribute(observation, "unit")
    compared_unit = node.unit
    if unit is not None:
        vocabulary = context.vocabulary
        code = vocabulary.ucum(unit)
        stated = None
        for stated_unit, stated_value in node.stated_in.items():  # usually none
            if vocabulary.ucum(stated_unit) == code:
                stated = stated_value
        if stated is not None:
            threshold, compared_unit = decimal(stated), code
        else:
            target = vocabulary.ucum(node.unit or "")
            analyte = node.analyte or node.recent.rsplit(".", 1)[-1]
            converted = vocabulary.convert(analyte, recorded_value, code, target)
            compared_unit = target
        unit = code
    evidence = Observation(
        node.recent,
        start,
        value=value,
        unit=unit,
        converted=converted,
        compared_unit=compared_unit,
        threshold=threshold,
        date=observation.date,
        days_before=(context.as_of - observation.date).days,
        method=_attribute(observation, "method"),
        recorded=len(series),
        latest_date=latest,
    )
    children = () if where is None else (where,)
    return Trace(node, compare(converted, node.op, threshold), evidence, children)


def _select(
    node: Recent, series: list[Any], start: datetime.date, context: Context
) -> tuple[Any, datetime.date | None, str | None, list[Any]]:
    """The most recent admissible observation in the window (with its `where` trace), the
    latest date recorded at all, why a reading in the window was not admitted, and every
    admissible reading of that most recent date (two that disagree settle nothing)."""
    latest = max((o.date for o in series), default=None)
    best: tuple[Any, Trace | None] | None = None
    same_day: list[Any] = []
    refused = None
    for observation in series:
        if not start <= observation.date <= context.as_of:
            continue
        where = None if node.where is None else evaluate_node(node.where, observation, context)
        if where is not None and where.truth is not True:
            refused = refused or _attribute(observation, "method") or "not admissible"
            continue
        if best is None or observation.date > best[0].date:
            best = (observation, where)
            same_day = [observation]
        elif observation.date == best[0].date:
            same_day.append(observation)
    return best, latest, refused, same_day


def _each(where: Any, items: list[Any], context: Context) -> tuple[Trace, ...]:
    traces = []
    for index, item in enumerate(items):
        trace = evaluate_node(where, item, context)
        trace.item = index
        traces.append(trace)
    return tuple(traces)


def _exists(node: Exists, scope: Any, context: Context) -> Trace:
    items = get(scope, node.exists)
    if items is None:
        return Trace(node, None, Items(node.exists, None))
    children = _each(node.where, items, context)
    evidence = Items(node.exists, len(items), tuple(items))
    return Trace(node, logic.any_of(c.truth for c in children), evidence, children)


def _count(node: Count, scope: Any, context: Context) -> Trace:
    items = get(scope, node.count)
    if items is None:
        return Trace(node, None, Tally(node.count, None, None))
    children = _each(node.where, items, context)
    low = sum(c.truth is True for c in children)
    high = low + sum(c.truth is None for c in children)
    return Trace(
        node, compare_range(low, high, node.op, node.value), Tally(node.count, low, high), children
    )


def _latest(node: Latest, scope: Any, context: Context) -> Trace:
    items = get(scope, node.latest)
    if items is None:
        return Trace(node, None, Items(node.latest, None))
    if not items:
        return Trace(node, False, Items(node.latest, 0))
    last = max(get(item, node.by) for item in items)
    latest = [(i, item) for i, item in enumerate(items) if get(item, node.by) == last]
    children = []
    for index, item in latest:
        trace = evaluate_node(node.where, item, context)
        trace.item = index
        children.append(trace)
    evidence = Items(node.latest, len(items), tuple(items))
    return Trace(node, logic.all_of(c.truth for c in children), evidence, tuple(children))


def _sum(node: Sum, scope: Any, context: Context) -> Trace:
    items = get(scope, node.sum)
    if items is None:
        return Trace(node, None, Total(node.sum, None, None, ()))
    low = high = Decimal(0)
    bounded = True
    terms, children = [], []
    for index, item in enumerate(items):
        counted: Truth = True
        if node.where is not None:
            trace = evaluate_node(node.where, item, context)
            trace.item = index
            children.append(trace)
            counted = trace.truth
        if counted is False:
            continue
        amount = Decimal(str(get(item, node.of)))
        factor: Conversion | None = _UNSCALED
        name = ""
        if node.factor is not None:
            name = str(get(item, node.factor.key))
            factor = context.vocabulary.factor(node.factor.table, name)
        terms.append(Term(index, name, amount, factor, counted))
        if factor is None:
            bounded = False
            continue
        equivalent = factor.apply(amount)
        if counted is True:
            low += equivalent
        high += equivalent
    top = high if bounded else None
    truth = compare_range(low, top, node.op, node.value)
    return Trace(node, truth, Total(node.sum, low, top, tuple(terms)), tuple(children))


def _age(node: Age, scope: Any, context: Context) -> Trace:
    birth = get(scope, node.age)
    stated = None if node.stated is None else get(scope, node.stated)
    years = completed_years(birth, context.as_of) if birth is not None else stated
    return Trace(node, compare(years, node.op, node.value), AgeFound(years, birth, stated))


_EVALUATORS: dict[type, Callable[[Any, Any, Context], Trace]] = {
    AllOf: _all,
    AnyOf: _any,
    Not: _not,
    Compare: _compare,
    Drug: _drug,
    Window: _window,
    Recent: _recent,
    Exists: _exists,
    Count: _count,
    Latest: _latest,
    Sum: _sum,
    Age: _age,
}
