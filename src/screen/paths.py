"""Which files a batch screens: files as given, directories searched for *.yaml / *.yml."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

SUFFIXES = (".yaml", ".yml")


def display_name(path: Path | str) -> str:
    """A file name as reports show it: bytes that are not UTF-8 escaped (`\\xff`), so that
    every report can be written as UTF-8 whatever the file system holds."""
    name = str(path)
    if name.isascii():
        return name
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def patient_files(arguments: list[Path]) -> Iterator[Path]:
    """Files in a stable sorted order; hidden folders skipped; symlink loops not followed."""
    for argument in arguments:
        if argument.is_dir():
            yield from map(Path, sorted(_walk(argument)))  # names as str: a third of the memory
        else:
            yield argument  # a missing or unreadable file becomes an error row, not a crash


def _walk(folder: Path) -> Iterator[str]:
    """Files below `folder`; a folder that cannot be read is yielded itself, so that it
    becomes an error row ("cannot read") instead of vanishing from the batch."""
    seen: set[tuple[int, int]] = set()
    unreadable: list[str] = []
    for root, dirs, files in os.walk(
        folder, followlinks=True, onerror=lambda e: unreadable.append(str(e.filename))
    ):
        info = os.stat(root)
        if (info.st_dev, info.st_ino) in seen:
            dirs[:] = []
            continue
        seen.add((info.st_dev, info.st_ino))
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.endswith(SUFFIXES) and not name.startswith("."):
                yield os.path.join(root, name)
    yield from unreadable
