"""The terminal view for people: the verdict up front, failures and unknowns easy to spot."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from screen.attrition import Attrition
from screen.reasons import reason
from screen.render.safe import shown, text
from screen.report import Report

if TYPE_CHECKING:
    from screen.batch import Screened

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


def patient_heading(report: Report) -> RenderableType:
    """Who, from which file, as of when; the verdict; the criteria set (or the problems)."""
    heading = Text.assemble(
        (shown(report.patient_id) if report.patient_id else "(no patient_id)", "bold"),
        f"  {shown(report.source)}",
        f"  as of {report.as_of}" if report.as_of else "",
    )
    verdict = Text.assemble("Verdict: ", verdict_text(report))
    if report.verdict == "error":
        problems = Text("\n".join(f"  {shown(p)}" for p in report.problems))
        return Group(heading, verdict, problems, Text(""))
    if report.failed:
        verdict.append(f"  failed: {shown(', '.join(report.failed))}", style="red")
    if report.unknown:
        verdict.append(f"  unknown: {shown(', '.join(report.unknown))}", style="yellow")
    stamp = report.criteria_set
    criteria_line = text(
        f"Criteria: {stamp.id} ({stamp.version}) sha256 {stamp.sha256[:12]}", "dim"
    )
    parts: list[RenderableType] = [heading, verdict]
    if report.window_summary:
        style = "green" if report.eligible_from else "yellow"
        parts.append(Text.assemble("When: ", (shown(report.window_summary), style)))
    parts.extend(text(f"Warning: {w}", "magenta") for w in report.warnings)
    return Group(*parts, criteria_line)


def todo_view(report: Report) -> RenderableType | None:
    """What to collect for the unknown criteria, merged per assessment."""
    items = report.todo
    if not items:
        return None
    return Group(
        Text("To collect (settles the unknown criteria):", style="bold yellow"),
        *(text(f"  • {item.sentence()}") for item in items),
    )


def patient_view(report: Report) -> RenderableType:
    """One patient: heading, verdict, one row per criterion, then the missing data."""
    if report.verdict == "error":
        return patient_heading(report)
    table = Table(show_lines=False, expand=False, pad_edge=False)
    table.add_column("id", no_wrap=True)
    table.add_column("criterion", ratio=2)
    table.add_column("status", no_wrap=True)
    table.add_column("reason", ratio=5)
    for outcome in report.outcomes:
        label, style = STATUS_STYLE[outcome.status]
        row_style = "" if outcome.status == "pass" else style.replace("bold ", "")
        table.add_row(
            text(outcome.criterion.id),
            text(outcome.criterion.title),
            Text(label, style=style),
            text(reason(outcome.trace), row_style if outcome.status != "pass" else "dim"),
        )
    parts: list[RenderableType] = [patient_heading(report), table]
    todo = todo_view(report)
    if todo is not None:
        parts.append(todo)
    parts.append(Text(""))
    return Group(*parts)


def batch_view(rows: Sequence[Screened], attrition: Attrition) -> RenderableType:
    """Several patients: counts per verdict, one row per patient, then the attrition table."""
    counts = attrition.verdicts
    summary = Text.assemble(
        (f"{attrition.patients} patients: ", "bold"),
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
    table.add_column("eligible from", no_wrap=True)
    table.add_column("until", no_wrap=True)
    with_problems = any(row.problems for row in rows)
    if with_problems:
        table.add_column("problem", style="magenta")
    for row in rows:
        label, style = VERDICT_STYLE[row.verdict]
        cells: list[RenderableType] = [
            text(row.patient_id or "-"),
            text(row.source),
            Text(label, style=style),
            text(" ".join(row.failed)),
            text(" ".join(row.unknown)),
            text(row.eligible_from or ""),
            text(row.eligible_until or ""),
        ]
        if with_problems:
            more = len(row.problems) - 1
            first = str(row.problems[0]) if row.problems else ""
            cells.append(text(first + (f" (and {more} more)" if more > 0 else "")))
        table.add_row(*cells)
    return Group(summary, table, Text(""), attrition_view(attrition))


def attrition_view(attrition: Attrition) -> RenderableType:
    """Per criterion: how many it failed, left unknown, and kept out on its own."""
    table = Table(
        title="Attrition: patients per criterion (fails only this = kept out by it alone)",
        title_justify="left",
        pad_edge=False,
    )
    table.add_column("id", no_wrap=True)
    table.add_column("criterion")
    table.add_column("failed", justify="right", style="red")
    table.add_column("unknown", justify="right", style="yellow")
    table.add_column("fails only this", justify="right", style="bold red")
    for criterion in attrition.criteria:
        totals = attrition.by_criterion[criterion.id]
        quiet = not (totals.failed or totals.unknown)
        table.add_row(
            text(criterion.id),
            text(criterion.title),
            str(totals.failed),
            str(totals.unknown),
            str(totals.failed_alone),
            style="dim" if quiet else "",
        )
    return table


def render_patient(report: Report, console: Console) -> None:
    console.print(patient_view(report))


def render_batch(rows: Sequence[Screened], attrition: Attrition, console: Console) -> None:
    console.print(batch_view(rows, attrition))
