"""Data-quality findings that did not stop the screening: warnings, read from the traces.

A drug name the vocabulary does not know is unknown wherever a criterion needs to classify
it, and the reason says so; where it decided nothing, it would pass without a word. Either
way the coordinator is told, once per name, where it stands in the file.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import Any

from screen.engine.trace import Outcome


def unrecognized_names(outcomes: Sequence[Outcome]) -> dict[str, list[str]]:
    """Each drug name no criterion could classify, with the criteria that read it."""
    found: dict[str, list[str]] = {}
    for outcome in outcomes:
        for name in outcome.unrecognized:
            found.setdefault(name, []).append(outcome.criterion.id)
    return found


def path_of(data: Any, wanted: str) -> tuple[str | int, ...] | None:
    """Where a text value first stands in the record as read (keys and list indices)."""
    queue: deque[tuple[tuple[str | int, ...], Any]] = deque([((), data)])
    while queue:
        path, value = queue.popleft()
        if value == wanted and isinstance(value, str):
            return path
        if isinstance(value, dict):
            queue.extend(((*path, k), v) for k, v in value.items())
        elif isinstance(value, list):
            queue.extend(((*path, i), v) for i, v in enumerate(value))
    return None
