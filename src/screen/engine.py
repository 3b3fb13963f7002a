"""Evaluation: (criteria, patient, as-of date) -> an outcome and a trace per criterion.

Pure and deterministic: no files, no clock, no terminal. Kleene logic throughout; a
quantity that cannot be known (an unrecognized drug, an unconvertible unit, a stale
observation) is unknown, never assumed harmless.

Decided whichever way (clinical-notes rule 1): Kleene alone can leave a criterion unknown
where every value of its unknown facts leads to one outcome (liver metastases unknown, AST
250 U/L: excluded under both branches). Each unknown fact met is registered with the
values it could take; when a criterion comes out unknown, it is evaluated again under
every completion of those facts, and takes the outcome they all lead to.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field, replace
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
YES_NO: tuple[bool, ...] = (True, False)
MAX_COMPLETIONS = 4096  # beyond this many completions a criterion simply stays unknown


@dataclass(frozen=True, slots=True)
class Context:
    """What every node of one patient's evaluation shares: the lookups and the as-of date;
    the unknown facts met so far (with the values each could take), and, when a record is
    being completed, the values assumed for them."""

    vocabulary: Vocabulary
    as_of: datetime.date
    starts: dict[tuple[int, str], datetime.date] = field(default_factory=dict)
    selected: dict[tuple[int, datetime.date, int, str], Any] = field(default_factory=dict)
    facts: dict[Hashable, tuple[Any, ...]] = field(default_factory=dict)
    assume: dict[Hashable, Any] | None = None
    met_again: list[Hashable] = field(default_factory=list)
    unrecognized: list[str] = field(default_factory=list)

    def unknown(self, fact: Hashable, could_be: tuple[Any, ...] = YES_NO) -> Any:
        """An unknown fact: the value assumed for it in a completion, else None (unknown).
        A fact met a second time is noted: only then can Kleene fall short."""
        if self.assume is not None:
            return self.assume.get(fact)
        if fact in self.facts:
            self.met_again.append(fact)
        else:
            self.facts[fact] = could_be
        return None


def _leaf(node: Any, scope: Any) -> Hashable:
    """The fact "this node holds for this item": used where the value behind it cannot be
    enumerated (a missing number or date); each such node is free, which errs to unknown.
    An item that is a bare value (a null in a list of dates) has no identity of its own:
    its fact is never shared, so no completion assumes it (it stays unknown)."""
    if scope is None or not hasattr(scope, "__dict__"):
        return ("leaf", id(node), object())
    return ("leaf", id(node), id(scope))


def evaluate(
    criteria: Sequence[Criterion], vocabulary: Vocabulary, record: Any, as_of: datetime.date
) -> list[Outcome]:
    """Every criterion's outcome, in the order of the criteria set."""
    context = Context(vocabulary, as_of)
    record = vocabulary.read_entries(record)
    outcomes = []
    for criterion in criteria:
        trace = evaluate_criterion(criterion.logic, record, context)
        outcome = Outcome(criterion, status_of(criterion.type, trace.truth), trace)
        if context.unrecognized:
            outcome.unrecognized = tuple(dict.fromkeys(context.unrecognized))
        outcomes.append(outcome)
    return outcomes


def evaluate_criterion(logic: Any, record: Any, context: Context) -> Trace:
    """A criterion's trace: Kleene first; an unknown result is then decided whichever way
    its unknown facts turn out, when they all lead to one outcome.

    Kleene is already exact when no unknown fact is met twice (each unknown stands at one
    place in the logic), so the completions are tried only when one is."""
    if context.facts:
        context.facts.clear()
        context.met_again.clear()
    if context.unrecognized:
        context.unrecognized.clear()
    trace = evaluate_node(logic, record, context)
    if trace.truth is None and context.met_again:
        _settle(trace, logic, record, context, dict(context.facts))
    return trace


_MIXED = object()


