"""The terminal view for people: the verdict up front, failures and unknowns easy to spot."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from screen.reasons import reason
from screen.report import Report

STATUS_STYLE = {
    "pass": ("✔ pass", "green"),
    "fail": ("✘ fail", "bold red"),
    "unknown": ("? unknown", "yellow"),
}
VERDICT_STYLE = {
    "eligible": ("ELIGIBLE", "bold green"),
    "ineligible": ("INELIGIBLE", "bold red"),
    "incomplete": ("INCOMPLETE", "bold yellow"),
    "error": ("ERROR", "bold magenta"),
}


def verdict_text(report: Report) -> Text:
    label, style = VERDICT_STYLE[report.verdict]
    return Text(label, style=style)


def patient_view(report: Report) -> RenderableType:
    """One patient: heading, verdict, one row per criterion, then the missing data."""
    heading = Text.assemble(
        (report.patient_id or "(no patient_id)", "bold"),
        f"  {report.source}",
        f"  as of {report.as_of}" if report.as_of else "",
    )
    verdict = Text.assemble("Verdict: ", verdict_text(report))
    if report.verdict == "error":
        problems = Text("\n".join(f"  {p}" for p in report.problems))
        return Group(heading, verdict, problems, Text(""))
    if report.failed:
        verdict.append(f"  failed: {', '.join(report.failed)}", style="red")
    if report.unknown:
        verdict.append(f"  unknown: {', '.join(report.unknown)}", style="yellow")
    stamp = report.criteria_set
    criteria_line = Text(
        f"Criteria: {stamp.id} ({stamp.version}) sha256 {stamp.sha256[:12]}", style="dim"
    )
    table = Table(show_lines=False, expand=False, pad_edge=False)
    table.add_column("id", no_wrap=True)
    table.add_column("criterion", ratio=2)
    table.add_column("status", no_wrap=True)
    table.add_column("reason", ratio=5)
    for outcome in report.outcomes:
        label, style = STATUS_STYLE[outcome.status]
        row_style = "" if outcome.status == "pass" else style.replace("bold ", "")
        table.add_row(
            outcome.criterion.id,
            outcome.criterion.title,
            Text(label, style=style),
            Text(reason(outcome.trace), style=row_style if outcome.status != "pass" else "dim"),
        )
    parts: list[RenderableType] = [heading, verdict, criteria_line, table]
    if report.missing:
        parts.append(Text("Missing data (to settle the unknown criteria):", style="bold yellow"))
        parts.extend(Text(f"  • {need}") for need in report.missing)
    parts.append(Text(""))
    return Group(*parts)


def batch_view(reports: Sequence[Report]) -> RenderableType:
    """Several patients: counts per verdict, then one row per patient."""
    counts = {v: 0 for v in VERDICT_STYLE}
    for report in reports:
        counts[report.verdict] += 1
    summary = Text.assemble(
        f"{len(reports)} patients: ",
        *[
            item
            for verdict, (label, style) in VERDICT_STYLE.items()
            for item in ((f"{counts[verdict]} {label.lower()}", style), ("  ", ""))
        ],
    )
    table = Table(pad_edge=False)
    table.add_column("patient_id", no_wrap=True)
    table.add_column("file")
    table.add_column("verdict", no_wrap=True)
    table.add_column("failed", style="red")
    table.add_column("unknown", style="yellow")
    for report in reports:
        detail = "; ".join(str(p) for p in report.problems) if report.verdict == "error" else ""
        table.add_row(
            report.patient_id or "-",
            report.source,
            verdict_text(report),
            " ".join(report.failed) or detail,
            " ".join(report.unknown),
        )
    return Group(summary, table)


def render(reports: Sequence[Report], console: Console) -> None:
    if len(reports) == 1:
        console.print(patient_view(reports[0]))
    else:
        console.print(batch_view(reports))
