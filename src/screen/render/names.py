"""File names as the people's views show them: a batch's shared folder said once, each row
showing the part of its name that differs."""

from __future__ import annotations

import os
from collections.abc import Sequence


def common_folder(sources: Sequence[str]) -> str:
    """The folder every file of the batch is in ("" when none is shared)."""
    folders = [os.path.dirname(s) for s in sources]
    if not folders:
        return ""
    try:
        shared = os.path.commonpath(folders)
    except ValueError:  # absolute and relative names mixed
        return ""
    return shared if shared not in ("", ".") else ""


def within(source: str, folder: str) -> str:
    """`source` relative to `folder` (one of common_folder's answers)."""
    return source[len(folder) + 1 :] if folder else source
