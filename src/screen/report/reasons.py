"""Sentences from traces: the reason a criterion came out as it did, and what is missing.

Only the decisive part of a trace is spoken of (Kleene: the false parts of a false `all`,
the true parts of a true `any`, the unknown parts of an unknown one), so a reason names the
values and thresholds that settled the criterion and nothing else.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from screen.engine.trace import (
    AgeFound,
    Computed,
    DateCheck,
    DrugMatch,
    FieldValue,
    IntervalFound,
    Items,
    Mean,
    Observation,
    Tally,
    Term,
    Total,
    Trace,
)
from screen.rules.language import (
    AllOf,
    AnyOf,
    Compare,
    Count,
    Drug,
    Exists,
    Latest,
    Not,
    Recent,
    Sum,
    Window,
)

SYMBOL = {
    "eq": "=",
    "ne": "≠",
    "lt": "<",
    "le": "≤",
    "gt": ">",
    "ge": "≥",
    "in": "in",
    "not_in": "not in",
}
NEGATION = {
    "eq": "ne",
    "ne": "eq",
    "lt": "ge",
    "le": "gt",
    "gt": "le",
    "ge": "lt",
    "in": "not_in",
    "not_in": "in",
}


def num(value: Any) -> str:
    """A number as a clinician writes it: no trailing zeros, at most four decimals."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return text(value)
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -4:
            value = value.quantize(Decimal("0.0001"))
        shown = format(value.normalize(), "f")
    else:
        shown = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if shown == "-0" else shown  # a value rounded to nothing has no sign


def text(value: Any) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, list | tuple):
        return ", ".join(text(v) for v in value)
    if isinstance(value, int | float | Decimal):
        return num(value)
    return str(value)


def label_of(node: Any, path: str) -> str:
    return getattr(node, "label", None) or path


def symbol(op: str, truth: bool | None) -> str:
    return SYMBOL[op if truth is not False else NEGATION[op]]


def days(n: int | None) -> str:
    if n is None:
        return ""
    return "same day" if n == 0 else f"{n} day{'s' if n != 1 else ''} before"


def decisive(trace: Trace) -> list[Trace]:
    """The children that settled a node's truth (Kleene): the unknown parts of an unknown
    node, the first false part of a false `all`, the true parts of a true `any` or
    `exists`."""
    node, truth, children = trace.node, trace.truth, trace.children
    if truth is None:
        return [c for c in children if c.truth is None]
    if isinstance(node, AllOf):
        if truth:
            return list(children)
        # one false part settles it: the first, which in a guarded branch is its guard
        # ("liver metastases: no" says why the albumin threshold was never asked about)
        return [next(c for c in children if c.truth is False)]
    if isinstance(node, AnyOf):
        return [c for c in children if c.truth is True] if truth else list(children)
    if isinstance(node, Exists):
        return [c for c in children if c.truth is True]  # when false, its own fact says "none"
    if isinstance(node, Latest | Count | Sum):
        return []  # decided: its own fact states the count, sum or latest item
    return list(children)


def facts(trace: Trace, in_item: bool = False) -> list[str]:
    """Short statements of the decisive evidence under a trace (`in_item`: under a list
    item already named with its drugs, so a drug fact need not name them again)."""
    node = trace.node
    if isinstance(node, AllOf | AnyOf | Not):
        chosen = decisive(trace)
        if trace.settled and not chosen:
            return [whichever_way(trace)]
        return [f for child in chosen for f in facts(child, in_item)]
    own = fact(trace, in_item)
    if isinstance(node, Exists | Latest):
        inner = [f"{_item(trace, c)}: {'; '.join(_inner(c))}" for c in decisive(trace)]
        if isinstance(node, Latest):
            return [
                f"{own} ({_item(trace, c)}): {', '.join(_inner(c))}" for c in trace.children
            ] or [own]
        return inner or [own]
    if isinstance(node, Count | Sum) and trace.truth is None:
        return [own, *(f"{_item(trace, c)}: {'; '.join(_inner(c))}" for c in decisive(trace))]
    return [own]


