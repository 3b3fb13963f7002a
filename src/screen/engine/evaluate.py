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

from screen.engine import logic
from screen.engine.dates import completed_years, first_day_after, shift_back
from screen.engine.logic import Truth
from screen.engine.trace import (
    AgeFound,
    Computed,
    DateCheck,
    DrugMatch,
    FieldValue,
    Input,
    IntervalFound,
    Items,
    Mean,
    Observation,
    Outcome,
    Tally,
    Term,
    Total,
    Trace,
    status_of,
)
from screen.rules.language import (
    AddTerm,
    Age,
    AgeTerm,
    AllOf,
    AnyOf,
    Compare,
    Conversion,
    Count,
    Criterion,
    DivTerm,
    Drug,
    Exists,
    Expr,
    FieldTerm,
    IfTerm,
    Interval,
    Latest,
    MulTerm,
    Not,
    Period,
    Recent,
    RecentTerm,
    SubTerm,
    Sum,
    Window,
)
from screen.rules.vocabulary import Vocabulary

_UNSCALED = Conversion.model_construct(multiply=Decimal(1))  # valid; built without validating
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
    root: Any = None  # the whole record, for paths read from its root ("/progression.date")

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
    if context.root is not record:
        object.__setattr__(context, "root", record)  # frozen: set once per record
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
        truth = seen.get(id(real), _MIXED)  # pragma: no mutate (None: unknown either way)
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
    if low is not None and high is not None and low == high:  # pragma: no mutate (a shortcut)
        return compare(low, op, threshold)
    if op in ("gt", "ge"):
        if compare(low, op, threshold):
            return True
        return False if high is not None and not compare(high, op, threshold) else None
    if op in ("lt", "le"):
        if high is not None and compare(high, op, threshold):
            return True
        return False if not compare(low, op, threshold) else None
    # A guard: only a count (ints, never unbounded) reaches here; enumerate up to 1000 values.
    if high is None or not isinstance(low, int) or high - low > 1000:  # pragma: no mutate
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
    ongoing = False
    if day is None and node.open_is_now:
        day, ongoing = context.as_of, True  # still ongoing: it reaches the screening date
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
    return Trace(node, truth, DateCheck(node.date, day, bound, days_before, ongoing))


def _recent(node: Recent, scope: Any, context: Context) -> Trace:
    if node.mean_of_latest is not None:
        return _mean(node, scope, context)
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
                for observation, where in candidates
                if where is None or where.truth is not None
            )
        ),
        conflict_date=candidates[0][0].date,
    )
    # Readings whose admissibility is unknown: what their rule could not read is what is
    # missing (LVEF without its method), each under the reading's place in the series.
    unsure, maybe = [], []
    for observation, where in candidates:
        if where is not None and where.truth is None:
            if isinstance(recorded, list):
                where = replace(
                    where, item=next(i for i, o in enumerate(series) if o is observation)
                )
            unsure.append(where)
            maybe.append(
                (getattr(observation, node.of), _attribute(observation, "unit"), observation.date)
            )
    evidence.maybe = tuple(maybe)
    return Trace(node, None, evidence, tuple(unsure))


def _reading(
    node: Recent,
    observation: Any,
    where: Trace | None,
    start: datetime.date,
    context: Context,
    series: tuple[int, datetime.date | None],
) -> Trace:
    """One admissible observation against the node's threshold, in the threshold's unit."""
    if node.times is not None:
        return _times_uln(node, observation, where, start, context, series)
    value = getattr(observation, node.of)
    threshold = decimal(node.value)
    recorded_value = Decimal(str(value))
    analyte = node.analyte or node.recent.rsplit(".", 1)[-1]
    converted, unit = _in_unit(recorded_value, observation, node.unit, analyte, context)
    compared_unit = node.unit
    if unit is not None:
        vocabulary = context.vocabulary
        compared_unit = vocabulary.ucum(node.unit or "")
        for stated_unit, stated_value in node.stated_in.items():  # usually none
            if vocabulary.ucum(stated_unit) == unit:  # compared in the unit it was stated in
                threshold, converted, compared_unit = decimal(stated_value), recorded_value, unit
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
    node: Recent | RecentTerm, series: list[Any], start: datetime.date, context: Context
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


def _entries_of(item: Any) -> tuple[int, ...]:
    """The item's number(s) in the file's list, when the criteria's reading of the list
    changed them (engine.entries); () when it is where the file has it."""
    private = getattr(item, "__pydantic_private__", None)  # read directly: in the hot path
    return (private.get("_entries") or ()) if private else ()


def _each(where: Any, items: list[Any], context: Context) -> tuple[Trace, ...]:
    traces = []
    for index, item in enumerate(items):
        trace = evaluate_node(where, item, context)
        trace.item = index
        trace.entries = _entries_of(item)
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
            trace.entries = _entries_of(item)
            children.append(trace)
    dated = [c for c in children if dates[c.item or 0] is not None]
    undated = [c for c in children if dates[c.item or 0] is None]
    truth = logic.all_of(c.truth for c in children)
    # The latest is the dated ones, or some undated ones: false only if false either way
    # (with no dated item, the latest is an undated one: false when every one is).
    if (
        undated
        and truth is False
        and (
            (dated and logic.all_of(c.truth for c in dated) is not False)
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
            trace.entries = _entries_of(item)
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
        terms.append(Term(index, name, amount, factor, counted, _entries_of(item)))
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


def _read(scope: Any, path: str, context: Context) -> Any:
    """A path below the scope, or from the record's root when it starts with "/"."""
    if path.startswith("/"):
        return get(context.root, path[1:] or ".")
    return get(scope, path)


def _in_unit(
    value: Decimal,
    observation: Any,
    unit: str | None,
    analyte: str,
    context: Context,
) -> tuple[Decimal | None, str | None]:
    """A reading's value in `unit` (None: not convertible), and the unit it was recorded in."""
    recorded = _attribute(observation, "unit")
    if recorded is None:
        if "unit" in getattr(observation, "__dict__", ()):
            return None, None  # a result without its unit cannot be used
        return value, None
    vocabulary = context.vocabulary
    code = vocabulary.ucum(recorded)
    return vocabulary.convert(analyte, value, code, vocabulary.ucum(unit or "")), code


def _times_uln(
    node: Recent,
    observation: Any,
    where: Trace | None,
    start: datetime.date,
    context: Context,
    series: tuple[int, datetime.date | None],
) -> Trace:
    """A reading against `value` times its own upper limit of normal (same unit as it)."""
    value = getattr(observation, node.of)
    uln = _attribute(observation, "uln")
    limit = None if uln is None else Decimal(str(uln))  # a record value: not cached
    unit = _attribute(observation, "unit")
    code = None if unit is None else context.vocabulary.ucum(unit)
    evidence = Observation(
        node.recent,
        start,
        value=value,
        unit=code,
        converted=Decimal(str(value)),
        compared_unit=code,
        threshold=None if limit is None else decimal(node.value) * limit,
        date=observation.date,
        days_before=(context.as_of - observation.date).days,
        method=_attribute(observation, "method"),
        recorded=series[0],
        latest_date=series[1],
        uln=limit,
        uln_missing=limit is None,
    )
    children = () if where is None else (where,)
    if evidence.threshold is None:
        return Trace(node, context.unknown(_leaf(node, observation)), evidence, children)
    return Trace(node, compare(evidence.converted, node.op, evidence.threshold), evidence, children)


def _mean(node: Recent, scope: Any, context: Context) -> Trace:
    """The mean of the `mean_of_latest` most recent admissible readings in the window, in the
    threshold's unit. Fewer of them, a reading whose admissibility is unknown among them,
    a tie at the last place (which readings count?), or one not convertible: unknown."""
    needed = node.mean_of_latest or 1
    start = window_start(context, node.within)
    evidence = Mean(node.recent, start, needed)
    recorded = get(scope, node.recent)
    series = [] if recorded is None else recorded if isinstance(recorded, list) else [recorded]
    sure: list[tuple[Any, Trace | None]] = []
    unsure: list[datetime.date] = []
    for observation in series:
        day = observation.date
        if (
            day is None
            or day < start
            or day > context.as_of
            or getattr(observation, node.of) is None
        ):
            continue
        where = None if node.where is None else evaluate_node(node.where, observation, context)
        admitted = True if where is None else where.truth
        if admitted is None:
            unsure.append(day)
        elif admitted:
            sure.append((observation, where))
    sure.sort(key=lambda pair: pair[0].date, reverse=True)  # stable: same-day ones keep order
    used = sure[:needed]
    if recorded is None:
        evidence.problem = "not recorded"
    elif len(used) < needed:
        evidence.problem = (
            f"{len(sure)} admissible reading{'s' if len(sure) != 1 else ''}, {needed} needed"
        )
    elif any(day >= used[-1][0].date for day in unsure):
        evidence.problem = "a reading that may be admissible is among the latest"
    elif len(sure) > needed and sure[needed][0].date == used[-1][0].date:
        evidence.problem = f"which {needed} of the readings of {used[-1][0].date} count is not for the screener to guess"
    readings = []
    analyte = node.analyte or node.recent.rsplit(".", 1)[-1]
    for observation, _ in used:
        value = getattr(observation, node.of)
        converted, code = _in_unit(Decimal(str(value)), observation, node.unit, analyte, context)
        readings.append((value, code, converted, observation.date))
        if converted is None and not evidence.problem:
            evidence.problem = f"unit {code or 'not recorded'} cannot be converted to {node.unit}"
    evidence.readings = tuple(readings)
    evidence.compared_unit = node.unit
    evidence.threshold = decimal(node.value)
    children = tuple(where for _, where in used if where is not None)
    if evidence.problem:
        return Trace(node, context.unknown(_leaf(node, scope)), evidence, children)
    total = sum((r[2] for r in readings if r[2] is not None), Decimal(0))
    evidence.mean = total / needed
    return Trace(node, compare(evidence.mean, node.op, evidence.threshold), evidence, children)


def _interval(node: Interval, scope: Any, context: Context) -> Trace:
    """From one recorded date to another, against a period, counted as windows are: `to`
    is at most the period after `from` when `from` is on or after `to` minus the period."""
    start = _read(scope, node.interval.from_, context)
    end = _read(scope, node.interval.to, context)
    evidence = IntervalFound(node.interval.from_, node.interval.to, start, end)
    if node.open_is_now == "from" and start is None:  # still going on: its end is today
        start = evidence.start = context.as_of
        evidence.start_open = True
    if node.open_is_now == "to" and end is None:
        end = evidence.end = context.as_of
        evidence.end_open = True
    if start is None or end is None:  # an event not recorded is not assumed absent
        return Trace(node, context.unknown(_leaf(node, scope)), evidence)
    bound = evidence.bound = shift_back(end, *node.value.amount)
    truth = {
        "le": start >= bound,
        "lt": start > bound,
        "ge": start <= bound,
        "gt": start < bound,
    }[node.op]
    return Trace(node, truth, evidence)


@dataclass(slots=True)
class _Walk:
    """What working out an `expr` met: its inputs, and the rules of its `if` terms."""

    inputs: list[Input] = field(default_factory=list)
    conditions: list[Trace] = field(default_factory=list)
    problem: str = ""


def _shown(value: Decimal | None) -> str:
    if value is None:
        return "?"
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -4:
        value = value.quantize(Decimal("0.0001"))
    return format(value.normalize(), "f")


_SIGNS: dict[type, str] = {AddTerm: " + ", SubTerm: " - ", MulTerm: " x ", DivTerm: " / "}


def _term(term: Any, scope: Any, context: Context, walk: _Walk) -> tuple[Decimal | None, str]:
    """A term's value (None: unknown) and the formula with the values written in."""
    kind = type(term)
    if kind is int or kind is float:
        return decimal(term), _shown(decimal(term))
    if kind is FieldTerm:
        recorded = _read(scope, term.field, context)
        value = (
            None
            if recorded is None
            or isinstance(recorded, bool)
            or not isinstance(recorded, int | float)
            else Decimal(str(recorded))
        )
        walk.inputs.append(Input(term.field.lstrip("/"), value, path=term.field))
        return value, _shown(value)
    if kind is AgeTerm:
        birth = _read(scope, term.age, context)
        stated = None if term.stated is None else _read(scope, term.stated, context)
        years = completed_years(birth, context.as_of) if birth is not None else stated
        value = None if years is None else Decimal(years)
        detail = (
            f"born {birth}" if birth is not None else ("as stated" if stated is not None else "")
        )
        path = term.age + (f" (or {term.stated.lstrip('/')})" if term.stated else "")
        walk.inputs.append(Input("age", value, detail, path, birth_date=birth))
        return value, _shown(value)
    if kind is RecentTerm:
        value = _recent_value(term, scope, context, walk)
        return value, _shown(value)
    if kind is IfTerm:
        condition = evaluate_node(term.if_, scope, context)
        walk.conditions.append(condition)
        then, otherwise = _Walk(), _Walk()
        yes = _term(term.then, scope, context, then)
        no = _term(term.else_, scope, context, otherwise)
        walk.conditions += then.conditions + otherwise.conditions
        taken = [] if condition.truth is False else [(yes, then)]
        taken += [] if condition.truth is True else [(no, otherwise)]
        for _, branch in taken:
            walk.inputs += branch.inputs
            walk.problem = walk.problem or branch.problem
        if len(taken) == 1:
            return taken[0][0]
        same = yes[0] is not None and yes[0] == no[0]
        return (yes[0] if same else None), f"({yes[1]} or {no[1]})"
    parts = [_term(part, scope, context, walk) for part in getattr(term, kind.__name__[:3].lower())]
    shown = "(" + _SIGNS[kind].join(p[1] for p in parts) + ")"
    values = [p[0] for p in parts]
    if any(v is None for v in values):
        return None, shown
    known = [v for v in values if v is not None]
    if kind is AddTerm:
        return sum(known, Decimal(0)), shown
    if kind is SubTerm:
        return known[0] - known[1], shown
    if kind is MulTerm:
        product = Decimal(1)
        for v in known:
            product *= v
        return product, shown
    if known[1] == 0:
        walk.problem = "division by zero"
        return None, shown
    return known[0] / known[1], shown


def _recent_value(term: RecentTerm, scope: Any, context: Context, walk: _Walk) -> Decimal | None:
    """The most recent admissible reading, as `recent` selects it, in the term's unit."""
    start = window_start(context, term.within)
    recorded = _read(scope, term.recent_value, context)
    path = term.recent_value
    name = path.rsplit(".", 1)[-1].lstrip("/")
    series = [] if recorded is None else recorded if isinstance(recorded, list) else [recorded]
    candidates: list[tuple[Any, Trace | None]] = []
    maybe_none = False
    if series:
        key = (id(recorded), start, id(term.where), term.of)
        selected = context.selected.get(key)
        if selected is None:
            selected = context.selected[key] = _select(term, series, start, context)
        candidates, _, _, maybe_none = selected
    if not candidates:
        walk.inputs.append(Input(name, None, "none in the window", path, dated_from=start))
        return None
    analyte = term.analyte or name
    values = []
    for observation, _ in candidates:
        raw = Decimal(str(getattr(observation, term.of)))
        values.append(_in_unit(raw, observation, term.unit, analyte, context)[0])
    chosen: int | None = 0
    if maybe_none or any(v != values[0] for v in values):
        choices = tuple(range(len(values))) + ((None,) if maybe_none else ())
        chosen = context.unknown(("reading", *key), choices)
    amount, period = term.within.amount
    if chosen is None:
        # Decided whichever way, the value still rests on these readings: it may change when
        # the oldest of them leaves the window.
        oldest = min(observation.date for observation, _ in candidates)
        expires = first_day_after(oldest, amount, period)
        walk.inputs.append(
            Input(name, None, "readings disagree", path, start, expires, date=oldest)
        )
        return None
    observation = candidates[chosen][0]
    value = values[chosen]
    unit = f" {term.unit}" if term.unit else ""
    detail = f"on {observation.date}" if value is not None else "unit not convertible"
    expires = first_day_after(observation.date, amount, period)
    walk.inputs.append(
        Input(
            name,
            value,
            detail + (unit and f", in{unit}"),
            path,
            start,
            expires,
            date=observation.date,
        )
    )
    return value


def _expr(node: Expr, scope: Any, context: Context) -> Trace:
    """A value worked out from the record by the node's formula, compared with a constant.
    An unknown input leaves it unknown; when that input is a fact that can be enumerated (an
    `if` rule, which of two readings counts), the criterion is tried under each value."""
    facts, again = len(context.facts), len(context.met_again)
    walk = _Walk()
    value, shown = _term(node.expr, scope, context, walk)
    if isinstance(node.expr, AddTerm | SubTerm | MulTerm | DivTerm):
        shown = shown[1:-1]  # the outermost parentheses say nothing
    evidence = Computed(tuple(walk.inputs), shown, value, walk.problem)
    children = tuple(walk.conditions)
    if value is None:
        if len(context.facts) > facts or len(context.met_again) > again:
            context.met_again.append(("expr", id(node)))  # Kleene alone may fall short here
        return Trace(node, context.unknown(_leaf(node, scope)), evidence, children)
    return Trace(node, compare(value, node.op, node.value), evidence, children)


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
    Interval: _interval,
    Expr: _expr,
}
