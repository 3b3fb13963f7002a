"""Ctrl-C, SIGTERM and SIGHUP held over the few steps that must not be cut in two:
creating a temporary file and remembering its name; forking the workers (a signal raised
inside fork's callbacks would be swallowed, and a traceback printed)."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager, suppress

STOPPING = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold the stopping signals for the block; they are delivered when it ends."""
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING)
    except (AttributeError, ValueError, OSError):  # not the main thread, or not POSIX
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def release_in_child() -> None:
    """In a process forked while they were held: receive the stopping signals again."""
    with suppress(AttributeError, ValueError, OSError):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPPING)