def _inner(item: Trace) -> list[str]:
    return list(dict.fromkeys(facts(item, in_item=True)))


def whichever_way(trace: Trace) -> str:
    """A node decided whichever way its unknown facts turn out: those facts, then the known
    ones that decide it under every completion."""
    unknown: dict[str, None] = {}
    known: dict[str, None] = {}
    stack = [trace]
    while stack:
        step = stack.pop()
        if isinstance(step.node, AllOf | AnyOf | Not):
            stack.extend(reversed(step.children))
        else:
            (unknown if step.truth is None else known)[fact(step)] = None
    decided = f"decided whichever way ({'; '.join(unknown)})"
    return f"{decided}: {'; '.join(known)}" if known else decided  # no dangling ": "


def _item(parent: Trace, child: Trace) -> str:
    names = getattr(parent.evidence, "names", ())
    index = child.item if child.item is not None else 0
    name = names[index] if index < len(names) and names[index] else ""
    path = getattr(parent.evidence, "path", "item")
    return f"{noun(path)} {number(child)}" + (f" ({name})" if name else "")


def number(item: Trace | Term) -> str:
    """A list item as the file numbers it (1-based): "#4", or "#2+#3" for entries the
    criteria read as one (engine.entries), whatever its place in the list as read."""
    numbers = item.entries or ((item.item or 0) + 1,)
    return "+".join(f"#{n}" for n in numbers)


def indexes(item: Trace | Term) -> list[int]:
    """The item's index in the file's list (0-based, as a path writes it), or the indexes of
    the entries read as one: each part may be where the datum is missing."""
    return [n - 1 for n in item.entries or ((item.item or 0) + 1,)]


def noun(path: str) -> str:
    """A list's entry as people name it: `prior_regimens` -> "prior regimen"."""
    last = path.rsplit(".", 1)[-1].replace("_", " ")
    if last.endswith("ies"):
        return last[:-3] + "y"
    return last[:-1] if last.endswith("s") and not last.endswith("ss") else last


def fact(trace: Trace, in_item: bool = False) -> str:
    """One node's own statement, from its evidence."""
    node, truth, evidence = trace.node, trace.truth, trace.evidence
    special = _special_fact(node, truth, evidence)
    if special is not None:
        return special
    if isinstance(evidence, FieldValue):
        return _field_fact(node, truth, evidence)
    if isinstance(evidence, DrugMatch):
        return _drug_fact(node, truth, evidence, in_item)
    if isinstance(node, Window):
        label = label_of(node, node.date)
        if evidence.date is None:
            return f"{label}: date not recorded"
        if node.within is not None:
            amount, unit = node.within.amount
            inside = "within" if truth else "not within"
            return f"{label} on {evidence.date} ({days(evidence.days_before)}, {inside} {period(amount, unit)})"
        return (
            f"{label} on {evidence.date} ({'before' if truth else 'not before'} {evidence.bound})"
        )
    if isinstance(evidence, Observation):
        if evidence.maybe:  # why: the facts the rule of admission could not read
            why = "; ".join(dict.fromkeys(fact(c, True) for c in trace.children))
            return _observation_fact(node, truth, evidence) + (f" ({why})" if why else "")
        return _observation_fact(node, truth, evidence)
    if isinstance(evidence, Tally):
        label = label_of(node, node.count)
        if evidence.low is None:
            return f"{label}: {node.count} not recorded"
        counted = (
            num(evidence.low)
            if evidence.low == evidence.high
            else f"{evidence.low} to {evidence.high}"
        )
        return f"{label}: {counted} ({symbol(node.op, truth)} {text(node.value)})"
    if isinstance(evidence, Total):
        return _total_fact(node, truth, evidence)
    if isinstance(evidence, AgeFound):
        label = label_of(node, "age")
        if evidence.years is None:
            return f"{label}: neither {node.age} nor {node.stated} recorded"
        source = f"born {evidence.birth_date}" if evidence.birth_date else "as stated"
        return f"{label} {evidence.years} ({source}) {symbol(node.op, truth)} {node.value}"
    if isinstance(evidence, Items):
        path = evidence.path
        label = label_of(node, path)
        if evidence.count is None:
            return f"{label}: {path} not recorded"
        if isinstance(node, Latest):
            return label
        if truth is None:  # some entry might count: what it lacks is said by its own fact
            return f"{label}: not known among {evidence.count} recorded"
        if truth:
            return f"{label}: found among {evidence.count} recorded"
        return f"{label}: none" + (
            f" among {evidence.count} recorded" if evidence.count else " recorded"
        )
    return label_of(node, type(node).__name__)


