"""The floor for `screen check FILE`: a minimal typer program doing only the unavoidable part.

It parses the same options as `screen check` (same types, so typer builds the same
converters), reads the same patient file with PyYAML's C loader, and prints it: a rich
table of its top-level fields, or JSON. No criteria, no validation, no screening. The start-up
benchmark (`startup.py`) compares our one-file check against this program.

    python benchmarks/minimal_typer.py PATIENT.yaml [--format json]
"""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import Annotated, Optional

import typer
import yaml

app = typer.Typer(add_completion=True, pretty_exceptions_enable=False)


class Format(enum.StrEnum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    html = "html"


@app.command()
def check(
    paths: Annotated[list[Path], typer.Argument(metavar="PATH")],
    criteria: Annotated[Optional[list[Path]], typer.Option("--criteria")] = None,  # noqa: UP045
    as_of: Annotated[Optional[str], typer.Option("--as-of")] = None,  # noqa: UP045
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.table,
    output: Annotated[Optional[Path], typer.Option("--output", "-o")] = None,  # noqa: UP045
    workers: Annotated[Optional[int], typer.Option("--workers", "-w", min=1)] = None,  # noqa: UP045
    max_file_size: Annotated[Optional[str], typer.Option("--max-file-size")] = None,  # noqa: UP045
    horizon: Annotated[int, typer.Option("--horizon", min=0, max=3650)] = 90,
) -> None:
    """Read one patient file and print it."""
    with open(paths[0], encoding="utf-8") as handle:
        record = yaml.load(handle, Loader=yaml.CSafeLoader)
    if format is Format.json:
        print(json.dumps(record, default=str, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("field", "value", title=str(paths[0]))
    for key, value in record.items():
        table.add_row(str(key), str(value))
    Console().print(table)


@app.command()
def version() -> None:
    """A second command, so that `check` is a subcommand as in `screen`."""


if __name__ == "__main__":
    app()
