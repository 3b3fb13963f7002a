"""The printable report: one self-contained HTML page (no network, no external assets).

One patient: the signed screening record a site files (verdict, each criterion with its
verbatim text, status and reason, the to-do, the eligibility timeline, the explanation
folded per criterion, signature lines). A batch: the verdict counts, the attrition funnel,
a sortable table of patients, then each patient's section, rendered in the worker that
screened it (`section`). Everything that comes from data is escaped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from html import escape
from typing import TYPE_CHECKING

from screen.render import svg
from screen.render.names import common_folder, within
from screen.report.attrition import VERDICTS, Attrition
from screen.report.explain import Step, explain
from screen.report.reasons import reason
from screen.report.report import Report

if TYPE_CHECKING:
    from screen.batch import Screened

STATUS_MARK = {"pass": "✔ pass", "fail": "✘ fail", "unknown": "? unknown"}
TRUTH_MARK = {True: "✔ true", False: "✘ false", None: "? unknown"}

STYLE = """
@page { margin: 14mm; }
* { box-sizing: border-box; }
body { font: 10.5pt/1.4 system-ui, "Segoe UI", "Noto Sans", "Noto Sans CJK JP", sans-serif;
  color: #111; margin: 0 auto; max-width: 190mm; padding: 8mm 4mm; }
h1 { font-size: 16pt; margin: 0 0 4pt; } h2 { font-size: 12.5pt; margin: 14pt 0 4pt; }
h3 { font-size: 11pt; margin: 10pt 0 2pt; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #ccc; padding: 3pt 4pt; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
.meta td { border: 0; padding: 1pt 6pt 1pt 0; } .meta td:first-child { color: #555; width: 9em; }
.verdict { font-weight: 700; padding: 1pt 6pt; border-radius: 3pt; color: #fff; }
.eligible { background: #2e7d32; } .ineligible { background: #c62828; }
.incomplete { background: #b26a00; } .error { background: #6a1b9a; }
.st-pass { color: #2e7d32; } .st-fail { color: #c62828; font-weight: 700; }
.st-unknown { color: #9a6700; font-weight: 700; }
.text { font-style: italic; color: #333; white-space: pre-line; }
.when { border-left: 3pt solid #1565c0; padding: 2pt 6pt; background: #f4f8fd; }
.todo li { margin: 2pt 0; }
details { margin: 3pt 0; } summary { cursor: pointer; }
ul.tree { list-style: none; padding-left: 14pt; margin: 2pt 0; }
ul.tree li { border-left: 1px solid #ccc; padding-left: 6pt; margin: 2pt 0; }
.found { color: #444; } .note { color: #9a6700; }
svg { width: 100%; height: auto; font: 9px system-ui, sans-serif; }
svg .lbl { font-size: 10px; } svg .tick { font-size: 8px; fill: #333; }
.legend span { display: inline-block; margin-right: 10pt; }
.swatch { display: inline-block; width: 10pt; height: 8pt; margin-right: 3pt; vertical-align: middle; }
.signatures { margin-top: 18pt; display: grid; grid-template-columns: 1fr 1fr; gap: 16pt 24pt; }
.signatures div { border-top: 1px solid #000; padding-top: 2pt; font-size: 9pt; color: #333; margin-top: 22pt; }
.patient { break-before: page; } .patient:first-of-type { break-before: auto; }
tr, li, .signatures { break-inside: avoid; }
td.date, .verdict, .window { white-space: nowrap; }
th.sortable { cursor: pointer; } th.sortable::after { content: " ⇅"; color: #999; font-size: 8pt; }
@media print { th.sortable::after { content: ""; } a { color: inherit; text-decoration: none; } }
"""

SORT_SCRIPT = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (th, column) {
    th.classList.add("sortable");
    th.addEventListener("click", function () {
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      var up = th.getAttribute("data-order") !== "up";
      rows.sort(function (a, b) {
        var x = a.cells[column].textContent, y = b.cells[column].textContent;
        return (up ? 1 : -1) * x.localeCompare(y, undefined, {numeric: true});
      });
      th.setAttribute("data-order", up ? "up" : "down");
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
"""


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def anchor(source: str, trial: str = "") -> str:
    """A section id from the file name (and the criteria set's id, when a patient has a
    section per trial): the same in the worker and in the parent."""
    name = f"{source}\0{trial}" if trial else source
    return "p-" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def _page(title: str, body: Iterable[str], script: bool = False) -> str:
    return "".join(
        [
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>\n",
            *body,
            f"<script>{SORT_SCRIPT}</script>" if script else "",
            "</body></html>\n",
        ]
    )


def patient_page(report: Report, only: Sequence[str] = ()) -> str:
    """One patient's screening record, to print and sign."""
    title = f"Screening record {report.patient_id or report.source}"
    return _page(title, [section(report, only, heading=1)])


def section(report: Report, only: Sequence[str] = (), heading: int = 2, trial: bool = False) -> str:
    """One patient: heading and verdict, when, timeline, to-do, criteria, explanations,
    signature lines. `only`: the criteria whose explanation to show (default: all, the
    failed and unknown ones unfolded). `trial`: one of the patient's sections, one per
    criteria set, the trial named in the heading."""
    stamp = report.criteria_set
    h = f"h{heading}"
    name = f"{report.patient_id or '(no patient_id)'}" + (f" — {stamp.id}" if trial else "")
    parts = [
        f'<section class="patient" id="{anchor(report.source, stamp.id if trial else "")}">',
        f"<{h}>{_e(name)}"
        f' <span class="verdict {report.verdict}">{report.verdict.upper()}</span></{h}>',
        '<table class="meta">',
        _meta("Trial / criteria", f"{stamp.id} ({stamp.version})"),
        _meta("Criteria sha256", f"<code>{_e(stamp.sha256)}</code>", raw=True),
        _meta("Patient file", report.source),
        _meta("Screening date", report.as_of),
    ]
    if report.failed:
        parts.append(_meta("Failed", " ".join(report.failed)))
    if report.unknown:
        parts.append(_meta("Unknown", " ".join(report.unknown)))
    parts.append("</table>")
    if report.verdict == "error":
        parts.append("<h3>Problems</h3><ul>")
        parts += [f"<li>{_e(p)}</li>" for p in report.problems]
        parts.append("</ul></section>\n")
        return "".join(parts)
    parts += [f'<p class="note">Warning: {_e(w)}</p>' for w in report.warnings]
    if report.window_summary:
        parts.append(f'<p class="when"><b>When:</b> {_e(report.window_summary)}</p>')
    if report.eligibility is not None and report.tracks is not None:
        titles = {o.criterion.id: o.criterion.title for o in report.outcomes}
        parts += [
            "<h3>Eligibility timeline</h3>",
            svg.timeline(report.eligibility, report.tracks(), titles),
            _legend(),
        ]
    if report.todo:
        parts.append('<h3>To collect (settles the unknown criteria)</h3><ul class="todo">')
        parts += [f"<li>{_e(item.sentence())}</li>" for item in report.todo]
        parts.append("</ul>")
    parts.append(
        "<h3>Criteria</h3><table><thead><tr><th>id</th><th>criterion</th><th>status</th>"
        "<th>reason</th></tr></thead><tbody>"
    )
    for outcome in report.outcomes:
        criterion = outcome.criterion
        parts.append(
            f"<tr><td>{_e(criterion.id)}</td><td><b>{_e(criterion.title)}</b>"
            f'<div class="text">{_e(criterion.text.strip())}</div></td>'
            f'<td class="st-{outcome.status}">{STATUS_MARK[outcome.status]}</td>'
            f"<td>{_e(reason(outcome.trace))}</td></tr>"
        )
    parts.append("</tbody></table><h3>Why: each criterion's evaluation</h3>")
    wanted = {i.upper() for i in only}
    for outcome in report.outcomes:
        if wanted and outcome.criterion.id.upper() not in wanted:
            continue
        unfold = " open" if outcome.status != "pass" else ""
        parts.append(
            f"<details{unfold}><summary><b>{_e(outcome.criterion.id)}</b>"
            f" {_e(outcome.criterion.title)} —"
            f' <span class="st-{outcome.status}">{STATUS_MARK[outcome.status]}</span></summary>'
            f'<ul class="tree">{_step(explain(outcome))}</ul></details>'
        )
    parts.append(
        '<div class="signatures"><div>Investigator (name)</div><div>Signature and date</div>'
        "<div>Screened by (name)</div><div>Signature and date</div></div></section>\n"
    )
    return "".join(parts)


def trial_section(report: Report) -> str:
    """A batch's (patient, criteria set) section, rendered in the worker."""
    return section(report, trial=True)


def trials_page(reports: Sequence[Report], only: Sequence[str] = ()) -> str:
    """One patient screened against several trials: a line per trial (verdict, window),
    then each trial's screening record, on a page of its own when printed."""
    first = reports[0]
    who = first.patient_id or first.source
    parts = [
        f"<h1>Screening record {_e(who)}: {len(reports)} trials</h1>",
        f'<table class="meta"><tr><td>Patient file</td><td>{_e(first.source)}</td></tr></table>',
        "<table><thead><tr><th>trial</th><th>verdict</th><th>failed</th><th>unknown</th>"
        "<th>eligible from</th><th>until</th></tr></thead><tbody>",
    ]
    for report in reports:
        stamp = report.criteria_set
        parts.append(
            f'<tr><td><a href="#{anchor(report.source, stamp.id)}">{_e(stamp.id)}</a></td>'
            f'<td><span class="verdict {report.verdict}">{report.verdict}</span></td>'
            f"<td>{_e(' '.join(report.failed))}</td><td>{_e(' '.join(report.unknown))}</td>"
            f'<td class="date">{_e(report.eligible_from or "")}</td>'
            f'<td class="date">{_e(report.eligible_until or "")}</td></tr>'
        )
    parts.append("</tbody></table>\n")
    if first.verdict == "error":  # the same problems for every trial: said once
        parts.append(section(first, only))
    else:
        parts += [section(report, only, trial=True) for report in reports]
    return _page(f"Screening record {who}", parts)


def _meta(label: str, value: object, raw: bool = False) -> str:
    shown = str(value) if raw else _e(value)
    return f"<tr><td>{_e(label)}</td><td>{shown}</td></tr>"


def _legend() -> str:
    items = [
        (svg.COLOURS["pass"], "pass"),
        (svg.COLOURS["fail"], "fail"),
        (svg.COLOURS["unknown"], "unknown"),
        (
            "repeating-linear-gradient(45deg,#66bb6a 0 3px,#c8e6c9 3px 6px)",
            "eligible if the data to collect are normal",
        ),
    ]
    shown = "".join(
        f'<span><i class="swatch" style="background:{colour}"></i>{label}</span>'
        for colour, label in items
    )
    return f'<p class="legend">{shown}</p>'


def _step(step: Step) -> str:
    prefix = f"{step.item_label}: " if step.item is not None else ""
    mark = TRUTH_MARK[step.truth]
    css = {True: "st-pass", False: "st-fail", None: "st-unknown"}[step.truth]
    notes = "".join(f'<div class="note">{_e(n)}</div>' for n in step.notes)
    children = "".join(_step(child) for child in step.children)
    inner = f'<ul class="tree">{children}</ul>' if children else ""
    return (
        f'<li><span class="{css}">{mark}</span> <b>{_e(prefix)}</b>{_e(step.rule)}'
        f'<div class="found">found: {_e(step.found)}</div>{notes}{inner}</li>'
    )


def batch_head(rows: Sequence[Screened], attrition: Attrition, criteria_id: str) -> str:
    """The top of a batch page: counts, funnel, the sortable table of patients."""
    counts = attrition.verdicts
    screened = attrition.patients - counts["error"]
    alone = {cid: totals.failed_alone for cid, totals in attrition.by_criterion.items()}
    folder = common_folder([row.source for row in rows])
    parts = [
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Screening summary, {_e(criteria_id)}</title><style>{STYLE}</style></head><body>\n",
        f"<h1>Screening summary: {attrition.patients} patients</h1>",
        f'<p>Criteria: {_e(criteria_id)}. <span class="counts">',
        " ".join(
            f'<span class="verdict {v}" data-verdict="{v}">{counts[v]} {v}</span>' for v in VERDICTS
        ),
        "</span></p><h2>Attrition funnel</h2>",
        svg.funnel(attrition.funnel(), alone, screened),
        '<p class="legend"><span><i class="swatch" style="background:#1565c0"></i>still in after'
        ' the criterion (protocol order; not failed so far)</span><span><i class="swatch"'
        ' style="background:#c62828"></i>fails only this criterion</span></p>',
        f"<h2>Patients</h2>{_files_in(folder)}"
        '<table class="sortable"><thead><tr><th>patient_id</th><th>file</th>'
        "<th>verdict</th><th>failed</th><th>unknown</th><th>eligible from</th><th>until</th>"
        "</tr></thead><tbody>",
    ]
    for row in rows:
        parts.append(
            f'<tr><td><a href="#{anchor(row.source)}">{_e(row.patient_id or "-")}</a></td>'
            f"<td>{_e(within(row.source, folder))}</td>"
            f'<td><span class="verdict {row.verdict}">{row.verdict}</span></td>'
            f"<td>{_e(' '.join(row.failed))}</td><td>{_e(' '.join(row.unknown))}</td>"
            f'<td class="date">{_e(row.eligible_from or "")}</td>'
            f'<td class="date">{_e(row.eligible_until or "")}</td></tr>'
        )
    parts.append("</tbody></table>\n")
    return "".join(parts)


def trials_head(
    rows: Sequence[Sequence[Screened]], attritions: Sequence[Attrition], ids: Sequence[str]
) -> str:
    """The top of a batch page for several trials: per trial the counts and the funnel, then
    the patient x trial table, each cell linking to that (patient, trial) section."""
    patients = len(rows)
    folder = common_folder([results[0].source for results in rows])
    parts = [
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Screening summary, {_e(', '.join(ids))}</title><style>{STYLE}</style>",
        "</head><body>\n",
        f"<h1>Screening summary: {patients} patients, {len(ids)} trials</h1>",
    ]
    for trial, attrition in zip(ids, attritions, strict=True):
        counts = attrition.verdicts
        alone = {cid: totals.failed_alone for cid, totals in attrition.by_criterion.items()}
        parts += [
            f'<h2>{_e(trial)}</h2><p><span class="counts">',
            " ".join(
                f'<span class="verdict {v}" data-verdict="{v}">{counts[v]} {v}</span>'
                for v in VERDICTS
            ),
            "</span></p>",
            svg.funnel(attrition.funnel(), alone, attrition.patients - counts["error"]),
        ]
    parts += [
        '<p class="legend"><span><i class="swatch" style="background:#1565c0"></i>still in after'
        ' the criterion (protocol order; not failed so far)</span><span><i class="swatch"'
        ' style="background:#c62828"></i>fails only this criterion</span></p>',
        f"<h2>Patients</h2>{_files_in(folder)}"
        '<table class="sortable"><thead><tr><th>patient_id</th><th>file</th>',
        *(f"<th>{_e(trial)}</th>" for trial in ids),
        "</tr></thead><tbody>",
    ]
    for results in rows:
        first = results[0]
        parts.append(
            f"<tr><td>{_e(first.patient_id or '-')}</td><td>{_e(within(first.source, folder))}</td>"
        )
        for trial, row in zip(ids, results, strict=True):
            failed = f" ({' '.join(row.failed)})" if row.failed else ""
            window = (
                f'<br><span class="window">{_e(row.eligible_from)}..{_e(row.eligible_until or "")}'
                "</span>"
                if row.eligible_from
                else ""
            )
            parts.append(
                f'<td><a href="#{anchor(row.source, trial)}">'
                f'<span class="verdict {row.verdict}">{row.verdict}</span></a>'
                f"{_e(failed)}{window}</td>"
            )
        parts.append("</tr>")
    parts.append("</tbody></table>\n")
    return "".join(parts)


def _files_in(folder: str) -> str:
    return f"<p>Files in <code>{_e(folder)}/</code></p>" if folder else ""


def batch_tail() -> str:
    return f"<script>{SORT_SCRIPT}</script></body></html>\n"
