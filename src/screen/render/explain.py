"""`screen explain` for people: each criterion's verdict, protocol text and trace as a tree."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.text import Text
from rich.tree import Tree

from screen.engine.trace import Outcome
from screen.render.safe import block, shown, text
from screen.render.table import STATUS_STYLE, patient_heading, todo_view
from screen.report.explain import Step, explain
from screen.report.reasons import reason
from screen.report.report import Report

TRUTH_STYLE = {True: ("✔ true", "green"), False: ("✘ false", "red"), None: ("? unknown", "yellow")}


def explain_view(report: Report, only: Sequence[str] = (), every: bool = False) -> RenderableType:
    """Failed and unknown criteria in full, then the passed ones on one line; `only` or
    `every` show those criteria in full instead."""
    parts: list[RenderableType] = [patient_heading(report)]
    if report.verdict == "error":
        return Group(*parts)
    wanted = {i.upper() for i in only}
    if wanted:
        chosen = [o for o in report.outcomes if o.criterion.id.upper() in wanted]
    elif every:
        chosen = list(report.outcomes)
    else:
        chosen = [o for o in report.outcomes if o.status == "fail"]
        chosen += [o for o in report.outcomes if o.status == "unknown"]
    parts += [criterion_view(outcome) for outcome in chosen]
    todo = todo_view(report)
    if todo is not None:
        parts += [Text(""), todo]
    if not wanted and not every:
        passed = [o.criterion.id for o in report.outcomes if o.status == "pass"]
        if passed:
            parts.append(
                Text.assemble(
                    ("Passed: ", "bold green"),
                    shown(" ".join(passed)),
                    ("   (screen explain FILE --all shows every trace)", "dim"),
                )
            )
    return Group(*parts)


def criterion_view(outcome: Outcome) -> RenderableType:
    criterion = outcome.criterion
    label, style = STATUS_STYLE[outcome.status]
    heading = Text.assemble(
        (f"{shown(criterion.id)} ", "bold"),
        (shown(criterion.title), "bold"),
        f"  ({criterion.type})  ",
        (label, style),
    )
    protocol = Padding(block(criterion.text.strip(), "italic dim"), (0, 0, 0, 2))
    because = Padding(
        Text.assemble(("Reason: ", "bold"), shown(reason(outcome.trace))), (0, 0, 0, 2)
    )
    root = explain(outcome)
    tree = Tree(_label(root), guide_style="dim")
    _grow(tree, root)
    return Group(Text(""), heading, protocol, because, Padding(tree, (0, 0, 0, 2)))


def _grow(tree: Tree, step: Step) -> None:
    for child in step.children:
        _grow(tree.add(_label(child)), child)


def _label(step: Step) -> RenderableType:
    mark, style = TRUTH_STYLE[step.truth]
    prefix = f"{step.item_label}: " if step.item is not None else ""
    line = Text.assemble((mark, style), "  ", (prefix, "bold"), shown(step.rule))
    found = Text.assemble(("found: ", "dim"), shown(step.found))
    notes = [
        text(f"→ {note}" if note.startswith("needs") else f"⚠ {note}", "yellow")
        for note in step.notes
    ]
    # continuation lines stay under their first line, on any width
    return Group(line, *(Padding(part, (0, 0, 0, 4)) for part in (found, *notes)))