def _field_fact(node: Any, truth: bool | None, evidence: FieldValue) -> str:
    label = label_of(node, evidence.path)
    if evidence.value is None:
        return f"{label}: not recorded"
    if evidence.factor_of is not None or node.factor is not None:
        if evidence.scaled is None:
            return f"{label}: no {node.factor.table} factor for {evidence.factor_of!r}"
        arithmetic = (
            f"{num(evidence.value)} {evidence.factor_of} {evidence.factor} = {num(evidence.scaled)}"
        )
        return f"{label} {arithmetic} {symbol(node.op, truth)} {num(node.value)}"
    if node.op in ("eq", "ne"):
        return f"{label}: {text(evidence.value)}"
    if node.op in ("in", "not_in"):
        accepted = "one of" if (node.op == "in") == bool(truth) else "not one of"
        return f"{label}: {text(evidence.value)} ({accepted} {text(node.value)})"
    return f"{label} {num(evidence.value)} {symbol(node.op, truth)} {num(node.value)}"


def _drug_fact(node: Drug, truth: bool | None, evidence: DrugMatch, in_item: bool = False) -> str:
    label = label_of(node, evidence.path)
    if not evidence.names:
        return f"{label}: not recorded"
    wanted = node.has_class if node.has_class is not None else " or ".join(node.is_ or [])
    if truth is None:
        hints = [
            f"{n!r}" + (f" (did you mean {', '.join(s)}?)" if s else "")
            for n, s in evidence.suggestions
        ]
        return f"{label} {text(evidence.names)}: unrecognized drug name {', '.join(hints)}"
    matched = [m for m in evidence.matched if m.casefold() != wanted.casefold()]
    which = f" ({text(matched)})" if truth and matched else ""
    if in_item:  # the item's name already lists its drugs
        return f"with {wanted}{which}" if truth else f"without {wanted}"
    names = text(evidence.names)
    if len(evidence.names) == 1:
        if truth:
            return f"{label}: {names}" + (f" ({wanted})" if matched else "")
        return f"{label}: {names}, not {wanted}"
    return (
        f"{label}: {names}, including {wanted}" if truth else f"{label}: no {wanted} among {names}"
    )


