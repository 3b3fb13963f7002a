"""Kleene three-valued logic: a condition is True, False or None (unknown).

Kept tiny and separate so its truth tables can be tested on their own (HL7 CQL's logic.js
is the model): an unknown part never decides what a known part already has.
"""

from __future__ import annotations

from collections.abc import Iterable

Truth = bool | None


def all_of(values: Iterable[Truth]) -> Truth:
    """Kleene `and`: false if any part is false, else unknown if any part is unknown."""
    unknown = False  # pragma: no mutate (equivalent: None is read only as falsy, like False)
    for value in values:
        if value is False:
            return False
        if value is None:
            unknown = True
    return None if unknown else True


def any_of(values: Iterable[Truth]) -> Truth:
    """Kleene `or`: true if any part is true, else unknown if any part is unknown."""
    unknown = False  # pragma: no mutate (equivalent: None is read only as falsy, like False)
    for value in values:
        if value is True:
            return True
        if value is None:
            unknown = True
    return None if unknown else False


def negate(value: Truth) -> Truth:
    """Kleene `not`: not unknown is unknown."""
    return None if value is None else not value
