"""Many records, all cores: screen files in worker processes and stream the results in order.

The criteria are loaded and checked once, in the parent; workers inherit them (fork) or
receive them once (spawn). A unit of work is a file path, or one patient of a FHIR export
(read and grouped by patient in the parent, mapped and screened in a worker). With several criteria sets a worker reads each record once and
sends back one result per (record, criteria set), the sets in the order given. Each worker sends back only what the parent needs: the verdict,
the failed and unknown ids and the record's piece of output already rendered, so that traces
never cross a process boundary and the parent holds no report longer than it takes to write.
"""

from __future__ import annotations

import datetime
import gc
import os
import signal
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeAlias

from screen.engine.window import DEFAULT_HORIZON_DAYS
from screen.errors import Problem
from screen.paths import display_name
from screen.record.yamlio import DEFAULT_MAX_BYTES
from screen.report.report import Report
from screen.screening import stamp
from screen.signals import release_in_child, signals_held
from screen.trials import Trials, screen_trials

if TYPE_CHECKING:  # multiprocessing is imported only when a pool is started
    from multiprocessing.pool import AsyncResult, Pool

    from screen.fhir.read import FhirPatient

Renderer = Callable[[Report], str]
Item: TypeAlias = "str | Path | FhirPatient"  # a record file, or one patient of a FHIR export


@dataclass(frozen=True, slots=True)
class Job:
    """What every worker needs to screen a file, and how to render its piece of output."""

    trials: Trials
    as_of: datetime.date | None
    today: datetime.date
    render: Renderer
    max_bytes: int = DEFAULT_MAX_BYTES
    horizon_days: int = DEFAULT_HORIZON_DAYS


@dataclass(frozen=True, slots=True)
class Screened:
    """One record's result as the parent sees it: summary fields and its rendered output."""

    patient_id: str | None
    source: str
    verdict: str
    failed: tuple[str, ...]
    unknown: tuple[str, ...]
    problems: tuple[Problem, ...]
    rendered: str
    eligible_from: str | None = None
    eligible_until: str | None = None


