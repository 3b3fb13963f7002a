"""JSON and JSON Lines: one object per patient; several patients in JSON are an array.

Each function renders one report, so that a batch can stream: the array's brackets and
commas are written around the items by the caller.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from screen.report.report import Report


def dumps(data: Any, indent: int | None = None) -> str:
    """Strict JSON: NaN and infinities are not JSON, so they are written as null (a report
    must stay readable by every parser; the record's model should never let them in)."""
    try:
        return json.dumps(data, indent=indent, ensure_ascii=False, allow_nan=False)
    except ValueError:
        return json.dumps(_finite(data), indent=indent, ensure_ascii=False, allow_nan=False)


def _finite(data: Any) -> Any:
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {key: _finite(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_finite(value) for value in data]
    return data


def render_object(report: Report) -> str:
    return dumps(report.to_dict(), indent=2) + "\n"


def render_array_item(report: Report) -> str:
    """One report as an element of a JSON array, indented as `json.dumps(list, indent=2)`.
    Lines are split at "\\n" only: JSON strings may hold U+2028, U+2029 or U+0085 (written
    raw), which `str.splitlines` would break, making invalid JSON."""
    text = dumps(report.to_dict(), indent=2)
    return "  " + text.replace("\n", "\n  ")


def render_jsonl(report: Report) -> str:
    return dumps(report.to_dict()) + "\n"


def as_array(objects: Sequence[str]) -> str:
    """Objects rendered with indent 2 (each ending in a newline) as one JSON array, indented
    as `json.dumps(list, indent=2)` (several reports of one patient, one per criteria set)."""
    items = ",\n".join("  " + item.rstrip("\n").replace("\n", "\n  ") for item in objects)
    return f"[\n{items}\n]\n"


def nothing(report: Report) -> str:
    """For the table view, which is drawn from the running totals, not per record."""
    return ""


def explained(report: Report, only: Sequence[str] = (), indent: int | None = 2) -> str:
    """The report with each result's trace as a nested object (`only`: just those ids)."""
    from screen.report.explain import explain

    data = report.to_dict()
    wanted = {i.upper() for i in only}
    for result, outcome in zip(data["results"], report.outcomes, strict=True):
        if not wanted or outcome.criterion.id.upper() in wanted:
            result["trace"] = explain(outcome).to_dict()
    return dumps(data, indent=indent) + "\n"