def _settle(
    trace: Trace,
    logic: Any,
    record: Any,
    context: Context,
    facts: dict[Hashable, tuple[Any, ...]],
) -> None:
    """Evaluate under every completion of the unknown facts; if all give one truth, that is
    the criterion's truth, and every node that was constant across them is settled too."""
    keys = list(facts)
    domains = [facts[k] for k in keys]
    total = 1
    for domain in domains:
        total *= len(domain)
    if total > MAX_COMPLETIONS:
        return
    first = tuple(d[0] for d in domains)
    last = tuple(d[-1] for d in domains)
    seen: dict[int, Any] = {}
    tried = set()
    for values in itertools.chain((first, last), itertools.product(*domains)):
        if values in tried:
            continue
        tried.add(values)
        assumed = replace(
            context,
            facts={},
            met_again=[],
            unrecognized=[],
            assume=dict(zip(keys, values, strict=True)),
        )
        _agree(trace, evaluate_node(logic, record, assumed), seen)
        if seen[id(trace)] is _MIXED:
            return  # two completions disagree: the criterion really is unknown
    _apply(trace, seen)


def _agree(real: Trace, completed: Trace, seen: dict[int, Any]) -> None:
    """Record, for each node unknown in the real trace, the truth this completion gave it."""
    if real.truth is None:
        truth = _MIXED if completed.truth is None else completed.truth
        if seen.setdefault(id(real), truth) is not truth:
            seen[id(real)] = _MIXED
    if len(real.children) == len(completed.children):
        for a, b in zip(real.children, completed.children, strict=True):
            _agree(a, b, seen)


def _apply(real: Trace, seen: dict[int, Any]) -> None:
    if real.truth is None:
        truth = seen.get(id(real), _MIXED)
        if truth is not _MIXED:
            real.truth = truth
            real.settled = True
    for child in real.children:
        _apply(child, seen)


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
        if value is None:
            if _yes_no(node.value):  # a yes/no field: both values are tried, consistently
                assumed = context.unknown(("field", id(scope), node.field))
                truth = compare(assumed, node.op, node.value)
            else:
                truth = context.unknown(_leaf(node, scope))
            return Trace(node, truth, FieldValue(node.field, None))
        return Trace(node, compare(value, node.op, node.value), FieldValue(node.field, value))
    agent = get(scope, node.factor.key)
    factor = None if agent is None else context.vocabulary.factor(node.factor.table, agent)
    if factor is None and agent is not None and context.vocabulary.resolve(agent) is None:
        context.unrecognized.append(agent)
    scaled = None if value is None or factor is None else factor.apply(Decimal(str(value)))
    evidence = FieldValue(node.field, value, factor, scaled, agent)
    if scaled is None:
        return Trace(node, context.unknown(_leaf(node, scope)), evidence)
    return Trace(node, compare(scaled, node.op, node.value), evidence)


def _yes_no(value: Any) -> bool:
    if isinstance(value, list):
        return bool(value) and all(isinstance(v, bool) for v in value)
    return isinstance(value, bool)


def _drug(node: Drug, scope: Any, context: Context) -> Trace:
    recorded = get(scope, node.drug)
    if recorded is None:
        return Trace(node, context.unknown(_leaf(node, scope)), DrugMatch(node.drug, (), (), ()))
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
    suggestions: tuple[tuple[str, tuple[str, ...]], ...] = ()
    if unrecognized:
        context.unrecognized.extend(unrecognized)
        suggestions = tuple((n, tuple(vocabulary.closest_names(n))) for n in unrecognized)
        if truth is None:  # what each unknown name is: one fact per name and question
            question = ("is", *node.is_) if node.is_ is not None else ("class", node.has_class)
            truth = logic.any_of(
                context.unknown(("drug", vocabulary.key(n), question)) for n in unrecognized
            )
    evidence = DrugMatch(node.drug, names, tuple(matched), tuple(unrecognized), suggestions)
    return Trace(node, truth, evidence)


