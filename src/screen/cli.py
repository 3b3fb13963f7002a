"""The command line: parse options, call the API, pick a renderer, set the exit code.

No screening logic lives here. Exit codes (shared/spec/cli-and-report.md): 0 all eligible,
1 some ineligible or incomplete, 2 usage error, 3 some input could not be read or is invalid.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import gc
import io
import os
import re
import shutil
import signal
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional, TextIO

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from screen.batch import Item, Job, Renderer, Screened
    from screen.errors import Problem
    from screen.load import Criteria
    from screen.report.attrition import Attrition
    from screen.report.report import Report
    from screen.trials import Trials

os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")  # skip the entry-point scan

app = typer.Typer(
    name="screen",
    help="Screen patients against the PRECIOUS (JBCRG-M05, NCT02514681) eligibility criteria.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)

EXIT_ELIGIBLE, EXIT_NOT_ELIGIBLE, EXIT_USAGE, EXIT_INVALID_INPUT = 0, 1, 2, 3
EXIT_WRITE_FAILED = 4  # the report could not be written (disk full, no such folder, ...)
EXIT_INTERRUPTED = 130  # the shell's code for Ctrl-C; SIGTERM and SIGHUP: 128 + signal
EXIT_PIPE_CLOSED = 141  # the reader went away (`| head`): 128 + SIGPIPE, as the shell says
MAX_FILE_SIZE = 64 * 2**20  # --max-file-size at most: a patient record is a few KB


class Stopped(BaseException):
    """SIGTERM or SIGHUP: unwinds like Ctrl-C, so temporary files and workers are cleaned
    up (a BaseException that is not KeyboardInterrupt, so click does not swallow it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class Format(enum.StrEnum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    html = "html"


def _parse_date(value: str | None) -> datetime.date | None:
    from screen.engine.dates import implausible_screening

    if value is None:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        day = datetime.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value[:40]!r} is not a date as YYYY-MM-DD") from None
    implausible = implausible_screening(day)
    if implausible:
        raise typer.BadParameter(implausible)
    return day


CriteriaOption = Annotated[
    Optional[Path],  # noqa: UP045 (typer reads the annotation at run time)
    typer.Option(
        "--criteria", help="Criteria file. Default: the bundled PRECIOUS set.", dir_okay=False
    ),
]
TrialsOption = Annotated[
    Optional[list[Path]],  # noqa: UP045
    typer.Option(
        "--criteria",
        help="Criteria file, or a folder of them (repeatable: several trials at once)."
        " Default: the bundled PRECIOUS set.",
        show_default=False,
        metavar="FILE|FOLDER",
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
        help="table for people; json, jsonl or csv (the screening log) for systems;"
        " html: a self-contained page to print (one patient, or a batch summary).",
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


_SIZE_UNITS = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "kib": 1024,
    "m": 10**6,
    "mb": 10**6,
    "mib": 2**20,
}


def _parse_size(value: str | None) -> int:
    """`1048576`, `512KiB`, `2MiB`, `1.5MB`: a file size in bytes."""
    from screen.record.yamlio import DEFAULT_MAX_BYTES

    if value is None:
        return DEFAULT_MAX_BYTES
    match = re.fullmatch(r"\s*(\d{1,12}(?:\.\d{1,6})?)\s*([A-Za-z]*)\s*", value)
    factor = _SIZE_UNITS.get(match.group(2).lower()) if match else None
    size = int(Decimal(match.group(1)) * factor) if match and factor else 0
    if size < 1:
        raise typer.BadParameter(f"{value[:40]!r} is not a size such as 1048576, 512KiB or 2MiB")
    if size > MAX_FILE_SIZE:
        raise typer.BadParameter(
            f"{value!r} is over the largest limit, {MAX_FILE_SIZE // 2**20}MiB (a record is a few KB)"
        )
    return size


MaxSizeOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--max-file-size",
        help="Refuse patient files larger than this, without reading them (default 1MiB).",
        metavar="SIZE",
        show_default=False,
    ),
]


