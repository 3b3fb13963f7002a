"""Inline SVG pictures for the HTML report: the eligibility timeline of one patient and the
attrition funnel of a batch. Plain strings, no plotting library; every text from data is
escaped. Shapes carry their data (`data-count`, `data-start`, ...) so that a test can check
that what is drawn is what was counted.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from html import escape
from typing import Any

from screen.engine.window import Eligibility, Segment

COLOURS = {"pass": "#2e7d32", "fail": "#c62828", "unknown": "#f9a825"}
WIDTH = 720  # viewBox units; the picture scales to the page width


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def timeline(
    window: Eligibility, tracks: Sequence[tuple[Any, Sequence[Segment]]], titles: dict[str, str]
) -> str:
    """Over the horizon: each time-limited criterion's statuses (with the dated change that
    starts each stretch), then the eligible stretch, or the one the pending data would open."""
    start, end = window.as_of, window.horizon_end
    days = max((end - start).days, 1)
    left, right, row, top = 70, WIDTH - 10, 22, 26

    def x(day: datetime.date) -> float:
        return round(left + (right - left) * (day - start).days / (days + 1), 2)

    def x_end(day: datetime.date) -> float:  # the end of a last day, included
        return x(day + datetime.timedelta(days=1))

    rows: list[str] = []
    for index, (criterion, segments) in enumerate(tracks):
        y = top + index * row
        rows.append(
            f'<text x="{left - 6}" y="{y + 13}" text-anchor="end" class="lbl">'
            f"<title>{escape(titles.get(criterion.id, ''))}</title>{escape(criterion.id)}</text>"
        )
        for segment in segments:
            tip = f"{criterion.id} {segment.status} {segment.start} to {segment.end}"
            if segment.cause:
                tip += f": from {segment.start}, {segment.cause}"
            rows.append(
                f'<rect class="seg {segment.status}" x="{x(segment.start)}" y="{y}"'
                f' width="{round(x_end(segment.end) - x(segment.start), 2)}" height="16"'
                f' fill="{COLOURS[segment.status]}" data-id="{_attr(criterion.id)}"'
                f' data-start="{segment.start}" data-end="{segment.end}"'
                f' data-status="{segment.status}"><title>{escape(tip)}</title></rect>'
            )
    y = top + len(tracks) * row + 6
    rows.append(f'<text x="{left - 6}" y="{y + 13}" text-anchor="end" class="lbl">eligible</text>')
    rows.append(
        f'<rect x="{left}" y="{y}" width="{right - left}" height="16" fill="#eee" stroke="#bbb"/>'
    )
    stretch = _stretch(window)
    if stretch is not None:
        first, last, kind, tip = stretch
        colour = COLOURS["pass"] if kind == "eligible" else "url(#if-normal)"
        rows.append(
            f'<rect class="stretch {kind}" x="{x(first)}" y="{y}"'
            f' width="{round(x_end(last) - x(first), 2)}" height="16" fill="{colour}"'
            f' data-start="{first}" data-end="{last}"><title>{escape(tip)}</title></rect>'
        )
    height = y + 44
    axis = _axis(start, end, x, y + 24)
    return (
        f'<svg class="timeline" viewBox="0 0 {WIDTH} {height}" role="img"'
        f' xmlns="http://www.w3.org/2000/svg" data-from="{start}" data-to="{end}">'
        f"<title>Eligibility timeline, {start} to {end}</title>"
        '<defs><pattern id="if-normal" width="6" height="6" patternUnits="userSpaceOnUse"'
        ' patternTransform="rotate(45)"><rect width="6" height="6" fill="#c8e6c9"/>'
        '<rect width="3" height="6" fill="#66bb6a"/></pattern></defs>'
        f'<text x="{left}" y="14" class="lbl">as of {start}</text>'
        f'<text x="{right}" y="14" text-anchor="end" class="lbl">horizon {end}</text>'
        + "".join(rows)
        + axis
        + "</svg>"
    )


def _stretch(
    window: Eligibility,
) -> tuple[datetime.date, datetime.date, str, str] | None:
    """The eligible stretch, or (hatched) the one the pending data would open if normal."""
    end = window.horizon_end
    if window.eligible_from is not None:
        last = window.eligible_until or end
        return window.eligible_from, last, "eligible", f"eligible {window.eligible_from} to {last}"
    if window.assumed_from is not None:
        last = window.until_if_normal or end
        tip = f"eligible {window.assumed_from} to {last} if the data to collect are normal"
        return window.assumed_from, last, "if-normal", tip
    return None


def _axis(start: datetime.date, end: datetime.date, x: Any, y: float) -> str:
    """A tick on the first of each month in the horizon."""
    ticks = []
    day = datetime.date(start.year, start.month, 1)
    while day <= end:
        if day >= start:
            ticks.append(
                f'<line x1="{x(day)}" x2="{x(day)}" y1="{y - 4}" y2="{y + 2}" stroke="#555"/>'
                f'<text x="{x(day)}" y="{y + 14}" text-anchor="middle" class="tick">'
                f"{day:%Y-%m}</text>"
            )
        day = datetime.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return f'<line x1="{x(start)}" x2="{x(end)}" y1="{y}" y2="{y}" stroke="#555"/>' + "".join(ticks)


def funnel(steps: Sequence[tuple[Any, int]], alone: dict[str, int], screened: int) -> str:
    """Patients still in after each criterion in protocol order (one bar each, its height
    proportional to the count: `data-unit` per patient), and below, the "fails only this"
    bars: those the criterion alone keeps out."""
    left, top, bar_area, gap = 40, 28, 200, 4
    width_each = max(8.0, (WIDTH - left - 10) / max(len(steps), 1) - gap)
    unit = bar_area / max(screened, 1)
    alone_area = 60
    alone_max = max([*alone.values(), 1])
    alone_unit = min(unit, alone_area / alone_max)
    parts: list[str] = []
    base = top + bar_area
    for index, (criterion, remaining) in enumerate(steps):
        x = round(left + index * (width_each + gap), 2)
        height = round(remaining * unit, 4)
        cid = escape(criterion.id)
        parts.append(
            f'<rect class="remaining" x="{x}" y="{round(base - height, 4)}" width="{round(width_each, 2)}"'
            f' height="{height}" fill="#1565c0" data-id="{_attr(criterion.id)}"'
            f' data-count="{remaining}"><title>{cid}: {remaining} still in'
            f" ({escape(criterion.title)})</title></rect>"
        )
        parts.append(
            f'<text x="{round(x + width_each / 2, 2)}" y="{round(base - height - 2, 2)}"'
            f' text-anchor="middle" class="tick">{remaining}</text>'
        )
        parts.append(
            f'<text x="{round(x + width_each / 2, 2)}" y="{base + 12}" text-anchor="middle"'
            f' class="tick" transform="rotate(60 {round(x + width_each / 2, 2)} {base + 12})">'
            f"{cid}</text>"
        )
        count = alone.get(criterion.id, 0)
        only = round(count * alone_unit, 4)
        parts.append(
            f'<rect class="alone" x="{x}" y="{base + 54}" width="{round(width_each, 2)}"'
            f' height="{only}" fill="#c62828" data-id="{_attr(criterion.id)}"'
            f' data-count="{count}"><title>{cid}: {count} fail only this</title></rect>'
        )
    height = base + 54 + alone_area + 10
    return (
        f'<svg class="funnel" viewBox="0 0 {WIDTH} {height}" role="img"'
        f' xmlns="http://www.w3.org/2000/svg" data-unit="{unit}" data-alone-unit="{alone_unit}"'
        f' data-screened="{screened}">'
        "<title>Attrition funnel: patients still in after each criterion</title>"
        f'<text x="{left}" y="12" class="lbl">still in after each criterion'
        f" (of {screened} screened)</text>"
        f'<line x1="{left - 2}" x2="{left - 2}" y1="{top}" y2="{base}" stroke="#555"/>'
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" class="tick">{screened}</text>'
        f'<text x="{left - 6}" y="{base}" text-anchor="end" class="tick">0</text>'
        f'<text x="{left}" y="{base + 48}" class="lbl">fails only this</text>'
        + "".join(parts)
        + "</svg>"
    )
