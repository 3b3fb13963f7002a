"""The command line: parse options, call the API, pick a renderer, set the exit code.

No screening logic lives here. Exit codes (shared/spec/cli-and-report.md): 0 all eligible,
1 some ineligible or incomplete, 2 usage error, 3 some input could not be read or is invalid.
"""

from __future__ import annotations

import datetime
import enum
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

if TYPE_CHECKING:
    from screen.load import Criteria
    from screen.report import Report

os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")  # skip the entry-point scan

app = typer.Typer(
    name="screen",
    help="Screen patients against the PRECIOUS (JBCRG-M05, NCT02514681) eligibility criteria.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_ELIGIBLE, EXIT_NOT_ELIGIBLE, EXIT_INVALID_INPUT = 0, 1, 3


class Format(enum.StrEnum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


def _parse_date(value: str | None) -> datetime.date | None:
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date as YYYY-MM-DD") from None


CriteriaOption = Annotated[
    Optional[Path],  # noqa: UP045 (typer reads the annotation at run time)
    typer.Option(
        "--criteria", help="Criteria file. Default: the bundled PRECIOUS set.", dir_okay=False
    ),
]
AsOfOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--as-of",
        help="Screen as on this date (YYYY-MM-DD) instead of each record's screening_date.",
        metavar="DATE",
    ),
]
FormatOption = Annotated[
    Format,
    typer.Option(
        "--format",
        "-f",
        help="table for people; json, jsonl or csv (the screening log) for systems.",
    ),
]
OutputOption = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--output",
        "-o",
        help="Write the report to this file (whole or not at all) instead of standard output.",
        dir_okay=False,
    ),
]


def _version(value: bool) -> None:
    if value:
        from screen import __version__

        typer.echo(f"screen {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Show the version and exit.", callback=_version, is_eager=True
        ),
    ] = False,
) -> None:
    """Screen patients against the PRECIOUS (JBCRG-M05, NCT02514681) eligibility criteria."""


def _load_criteria(path: Path | None) -> Criteria:
    from screen.errors import InputError
    from screen.load import load_criteria

    try:
        return load_criteria(path)
    except InputError as exc:
        for problem in exc.problems:
            typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(EXIT_INVALID_INPUT) from None


def _exit_code(reports: list[Report]) -> int:
    verdicts = {r.verdict for r in reports}
    if "error" in verdicts:
        return EXIT_INVALID_INPUT
    return EXIT_ELIGIBLE if verdicts == {"eligible"} else EXIT_NOT_ELIGIBLE


def _emit(content: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(content)
        sys.stdout.flush()
        return
    from screen.output import write_atomically

    try:
        write_atomically(output, content)
    except OSError as exc:
        typer.echo(f"error: cannot write {output}: {exc.strerror or exc}", err=True)
        raise typer.Exit(EXIT_INVALID_INPUT) from None


@app.command()
def check(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Patient files, or directories searched recursively for *.yaml and *.yml.",
            show_default=False,
        ),
    ],
    criteria: CriteriaOption = None,
    as_of: AsOfOption = None,
    format: FormatOption = Format.table,
    output: OutputOption = None,
) -> None:
    """Screen patient files: verdict, one result per criterion, and the data still missing."""
    from screen.paths import patient_files
    from screen.screening import screen_file

    screening_date = _parse_date(as_of)
    loaded = _load_criteria(criteria)
    today = datetime.date.today()
    reports = [screen_file(path, loaded, screening_date, today) for path in patient_files(paths)]
    if not reports:
        typer.echo("error: no *.yaml or *.yml patient files found in the paths given", err=True)
        raise typer.Exit(EXIT_INVALID_INPUT)
    if format is Format.table:
        _emit_table(reports, output)
    elif format is Format.json:
        from screen.render.jsonout import render_json

        _emit(render_json(reports), output)
    elif format is Format.jsonl:
        from screen.render.jsonout import render_jsonl

        _emit("".join(render_jsonl(r) for r in reports), output)
    else:
        from screen.render import csvlog

        _emit(csvlog.render(reports), output)
    raise typer.Exit(_exit_code(reports))


def _emit_table(reports: list[Report], output: Path | None) -> None:
    import io

    from rich.console import Console

    from screen.render.table import render

    if output is None:
        render(reports, Console())
        return
    buffer = io.StringIO()
    render(reports, Console(file=buffer, color_system=None, width=140))
    _emit(buffer.getvalue(), output)


@app.command("criteria")
def list_criteria(
    ids: Annotated[
        list[str] | None,
        typer.Argument(help="Only these criteria (e.g. IN6 EX10).", show_default=False),
    ] = None,
    criteria: CriteriaOption = None,
) -> None:
    """List the criteria of a criteria set: id, type and title."""
    from rich.console import Console
    from rich.table import Table

    loaded = _load_criteria(criteria)
    identity = loaded.rules.criteria_set
    wanted = {i.upper() for i in ids or []}
    unknown = wanted - {c.id.upper() for c in loaded.rules.criteria}
    if unknown:
        typer.echo(f"error: no criterion {', '.join(sorted(unknown))} in {identity.id}", err=True)
        raise typer.Exit(2)
    table = Table(title=f"{identity.id}: {identity.title}", title_justify="left")
    table.add_column("id", no_wrap=True)
    table.add_column("type")
    table.add_column("title")
    for criterion in loaded.rules.criteria:
        if not wanted or criterion.id.upper() in wanted:
            table.add_row(criterion.id, criterion.type, criterion.title)
    Console().print(table)


def main() -> None:
    app()