HorizonOption = Annotated[
    int,
    typer.Option(
        "--horizon",
        min=0,
        max=3650,
        help="Look this many days ahead for when the patient is eligible (eligible_from/until).",
        metavar="DAYS",
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
            "--version",
            help="Show the version and exit.",
            callback=_version,
            is_eager=True,
            metavar="",  # a flag takes no value: no "<bool>" in the help
        ),
    ] = False,
) -> None:
    """Screen patients against the PRECIOUS (JBCRG-M05, NCT02514681) eligibility criteria."""


def _load_criteria(path: Path | None, *, cache: bool = True) -> Criteria:
    from screen.errors import InputError
    from screen.load import load_criteria

    try:
        loaded = load_criteria(path, cache=cache)
    except InputError as exc:
        _problems(exc.problems)
        raise typer.Exit(EXIT_INVALID_INPUT) from None
    if not gc.isenabled():  # start-up is over (see main): what was built so far stays
        gc.freeze()
        gc.enable()
    return loaded


def _load_trials(paths: list[Path] | None) -> list[Criteria]:
    """Each criteria set given, a folder giving those directly in it (the bundled one when
    none is). Two sets with one id could not be told apart in the reports: a usage error."""
    from screen.trials import criteria_files, shared_ids

    if not paths:
        return [_load_criteria(None)]
    files = criteria_files(paths)
    if not files:
        _error(f"no criteria sets (*.yaml) in {', '.join(str(p) for p in paths)}")
        raise typer.Exit(EXIT_INVALID_INPUT)
    loaded = [_load_criteria(path) for path in files]
    shared = shared_ids(loaded)
    if shared:
        _error(
            f"several criteria sets have the id {', '.join(shared)}"
            f" ({', '.join(c.source for c in loaded if c.rules.criteria_set.id in shared)}):"
            " screen them one at a time"
        )
        raise typer.Exit(2)
    return loaded


def _trials(paths: list[Path] | None) -> Trials:
    """The criteria sets to screen against, with the record model of their dictionaries."""
    from screen.errors import InputError
    from screen.trials import trials_of

    try:
        return trials_of(_load_trials(paths))
    except InputError as exc:
        _problems(exc.problems)
        raise typer.Exit(EXIT_INVALID_INPUT) from None


def _problems(problems: list[Problem]) -> None:
    """One line per problem on standard error, with data shown escaped."""
    for problem in problems:
        _error(str(problem))


def _error(message: str) -> None:
    _say(f"error: {message}")


def _say(message: str, err: bool = True) -> None:
    """A line for people; what came from a file is shown escaped."""
    from screen.render.safe import shown

    typer.echo(shown(message), err=err)


def _exit_code(verdicts: dict[str, int]) -> int:
    if verdicts.get("error"):
        return EXIT_INVALID_INPUT
    screened = sum(verdicts.values())
    return EXIT_ELIGIBLE if verdicts.get("eligible") == screened else EXIT_NOT_ELIGIBLE


def _emit(content: str, output: Path | None) -> None:
    _write(output, lambda handle: handle.write(content))