def _observation_fact(node: Recent, truth: bool | None, evidence: Observation) -> str:
    label = label_of(node, evidence.path)
    if evidence.maybe:  # readings whose admissibility is unknown
        maybe = ", ".join(f"{num(v)}{_unit(u or '')} on {d}" for v, u, d in evidence.maybe)
        if not evidence.conflicting:
            return f"{label}: {maybe}, not known to be admissible"
        sure = ", ".join(f"{num(v)}{_unit(u or '')}" for v, u in evidence.conflicting)
        return (
            f"{label}: {sure} on {evidence.conflict_date}, unless {maybe} is admissible too;"
            " which counts is not known"
        )
    if evidence.conflicting:
        shown = ", ".join(f"{num(v)}{_unit(u or '')}" for v, u in evidence.conflicting)
        return (
            f"{label}: {len(evidence.conflicting)} readings on {evidence.conflict_date}"
            f" disagree ({shown}); which one counts is not for the screener to guess"
        )
    if evidence.date is None:
        if evidence.recorded == 0:
            return f"{label}: not recorded"
        if (
            evidence.not_admitted
            and evidence.latest_date
            and evidence.latest_date >= evidence.window_start
        ):
            where = node.where
            if isinstance(where, Compare) and where.field == "method":  # what refused it
                return (
                    f"{label}: no admissible measurement (by {evidence.not_admitted}, not accepted)"
                )
            condition = (
                f"with {label_of(where, where.field)} {symbol(where.op, True)} {text(where.value)}"
                if isinstance(where, Compare)
                else "that meets the rule's conditions for a reading"
            )
            return (
                f"{label}: no admissible measurement (none on or after {evidence.window_start}"
                f" {condition})"
            )
        return (
            f"{label}: none on or after {evidence.window_start} (the latest, {evidence.latest_date},"
            f" is older than {node.within.amount[0]} {node.within.amount[1]})"
        )
    unit = evidence.unit or node.unit or ""
    shown = f"{num(evidence.value)}{_unit(unit)}"
    if evidence.method:
        shown += f" by {evidence.method}"
    when = f"on {evidence.date} ({days(evidence.days_before)})"
    target = evidence.compared_unit or node.unit or ""
    if evidence.converted is None and not evidence.unit:  # never the rule's unit instead
        bare = num(evidence.value) + (f" by {evidence.method}" if evidence.method else "")
        return f"{label} {bare} {when}: unit not recorded"
    if evidence.converted is None:
        return f"{label} {shown} {when}: unit {unit} cannot be converted to {target}"
    if evidence.unit and evidence.compared_unit and evidence.unit != evidence.compared_unit:
        shown += f" (= {num(evidence.converted)}{_unit(target)})"
    return (
        f"{label} {shown} {when} {symbol(node.op, truth)} {num(evidence.threshold)}{_unit(target)}"
    )


def _unit(unit: str) -> str:
    return "%" if unit == "%" else (f" {unit_text(unit)}" if unit else "")


_POWER = re.compile(r"10\*(\d+)")
_MICRO = re.compile(r"(?<![A-Za-z])u(?=(mol|g|L|IU)\b)")


def unit_text(code: str) -> str:
    """A UCUM code as people write it: `10*9/L` is x10^9/L, `umol/L` is µmol/L."""
    shown = _MICRO.sub("µ", _POWER.sub(r"x10^\1", code))
    return shown.replace("mm[Hg]", "mmHg")


def _total_fact(node: Sum, truth: bool | None, evidence: Total) -> str:
    label = label_of(node, evidence.path)
    if evidence.low is None:
        return f"{label}: {evidence.path} not recorded"
    counted = [t for t in evidence.terms if t.counted is not False]
    parts = []
    for term in counted:
        name = f"{term.name} " if term.name else ""
        factor = (
            ""
            if node.factor is None
            else (f" {term.factor}" if term.factor is not None else " x ?")
        )
        amount = "?" if term.amount is None else num(term.amount)  # never "None"
        parts.append(f"{name}{amount}{factor}")
    unit = _unit(node.unit or "")
    if evidence.high is None or evidence.low != evidence.high:
        notes = []
        no_factor = [t.name or number(t) for t in counted if t.factor is None]
        if node.factor is not None and no_factor:
            notes.append(f"no factor for {', '.join(no_factor)}")
        unrecorded = [t.name or number(t) for t in counted if t.amount is None]
        if unrecorded:
            notes.append(f"{node.of} of {', '.join(unrecorded)} not recorded")
        if any(t.counted is None for t in counted):
            notes.append("some entries unrecognized")
        note = f" ({'; '.join(notes)})" if notes else ""
        total = (
            f"at least {num(evidence.low)}"
            if evidence.high is None
            else f"between {num(evidence.low)} and {num(evidence.high)}"
        )
        return f"{label}: {' + '.join(parts) or '0'} = {total}{unit}{note} {symbol(node.op, truth) if truth is not None else 'vs'} {num(node.value)}{unit}"
    return f"{label}: {' + '.join(parts) or 'none'} = {num(evidence.low)}{unit} {symbol(node.op, truth)} {num(node.value)}{unit}"


