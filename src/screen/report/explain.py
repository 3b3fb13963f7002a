"""Why a criterion came out as it did: the trace as a tree of plain-data steps.

Each step pairs what the rule asks (in plain words, from describe.py) with what was found
(values as recorded, converted values, dates and days before screening, thresholds) and
notes a coordinator can act on: what would settle an unknown, a value so near its
threshold that a retest may change the verdict, closest names for an unrecognized drug.
Renderers (rich tree, JSON) read these steps and nothing else.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from screen.engine.logic import Truth
from screen.engine.trace import (
    Computed,
    FieldValue,
    Items,
    Mean,
    Observation,
    Outcome,
    Total,
    Trace,
)
from screen.report.reasons import fact, needs, num, unit_text
from screen.rules.describe import describe
from screen.rules.language import AllOf, AnyOf, Compare, Not, Recent, Sum

NEAR_MISS = Decimal("0.05")  # within 5% of a threshold, a retest may land on the other side


@dataclass(slots=True)
class Step:
    """One node of the explanation: the rule, what was found, its truth and notes."""

    kind: str
    truth: Truth
    rule: str
    found: str
    evidence: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    children: list[Step] = field(default_factory=list)
    item: int | None = None  # the index in the list as read (0-based)
    entries: tuple[int, ...] = ()  # an item's number(s) in the file's list (1-based)

    @property
    def item_label(self) -> str:
        """The item as the file numbers it: "item #4", "item #2+#3" (entries read as one)."""
        numbers = self.entries or ((self.item + 1,) if self.item is not None else ())
        return "item " + "+".join(f"#{n}" for n in numbers) if numbers else ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "truth": self.truth,
            "rule": self.rule,
            "found": self.found,
            "evidence": self.evidence,
            "notes": self.notes,
            "item": self.item,
            "entries": list(self.entries),
            "children": [child.to_dict() for child in self.children],
        }


def explain(outcome: Outcome) -> Step:
    return step(outcome.trace)


def step(trace: Trace, decided: bool = False) -> Step:
    """One node and its children; `decided`: an ancestor is settled whatever this node
    comes to, so an unknown here needs nothing (the to-do does not ask for it either)."""
    node = trace.node
    kind = type(node).__name__.lower().replace("allof", "all").replace("anyof", "any")
    settled = decided or trace.truth is not None
    children = [step(child, settled) for child in trace.children]
    found = _tally(trace) if isinstance(node, AllOf | AnyOf | Not) else fact(trace)
    notes: list[str] = []
    if trace.truth is None and not decided and not isinstance(node, AllOf | AnyOf | Not):
        notes += [f"needs {need}" for need in needs(trace)]
        notes += _staleness(trace)
    notes += _near_miss(trace)
    return Step(
        kind,
        trace.truth,
        _without_paths(describe(node).sentence, node),
        found,
        _plain_evidence(trace.evidence),
        notes,
        children,
        trace.item,
        trace.entries or ((trace.item + 1,) if trace.item is not None else ()),
    )


_PATH_FIELDS = ("field", "drug", "date", "recent", "exists", "count", "latest", "sum", "age")


def _without_paths(sentence: str, node: Any) -> str:
    """The rule in words, without the record's field paths in brackets: the review document
    keeps them for the monitor; a coordinator reads the labels."""
    for name in _PATH_FIELDS:
        path = getattr(node, name, None)
        if isinstance(path, str):
            sentence = sentence.replace(f" ({path})", "")
    return sentence


def _tally(trace: Trace) -> str:
    truths = [child.truth for child in trace.children]
    if isinstance(trace.node, Not):
        return f"negates {_word(truths[0])}"
    counts = [
        f"{truths.count(value)} {_word(value)}" for value in (True, False, None) if value in truths
    ]
    return f"{', '.join(counts)} of {len(truths)}"


def _word(truth: Truth) -> str:
    return {True: "true", False: "false", None: "unknown"}[truth]


def _staleness(trace: Trace) -> list[str]:
    """How old the latest observation is, when it exists but is out of its window."""
    evidence = trace.evidence
    if not isinstance(evidence, Observation) or evidence.date is not None:
        return []
    if evidence.latest_date is None or evidence.latest_date >= evidence.window_start:
        return []
    late = (evidence.window_start - evidence.latest_date).days
    return [
        f"the latest, {evidence.latest_date}, is {evidence.latest_days_before} days before"
        f" screening: {late} day{'s' if late != 1 else ''} too old for the window"
        f" starting {evidence.window_start}"
    ]


def _near_miss(trace: Trace) -> list[str]:
    """A numeric comparison decided by less than 5% of its threshold."""
    node, evidence = trace.node, trace.evidence
    value: Decimal | None = None
    threshold: Decimal | None = None
    unit = ""
    if isinstance(node, Compare) and isinstance(evidence, FieldValue):
        raw = evidence.scaled if node.factor is not None else evidence.value
        if _is_number(raw) and _is_number(node.value):
            value, threshold = Decimal(str(raw)), Decimal(str(node.value))
    elif isinstance(node, Recent) and isinstance(evidence, Observation):
        if evidence.converted is not None and evidence.threshold is not None:
            value, threshold = evidence.converted, evidence.threshold
            unit = evidence.compared_unit or ""
    elif isinstance(node, Sum) and isinstance(evidence, Total) and evidence.low == evidence.high:
        value, threshold = evidence.low, Decimal(str(node.value))
        unit = node.unit or ""
    elif isinstance(evidence, Computed) and evidence.value is not None:
        value, threshold = evidence.value, Decimal(str(node.value))
        unit = node.unit or ""
    elif isinstance(evidence, Mean) and evidence.mean is not None:
        value, threshold = evidence.mean, evidence.threshold
        unit = evidence.compared_unit or ""
    if value is None or threshold is None or threshold == 0:
        return []
    margin = abs(value - threshold) / abs(threshold)
    if margin > NEAR_MISS:
        return []
    shown = f"{num(value)} {unit_text(unit)}".strip()
    limit = f"{num(threshold)} {unit_text(unit)}".strip()
    percent = (margin * 100).quantize(Decimal("0.1"))
    if margin == 0:
        distance = "is exactly at"
    elif percent == 0:
        distance = "is within 0.1% of"
    else:
        distance = f"is within {num(percent)}% of"
    return [
        f"near miss: {shown} {distance} the threshold {limit}; a retest or a corrected record may change the verdict"
    ]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _plain_evidence(evidence: Any) -> dict[str, Any]:
    """The evidence's own fields (not the record items it points at), JSON-ready."""
    if evidence is None or not dataclasses.is_dataclass(evidence):
        return {}
    found = {
        f.name: _plain(getattr(evidence, f.name))
        for f in dataclasses.fields(evidence)
        if not f.name.startswith("_") and getattr(evidence, f.name) not in (None, (), "")
    }
    if isinstance(evidence, Items) and evidence.count:
        found["names"] = list(evidence.names)
    return found


def _plain(value: Any) -> Any:
    """JSON-ready: dates as ISO text, decimals as their shortest text, tuples as lists."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return num(value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain_evidence(value)
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return str(value)