def _write(output: Path | None, writer: Callable[[TextIO], object], *, utf8: bool = True) -> None:
    """Run `writer` on standard output or on the output file (whole or not at all). A reader
    that went away ends the program quietly; any other write error is one line."""
    from screen.output import open_output

    try:
        with open_output(output, utf8=utf8) as handle:
            writer(handle)
    except BrokenPipeError:
        _silence_stdout()
        raise typer.Exit(EXIT_PIPE_CLOSED) from None
    except OSError as exc:
        if output is None:
            _silence_stdout()
        where = output if output is not None else "standard output"
        _error(f"cannot write {where}: {exc.strerror or exc}")
        raise typer.Exit(EXIT_WRITE_FAILED) from None


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so the interpreter's last flush cannot fail
    again (and print a traceback) on a closed pipe or a full disk."""
    try:
        descriptor = os.open(os.devnull, os.O_WRONLY)
        os.dup2(descriptor, sys.stdout.fileno())
        os.close(descriptor)
    except (OSError, ValueError, io.UnsupportedOperation):
        pass


def _refuse_inputs_as_output(output: Path | None, inputs: list[str]) -> None:
    """--output naming an input (patient or criteria file) would destroy it: a usage error,
    found before anything is read."""
    if output is None:
        return
    try:
        target = os.stat(output)
    except OSError:
        return  # nothing there yet: it cannot be an input
    if not stat.S_ISREG(target.st_mode):
        return
    for name in inputs:
        try:
            found = os.stat(name)
        except OSError:
            continue
        if (found.st_dev, found.st_ino) == (target.st_dev, target.st_ino):
            _error(f"--output {output} is the input {name}: it would be overwritten")
            raise typer.Exit(EXIT_USAGE)


def _files_read(trials: Trials) -> list[str]:
    """The criteria files and the dictionaries and vocabularies they use (the bundled set's
    too): an --output over any of them would destroy it."""
    return [name for c in trials.sets for name in (c.source, *c.catalog.files)]


WorkersOption = Annotated[
    Optional[int],  # noqa: UP045
    typer.Option(
        "--workers",
        "-w",
        min=1,
        help="Processes to screen with. Default: all cores for a large batch; 1 runs in-process.",
        show_default=False,
    ),
]


@app.command()
def check(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Patient files, or directories searched recursively for *.yaml and *.yml.",
            show_default=False,
            metavar="PATH",
        ),
    ],
    criteria: TrialsOption = None,
    as_of: AsOfOption = None,
    format: FormatOption = Format.table,
    output: OutputOption = None,
    workers: WorkersOption = None,
    max_file_size: MaxSizeOption = None,
    horizon: HorizonOption = 90,
) -> None:
    """Screen patient files: verdict, one result per criterion, when eligible, what to collect.

    Several files give the screening log (--format csv) or a summary, one row per patient and the attrition per criterion (table). Several --criteria (or a folder of criteria sets) screen every patient against each trial: one report per (patient, trial), a patient x trial matrix in the table. Exit code: 0 all eligible, 1 some ineligible or incomplete, 3 some file could not be read or is invalid (the others are still screened).
    """
    from screen.paths import patient_files

    screening_date = _parse_date(as_of)
    max_bytes = _parse_size(max_file_size)
    from screen.fhir.bundle import is_bulk_folder, is_bundle  # not the mapping: YAML is usual

    if any(is_bundle(p) or is_bulk_folder(p) for p in paths):  # FHIR Bundles, bulk folders
        _refuse_inputs_as_output(output, [*map(str, paths), *(str(c) for c in criteria or [])])
        raise typer.Exit(
            _check_fhir(
                paths,
                _trials(criteria),
                screening_date,
                format,
                output,
                workers,
                max_bytes,
                horizon,
            )
        )
    files = [str(p) for p in patient_files(paths)]  # as str: a large batch holds many
    _refuse_inputs_as_output(output, [*files, *(str(c) for c in criteria or [])])
    trials = _trials(criteria)
    _refuse_inputs_as_output(output, _files_read(trials))
    loaded = trials.sets[0]
    if not files:
        typer.echo("error: no *.yaml or *.yml patient files found in the paths given", err=True)
        raise typer.Exit(EXIT_INVALID_INPUT)
    today = datetime.date.today()
    if format in (Format.table, Format.html) and len(files) == 1 and trials.several:
        from screen.trials import screen_trials

        reports = screen_trials(Path(files[0]), trials, screening_date, today, max_bytes, horizon)
        if format is Format.html:
            from screen.render.html import trials_page

            _emit(trials_page(reports), output)
        else:
            from screen.render.matrix import render_trials_patient

            _emit_rich(lambda console: render_trials_patient(reports, console), output)
        raise typer.Exit(_exit_code(_verdicts(reports)))
    if format in (Format.table, Format.html) and len(files) == 1:
        from screen.screening import screen_file

        report = screen_file(Path(files[0]), loaded, screening_date, today, max_bytes, horizon)
        if format is Format.html:
            from screen.render.html import patient_page

            _emit(patient_page(report), output)
        else:
            from screen.render.table import render_patient

            _emit_rich(lambda console: render_patient(report, console), output)
        raise typer.Exit(_exit_code({report.verdict: 1}))
    from screen.batch import Job  # not before: one file in a table never needs the pool

    render = _renderer(format, len(files) * len(trials.sets) > 1, trials.several)
    job = Job(trials, screening_date, today, render, max_bytes, horizon)
    raise typer.Exit(_check_many(files, job, format, output, workers))


def _check_many(
    files: Sequence[Item],
    job: Job,
    format: Format,
    output: Path | None,
    workers: int | None,
) -> int:
    """Stream the records (files, or patients of FHIR exports) through the workers into the
    output, keeping running totals."""
    from screen.batch import Batch, workers_for
    from screen.render.progress import progress
    from screen.report.attrition import Attrition

    several = job.trials.several
    per_file = len(job.trials.sets)  # results per file: one per criteria set, in order
    attritions = [Attrition(c.rules.criteria) for c in job.trials.sets]
    rows: list[Screened] = []  # the table view lists every patient; other formats stream
    as_array = format is Format.json and len(files) * per_file > 1
    # html: each patient's section waits in a spooled file while the summary is counted
    # (closed by _html_batch, or on Ctrl-C; an anonymous file vanishes with the process anyway)
    spool = tempfile.TemporaryFile("w+", encoding="utf-8") if format is Format.html else None  # noqa: SIM115

    def stream(handle: TextIO | None) -> None:
        """Screen every file; write each piece to `handle` (None: the table, drawn at the end)."""
        if handle is not None and format is Format.csv:
            from screen.render import csvlog

            handle.write(csvlog.header(several))
        with Batch(job, workers_for(len(files), workers)) as batch, progress(len(files)) as advance:
            for index, screened in enumerate(batch.screen(files)):
                if _SIGNALLED:
                    raise Stopped(_SIGNALLED[0])
                attritions[index % per_file].add(
                    screened.verdict, screened.failed, screened.unknown
                )
                if spool is not None:
                    spool.write(screened.rendered)
                    rows.append(dataclasses.replace(screened, rendered=""))
                elif handle is None:
                    rows.append(screened)
                elif as_array:
                    handle.write(("[\n" if index == 0 else ",\n") + screened.rendered)
                else:
                    handle.write(screened.rendered)
                if index % per_file == per_file - 1:
                    advance()  # the bar counts files
        if handle is not None and as_array:
            handle.write("\n]\n")

    try:
        if format is Format.table:
            stream(None)
            if several:
                from screen.render.matrix import render_trials_batch

                by_file = _by_file(rows, per_file)
                _emit_rich(
                    lambda console: render_trials_batch(
                        by_file, attritions, job.trials.ids, console
                    ),
                    output,
                )
            else:
                from screen.render.table import render_batch

                _emit_rich(lambda console: render_batch(rows, attritions[0], console), output)
        elif spool is not None:
            stream(None)
            _write(output, lambda handle: _html_batch(handle, spool, rows, attritions, job))
        else:
            _write(output, stream)
    except (KeyboardInterrupt, Stopped) as stop:
        if spool is not None:
            spool.close()
        kept = "" if output is None else f"; {output} was left as it was"
        how = "interrupted" if isinstance(stop, KeyboardInterrupt) else "stopped"
        _say(f"{how} after {attritions[-1].patients} of {len(files)} records{kept}")
        return EXIT_INTERRUPTED if isinstance(stop, KeyboardInterrupt) else 128 + stop.signum
    return _exit_code(_merged(a.verdicts for a in attritions))


def _check_fhir(
    paths: list[Path],
    trials: Trials,
    as_of: datetime.date | None,
    format: Format,
    output: Path | None,
    workers: int | None,
    max_bytes: int,
    horizon: int,
) -> int:
    """FHIR Bundles and bulk export folders: each export read and grouped by patient here,
    then every patient through the workers and the output exactly as a YAML record is."""
    from screen.batch import Job
    from screen.fhir.read import fhir_patients, is_fhir, screen_patient

    others = [p for p in paths if not is_fhir(p)]
    if others:
        _error(
            f"{others[0]} is not a FHIR Bundle or bulk export folder: give FHIR and YAML"
            " records in separate runs"
        )
        return 2
    _refuse_inputs_as_output(output, _files_read(trials))
    today = datetime.date.today()
    items = [item for path in paths for item in fhir_patients(path)]
    if format in (Format.table, Format.html) and len(items) == 1:
        reports, _ = screen_patient(items[0], trials, as_of, today, horizon)
        _emit_one(reports, trials.several, format, output)
        return _exit_code(_verdicts(reports))
    render = _renderer(format, len(items) * len(trials.sets) > 1, trials.several)
    job = Job(trials, as_of, today, render, max_bytes, horizon)
    return _check_many(items, job, format, output, workers)


def _emit_one(reports: list[Report], several: bool, format: Format, output: Path | None) -> None:
    """One patient's page or table: against one trial, or the trials side by side."""
    if format is Format.html:
        from screen.render.html import patient_page, trials_page

        _emit(trials_page(reports) if several else patient_page(reports[0]), output)
    elif several:
        from screen.render.matrix import render_trials_patient

        _emit_rich(lambda console: render_trials_patient(reports, console), output)
    else:
        from screen.render.table import render_patient

        _emit_rich(lambda console: render_patient(reports[0], console), output)