def reason(trace: Trace) -> str:
    """One sentence for a coordinator: the decisive facts, joined."""
    sentence = "; ".join(dict.fromkeys(facts(trace)))
    sentence = sentence.replace(">=", "≥").replace("<=", "≤")  # one notation throughout
    sentence = _one_date(sentence)
    return sentence[:1].upper() + sentence[1:] if sentence else ""


_DATED = re.compile(r" on (\d{4}-\d\d-\d\d) \(([^()]*)\)")


def _one_date(sentence: str) -> str:
    """Results of one draw say their date once: "(all on 2026-11-12, 8 days before)"."""
    dates = set(_DATED.findall(sentence))
    if len(dates) != 1 or len(_DATED.findall(sentence)) < 3:
        return sentence
    day, before = dates.pop()
    return f"{_DATED.sub('', sentence)} (all on {day}, {before})"


@dataclass(frozen=True, slots=True)
class Need:
    """Data that would settle an unknown: the field to collect, the phrase for people, and
    the earliest date it may carry to count (for data with a window)."""

    path: str
    text: str
    dated_from: datetime.date | None = None
    qualifier: str = ""  # e.g. "by ECHO or MUGA": which kind of measurement counts
    label: str = ""  # the rule's own name for it ("LVEF", "neutrophils"), for the to-do


def needs(trace: Trace) -> list[str]:
    """For an unknown trace: the data that would settle it, as phrases."""
    return [need.text for need in needs_of(trace)]


def needs_of(trace: Trace, prefix: str = "") -> list[Need]:
    """For an unknown trace: the data that would settle it."""
    if trace.truth is not None:
        return []
    node, evidence = trace.node, trace.evidence
    special = _special_needs(trace, prefix)
    if special is not None:
        return special
    if isinstance(node, AllOf | AnyOf | Not):
        return [n for child in decisive(trace) for n in needs_of(child, prefix)]
    if isinstance(evidence, Items | Tally | Total) and (
        getattr(evidence, "count", 0) is None or getattr(evidence, "low", 0) is None
    ):
        path = f"{prefix}{evidence.path}"
        return [Need(path, f"{path} (an empty list if none)")]
    if isinstance(node, Exists | Count | Latest | Sum):
        path = evidence.path
        found = [
            n
            for c in decisive(trace)
            for i in indexes(c)
            for n in needs_of(c, f"{prefix}{path}[{i}].")
        ]
        if isinstance(node, Sum) and node.factor:
            found += [
                Need(
                    f"{prefix}{path}[{i}].{node.factor.key}",
                    f"a known {node.factor.table} factor for {t.name!r}"
                    if t.name
                    else f"{prefix}{path}[{i}].{node.factor.key}",  # not recorded at all
                )
                for t in evidence.terms
                if t.factor is None
                for i in indexes(t)
            ]
        if isinstance(node, Latest):  # an undated item might be the latest: its date settles it
            found += [
                Need(f"{prefix}{path}[{i}].{node.by}", f"{prefix}{path}[{i}].{node.by}")
                for c in trace.children
                if c.item is not None
                and c.item < len(evidence._items)
                and getattr(evidence._items[c.item], node.by, None) is None
                for i in indexes(c)
            ]
        if isinstance(node, Sum):  # an amount not recorded is data to collect too
            found += [
                Need(f"{prefix}{path}[{i}].{node.of}", f"{prefix}{path}[{i}].{node.of}")
                for t in evidence.terms
                if t.amount is None and t.counted is not False
                for i in indexes(t)
            ]
        return found
    if isinstance(evidence, FieldValue):
        path = f"{prefix}{evidence.path}"
        if evidence.value is None:
            return [Need(path, path, label=label_of(node, ""))]
        return [Need(path, f"a {node.factor.table} factor for {evidence.factor_of!r}")]
    if isinstance(evidence, DrugMatch):
        path = f"{prefix}{evidence.path}"
        if not evidence.names:
            return [Need(path, path)]
        names = ", ".join(repr(n) for n in evidence.unrecognized)
        return [Need(path, f"a recognized drug name instead of {names} in {path}")]
    if isinstance(node, Window):  # "." is the item itself: recent_events.iv_antibiotics[0]
        path = prefix.rstrip(".") if node.date == "." else f"{prefix}{node.date}"
        return [Need(path, path)]
    if isinstance(evidence, Observation):
        path = f"{prefix}{evidence.path}"
        accepted = ""
        if isinstance(node.where, Compare) and node.where.op == "in":
            accepted = f" by {' or '.join(text(v) for v in node.where.value)}"  # type: ignore[union-attr]
        if evidence.date is not None and evidence.converted is None:
            return [Need(path, f"{path} in a unit convertible to {node.unit}")]
        unsure = [  # what the rule of admission could not read: lvef.method, labs.ast[1].uln
            n
            for c in trace.children
            for n in needs_of(c, f"{path}[{c.item}]." if c.item is not None else f"{path}.")
        ]
        if evidence.maybe and len(evidence.conflicting) < 2:
            return unsure
        if evidence.conflicting:
            return [
                Need(
                    path,
                    f"{path}: which of the readings of {evidence.conflict_date} counts (correct"
                    " the record), or a new one",
                ),
                *unsure,
            ]
        return [
            Need(
                path,
                f"{path}{accepted} dated {evidence.window_start} or later",
                evidence.window_start,
                accepted.strip(),
                label_of(node, ""),
            )
        ]
    if isinstance(evidence, AgeFound):
        path = f"{prefix}{node.age}"
        return [Need(path, f"{path} (or {node.stated})" if node.stated else path)]
    path = f"{prefix}{label_of(node, '?')}"
    return [Need(path, path)]


