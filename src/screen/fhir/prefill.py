"""A prefilled patient record from FHIR: what the chart gave, each value with a comment
naming the resource and date it came from, and every other field left empty with a "fill
by hand" comment. The dictionary is walked as for the blank record (screen.record.template)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from screen.errors import InputError, Problem
from screen.fhir.bundle import read_bulk, read_bundle
from screen.fhir.mapping import Mapped, map_patient
from screen.output import open_atomically
from screen.paths import display_name
from screen.record.dictionary import Dictionary, FieldSpec, field_kind, field_values
from screen.rules.vocabulary import Vocabulary

INDENT = "  "
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9_ .+-]*$")


def prefilled_record(mapped: Mapped, dictionary: Dictionary, source: str, trials: list[str]) -> str:
    """The record as YAML: filled fields with their source, the others empty to fill by hand."""
    names = ", ".join(name for name, _ in dictionary.sources)
    lines = [
        f"# Prefilled from {comment(source)} (FHIR) for {', '.join(trials) or 'screening'} "
        f"(dictionaries: {names}).",
        "# Values read from the chart name their source; check them. Fields marked 'fill by",
        "# hand' are not in the export (or not in a form read): an empty field is 'not",
        "# assessed', never 'no'. Check the record with: screen check THIS-FILE",
    ]
    lines += [f"# Left out of the export: {comment(note)}" for note in mapped.notes]
    if mapped.medications:
        lines.append("# Medications in the export (those the drug vocabulary knows are read into")
        lines.append("# the lists below: check them, and enter what they lack by hand):")
        lines += [f"#   {comment(line)}" for line in sorted(mapped.medications, key=_by_date)]
    lines += _fields(mapped, dictionary, "", 0)
    return "\n".join(lines) + "\n"


def _by_date(line: str) -> str:
    found = re.search(r"\d{4}-\d{2}-\d{2}", line)
    return found.group() if found else "9999"


def _hand(spec: FieldSpec) -> str:
    values = field_values(spec)
    about = field_kind(spec) + (f": {values}" if values != "-" else "")
    return f"# fill by hand: {spec.description} ({about})"


def _from(mapped: Mapped, path: str) -> str:
    sources = mapped.provenance[path]
    shown = ", ".join(str(source) for source in sources[-3:])
    more = f" and {len(sources) - 3} more" if len(sources) > 3 else ""
    return comment(f"# from {shown}{more}")


def _filled_under(mapped: Mapped, path: str) -> bool:
    return any(p == path or p.startswith(path + ".") for p in mapped.provenance)


def _value_at(record: dict[str, Any], path: str) -> Any:
    node: Any = record
    for step in path.split("."):
        node = node.get(step) if isinstance(node, dict) else None
    return node


def _fields(mapped: Mapped, dictionary: Dictionary, parent: str, depth: int) -> list[str]:
    lines: list[str] = []
    pad = INDENT * depth
    for spec in dictionary.children(parent):
        if spec.type == "group":
            note = "" if _filled_under(mapped, spec.path) else f"  {_hand(spec)}"
            lines.append(f"{pad}{spec.name}:{note}")
            lines += _fields(mapped, dictionary, spec.path, depth + 1)
        elif spec.type == "list" and _filled_under(mapped, spec.path):
            lines += _entries(mapped, dictionary, spec, pad)
        elif spec.path in mapped.provenance:
            value = _value_at(mapped.record, spec.path)
            lines.append(f"{pad}{spec.name}: {flow(value)}  {_from(mapped, spec.path)}")
        else:
            lines.append(f"{pad}{spec.name}:  {_hand(spec)}")
    return lines


def _entries(mapped: Mapped, dictionary: Dictionary, spec: FieldSpec, pad: str) -> list[str]:
    """A list read from the chart: each entry on its line with its sources; the entry
    fields no entry has (a regimen's setting) named to fill by hand."""
    entries = _value_at(mapped.record, spec.path) or []
    missing = [
        child.name
        for child in dictionary.children(spec.path)
        if all(child.name not in entry for entry in entries)
    ]
    hand = f"; fill by hand: {', '.join(missing)}" if missing else ""
    lines = [f"{pad}{spec.name}:  # read from the chart: check it is complete{hand}"]
    for index, entry in enumerate(entries):
        lines.append(f"{pad}{INDENT}- {flow(entry)}  {_from(mapped, f'{spec.path}.{index}')}")
    return lines


def flow(value: Any) -> str:
    """A value as a YAML flow node the strict loader reads back as it was."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        if _DATE.match(value) or (_PLAIN.match(value) and value.lower() not in _RESERVED):
            return value
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(flow(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {flow(item)}" for key, item in value.items()) + "}"
    return "null"


_RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


def comment(text: str) -> str:
    """Text from the export made safe inside a one-line YAML comment (no line breaks)."""
    return _UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def file_name(patient_id: str) -> str:
    """A file name for a patient's record: the id with anything but letters, digits, dot,
    hyphen and underscore replaced (never a path, never hidden)."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", patient_id).lstrip(".") or "patient"
    return f"{safe[:100]}.yaml"


def import_exports(
    sources: list[Path],
    dictionary: Dictionary,
    trials: list[str],
    output_dir: Path,
    vocabulary: Vocabulary | None = None,
) -> tuple[list[Path], list[Problem]]:
    """One prefilled record per patient of each export, written into `output_dir` (each
    file whole or not at all; an existing file is never overwritten). One unreadable
    export does not stop the others: its problems are returned."""
    written: list[Path] = []
    problems: list[Problem] = []
    output_dir.mkdir(parents=True, exist_ok=True)
    for source in sources:
        name = display_name(source)
        try:
            groups = read_bulk(source) if source.is_dir() else read_bundle(source)
        except InputError as exc:
            problems += exc.problems
            continue
        if not groups:
            problems.append(Problem("no Patient resource in this FHIR export", name, None, ""))
        for group in groups:
            target = output_dir / file_name(group.patient_id)
            if target.exists():
                problems.append(
                    Problem(f"{target} already exists: not overwritten", name, None, "")
                )
                continue
            mapped = map_patient(group, dictionary, vocabulary)
            text = prefilled_record(
                mapped, dictionary, f"{name}#Patient/{group.patient_id}", trials
            )
            with open_atomically(target) as handle:
                handle.write(text)
            written.append(target)
    return written, problems