def _by_file(rows: list[Screened], per_file: int) -> list[list[Screened]]:
    """Each file's results together (one per criteria set)."""
    return [rows[start : start + per_file] for start in range(0, len(rows), per_file)]


def _verdicts(reports: list[Report]) -> dict[str, int]:
    return _merged({report.verdict: 1} for report in reports)


def _merged(counts: Iterable[dict[str, int]]) -> dict[str, int]:
    """Verdict counts over several reports or criteria sets: exit codes hold over all."""
    total: dict[str, int] = {}
    for each in counts:
        for verdict, count in each.items():
            total[verdict] = total.get(verdict, 0) + count
    return total


def _html_batch(
    handle: TextIO, spool: TextIO, rows: list[Screened], attritions: list[Attrition], job: Job
) -> None:
    """The summary (counts, funnel, table of patients), then each patient's section."""
    from screen.render import html

    if job.trials.several:
        heading = html.trials_head(_by_file(rows, len(job.trials.sets)), attritions, job.trials.ids)
    else:
        heading = html.batch_head(rows, attritions[0], job.trials.ids[0])
    handle.write(heading)
    with spool:
        spool.seek(0)
        shutil.copyfileobj(spool, handle)
    handle.write(html.batch_tail())


def _renderer(format: Format, several: bool, several_sets: bool = False) -> Renderer:
    """Each report's piece of the output, rendered in the worker that screened it."""
    from screen.render import csvlog, jsonout

    if format is Format.json:
        return jsonout.render_array_item if several else jsonout.render_object
    if format is Format.jsonl:
        return jsonout.render_jsonl
    if format is Format.csv:
        return csvlog.row_with_set if several_sets else csvlog.row
    if format is Format.html:
        from screen.render.html import section, trial_section

        return trial_section if several_sets else section
    return jsonout.nothing