def _special_fact(node: Any, truth: bool | None, evidence: Any) -> str | None:
    """Facts of the nodes real trials added: ongoing dates, intervals, computed values,
    thresholds in multiples of the upper limit of normal, means of repeated readings."""
    if isinstance(evidence, DateCheck) and evidence.ongoing:
        label = label_of(node, node.date)
        return f"{label}: not recorded, so ongoing through screening ({evidence.date})"
    if isinstance(evidence, IntervalFound):
        return _interval_fact(node, truth, evidence)
    if isinstance(evidence, Computed):
        return _computed_fact(node, truth, evidence)
    if isinstance(evidence, Mean):
        return _mean_fact(node, truth, evidence)
    if isinstance(evidence, Observation) and (evidence.uln is not None or evidence.uln_missing):
        label = label_of(node, evidence.path)
        unit = _unit(evidence.unit or "")
        shown = (
            f"{label} {num(evidence.value)}{unit} on {evidence.date} ({days(evidence.days_before)})"
        )
        if evidence.uln is None:
            return f"{shown}: no upper limit of normal (uln) recorded"
        return (
            f"{shown} {symbol(node.op, truth)} {num(node.value)} x ULN {num(evidence.uln)}"
            f" = {num(evidence.threshold)}{unit}"
        )
    return None


def _interval_fact(node: Any, truth: bool | None, evidence: IntervalFound) -> str:
    label = node.label or f"{evidence.to_path} after {evidence.from_path}"
    for path, day in ((evidence.from_path, evidence.start), (evidence.to_path, evidence.end)):
        if day is None:
            return f"{label}: {path} not recorded"
    start = f"{evidence.start}" + (" (ongoing: screening date)" if evidence.start_open else "")
    end = f"{evidence.end}" + (" (ongoing: screening date)" if evidence.end_open else "")
    length = period(*node.value.amount)
    return (
        f"{label}: from {start} to {end} {symbol(node.op, truth)} {length}"
        f" ({length} before {evidence.end} is {evidence.bound})"
    )


def _computed_fact(node: Any, truth: bool | None, evidence: Computed) -> str:
    label = node.label or "value"
    unit = _unit(node.unit or "")
    inputs = ", ".join(
        f"{i.name} {num(i.value) if i.value is not None else 'unknown'}"
        + (f" ({i.detail})" if i.detail else "")
        for i in evidence.inputs
    )
    given = f" from {inputs}" if inputs else ""
    if evidence.value is None and truth is not None:
        return (
            f"{label}: {evidence.shown} {symbol(node.op, truth)} {num(node.value)}{unit}"
            f" whichever way its unknown inputs turn out{given}"
        )
    if evidence.value is None:
        why = evidence.problem or "an input is unknown"
        return f"{label}: {evidence.shown} cannot be worked out ({why}){given}"
    value, threshold = shown_against(evidence.value, node.value)
    return (
        f"{label}: {evidence.shown} = {value}{unit} {symbol(node.op, truth)} {threshold}{unit}"
        f"{given}"
    )


