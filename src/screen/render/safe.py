"""Text from a file, made safe to show: data is never markup and never a terminal command.

Every view passes what it prints from a patient or criteria file (ids, names, keys, file
names, messages that echo them) through `shown`, and wraps it in a rich `Text` (which rich
never parses as markup). Control characters (C0, DEL, C1, NUL), bidi overrides and other
invisible format characters and undecodable bytes of a file name are shown escaped, so an
ESC sequence cannot drive the terminal and `JP-\\u202e1000` cannot pass for `JP-0001`.
"""

from __future__ import annotations

import errno
from typing import IO, Any

from rich.console import Console
from rich.text import Text

# Symbols the views use, and what they become on a stream that cannot encode them.
ASCII_GLYPHS = str.maketrans(
    {
        "✔": "v",
        "✘": "x",
        "⚠": "!",
        "→": "->",
        "•": "*",
        "≤": "<=",
        "≥": ">=",
        "≠": "!=",
        "\u00d7": "x",
        "…": "...",
        "—": "--",
        "\u2013": "-",
    }
)
_KEEP_IN_LINES = frozenset("\n\t")


def shown(value: object, *, lines: bool = False) -> str:
    """`value` as text with every control, format (bidi) or undecodable character escaped
    (`\\x1b`, `\\u202e`); `lines` keeps newlines and tabs (multi-line protocol text)."""
    text = value if isinstance(value, str) else str(value)
    if text.isprintable():
        return text
    return "".join(
        ch if ch.isprintable() or _blank(ch) or (lines and ch in _KEEP_IN_LINES) else _escape(ch)
        for ch in text
    )


def _blank(ch: str) -> bool:
    """A space separator other than U+0020 (U+3000 in Japanese text): harmless, kept."""
    return ch in "\u00a0\u3000" or "\u2000" <= ch <= "\u200a" or ch == "\u202f"


def _escape(ch: str) -> str:
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a byte of a file name that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def text(value: object, style: str = "") -> Text:
    """Data as a rich Text: escaped, and never parsed as markup."""
    return Text(shown(value), style=style)


def block(value: object, style: str = "") -> Text:
    """Multi-line data (protocol text) as a rich Text: newlines kept, the rest escaped."""
    return Text(shown(value, lines=True), style=style)


def degrade(value: str, encoding: str | None) -> str:
    """`value` as the stream's encoding can carry it: symbols as ASCII, the rest escaped."""
    if not encoding or encoding.lower().replace("-", "").replace("_", "") == "utf8":
        return value
    try:
        value.encode(encoding)
    except UnicodeEncodeError:
        value = value.translate(ASCII_GLYPHS)
        return value.encode(encoding, "backslashreplace").decode(encoding)
    except LookupError:
        return value
    return value


class EncodableStream:
    """A text stream that never fails on a character its encoding lacks: symbols become
    ASCII (✔ -> v), anything else is escaped. Used for the people's views on stdout."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.encoding = getattr(stream, "encoding", None) or "utf-8"

    def write(self, value: str) -> int:
        self.stream.write(degrade(value, self.encoding))
        return len(value)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def people_stream(stream: IO[str]) -> IO[str]:
    """`stream` for a people's view: wrapped when it cannot take every character."""
    encoding = (getattr(stream, "encoding", None) or "utf-8").lower().replace("-", "")
    if encoding.replace("_", "") == "utf8":
        return stream
    return EncodableStream(stream)  # type: ignore[return-value]


class PeopleConsole(Console):
    """rich's console, except that a closed pipe is left to the caller (rich would exit 1)."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError(errno.EPIPE, "the reader went away")