def _emit_rich(draw: Callable[[Console], None], output: Path | None) -> None:
    from rich.console import Console

    from screen.render.safe import PeopleConsole, people_stream

    if output is None:
        width = _view_width(sys.stdout.isatty())
        _write(
            None,
            lambda handle: draw(PeopleConsole(file=people_stream(handle), width=width)),
            utf8=False,
        )
        return
    buffer = io.StringIO()
    draw(Console(file=buffer, color_system=None, width=_view_width(False)))
    _emit(buffer.getvalue(), output)


FILE_WIDTH = 160  # a file or a pipe: tables take their content's width, up to this


def _view_width(terminal: bool) -> int | None:
    """COLUMNS when set; a terminal's own width; else (`> file` and `--output file` alike)
    room for the content, which rich's tables then take only as much of as they need."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    return None if terminal else FILE_WIDTH


@app.command()
def explain(
    file: Annotated[
        Path,
        typer.Argument(
            help="One patient file.", show_default=False, dir_okay=False, metavar="FILE"
        ),
    ],
    rule: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--rule",
            "-r",
            help="Only this criterion (repeatable: --rule IN6 --rule EX10).",
            metavar="ID",
            show_default=False,
        ),
    ] = None,
    every: Annotated[
        bool,
        typer.Option("--all", help="Every criterion's trace, the passed ones too.", metavar=""),
    ] = False,
    criteria: TrialsOption = None,
    as_of: AsOfOption = None,
    format: FormatOption = Format.table,
    output: OutputOption = None,
    max_file_size: MaxSizeOption = None,
    horizon: HorizonOption = 90,
) -> None:
    """Why each criterion came out as it did: protocol text, the values used, the logic.

    By default the failed and unknown criteria are shown in full (each node of the rule with the values it used and its own true/false/unknown), then the passed ones on one line. Unknowns say what would settle them; values near a threshold are flagged. With --format json every result carries its trace as a nested object.
    """
    from screen.screening import screen_file

    screening_date = _parse_date(as_of)
    max_bytes = _parse_size(max_file_size)
    _refuse_inputs_as_output(output, [str(file), *(str(c) for c in criteria or [])])
    trials = _trials(criteria)
    _refuse_inputs_as_output(output, _files_read(trials))
    loaded = trials.sets[0]
    known = {c.id.upper() for each in trials.sets for c in each.rules.criteria}
    wanted = [r.upper() for r in rule or []]
    missing = [r for r in wanted if r not in known]
    if missing:
        _error(
            f"no criterion {', '.join(missing)} in {', '.join(trials.ids)} (see: screen criteria)"
        )
        raise typer.Exit(EXIT_USAGE)
    from screen.fhir.bundle import is_bulk_folder, is_bundle  # not the mapping: YAML is usual

    sources: list[tuple[str, str]] = []
    read: list[Report] | None = None
    if is_bundle(file) or is_bulk_folder(file):  # a FHIR Bundle of one patient
        from screen.fhir.read import explain_fhir

        found = explain_fhir(file, trials, screening_date, datetime.date.today(), horizon)
        if isinstance(found, str):
            _error(found)
            raise typer.Exit(2)
        read, sources = found
    if trials.several:
        raise typer.Exit(
            _explain_trials(
                file,
                trials,
                wanted,
                every,
                screening_date,
                format,
                output,
                max_bytes,
                horizon,
                read,
                sources,
            )
        )
    if read is not None:
        report = read[0]
    else:
        report = screen_file(
            file, loaded, screening_date, datetime.date.today(), max_bytes, horizon
        )
    if format is Format.table:
        from screen.render.explain import explain_view

        def draw(console: Console) -> None:
            console.print(explain_view(report, wanted, every))
            _print_sources(console, sources)

        _emit_rich(draw, output)
    elif format is Format.html:
        from screen.render.html import patient_page

        _emit(patient_page(report, wanted), output)
    elif format is Format.csv:
        from screen.render import csvlog

        _emit(csvlog.header() + csvlog.row(report), output)
    else:
        from screen.render.jsonout import explained

        _emit(explained(report, wanted, indent=2 if format is Format.json else None), output)
    raise typer.Exit(_exit_code({report.verdict: 1}))


def _explain_trials(
    file: Path,
    trials: Trials,
    wanted: list[str],
    every: bool,
    screening_date: datetime.date | None,
    format: Format,
    output: Path | None,
    max_bytes: int,
    horizon: int,
    read: list[Report] | None = None,
    sources: list[tuple[str, str]] | None = None,
) -> int:
    """`screen explain` against several trials: each trial's explanation in turn (JSON: an
    array of the reports, one per criteria set). `read`: the reports of a FHIR Bundle's
    patient, with the `sources` of its values."""
    from screen.trials import screen_trials

    today = datetime.date.today()
    reports = read or screen_trials(file, trials, screening_date, today, max_bytes, horizon)
    if format is Format.table:
        from rich.console import Group, RenderableType
        from rich.rule import Rule
        from rich.text import Text

        from screen.render.explain import explain_view
        from screen.render.safe import text

        views: list[RenderableType] = []
        # an invalid record's problems are the same for every trial: said once
        invalid = reports[0].verdict == "error"
        for report in reports[:1] if invalid else reports:
            trial = ", ".join(trials.ids) if invalid else report.criteria_set.id
            views += [Text("")] if views else []
            views += [
                Rule(text(trial), align="left"),
                explain_view(report, wanted, every),
            ]

        def draw(console: Console) -> None:
            console.print(Group(*views))
            _print_sources(console, sources or [])

        _emit_rich(draw, output)
    elif format is Format.html:
        from screen.render.html import trials_page

        _emit(trials_page(reports, wanted), output)
    elif format is Format.csv:
        from screen.render import csvlog

        _emit(csvlog.header(True) + "".join(csvlog.row_with_set(r) for r in reports), output)
    else:
        from screen.render.jsonout import as_array, explained

        if format is Format.json:
            _emit(as_array([explained(r, wanted, indent=2) for r in reports]), output)
        else:
            _emit("".join(explained(r, wanted, indent=None) for r in reports), output)
    return _exit_code(_verdicts(reports))


def _print_sources(console: Console, sources: list[tuple[str, str]]) -> None:
    """Where each value read from FHIR came from."""
    if sources:
        console.print("\nValues read from FHIR (field: resource, date):")
        for path, where in sources:
            console.print(f"  {path}: {where}", markup=False, highlight=False)


class ListFormat(enum.StrEnum):
    table = "table"
    markdown = "markdown"
    json = "json"


@app.command("new")
def new_record(criteria: TrialsOption = None, output: OutputOption = None) -> None:
    """Write a blank patient record, commented field by field, for the trials given.

    Every field is empty (not assessed); fill in what the chart says, then `screen check` it.
    """
    from screen.record.template import blank_record
    from screen.rules.sources import union_dictionary

    loaded = _load_trials(criteria)
    dictionary = union_dictionary([c.catalog for c in loaded])
    text = blank_record(dictionary, [c.rules.criteria_set.id for c in loaded])
    _emit(text, output)


@app.command("import")
def import_fhir(
    sources: Annotated[
        list[Path],
        typer.Argument(
            help="FHIR R4 Bundle JSON files ($everything) or bulk export folders ($export NDJSON).",
            show_default=False,
            metavar="FHIR",
        ),
    ],
    output_dir: Annotated[
        Path,
        typer.Option(
            "--output-dir",
            help="Folder for the records (created; files never overwritten).",
            file_okay=False,
        ),
    ],
    criteria: TrialsOption = None,
) -> None:
    """Prefill one patient record per patient from FHIR exports: each value read with the resource and date it came from, every other field empty to fill by hand."""
    from screen.fhir.prefill import import_exports

    trials = _trials(criteria)
    validator = trials.validator
    try:
        written, problems = import_exports(
            sources, validator.catalog.dictionary, trials.ids, output_dir, validator.vocabulary
        )
    except OSError as exc:
        _error(f"cannot write {output_dir}: {exc.strerror or exc}")
        raise typer.Exit(EXIT_INVALID_INPUT) from None
    _say(f"wrote {len(written)} prefilled record(s) to {output_dir}")
    _problems(problems)
    raise typer.Exit(EXIT_INVALID_INPUT if problems else 0)


@app.command("schema")
def record_schema(criteria: TrialsOption = None, output: OutputOption = None) -> None:
    """Print the JSON Schema of the patient record (for editors' completion and validation)."""

    from screen.record.model import record_model
    from screen.rules.sources import union_dictionary

    loaded = _load_trials(criteria)
    model = record_model(union_dictionary([c.catalog for c in loaded]))
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    from screen.render.jsonout import dumps

    _emit(dumps(schema, indent=2) + "\n", output)


@app.command("criteria")
def list_criteria(
    ids: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Argument(
            help="Only these criteria (e.g. IN6 EX10).", show_default=False, metavar="ID"
        ),
    ] = None,
    criteria: CriteriaOption = None,
    review: Annotated[
        bool,
        typer.Option(
            "--review",
            help="The review document for the medical monitor: protocol text beside the"
            " encoded logic in plain words, interpretations, vocabulary and tables.",
            metavar="",
        ),
    ] = False,
    check_file: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--check",
            help="Validate this criteria file and report every problem with its line (exit 3).",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    format: Annotated[
        ListFormat,
        typer.Option(
            "--format",
            "-f",
            help="table for the terminal; markdown to print or share; json: the criteria as"
            " data (id, type, title, verbatim text, interpretation, logic in words and as rules).",
        ),
    ] = ListFormat.table,
    output: OutputOption = None,
) -> None:
    """List the criteria of a criteria set (id, type, title), review them, or check a file."""
    from screen.render.safe import shown

    if check_file is not None:
        checked = _load_criteria(check_file, cache=False)  # --check: always checked anew
        rules = checked.rules
        kinds = [c.type for c in rules.criteria]
        summary = (
            f"{check_file}: OK, {len(kinds)} criteria ({kinds.count('inclusion')} inclusion,"
            f" {kinds.count('exclusion')} exclusion), {len(checked.catalog.dictionary.fields)}"
            f" record fields, {len(checked.catalog.vocabulary.drugs)} drugs,"
            f" {len(checked.catalog.equivalences)} equivalence tables,"
            f" {len(checked.catalog.analytes)} analytes"
        )
        if not review and not ids and format is ListFormat.table:
            _say(summary, err=False)
            raise typer.Exit(0)
        _say(summary)  # then the checked file's review or list, as asked
        criteria = check_file
    loaded = _load_criteria(criteria)
    identity = loaded.rules.criteria_set
    wanted = [i.upper() for i in ids or []]
    unknown = sorted(set(wanted) - {c.id.upper() for c in loaded.rules.criteria})
    if unknown:
        _error(f"no criterion {', '.join(unknown)} in {identity.id}")
        raise typer.Exit(2)
    if format is ListFormat.json:
        from screen.render.jsonout import dumps
        from screen.report.review import criteria_data

        _emit(dumps(criteria_data(loaded, wanted), indent=2) + "\n", output)
        return
    if review:
        from screen.report.review import review_markdown

        document = shown(review_markdown(loaded, wanted), lines=True)
        if format is ListFormat.markdown:
            _emit(document, output)
        else:
            from screen.render.markdown import folded

            _emit_rich(lambda console: console.print(folded(document)), output)
        return
    chosen = [c for c in loaded.rules.criteria if not wanted or c.id.upper() in wanted]
    if format is ListFormat.markdown:
        rows = [shown(f"| {c.id} | {c.type} | {c.title} |") for c in chosen]
        heading = shown(f"# {identity.id}: {identity.title}")
        heading += "\n\n| id | type | title |\n|---|---|---|\n"
        _emit(heading + "\n".join(rows) + "\n", output)
        return
    from rich.table import Table

    from screen.render.safe import text

    table = Table(title=text(f"{identity.id}: {identity.title}"), title_justify="left")
    table.add_column("id", no_wrap=True)
    table.add_column("type")
    table.add_column("title")
    for criterion in chosen:
        table.add_row(text(criterion.id), text(criterion.type), text(criterion.title))
    _emit_rich(lambda console: console.print(table), output)


def main() -> None:
    """The program: SIGTERM and SIGHUP clean up as Ctrl-C does, then exit 128 + signal."""
    # Start-up builds many classes and models and next to no garbage cycles: collecting
    # meanwhile is wasted time (about 7% of a one-file check). Switched on again as soon as
    # the criteria are loaded (_load_criteria), before any patient is read.
    gc.disable()
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _stop)
    try:
        app()
    except Stopped as stop:
        sys.exit(128 + stop.signum)


_SIGNALLED: list[int] = []  # a signal received, in case its exception was swallowed


def _stop(signum: int, frame: object) -> None:
    # Raised wherever the program is; if that is a finaliser, which swallows exceptions,
    # the batch loop still sees the signal in _SIGNALLED and stops at the next record.
    _SIGNALLED.append(signum)
    raise Stopped(signum)