def default_workers() -> int:
    """The cores this process may run on (a container's limit, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def screen_one(job: Job, item: Item) -> list[Screened]:
    """Screen a file (or a FHIR patient) against each criteria set; an internal failure
    becomes error rows, never a lost batch."""
    try:
        reports = _reports(job, item)
    except Exception as exc:  # a bug in screen, not in the record: say so, go on
        source = source_of(item)
        problem = Problem(f"internal error, please report: {type(exc).__name__}: {exc}", source)
        reports = [
            Report(None, source, job.as_of, "error", stamp(c), problems=[problem])
            for c in job.trials.sets
        ]
    return [screened_of(job, report) for report in reports]


def _reports(job: Job, item: Item) -> list[Report]:
    if isinstance(item, str | Path):
        return screen_trials(
            Path(item), job.trials, job.as_of, job.today, job.max_bytes, job.horizon_days
        )
    from screen.fhir.read import screen_patient

    return screen_patient(item, job.trials, job.as_of, job.today, job.horizon_days)[0]


def source_of(item: Item) -> str:
    """The name a unit of work goes by in reports and messages."""
    return display_name(item) if isinstance(item, str | Path) else item.source


def screened_of(job: Job, report: Report) -> Screened:
    return Screened(
        report.patient_id,
        report.source,
        report.verdict,
        tuple(report.failed),
        tuple(report.unknown),
        tuple(report.problems),
        job.render(report),
        report.eligible_from.isoformat() if report.eligible_from else None,
        report.eligible_until.isoformat() if report.eligible_until else None,
    )


_JOB: Job | None = None  # the job of this worker process, set once by _start_worker


def _start_worker(job: Job) -> None:
    """Ctrl-C, SIGTERM and SIGHUP are the parent's to handle (it stops the pool); a worker
    just gets stopped, quietly (a forked worker would otherwise inherit the parent's
    handlers and print a traceback when terminated)."""
    global _JOB
    _JOB = job
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)
    release_in_child()
    # Each record allocates thousands of short-lived objects (YAML nodes, traces) and holds
    # none of them afterwards: collecting the young generation less often saves a few percent.
    gc.set_threshold(20_000, 20, 20)


def _screen_chunk(items: list[Item]) -> list[tuple[Any, ...]]:
    """Results as plain tuples: the cheapest thing to send between processes."""
    assert _JOB is not None, "worker started without a job"
    return [astuple(screened) for item in items for screened in screen_one(_JOB, item)]


def astuple(screened: Screened) -> tuple[Any, ...]:
    return tuple(getattr(screened, name) for name in Screened.__slots__)


class Batch:
    """A pool of workers for one job; `screen(items)` yields results in the order given
    (with several criteria sets, each file's results one after the other, sets in order).

    The pool is started on entering, before any progress display starts a thread, so that
    forking never copies a half-held lock. With one worker everything runs in-process.
    A worker that dies (the OOM killer's kill -9) loses its chunk, which multiprocessing
    would wait for forever: while waiting, the workers are watched; after a death the pool
    is replaced and every unfinished chunk is screened again one file at a time, so that a
    file whose worker dies again is known, and becomes an error row.
    """

    def __init__(self, job: Job, workers: int) -> None:
        self.job = job
        self.workers = max(1, workers)
        self._pool: Pool | None = None
        self._watched: set[Any] = set()  # every worker process seen, dead ones included

    def __enter__(self) -> Batch:
        if self.workers > 1:
            gc.freeze()  # the loaded criteria stay shared with the forked workers, untouched
            self._start()
        return self

    def _start(self) -> None:
        import multiprocessing

        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        with signals_held():  # none lost inside fork's callbacks
            self._pool = context.Pool(self.workers, _start_worker, (self.job,))
        self._watched = set(getattr(self._pool, "_pool", []))

    def _stop(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop()

    def screen(self, items: Sequence[Item]) -> Iterator[Screened]:
        """Each file's (or FHIR patient's) results (one per criteria set), in the order
        given; a file named twice, or a patient_id already met in another file, comes with
        a warning."""
        return _flag_duplicates(self._screen(items), items, self.job)

    def _screen(self, paths: Sequence[Item]) -> Iterator[Screened]:
        if self._pool is None:
            for path in paths:
                yield from screen_one(self.job, path)
            return
        # Small chunks keep the cores busy to the end; a bounded number in flight keeps
        # memory flat when writing the output is slower than screening.
        size = max(1, min(64, len(paths) // (self.workers * 8)))
        in_flight: deque[tuple[list[Item], AsyncResult[list[tuple[Any, ...]]]]] = deque()
        for start in range(0, len(paths), size):
            chunk: list[Item] = [
                str(p) if isinstance(p, Path) else p for p in paths[start : start + size]
            ]
            assert self._pool is not None
            in_flight.append((chunk, self._pool.apply_async(_screen_chunk, (chunk,))))
            if len(in_flight) >= self.workers * 4:
                yield from self._next(in_flight)
        while in_flight:
            yield from self._next(in_flight)

    def _next(
        self, in_flight: deque[tuple[list[Item], AsyncResult[list[tuple[Any, ...]]]]]
    ) -> Iterator[Screened]:
        """The results of the oldest chunk; after a worker's death, of every chunk."""
        _, result = in_flight[0]
        if self._finished(result):
            in_flight.popleft()
            yield from (Screened(*fields) for fields in result.get())
            return
        unfinished = [(chunk, r.get() if r.ready() else None) for chunk, r in in_flight]
        in_flight.clear()
        self._stop()
        self._start()
        for chunk, done in unfinished:
            if done is not None:
                yield from (Screened(*fields) for fields in done)
            else:
                for path in chunk:
                    yield from self._alone(path)

    def _alone(self, path: Item) -> list[Screened]:
        """One file in a worker of its own round: if that worker dies, the file is known."""
        assert self._pool is not None
        result = self._pool.apply_async(_screen_chunk, ([path],))
        if self._finished(result):
            return [Screened(*fields) for fields in result.get()]
        self._stop()
        self._start()
        return _died(self.job, path)

    def _finished(self, result: AsyncResult[Any]) -> bool:
        """Wait for `result`; False if a worker died meanwhile (its work would never come)."""
        while not result.ready():
            result.wait(0.2)
            if result.ready():
                break
            self._watched.update(getattr(self._pool, "_pool", []))
            if any(process.exitcode not in (None, 0) for process in self._watched):
                return False
        return True


def workers_for(files: int, requested: int | None) -> int:
    """As many workers as asked (never more than files); by default all cores, but only
    when it pays: starting a worker costs about as much as screening a few records."""
    if requested is not None:
        return max(1, min(requested, files))
    return max(1, min(default_workers(), files // 8))


def _died(job: Job, path: Item) -> list[Screened]:
    """The error rows (one per criteria set) of a file whose worker process died while
    screening it alone."""
    source = source_of(path)
    problem = Problem(
        "not screened: the worker process screening this file died (killed, perhaps for"
        " lack of memory); screen it again on its own",
        source,
    )
    return [
        screened_of(job, Report(None, source, job.as_of, "error", stamp(c), problems=[problem]))
        for c in job.trials.sets
    ]


def _flag_duplicates(
    results: Iterator[Screened], paths: Sequence[Item], job: Job
) -> Iterator[Screened]:
    """Results as they come; a file named twice, or a patient_id already met in another file,
    is screened again here (rare) so that its reports carry a warning naming the other.
    Only a hash and a position per file are kept, so memory stays flat over a large export."""
    per_file = len(job.trials.sets)
    first: dict[int, int] = {}  # hash of a patient_id (else of the file) -> its first position
    group: list[Screened] = []
    index = 0
    for screened in results:
        group.append(screened)
        if len(group) < per_file:
            continue
        head = group[0]
        key = hash(("id", head.patient_id) if head.patient_id is not None else head.source)
        earlier = first.setdefault(key, index)
        if earlier != index:
            if _same(paths[earlier], paths[index]):
                message = "this file is given twice in the batch; it is screened twice"
            else:
                message = f"patient_id {head.patient_id!r} is also in {source_of(paths[earlier])}"
            group = _warned(job, paths[index], message)
        yield from group
        group = []
        index += 1


def _same(one: Item, other: Item) -> bool:
    """The same file named twice, or the same patient of the same export given twice."""
    if isinstance(one, str | Path) and isinstance(other, str | Path):
        return str(one) == str(other)
    return source_of(one) == source_of(other)


def _warned(job: Job, item: Item, message: str) -> list[Screened]:
    reports = _reports(job, item)
    for report in reports:
        report.warnings.append(Problem(message, report.source, None, "patient_id"))
    return [screened_of(job, report) for report in reports]
