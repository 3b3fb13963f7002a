"""How list entries are read before any rule sees them, as the criteria file declares.

Sites write one regimen as several lines ("trastuzumab + pertuzumab", "docetaxel", same
start) and list supportive drugs (denosumab, G-CSF) beside anticancer ones. The criteria
file says which lists are read how (`entries:`); nothing here names a list or a drug.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from screen.rules.language import EntryReading
    from screen.rules.vocabulary import Vocabulary


def read_entries(record: Any, vocabulary: Vocabulary) -> Any:
    """The record with each declared list read: the same object when nothing changes."""
    for path, reading in vocabulary.entry_readings.items():
        steps = path.split(".")
        items = _get(record, steps)
        if not items:
            continue
        read = _read(items, reading, vocabulary)
        if read is not items:
            record = _put(record, steps, read)
    return record


def _get(record: Any, steps: list[str]) -> Any:
    for step in steps:
        record = getattr(record, step, None)
        if record is None:
            return None
    return record


def _put(record: Any, steps: list[str], value: Any) -> Any:
    head, *rest = steps
    inner = value if not rest else _put(getattr(record, head), rest, value)
    return record.model_copy(update={head: inner})


Numbered = list[tuple[tuple[int, ...], Any]]  # entries with their numbers in the file's list


def _read(items: list[Any], reading: EntryReading, vocabulary: Vocabulary) -> list[Any]:
    """The entries as read, each knowing its number(s) in the file's list when the list
    changed (the numbers people look up are the file's, not the read list's)."""
    numbered: Numbered = [((number,), item) for number, item in enumerate(items, start=1)]
    kept = numbered
    if reading.drugs and reading.set_aside:
        kept = _set_aside(kept, reading.drugs, frozenset(reading.set_aside), vocabulary)
    if reading.parts_of_one:
        kept = _join_parts(kept, reading)
    if kept is numbered:
        return items
    read = []
    for position, (numbers, item) in enumerate(kept, start=1):
        if numbers != (position,):  # where the read list's numbering is not the file's
            if item is items[numbers[0] - 1]:  # the file's own entry: copied, never changed
                item = item.model_copy()
            item._entries = numbers
        read.append(item)
    return read


def _set_aside(
    items: Numbered, drugs: str, classes: frozenset[str], vocabulary: Vocabulary
) -> Numbered:
    """Drop the drugs whose every class is set aside; an entry left without drugs goes."""
    kept, changed = [], False
    for numbers, item in items:
        names = getattr(item, drugs, None)
        if names:
            names = [names] if isinstance(names, str) else names
            keep = [n for n in names if not _only_of(n, classes, vocabulary)]
            if len(keep) != len(names):
                changed = True
                if not keep:
                    continue
                item = item.model_copy(update={drugs: keep})
        kept.append((numbers, item))
    return kept if changed else items


def _only_of(name: str, classes: frozenset[str], vocabulary: Vocabulary) -> bool:
    resolved = vocabulary.resolve(name)
    return resolved is not None and bool(resolved.classes) and resolved.classes <= classes


def _join_parts(items: Numbered, reading: EntryReading) -> Numbered:
    """Entries that agree on every `parts_of_one` field (all recorded) become one."""
    groups: dict[Any, Numbered] = {}
    for numbers, item in items:
        key = tuple(getattr(item, name, None) for name in reading.parts_of_one)
        if any(part is None for part in key):
            key = ("unjoined", id(item))  # an unrecorded key field joins nothing
        groups.setdefault(key, []).append((numbers, item))
    if len(groups) == len(items):
        return items
    return [
        parts[0]
        if len(parts) == 1
        else (
            tuple(n for numbers, _ in parts for n in numbers),
            _join([p for _, p in parts], reading),
        )
        for parts in groups.values()
    ]


def _join(parts: list[Any], reading: EntryReading) -> Any:
    """One entry from its parts: every drug once; a date the latest (unrecorded if any part's
    is: an open end stays open); any other field kept where the parts agree, else unknown."""
    update: dict[str, Any] = {}
    for name in type(parts[0]).model_fields:
        values = [getattr(part, name) for part in parts]
        if name == reading.drugs:
            names = [n for v in values if v for n in ([v] if isinstance(v, str) else v)]
            update[name] = list(dict.fromkeys(names)) or None
        elif name in reading.parts_of_one:
            continue
        elif all(isinstance(v, datetime.date) for v in values):
            update[name] = max(values)
        else:
            update[name] = values[0] if all(v == values[0] for v in values) else None
    return parts[0].model_copy(update=update)
