"""Writing a report file whole or not at all: a temporary file beside it, then a rename."""

from __future__ import annotations

import errno
import io
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from screen.signals import signals_held


@contextmanager
def open_atomically(path: Path) -> Iterator[TextIO]:
    """A file to stream a report into; it replaces `path` only when the block ends without
    an error, so an interrupted batch never leaves a half-written log."""
    folder = path.resolve().parent
    temporary = None
    try:
        with signals_held():  # a signal between creating and naming it would leak the file
            descriptor, temporary = tempfile.mkstemp(
                prefix=f".{path.name}.", suffix=".tmp", dir=folder
            )
        os.fchmod(descriptor, _mode_for(path))
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            yield handle
        os.replace(temporary, path)
    except BaseException:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        raise


@contextmanager
def open_output(path: Path | None, *, utf8: bool = True) -> Iterator[TextIO]:
    """Standard output, or the output file. Reports are UTF-8 wherever they go (JSON and CSV
    are data, not text for a terminal's locale; `utf8=False` leaves a people's view alone).

    Only a regular file is replaced (atomically, through a symlink to its target); a
    device, FIFO or terminal (`/dev/null`, `/dev/stdout`) is written to as it is, never
    replaced by a file; a FIFO nobody reads is refused instead of waited on."""
    if path is None:
        stream = sys.stdout
        if utf8 and isinstance(stream, io.TextIOWrapper) and stream.encoding.lower() != "utf-8":
            stream.reconfigure(encoding="utf-8")
        yield stream
        stream.flush()
        return
    target = Path(os.path.realpath(path))
    try:
        info = os.stat(target)
    except FileNotFoundError:
        info = None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, "it is a directory")
    if _special(path, info):
        with _open_special(path) as handle:
            yield handle
        return
    with open_atomically(target) as handle:
        yield handle


def _special(path: Path, info: os.stat_result | None) -> bool:
    """Not a regular file, or one of the process's own descriptors (/dev/stdout, /dev/fd/1):
    replacing what such a name points to would be wrong."""
    if info is not None and not stat.S_ISREG(info.st_mode):
        return True
    name = os.path.abspath(path)
    return name.startswith(("/dev/", "/proc/")) or os.path.realpath(path).startswith("/proc/")


@contextmanager
def _open_special(path: Path) -> Iterator[TextIO]:
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise OSError(exc.errno, "a FIFO that nobody reads") from None
        raise
    os.set_blocking(descriptor, True)
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
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
