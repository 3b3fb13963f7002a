"""A blank patient record, commented field by field, generated from the data dictionaries:
how a coordinator starts a record for the trials it will be screened against."""

from __future__ import annotations

from screen.record.dictionary import Dictionary, FieldSpec, field_kind, field_values

INDENT = "  "


def blank_record(dictionary: Dictionary, trials: list[str]) -> str:
    """The record as YAML with every field empty (null: not assessed) and its description,
    type and allowed values as comments; list entries shown as a commented example."""
    names = ", ".join(name for name, _ in dictionary.sources)
    lines = [
        f"# A blank patient record for {', '.join(trials) or 'screening'} (dictionaries: {names}).",
        "# Leave a field empty (null) when it was not assessed; write [] for a list assessed as",
        "# none. Dates are YYYY-MM-DD. Check it with: screen check THIS-FILE",
    ]
    lines += _fields(dictionary, "", 0)
    return "\n".join(lines) + "\n"


def _comment(spec: FieldSpec) -> str:
    values = field_values(spec)
    about = f"{field_kind(spec)}" + (f": {values}" if values != "-" else "")
    return f"# {spec.description} ({about})" if spec.description else f"# ({about})"


def _fields(dictionary: Dictionary, parent: str, depth: int) -> list[str]:
    lines: list[str] = []
    pad = INDENT * depth
    for spec in dictionary.children(parent):
        if spec.type == "group":
            lines.append(f"{pad}{spec.name}:  {_comment(spec)}")
            lines += _fields(dictionary, spec.path, depth + 1)
        elif spec.type == "list":
            lines.append(f"{pad}{spec.name}:  {_comment(spec)}; each entry:")
            for inner in _fields(dictionary, spec.path, 0):
                lines.append(f"{pad}{INDENT}#   {inner}")
        elif spec.type == "quantity":
            extra = ", uln: , lln: " if spec.reference_range else ""
            lines.append(f"{pad}{spec.name}:  {_comment(spec)}")
            lines.append(f"{pad}{INDENT}# e.g. {{value: , unit: {spec.unit}, date: {extra}}}")
        else:
            lines.append(f"{pad}{spec.name}:  {_comment(spec)}")
    return lines
