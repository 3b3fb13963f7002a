"""The checked criteria kept between runs, so a one-file check does not re-read and re-check
the criteria, dictionaries and vocabularies every time (issue 15: start-up).

Trusted only when everything it was made from is unchanged: the criteria file's bytes and
place, each dictionary's and vocabulary's bytes, the program's own code (its files' sizes
and times) and the versions of Python and pydantic. A missing, corrupt, stale or foreign
file is ignored and rebuilt, never trusted. It is read with a restricted unpickler that
builds only the criteria's own classes and a few plain value types: no code from the cache
file can run. Where the cache directory cannot be written, every run simply checks anew.

`SCREEN_CACHE_DIR` names the directory, an absolute path (default: the user's cache
directory + `screen`); `SCREEN_NO_CACHE=1` turns the cache off. A folder that is not the
user's own, or that others can write, is not used.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from screen.rules.language import CriteriaSet
from screen.rules.sources import Catalog, files_used
from screen.rules.vocabulary import Vocabulary

FORMAT = b"screen-checked-criteria-1"
MAX_BYTES = 16 * 2**20  # far above any criteria set; a larger file is not ours
KEPT = 32  # cache files kept (the newest): every edit of a criteria set makes a new one
_MODULES = (
    "screen.rules.language",
    "screen.rules.vocabulary",
    "screen.rules.sources",
    "screen.record.dictionary",
)
_VALUE_TYPES = {
    ("decimal", "Decimal"),
    ("datetime", "date"),
    ("pathlib", "PosixPath"),
    ("pathlib", "WindowsPath"),
    ("pathlib", "PurePosixPath"),
    ("pathlib", "PureWindowsPath"),
}
Checked = tuple[CriteriaSet, Catalog, Vocabulary]


def cache_dir() -> Path | None:
    """Where checked criteria are kept, or None when the cache is turned off."""
    if os.environ.get("SCREEN_NO_CACHE", "") not in ("", "0"):
        return None
    chosen = os.environ.get("SCREEN_CACHE_DIR")
    if chosen is not None:  # relative: not in whatever folder (of patient files) one is in
        return Path(chosen) if chosen and os.path.isabs(chosen) else None
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = str(Path.home() / "Library" / "Caches")
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "screen"


def key_of(path: Path, digest: str) -> str:
    """What a cached check depends on besides the files it names: the criteria file's
    contents and place, and the program that checked it."""
    import pydantic

    from screen import __version__

    parts = [
        FORMAT.decode(),
        digest,
        str(path.absolute()),  # as given: `uses:` paths are found beside it, links and all
        str(path.resolve()),
        __version__,
        pydantic.VERSION,
        sys.version,
        _code_fingerprint(),
    ]
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


def _code_fingerprint() -> str:
    """The package's own files (name, size, modification time): a changed rule model or
    check in a working copy makes every earlier cache stale, without a version bump."""
    package = Path(__file__).resolve().parent
    found: list[str] = []
    for folder, folders, names in os.walk(package):
        folders[:] = sorted(f for f in folders if f != "__pycache__")
        for name in sorted(names):
            if name.endswith(".py"):
                try:
                    stat = os.stat(os.path.join(folder, name))
                except OSError:  # an editor's dangling lock link, a file being replaced
                    continue
                found.append(f"{folder}/{name}:{stat.st_size}:{stat.st_mtime_ns}")
    return "\n".join(found)


def read(path: Path, digest: str) -> Checked | None:
    """The checked criteria kept for this file, or None (no cache, stale, corrupt)."""
    try:
        folder = cache_dir()
        if folder is None or not _own_folder(folder):
            return None
        key = key_of(path, digest)
        data = _read_own_file(folder / f"criteria-{key}.pickle")
        if data is None:
            return None
        stored = _Restricted(io.BytesIO(data)).load()
        if not _well_formed(stored, key):
            return None
        rules = stored["checked"][0]
        dictionaries, vocabularies = files_used(rules, path)
        if [name for name, _ in stored["files"]] != [str(p) for p in dictionaries + vocabularies]:
            return None  # `uses:` leads elsewhere now (a link moved, another copy of the file)
        for name, file_digest in stored["files"]:
            if _sha256_of(name) != file_digest:
                return None  # a dictionary or vocabulary changed since
        checked: Checked = stored["checked"]
        return checked
    except Exception:  # anything wrong with the cache means: not trusted, check anew
        return None


def write(path: Path, digest: str, checked: Checked) -> None:
    """Keep the checked criteria for the next run (whole or not at all; failures ignored)."""
    rules, catalog, vocabulary = checked
    try:
        folder = cache_dir()
        if folder is None:
            return
        key = key_of(path, digest)
        files = [(name, _sha256_of(name)) for name in catalog.files]
        data = pickle.dumps(
            {"key": key, "files": files, "checked": (rules, catalog, vocabulary)},
            protocol=pickle.HIGHEST_PROTOCOL,
        )
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _own_folder(folder):
            return
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".criteria-", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.replace(temporary, folder / f"criteria-{key}.pickle")
        except BaseException:
            os.unlink(temporary)
            raise
        _prune(folder)
    except Exception:  # a cache that cannot be written only costs the next run time
        return


def _prune(folder: Path) -> None:
    """Keep the newest KEPT files: older checks are of criteria or code since changed."""
    files = sorted(folder.glob("criteria-*.pickle"), key=lambda f: f.stat().st_mtime_ns)
    for old in files[:-KEPT]:
        old.unlink(missing_ok=True)


def _own_folder(folder: Path) -> bool:
    """The cache folder is the user's own and no one else can write into it (a file planted
    there, even one the unpickler refuses, must not be met at all)."""
    info = os.stat(folder)
    if hasattr(os, "getuid"):
        return info.st_uid == os.getuid() and not info.st_mode & 0o022
    return True  # pragma: no cover - Windows: the user's profile directory is private


def _read_own_file(file: Path) -> bytes | None:
    """The file's bytes if it is a regular file of ours that no one else can write (opened
    without waiting: a named pipe planted there must not hang the program)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(file, flags)
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as stream:
        stat = os.fstat(stream.fileno())
        if not _private(stat) or stat.st_size > MAX_BYTES:
            return None
        return stream.read(MAX_BYTES + 1)


def _private(stat: os.stat_result) -> bool:
    import stat as modes

    if not modes.S_ISREG(stat.st_mode):
        return False
    if hasattr(os, "getuid"):
        return stat.st_uid == os.getuid() and not stat.st_mode & 0o022
    return True  # pragma: no cover - Windows: the user's profile directory is private


def _sha256_of(name: str) -> str:
    with open(name, "rb") as stream:
        return hashlib.sha256(stream.read()).hexdigest()


def _well_formed(stored: Any, key: str) -> bool:
    if not isinstance(stored, dict) or stored.get("key") != key:
        return False
    files, checked = stored.get("files"), stored.get("checked")
    return (
        isinstance(files, list)
        and all(
            isinstance(f, tuple) and len(f) == 2 and all(isinstance(s, str) for s in f)
            for f in files
        )
        and isinstance(checked, tuple)
        and len(checked) == 3
        and isinstance(checked[0], CriteriaSet)
        and isinstance(checked[1], Catalog)
        and isinstance(checked[2], Vocabulary)
    )


class _Restricted(pickle.Unpickler):
    """Builds only the criteria's own model and data classes and plain value types."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _VALUE_TYPES:
            return super().find_class(module, name)
        if module in _MODULES:
            found = getattr(sys.modules[module], name, None)
            if isinstance(found, type) and (
                issubclass(found, BaseModel) or dataclasses.is_dataclass(found)
            ):
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a criteria cache")