def _window(node: Window, scope: Any, context: Context) -> Trace:
    day = get(scope, node.date)
    days_before = None if day is None else (context.as_of - day).days
    truth: Truth
    if node.within is not None:
        bound = window_start(context, node.within)
        truth = None if day is None else bound <= day <= context.as_of
    else:
        assert node.before is not None
        bound = window_start(context, node.before)
        truth = None if day is None else day < bound
    if day is None:
        truth = context.unknown(_leaf(node, scope))
    return Trace(node, truth, DateCheck(node.date, day, bound, days_before))


def _recent(node: Recent, scope: Any, context: Context) -> Trace:
    start = window_start(context, node.within)
    recorded = get(scope, node.recent)
    if recorded is None:
        return Trace(node, context.unknown(_leaf(node, scope)), Observation(node.recent, start))
    series = recorded if isinstance(recorded, list) else [recorded]
    key = (id(recorded), start, id(node.where), node.of)  # AST > 100, > 200: one result
    selected = context.selected.get(key)
    if selected is None:
        selected = context.selected[key] = _select(node, series, start, context)
    candidates, latest, refused, maybe_none = selected
    if not candidates:
        evidence = Observation(
            node.recent,
            start,
            recorded=len(series),
            latest_date=latest,
            latest_days_before=None if latest is None else (context.as_of - latest).days,
            not_admitted=refused,
        )
        return Trace(node, context.unknown(_leaf(node, scope)), evidence)
    if len(candidates) == 1 and not maybe_none:  # the usual case: one reading counts
        observation, where = candidates[0]
        return _reading(node, observation, where, start, context, (len(series), latest))
    readings = [
        _reading(node, observation, where, start, context, (len(series), latest))
        for observation, where in candidates
    ]
    first = readings[0]
    if not maybe_none and (len(readings) == 1 or all(r.truth is first.truth for r in readings)):
        return first  # one reading, or several that lead to one outcome
    # Readings that may count lead to different outcomes: which one counts is a fact, the
    # same for every node reading this series (AST > 100 and AST > 200 pick one reading).
    choices = tuple(range(len(readings))) + ((None,) if maybe_none else ())
    chosen = context.unknown(("reading", *key), choices)
    if chosen is not None:
        picked: Trace = readings[chosen]
        return picked
    evidence = Observation(
        node.recent,
        start,
        recorded=len(series),
        latest_date=latest,
        latest_days_before=None if latest is None else (context.as_of - latest).days,
        conflicting=tuple(
            dict.fromkeys(
                (getattr(observation, node.of), _attribute(observation, "unit"))
                for observation, _ in candidates
            )
        ),
        conflict_date=candidates[0][0].date,
    )
    return Trace(node, None, evidence)


def _reading(
    node: Recent,
    observation: Any,
    where: Trace | None,
    start: datetime.date,
    context: Context,
    series: tuple[int, datetime.date | None],
) -> Trace:
    """One admissible observation against the node's threshold, in the threshold's unit."""
    value = getattr(observation, node.of)
    threshold = decimal(node.value)
    recorded_value = Decimal(str(value))
    converted: Decimal | None = recorded_value
    unit = _attribute(observation, "unit")
    compared_unit = node.unit
    if unit is None and "unit" in getattr(observation, "__dict__", ()):
        converted = None  # a result without its unit cannot be compared
    elif unit is not None:
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
        recorded=series[0],
        latest_date=series[1],
    )
    children = () if where is None else (where,)
    return Trace(node, compare(converted, node.op, threshold), evidence, children)


