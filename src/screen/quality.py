"""Data-quality findings that did not stop the screening: warnings, read from the traces.

A drug name the vocabulary does not know is unknown wherever a criterion needs to classify
it, and the reason says so; where it decided nothing, it would pass without a word. Either
way the coordinator is told, once per name, where it stands in the file.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from screen.trace import DrugMatch, FieldValue, Outcome, Total, Trace
from screen.vocabulary import Vocabulary


def unrecognized_names(outcomes: Sequence[Outcome], vocabulary: Vocabulary) -> dict[str, list[str]]:
    """Each drug name no criterion could classify, with the criteria that read it."""
    found: dict[str, list[str]] = {}
    for outcome in outcomes:
        for name in _names(outcome.trace, vocabulary):
            readers = found.setdefault(name, [])
            if outcome.criterion.id not in readers:
                readers.append(outcome.criterion.id)
    return found


def _names(trace: Trace, vocabulary: Vocabulary) -> Iterator[str]:
    stack = [trace]
    while stack:
        node = stack.pop()
        evidence = node.evidence
        if isinstance(evidence, DrugMatch):
            yield from evidence.unrecognized
        elif isinstance(evidence, Total):
            yield from (
                t.name for t in evidence.terms if t.name and vocabulary.resolve(t.name) is None
            )
        elif (
            isinstance(evidence, FieldValue)
            and isinstance(evidence.factor_of, str)
            and vocabulary.resolve(evidence.factor_of) is None
        ):
            yield evidence.factor_of
        stack.extend(node.children)


def path_of(data: Any, wanted: str) -> tuple[str | int, ...] | None:
    """Where a text value first stands in the record as read (keys and list indices)."""
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), data)]
    while stack:
        path, value = stack.pop(0)
        if value == wanted and isinstance(value, str):
            return path
        if isinstance(value, dict):
            stack.extend(((*path, k), v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend(((*path, i), v) for i, v in enumerate(value))
    return None
