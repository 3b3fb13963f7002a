"""A progress bar on standard error, for people watching a long batch; silent for scripts."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

LARGE_BATCH = 50  # files; below this a batch is over before a bar would help


@contextmanager
def progress(total: int) -> Iterator[Callable[[], None]]:
    """Yields `advance()`; draws a bar only when stderr is a terminal and the batch is large."""
    if total < LARGE_BATCH or not sys.stderr.isatty():
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn("screening"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    with bar:
        task = bar.add_task("screening", total=total)
        yield lambda: bar.advance(task)