def _select(
    node: Recent, series: list[Any], start: datetime.date, context: Context
) -> tuple[list[tuple[Any, Trace | None]], datetime.date | None, str | None, bool]:
    """The readings that may be the most recent admissible one: every admissible reading of
    the latest date with one, then any reading in the window whose admissibility is unknown
    (an unrecorded method) dated on or after it. Also: the latest date recorded at all, why a
    reading in the window was not admitted, and whether perhaps none is admissible. Undated
    readings and readings without a value are not evidence."""
    # Which readings may count is worked out once, never under a completion's assumptions.
    neutral = context if context.assume is None else replace(context, assume=None, facts={})
    of, where_node, as_of = node.of, node.where, context.as_of
    latest = best = None
    sure: list[tuple[Any, Trace | None]] = []
    maybe: list[tuple[Any, Trace | None]] = []
    refused = None
    for observation in series:
        day = observation.date
        if day is None:
            continue
        if latest is None or day > latest:
            latest = day
        if day < start or day > as_of or getattr(observation, of) is None:
            continue
        where = None if where_node is None else evaluate_node(where_node, observation, neutral)
        admitted = True if where is None else where.truth
        if admitted is None:
            maybe.append((observation, where))
        elif not admitted:
            refused = refused or _attribute(observation, "method") or "not admissible"
        elif best is None or day > best:
            best, sure = day, [(observation, where)]
        elif day == best:
            sure.append((observation, where))
    candidates = sure
    if maybe:
        candidates = sure + [c for c in maybe if best is None or c[0].date >= best]
    return candidates, latest, refused, best is None and bool(candidates)


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
        return Trace(node, context.unknown(_leaf(node, scope)), Items(node.exists, None))
    children = _each(node.where, items, context)
    evidence = Items(node.exists, len(items), tuple(items))
    return Trace(node, logic.any_of(c.truth for c in children), evidence, children)


def _count(node: Count, scope: Any, context: Context) -> Trace:
    items = get(scope, node.count)
    if items is None:
        return Trace(node, context.unknown(_leaf(node, scope)), Tally(node.count, None, None))
    children = _each(node.where, items, context)
    low = sum(c.truth is True for c in children)
    high = low + sum(c.truth is None for c in children)
    return Trace(
        node, compare_range(low, high, node.op, node.value), Tally(node.count, low, high), children
    )


def _latest(node: Latest, scope: Any, context: Context) -> Trace:
    """The latest item by date; an undated item might be the latest, so it is weighed too."""
    items = get(scope, node.latest)
    if items is None:
        return Trace(node, context.unknown(_leaf(node, scope)), Items(node.latest, None))
    if not items:
        return Trace(node, False, Items(node.latest, 0))
    dates = [get(item, node.by) for item in items]
    last = max((d for d in dates if d is not None), default=None)
    children = []
    for index, item in enumerate(items):
        if dates[index] is None or dates[index] == last:
            trace = evaluate_node(node.where, item, context)
            trace.item = index
            children.append(trace)
    dated = [c for c in children if dates[c.item or 0] is not None]
    undated = [c for c in children if dates[c.item or 0] is None]
    truth = logic.all_of(c.truth for c in children)
    # The latest is the dated ones, or some undated ones: false only if false either way.
    if (
        undated
        and truth is False
        and (
            not (dated and logic.all_of(c.truth for c in dated) is False)
            or any(c.truth is not False for c in undated)
        )
    ):
        truth = None
    evidence = Items(node.latest, len(items), tuple(items))
    return Trace(node, truth, evidence, tuple(children))


def _sum(node: Sum, scope: Any, context: Context) -> Trace:
    items = get(scope, node.sum)
    if items is None:
        return Trace(node, context.unknown(_leaf(node, scope)), Total(node.sum, None, None, ()))
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
        dose = get(item, node.of)
        amount = None if dose is None else Decimal(str(dose))
        factor: Conversion | None = _UNSCALED
        name = ""
        if node.factor is not None:
            agent = get(item, node.factor.key)
            name = "" if agent is None else str(agent)
            factor = None if agent is None else context.vocabulary.factor(node.factor.table, name)
            if factor is None and agent is not None and context.vocabulary.resolve(name) is None:
                context.unrecognized.append(name)
        terms.append(Term(index, name, amount, factor, counted))
        if factor is None or amount is None:
            bounded = False  # an agent without a factor, or a dose not recorded: no upper bound
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
    if years is None:
        return Trace(node, context.unknown(_leaf(node, scope)), AgeFound(None, None, None))
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
