"""The rule logic in plain words, generated from the rule tree itself.

The medical monitor signs off that the YAML says what the protocol says; a hand-written
prose copy of the logic could drift from it, so this is the only prose of the logic.
A description is a nested outline: (sentence, [sub-descriptions]).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from screen.report.reasons import num, unit_text
from screen.rules.language import (
    AddTerm,
    Age,
    AgeTerm,
    AllOf,
    AnyOf,
    Compare,
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

WORDS = {
    "eq": "is",
    "ne": "is not",
    "lt": "is below",
    "le": "is at most",
    "gt": "is above",
    "ge": "is at least",
    "in": "is one of",
    "not_in": "is none of",
}
NUMBERS = {"lt": "fewer than", "le": "at most", "gt": "more than", "ge": "at least"}


@dataclass(frozen=True, slots=True)
class Outline:
    """A sentence and the clauses under it ("all of the following:" and its items)."""

    sentence: str
    items: tuple[Outline, ...] = field(default_factory=tuple)

    def lines(self, depth: int = 0, bullet: str = "- ") -> list[str]:
        own = f"{'  ' * depth}{bullet}{self.sentence}"
        return [own, *(line for item in self.items for line in item.lines(depth + 1, bullet))]


def describe_criterion(criterion: Criterion) -> Outline:
    """ "Met when ..." for an inclusion, "Excluded when ..." for an exclusion."""
    lead = "Met when" if criterion.type == "inclusion" else "Excluded when"
    inner = describe(criterion.logic)
    return Outline(f"{lead} {inner.sentence}", inner.items)


def describe(node: Any) -> Outline:
    if isinstance(node, AllOf):
        return Outline("all of the following hold:", tuple(describe(n) for n in node.all))
    if isinstance(node, AnyOf):
        return Outline("any of the following holds:", tuple(describe(n) for n in node.any))
    if isinstance(node, Not):
        inner = describe(node.not_)
        return Outline(f"it is not the case that {inner.sentence}", inner.items)
    if isinstance(node, Compare):
        return Outline(_compare(node))
    if isinstance(node, Drug):
        return Outline(_drug(node))
    if isinstance(node, Window):
        return Outline(_window(node) + _ongoing(node.open_is_now))
    if isinstance(node, Recent):
        if node.times is not None or node.mean_of_latest is not None:
            return _recent_special(node)
        return _recent(node)
    if isinstance(node, Interval):
        return Outline(_interval(node))
    if isinstance(node, Expr):
        return Outline(_expr(node))
    if isinstance(node, Exists | Count | Latest):
        return _quantified(node)
    if isinstance(node, Sum):
        return _sum(node)
    if isinstance(node, Age):
        return Outline(_age(node))
    return Outline(f"({type(node).__name__})")


def value_words(value: Any) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if value is None:
        return "not recorded"
    if isinstance(value, list):
        return ", ".join(value_words(v) for v in value)
    return num(value)


def period_words(period: Period) -> str:
    amount, unit = period.amount
    return f"{amount} {unit[:-1] if amount == 1 else unit}"


def _path(path: str) -> str:
    """The field path in brackets for the reviewer; none for the item itself (".")."""
    return "" if path == "." else f" ({path})"


def _name(label: str | None, path: str) -> str:
    return label or path.replace("_", " ")


def _compare(node: Compare) -> str:
    name = _name(node.label, node.field)
    if node.factor is not None:
        return (
            f"{name}{_path(node.field)} times the {node.factor.table} factor of "
            f"{node.factor.key} {WORDS[node.op]} {value_words(node.value)}"
        )
    return f"{name}{_path(node.field)} {WORDS[node.op]} {value_words(node.value)}"


def _drug(node: Drug) -> str:
    name = _name(node.label, node.drug)
    wanted = f"a drug of class {node.has_class}" if node.has_class else " or ".join(node.is_ or [])
    return f"{name}{_path(node.drug)} includes {wanted} (by the drug vocabulary)"


def _window(node: Window) -> str:
    name = _name(node.label, node.date)
    if node.within is not None:
        return f"{name}{_path(node.date)} falls within {period_words(node.within)} before screening"
    assert node.before is not None
    return f"{name}{_path(node.date)} is more than {period_words(node.before)} before screening"


def _recent(node: Recent) -> Outline:
    name = _name(node.label, node.recent)
    unit = f" {unit_text(node.unit)}" if node.unit else ""
    stated = "".join(
        f" (or {value_words(v)} {unit_text(u)} when reported in {unit_text(u)})"
        for u, v in node.stated_in.items()
    )
    sentence = (
        f"the most recent {name}{_path(node.recent)} within {period_words(node.within)} before "
        f"screening {WORDS[node.op]} {value_words(node.value)}{unit}{stated}"
    )
    return _counting_only(sentence, node.where, "measurements")


def _quantified(node: Exists | Count | Latest) -> Outline:
    if isinstance(node, Exists):
        lead = f"some entry of {node.exists} is one where:"
    elif isinstance(node, Count):
        if node.op in ("in", "not_in"):
            choices = " or ".join(value_words(v) for v in node.value)  # type: ignore[union-attr]
            wanted = f"is {choices}" if node.op == "in" else f"is neither {choices}"
        else:
            wanted = f"is {NUMBERS.get(node.op, WORDS[node.op])} {value_words(node.value)}"
        lead = f"the number of entries of {node.count} for which the following holds {wanted}:"
    else:
        lead = f"the latest entry of {node.latest} (by {node.by}) is one where:"
    if node.label:
        lead = f"{node.label}: {lead}"
    return Outline(lead, (describe(node.where),))


def _sum(node: Sum) -> Outline:
    unit = f" {node.unit}" if node.unit else ""
    scaled = (
        f", each converted by the {node.factor.table} factor of its {node.factor.key},"
        if node.factor
        else ""
    )
    name = f"{node.label}: " if node.label else ""
    sentence = (
        f"{name}the sum of {node.of} over {node.sum}{scaled} "
        f"{WORDS[node.op]} {value_words(node.value)}{unit}"
    )
    return _counting_only(sentence, node.where, "entries")


def _counting_only(sentence: str, where: Any, things: str) -> Outline:
    if where is None:
        return Outline(sentence)
    return Outline(f"{sentence}, counting only {things} where:", (describe(where),))


def _age(node: Age) -> str:
    source = f"from {node.age}" + (f", or {node.stated} as stated" if node.stated else "")
    return f"age in completed years on the screening date ({source}) {WORDS[node.op]} {node.value}"


def _ongoing(open_is_now: bool | str | None, path: str = "") -> str:
    if not open_is_now:
        return ""
    which = f"{path} " if path else "a date "
    return f" ({which}not recorded counts as the screening date: still ongoing)"


def _recent_special(node: Recent) -> Outline:
    """`recent` against a multiple of the reading's upper limit of normal, or as a mean."""
    name = _name(node.label, node.recent)
    within = f"within {period_words(node.within)} before screening"
    if node.mean_of_latest is not None:
        subject = (
            f"the mean of the {node.mean_of_latest} most recent {name}{_path(node.recent)} {within}"
        )
    else:
        subject = f"the most recent {name}{_path(node.recent)} {within}"
    if node.times is not None:
        threshold = f"{value_words(node.value)} times its upper limit of normal ({node.times})"
    else:
        threshold = f"{value_words(node.value)}{f' {unit_text(node.unit)}' if node.unit else ''}"
    return _counting_only(f"{subject} {WORDS[node.op]} {threshold}", node.where, "measurements")


