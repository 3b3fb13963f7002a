"""The terminal view for people: the verdict up front, failures and unknowns easy to spot."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from screen.render.names import common_folder, within
from screen.render.safe import shown, text
from screen.report.reasons import reason
from screen.report.report import Report

if TYPE_CHECKING:
    from screen.batch import Screened
    from screen.report.attrition import Attrition

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
    """What to collect for the unknown criteria, by task."""
    items = report.todo
    if not items:
        return None
    bullets = Table.grid()
    bullets.add_column(no_wrap=True)
    bullets.add_column()  # a wrapped item stays beside its bullet
    for item in items:
        bullets.add_row("  • ", text(item.sentence()))
    return Group(Text("To collect (settles the unknown criteria):", style="bold yellow"), bullets)


def patient_view(report: Report) -> RenderableType:
    """One patient: heading, verdict, one row per criterion, then what to collect. The
    reason is the column people read: it takes the room, at full strength."""
    if report.verdict == "error":
        return patient_heading(report)
    table = Table(show_lines=False, expand=False, pad_edge=False)
    table.add_column("id", no_wrap=True)
    table.add_column("criterion", ratio=2, min_width=14, overflow="fold")
    table.add_column("status", no_wrap=True)
    table.add_column("reason", ratio=5, min_width=24, overflow="fold")
    for outcome in report.outcomes:
        label, style = STATUS_STYLE[outcome.status]
        row_style = "" if outcome.status == "pass" else style.replace("bold ", "")
        table.add_row(
            text(outcome.criterion.id),
            text(outcome.criterion.title),
            Text(label, style=style),
            text(reason(outcome.trace), row_style),
        )
    parts: list[RenderableType] = [patient_heading(report), table]
    todo = todo_view(report)
    if todo is not None:
        parts.append(todo)
    parts.append(Text(""))
    return Group(*parts)


def batch_view(rows: Sequence[Screened], attrition: Attrition) -> RenderableType:
    """Several patients: counts per verdict, one row per patient (the file names relative
    to their shared folder), the problems of the error rows in full, then the attrition."""
    counts = attrition.verdicts
    summary = Text.assemble(
        (f"{attrition.patients} patients: ", "bold"),
        *[
            item
            for verdict, (label, style) in VERDICT_STYLE.items()
            for item in ((f"{counts[verdict]} {label.lower()}", style), ("  ", ""))
        ],
    )
    folder = common_folder([row.source for row in rows])
    table = Table(pad_edge=False, title_justify="left", caption_justify="left")
    if folder:
        table.title = text(f"files in {folder}{os.sep}")
    table.add_column("patient_id", no_wrap=True)
    table.add_column("file", overflow="fold", min_width=8)
    table.add_column("verdict", no_wrap=True)
    table.add_column("failed", style="red", min_width=7)
    table.add_column("unknown", style="yellow", min_width=8)
    table.add_column("eligible", min_width=10)
    errors: list[Text] = []
    for row in rows:
        label, style = VERDICT_STYLE[row.verdict]
        table.add_row(
            text(row.patient_id or "-"),
            text(within(row.source, folder)),
            Text(label, style=style),
            text(" ".join(row.failed)),
            text(" ".join(row.unknown)),
            text(_stretch(row.eligible_from, row.eligible_until)),
        )
        errors += [text(f"  {problem}", "magenta") for problem in row.problems]
    parts: list[RenderableType] = [summary, table]
    if errors:
        parts += [Text("Problems (error rows):", style="bold magenta"), *errors]
    return Group(*parts, Text(""), attrition_view(attrition))


def _stretch(first: str | None, last: str | None) -> str:
    """When eligible, in words that wrap between the dates on a narrow terminal."""
    if first is None:
        return ""
    return f"{first} to {last}" if last else f"from {first}"


def attrition_view(attrition: Attrition) -> RenderableType:
    """Per criterion that failed or left anyone unknown: how many it failed, left unknown,
    and kept out on its own; the others are counted in one line, not listed."""
    table = Table(
        title="Attrition: patients per criterion (fails only this = kept out by it alone)",
        title_justify="left",
        caption_justify="left",
        pad_edge=False,
    )
    table.add_column("id", no_wrap=True)
    table.add_column("criterion", min_width=12)
    table.add_column("failed", justify="right", style="red", no_wrap=True)
    table.add_column("unknown", justify="right", style="yellow", no_wrap=True)
    table.add_column("fails only this", justify="right", style="bold red", min_width=6)
    quiet = 0
    for criterion in attrition.criteria:
        totals = attrition.by_criterion[criterion.id]
        if not (totals.failed or totals.unknown):
            quiet += 1
            continue
        table.add_row(
            text(criterion.id),
            text(criterion.title),
            str(totals.failed),
            str(totals.unknown),
            str(totals.failed_alone),
        )
    if quiet:
        table.caption = (
            f"The other {quiet} criteria: no patient failed them or was unknown on them."
            if quiet > 1
            else "The other criterion: no patient failed it or was unknown on it."
        )
    return table


def render_patient(report: Report, console: Console) -> None:
    console.print(patient_view(report))


def render_batch(rows: Sequence[Screened], attrition: Attrition, console: Console) -> None:
    console.print(batch_view(rows, attrition))