def shown_against(value: Decimal, threshold: Any) -> tuple[str, str]:
    """A worked-out value and its threshold, written to 4 places as usual, or to the first
    place that tells them apart where that would show them alike ("1.00004 > 1", not
    "1 > 1")."""
    if threshold is None:
        return num(value), text(threshold)
    limit = Decimal(str(threshold))
    if num(value) != num(limit) or value == limit:
        return num(value), num(threshold)
    for places in range(5, 29):
        try:
            step = Decimal(1).scaleb(-places)
            pair = value.quantize(step), limit.quantize(step)
        except InvalidOperation:  # more digits than the context holds
            break
        if pair[0] != pair[1]:
            return _in_full(pair[0]), _in_full(pair[1])
    return format(value, "f"), format(limit, "f")


def _in_full(value: Decimal) -> str:
    shown = format(value.normalize(), "f")
    return "0" if shown == "-0" else shown


def _mean_fact(node: Any, truth: bool | None, evidence: Mean) -> str:
    label = label_of(node, evidence.path)
    unit = _unit(evidence.compared_unit or "")
    readings = ", ".join(
        f"{num(v)}{_unit(u or '')}"
        + (f" (= {num(c)}{unit})" if c is not None and u and u != evidence.compared_unit else "")
        + f" on {d}"
        for v, u, c, d in evidence.readings
    )
    if evidence.mean is None:
        return f"{label}: {evidence.problem}" + (f" ({readings})" if readings else "")
    mean, threshold = shown_against(evidence.mean, evidence.threshold)
    return (
        f"{label}: mean of the {evidence.needed} latest ({readings}) = {mean}{unit}"
        f" {symbol(node.op, truth)} {threshold}{unit}"
    )


def _special_needs(trace: Trace, prefix: str) -> list[Need] | None:
    """What settles an unknown interval, computed value, mean or multiple of the ULN."""
    evidence = trace.evidence
    if isinstance(evidence, IntervalFound):
        return [
            Need(_rooted(prefix, path), _rooted(prefix, path))
            for path, day in (
                (evidence.from_path, evidence.start),
                (evidence.to_path, evidence.end),
            )
            if day is None
        ]
    if isinstance(evidence, Computed):
        found = []
        for item in evidence.inputs:
            if item.value is None and item.path:
                path = _rooted(prefix, item.path)
                if item.dated_from is not None:
                    found.append(
                        Need(path, f"{path} dated {item.dated_from} or later", item.dated_from)
                    )
                else:
                    found.append(Need(path, path))
        found += [n for c in trace.children if c.truth is None for n in needs_of(c, prefix)]
        if not found and evidence.problem:
            found.append(Need(f"{prefix}{label_of(trace.node, 'value')}", evidence.problem))
        return found
    if isinstance(evidence, Mean):
        path = f"{prefix}{evidence.path}"
        return [
            Need(
                path,
                f"{path}: {evidence.needed} readings dated {evidence.window_start} or later",
                evidence.window_start,
            )
        ]
    if isinstance(evidence, Observation) and evidence.uln_missing:
        path = f"{prefix}{evidence.path}"
        return [Need(path, f"{path} with its upper limit of normal (uln)")]
    return None


def _rooted(prefix: str, path: str) -> str:
    """A path as the record spells it: one from the root ("/x") drops the entry's prefix."""
    return path[1:] if path.startswith("/") else f"{prefix}{path}"


def period(amount: int, unit: str) -> str:
    """`1 week`, `3 weeks`: a period as people say it."""
    return f"{amount} {unit[:-1] if amount == 1 else unit}"