INTERVAL_WORDS = {"lt": "less than", "le": "at most", "gt": "more than", "ge": "at least"}


def _interval(node: Interval) -> str:
    ends = node.interval
    name = f"{node.label}: " if node.label else ""
    return (
        f"{name}{ends.to} is {INTERVAL_WORDS[node.op]} {period_words(node.value)} after "
        f"{ends.from_} (or before it)"
        f"{_ongoing(node.open_is_now, ends.from_ if node.open_is_now == 'from' else ends.to)}"
    )


def _expr(node: Expr) -> str:
    name = node.label or "the value"
    unit = f" {unit_text(node.unit)}" if node.unit else ""
    return (
        f"{name} = {formula(node.expr, top=True)} {WORDS[node.op]} {value_words(node.value)}{unit}"
    )


_SIGNS: dict[type, str] = {AddTerm: " + ", SubTerm: " - ", MulTerm: " x ", DivTerm: " / "}


def formula(term: Any, top: bool = False) -> str:
    """An `expr` term in words and signs: (140 - age) x weight / (72 x creatinine)."""
    if isinstance(term, bool):
        return str(term)
    if isinstance(term, int | float):
        return num(term)
    if isinstance(term, FieldTerm):
        return term.field.lstrip("/")
    if isinstance(term, AgeTerm):
        stated = f", or {term.stated.lstrip('/')} as stated" if term.stated else ""
        return f"age in completed years (from {term.age.lstrip('/')}{stated})"
    if isinstance(term, RecentTerm):
        unit = f" in {unit_text(term.unit)}" if term.unit else ""
        where = f" where {describe(term.where).sentence}" if term.where is not None else ""
        return (
            f"the most recent {term.recent_value.lstrip('/')} within"
            f" {period_words(term.within)}{where}{unit}"
        )
    if isinstance(term, IfTerm):
        return (
            f"({formula(term.then)} if {describe(term.if_).sentence}, else {formula(term.else_)})"
        )
    parts = getattr(term, type(term).__name__[:3].lower())
    joined = _SIGNS[type(term)].join(formula(part) for part in parts)
    return joined if top else f"({joined})"
