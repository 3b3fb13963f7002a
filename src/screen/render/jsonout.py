"""JSON and JSON Lines: one object per patient; several patients in JSON are an array."""

from __future__ import annotations

import json
from collections.abc import Sequence

from screen.report import Report


def render_json(reports: Sequence[Report]) -> str:
    if len(reports) == 1:
        return json.dumps(reports[0].to_dict(), indent=2, ensure_ascii=False) + "\n"
    return json.dumps([r.to_dict() for r in reports], indent=2, ensure_ascii=False) + "\n"


def render_jsonl(report: Report) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False) + "\n"
