"""Problems in the input, as values: one per fault, naming the file, the line and the field.

User errors (bad patient or criteria files) are values that travel to the report; they are
turned into an exit code in exactly one place, the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass

MESSAGE_CHARS = 500


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input file."""

    message: str
    file: str
    line: int | None = None
    field: str = ""

    def __post_init__(self) -> None:
        # A message may echo input, and input may be huge: one problem stays one short line.
        if len(self.message) > MESSAGE_CHARS:
            object.__setattr__(self, "message", self.message[: MESSAGE_CHARS - 1] + "…")
        if len(self.field) > MESSAGE_CHARS:
            object.__setattr__(self, "field", self.field[: MESSAGE_CHARS - 1] + "…")

    @property
    def location(self) -> str:
        """`<file>:<line> <field path>`, as the report contract spells it."""
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where} {self.field}".rstrip()

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


def dotted_path(loc: tuple[str | int, ...]) -> str:
    """A field path as the file spells it: `prior_regimens[2].agents`."""
    out = ""
    for step in loc:
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            name = str(step) if len(str(step)) <= 60 else str(step)[:59] + "…"  # keys can be huge
            out += f".{name}" if out else name
    return out


class InputError(Exception):
    """An input (patient or criteria file) could not be read or is invalid."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems
