"""The review document for a medical monitor, generated from a criteria file.

Per criterion: the verbatim protocol text beside the encoded logic in plain words (from
describe.py, never hand-written), the interpretation notes; then the vocabulary, the
equivalence tables and the analyte units the logic relies on. Markdown, laid out to print.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from screen.load import Criteria
from screen.record.dictionary import field_kind, field_values
from screen.report.reasons import num
from screen.rules.describe import describe_criterion
from screen.rules.language import Conversion, Criterion


def review_markdown(criteria: Criteria, only: Sequence[str] = ()) -> str:
    rules = criteria.rules
    identity = rules.criteria_set
    wanted = {i.upper() for i in only}
    chosen = [c for c in rules.criteria if not wanted or c.id.upper() in wanted]
    lines = [
        f"# Criteria review: {identity.id}",
        "",
        f"**{identity.title}**",
        "",
        f"- Registry: {identity.registry or '-'}",
        f"- Version: {identity.version}",
        f"- Criteria file: `{criteria.source}`",
        f"- sha256: `{criteria.sha256}`",
        "",
        "Each criterion shows the protocol's own text, then the logic the screener evaluates,"
        " rendered in plain words from the rules themselves, then how the text was read where"
        " it leaves room. Dates are counted back from the screening date; a value that is"
        " absent, out of its window or not of an accepted kind leaves a criterion *unknown*,"
        " never met.",
        "",
    ]
    for kind, heading in (("inclusion", "Inclusion criteria"), ("exclusion", "Exclusion criteria")):
        group = [c for c in chosen if c.type == kind]
        if group:
            lines += [f"## {heading}", ""]
            for criterion in group:
                lines += _criterion(criterion)
    if not wanted:
        lines += (
            _fields(criteria)
            + _vocabulary(criteria)
            + _equivalences(criteria)
            + _analytes(criteria)
        )
    return "\n".join(lines).rstrip() + "\n"


def _criterion(criterion: Criterion) -> list[str]:
    quoted = [f"> {line}".rstrip() for line in criterion.text.strip().splitlines()]
    lines = [
        f"### {criterion.id}: {criterion.title}",
        "",
        "**Protocol text**",
        "",
        *_separated(quoted),
        "",
        "**Encoded logic**",
        "",
        *describe_criterion(criterion).lines(),
        "",
    ]
    if criterion.interpretation:
        lines += ["**Interpretation**", "", " ".join(criterion.interpretation.split()), ""]
    return lines


def _separated(quoted: list[str]) -> list[str]:
    """Protocol bullets ("* ...") stay separate lines inside the quote when printed."""
    out: list[str] = []
    for line in quoted:
        if out and line.startswith("> *"):
            out.append(">")
        out.append(line)
    return out


def _vocabulary(criteria: Criteria) -> list[str]:
    drugs = criteria.catalog.vocabulary.drugs
    lines = [
        "## Drug vocabulary",
        "",
        "A recorded name matches a drug when it equals its name or one of its other names,"
        " after Unicode NFKC normalization (full-width and half-width forms are the same),"
        " ignoring case, spaces, hyphens, dots and the middle dot. A name not listed here"
        " leaves the criteria that depend on it *unknown*, and the report warns of it.",
        "",
        "| drug | classes | also recorded as |",
        "|---|---|---|",
    ]
    for drug in drugs:
        classes = ", ".join(drug.classes) or (
            f"contains {', '.join(drug.contains)}" if drug.contains else "-"
        )
        lines.append(f"| {drug.name} | {classes} | {', '.join(drug.synonyms) or '-'} |")
    forms = criteria.catalog.vocabulary.salt_forms
    if forms:
        lines += [
            "",
            "A known name written with one of these salt or hydrate forms, after it or before"
            f" it, names the same drug: {', '.join(forms)}.",
        ]
    for path, reading in criteria.rules.entries.items():
        lines += ["", f"**How `{path}` entries are read.**"]
        if reading.drugs and reading.set_aside:
            lines.append(
                f"Drugs of the classes {', '.join(reading.set_aside)} only are set aside"
                f" from `{reading.drugs}`; an entry of such drugs only is not counted at all."
            )
        if reading.parts_of_one:
            fields = ", ".join(f"`{name}`" for name in reading.parts_of_one)
            lines.append(
                f"Entries with the same {fields} are parts of one entry, with the drugs of all"
                " its parts."
            )
    return [*lines, ""]


def _equivalences(criteria: Criteria) -> list[str]:
    lines: list[str] = []
    for name, table in criteria.catalog.equivalences.items():
        lines += [
            f"## Equivalence table: {name}",
            "",
            f"A dose of each agent, converted to {table.reference} ({table.unit}).",
            "",
            f"| agent | conversion | 1 {table.unit} of the agent equals |",
            "|---|---|---|",
        ]
        for agent, conversion in table.factors.items():
            lines.append(
                f"| {agent} | {conversion} | {_one(conversion)} {table.unit} {table.reference} |"
            )
        lines.append("")
    return lines


def _analytes(criteria: Criteria) -> list[str]:
    lines = [
        "## Laboratory units",
        "",
        "Each result is converted to its analyte's unit before comparison (UCUM codes).",
        "",
        "| analyte | unit | also accepted |",
        "|---|---|---|",
    ]
    for name, analyte in criteria.catalog.analytes.items():
        accepted = ", ".join(
            f"{unit} ({conversion})" for unit, conversion in analyte.accepts.items()
        )
        lines.append(f"| {name} | {analyte.unit} | {accepted or '-'} |")
    aliases = criteria.catalog.unit_aliases
    if aliases:
        spelled = ", ".join(f"`{alias}` = `{code}`" for alias, code in aliases.items())
        lines += ["", f"Other spellings read as UCUM codes: {spelled}."]
    return [*lines, ""]


def _fields(criteria: Criteria) -> list[str]:
    """The record's fields, from the data dictionaries the criteria set reads."""
    dictionary = criteria.catalog.dictionary
    lines = [
        "## Record fields",
        "",
        "From the data dictionaries "
        + ", ".join(f"`{name}`" for name, _ in dictionary.sources)
        + ". Absent or null means not assessed; only required fields must be given.",
        "",
        "| field | type | values | description |",
        "|---|---|---|---|",
    ]
    for spec in dictionary.fields.values():
        lines.append(
            f"| `{spec.path}` | {field_kind(spec)} | {field_values(spec)} | {spec.description} |"
        )
    return [*lines, ""]


def _one(conversion: Conversion) -> str:
    return num(conversion.apply(Decimal(1)))


def criteria_data(criteria: Criteria, only: Sequence[str] = ()) -> dict[str, Any]:
    """The criteria as data for a site's tooling: the set's identity and sha256, and per
    criterion its protocol words, the logic in plain words and the logic itself."""
    rules = criteria.rules
    wanted = {i.upper() for i in only}
    return {
        "criteria_set": {
            **rules.criteria_set.model_dump(mode="json", exclude_none=True),
            "sha256": criteria.sha256,
        },
        "criteria": [
            {
                "id": c.id,
                "type": c.type,
                "title": c.title,
                "text": c.text,
                "interpretation": c.interpretation,
                "logic_in_words": describe_criterion(c).lines(),
                "logic": c.logic.model_dump(mode="json", by_alias=True, exclude_none=True)
                if hasattr(c.logic, "model_dump")
                else c.logic,
            }
            for c in rules.criteria
            if not wanted or c.id.upper() in wanted
        ],
    }
