"""JSON and JSON Lines: one object per patient; several patients in JSON are an array.

Each function renders one report, so that a batch can stream: the array's brackets and
commas are written around the items by the caller.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from screen.report import Report


def render_object(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


def render_array_item(report: Report) -> str:
    """One report as an element of a JSON array, indented as `json.dumps(list, indent=2)`."""
    text = json.dumps(report.to_dict(), indent=2, ensure_ascii=False)
    return "\n".join("  " + line for line in text.splitlines())


def render_jsonl(report: Report) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False) + "\n"


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
    from screen.explain import explain

    data = report.to_dict()
    wanted = {i.upper() for i in only}
    for result, outcome in zip(data["results"], report.outcomes, strict=True):
        if not wanted or outcome.criterion.id.upper() in wanted:
            result["trace"] = explain(outcome).to_dict()
    return json.dumps(data, indent=indent, ensure_ascii=False) + "\n"
