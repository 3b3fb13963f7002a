"""Hypothesis strategies for patient records, derived from the record model's JSON Schema.

Driven by the schema (types, ranges, enums, optional fields), so a new field in the record
contract is generated without touching this file. Strings are drawn from the criteria's own
vocabulary (drug names, units) plus unknown words, and dates lie before the screening date,
so that most records are valid and reach the engine.
"""

from __future__ import annotations

import datetime
import os
from typing import Any

from hypothesis import strategies as st

from screen.load import Criteria

SCREENING = datetime.date(2026, 11, 20)
# tools/mutation/run.sh runs the properties with fewer examples (each surviving mutant runs
# every test that reaches it): HYPOTHESIS_SCALE=0.1 runs a tenth, at least 10.
SCALE = float(os.environ.get("HYPOTHESIS_SCALE", "1"))


def examples(count: int) -> int:
    """A property's example count, scaled for a mutation run."""
    return count if SCALE == 1 else max(10, round(count * SCALE))


UNKNOWN_WORDS = ["Zorblatin", "other", "Herceptn", "unknown agent"]


def records(criteria: Criteria) -> st.SearchStrategy[dict[str, Any]]:
    """Schema-valid-shaped records (some still invalid, e.g. an end before a start)."""
    schema = criteria.record.model_json_schema()
    return _object(_context(criteria, schema), schema, path=()).map(_repair)


def variations(criteria: Criteria, base: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """`base` (say, the eligible example) with up to three of its fields generated anew:
    near-eligible records, where the interesting boundaries are."""
    schema = criteria.record.model_json_schema()
    context = _context(criteria, schema)
    fields = [k for k in schema["properties"] if k not in ("patient_id", "screening_date")]

    @st.composite
    def vary(draw: st.DrawFn) -> dict[str, Any]:
        record = dict(base)
        for name in draw(st.lists(st.sampled_from(fields), max_size=3, unique=True)):
            record[name] = draw(_strategy(context, schema["properties"][name], (name,)))
        return _repair(record)

    return vary()


def _context(criteria: Criteria, schema: dict[str, Any]) -> _Context:
    vocabulary = criteria.vocabulary
    names = sorted(set(vocabulary.known_names.values())) + UNKNOWN_WORDS
    units = {
        analyte: vocabulary.accepted_units(analyte) or ["U/L"] for analyte in vocabulary.analytes
    }
    return _Context(schema["$defs"], names, units)


class _Context:
    def __init__(
        self, definitions: dict[str, Any], names: list[str], units: dict[str, list[str]]
    ) -> None:
        self.definitions = definitions
        self.names = names
        self.units = units


def _strategy(context: _Context, schema: dict[str, Any], path: tuple[str, ...]) -> Any:
    if "$ref" in schema:
        return _strategy(context, context.definitions[schema["$ref"].split("/")[-1]], path)
    if "anyOf" in schema:
        return st.one_of([_strategy(context, option, path) for option in schema["anyOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "object":
        return _object(context, schema, path)
    if kind == "array":
        return st.lists(_strategy(context, schema["items"], path), max_size=4)
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(schema.get("minimum", 0), schema.get("maximum", 1000))
    if kind == "number":
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        high = schema.get("maximum", low + 2000)
        return st.floats(low, high, exclude_min="exclusiveMinimum" in schema).map(
            lambda x: round(x, 2)
        )
    if kind == "string" and schema.get("format") == "date":
        recent_or_not = st.one_of(st.integers(0, 60), st.integers(0, 3 * 365))  # windows are short
        return recent_or_not.map(lambda d: SCREENING - datetime.timedelta(days=d))
    if kind == "string":
        if path and path[-1] == "unit" and len(path) >= 2 and path[-2] in context.units:
            return st.sampled_from(context.units[path[-2]])
        return st.sampled_from(context.names)
    raise AssertionError(f"no strategy for {schema}")


def _object(context: _Context, schema: dict[str, Any], path: tuple[str, ...]) -> Any:
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    fixed = {"patient_id": st.just("GEN-1"), "screening_date": st.just(SCREENING)}
    members = {
        name: fixed.get(name)
        if not path and name in fixed
        else _strategy(context, sub, (*path, name))
        for name, sub in properties.items()
    }
    return st.fixed_dictionaries(
        {k: v for k, v in members.items() if k in required or (not path and k in fixed)},
        optional={
            k: v for k, v in members.items() if k not in required and not (not path and k in fixed)
        },
    )


def _repair(record: Any) -> Any:
    """Make the cross-field rules hold (start before end, a signed consent has a date)."""
    if isinstance(record, list):
        return [_repair(item) for item in record]
    if not isinstance(record, dict):
        return record
    fixed = {key: _repair(value) for key, value in record.items()}
    start, end = fixed.get("start"), fixed.get("end")
    if isinstance(start, datetime.date) and isinstance(end, datetime.date) and end < start:
        fixed["start"], fixed["end"] = end, start
    if fixed.get("end") is not None and fixed.get("ongoing") is True:
        fixed["ongoing"] = False
    if fixed.get("signed") is True and fixed.get("date") is None and "signed" in fixed:
        fixed["date"] = SCREENING
    return fixed
