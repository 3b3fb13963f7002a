"""Writing a report file whole or not at all: a temporary file beside it, then a rename."""

from __future__ import annotations

import io
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO


@contextmanager
def open_atomically(path: Path) -> Iterator[TextIO]:
    """A file to stream a report into; it replaces `path` only when the block ends without
    an error, so an interrupted batch never leaves a half-written log."""
    folder = path.resolve().parent
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        os.fchmod(descriptor, _mode_for(path))
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            yield handle
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextmanager
def open_output(path: Path | None) -> Iterator[TextIO]:
    """Standard output, or a file written atomically. Reports are UTF-8 wherever they go
    (JSON and CSV are data, not text for a terminal's locale)."""
    if path is None:
        if isinstance(sys.stdout, io.TextIOWrapper) and sys.stdout.encoding.lower() != "utf-8":
            sys.stdout.reconfigure(encoding="utf-8")
        yield sys.stdout
        sys.stdout.flush()
        return
    with open_atomically(path) as handle:
        yield handle


def _mode_for(path: Path) -> int:
    """The permissions the report would have had if written directly: those of the file it
    replaces, else the usual ones under the umask (mkstemp's own are owner-only)."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
