"""Reading YAML safely: the C safe loader, strict about what a record may contain.

Records are parsed fast with the C loader. Line numbers are only looked up (by composing
the text again) when something turned out to be wrong: errors are rare, records are many.
"""

from __future__ import annotations

import datetime
import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import yaml

from screen.errors import InputError, Problem
from screen.paths import display_name

DEFAULT_MAX_BYTES = 1024 * 1024
CRITERIA_ALIASES = 200  # alias uses a criteria file may make; patient files: none
# Values a criteria file may hold once its aliases are counted as copies: validation visits
# every copy, so reused blocks nested in reused blocks must not multiply without bound.
CRITERIA_EXPANDED = 20_000  # the PRECIOUS file holds about 2,300
SHOWN_CHARS = 60  # of an input echoed in a message


def _read_up_to(descriptor: int, limit: int, expected: int) -> bytes:
    """At most `limit` bytes; the size the file gave is read at once (no buffer of the
    limit's size for a small record), and a file that grew meanwhile is read on."""
    parts: list[bytes] = []
    size = 0
    while size < limit:
        chunk = os.read(descriptor, min(limit - size, max(expected - size, 65536)))
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
    return b"".join(parts)


def read_text(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The file's text, refusing oversized, non-UTF-8 and empty files without a traceback.

    Only a regular file is read: a FIFO, a device or a socket named `*.yaml` could block
    the read forever or never end, so it is opened without blocking, looked at, and refused.
    Whatever its size claims, at most `max_bytes + 1` bytes are read.
    """
    source = display_name(path)
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InputError([Problem(f"cannot read file: {exc.strerror or exc}", source)]) from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(
                [
                    Problem(
                        f"cannot read file: it is {_kind(info.st_mode)}, not a regular file", source
                    )
                ]
            )
        if info.st_size > max_bytes:
            raise InputError(
                [
                    Problem(
                        f"file is {info.st_size} bytes, over the limit of {max_bytes} bytes", source
                    )
                ]
            )
        os.set_blocking(descriptor, True)
        raw = _read_up_to(descriptor, max_bytes + 1, info.st_size + 1)
    except OSError as exc:
        raise InputError([Problem(f"cannot read file: {exc.strerror or exc}", source)]) from None
    finally:
        os.close(descriptor)
    if len(raw) > max_bytes:
        raise InputError([Problem(f"file is over the limit of {max_bytes} bytes", source)])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            [Problem(f"not UTF-8 text (byte 0x{raw[exc.start]:02x})", source, line)]
        ) from None
    return text.removeprefix("\ufeff")


def _kind(mode: int) -> str:
    kinds = {
        stat.S_ISDIR: "a directory",
        stat.S_ISFIFO: "a FIFO",
        stat.S_ISCHR: "a character device",
        stat.S_ISBLK: "a block device",
        stat.S_ISSOCK: "a socket",
    }
    return next((name for test, name in kinds.items() if test(mode)), "not a file")


def parse_mapping(text: str, source: str, *, criteria: bool = False) -> dict[str, Any]:
    """Parse one YAML document that must be a mapping at the top level.

    Both kinds are composed by the C parser and built by `_build`: plain data only. A
    criteria file may reuse a block through an anchor (up to CRITERIA_ALIASES times); a
    patient file may not use anchors at all.
    """
    if not text.strip():
        raise InputError([Problem("the file is empty", source)])
    try:
        data = _build_document(text, CRITERIA_ALIASES if criteria else 0)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        message = exc.problem or str(exc)
        if "expected a single document" in str(exc):
            message = "several YAML documents in one file; a file holds exactly one"
        elif "could not determine a constructor" in message:
            message = f"YAML tag not allowed (only plain data is read): {message.split('for the tag')[-1].strip()}"
        raise InputError([Problem(f"invalid YAML: {cut(message)}", source, line)]) from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        what = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        raise InputError(
            [Problem(f"invalid YAML: character {what} is not allowed in YAML text", source, line)]
        ) from None
    except yaml.YAMLError as exc:
        raise InputError([Problem(f"invalid YAML: {cut(str(exc))}", source)]) from None
    except RecursionError:
        raise InputError([Problem("invalid YAML: nested too deeply", source)]) from None
    if data is None:
        raise InputError([Problem("the file holds no data", source)])
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a single value ({type(data).__name__})"
        raise InputError(
            [Problem(f"the top level must be a mapping of field names, not {kind}", source, 1)]
        )
    return data


_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_SAFE = yaml.constructor.SafeConstructor()
_SCALARS: dict[str, Any] = {
    "tag:yaml.org,2002:null": _SAFE.construct_yaml_null,
    "tag:yaml.org,2002:bool": _SAFE.construct_yaml_bool,
    "tag:yaml.org,2002:int": _SAFE.construct_yaml_int,
    "tag:yaml.org,2002:float": _SAFE.construct_yaml_float,
    "tag:yaml.org,2002:timestamp": _SAFE.construct_yaml_timestamp,
}


class _Composer(yaml.CSafeLoader):
    """The C parser, with the resolution of plain scalars memoised: records repeat their
    keys and values ("unit", "date", "10*9/L") thousands of times in a batch."""

    _plain: ClassVar[dict[str, str]] = {}

    def resolve(self, kind: type, value: str | None, implicit: Any) -> str:
        if kind is yaml.ScalarNode:
            if not implicit[0]:
                return _STR  # quoted: always a string
            tag = self._plain.get(value)  # type: ignore[arg-type]
            if tag is None:
                tag = str(super().resolve(kind, value, implicit))  # type: ignore[no-untyped-call]
                if len(self._plain) > 4096:  # unique values (ids, dates) would pile up
                    self._plain.clear()
                self._plain[value] = tag  # type: ignore[index]
            return tag
        return _MAP if kind is yaml.MappingNode else _SEQ  # no path resolvers: the defaults


def plain_tag(value: str) -> str:
    """The tag YAML gives `value` written unquoted."""
    return str(yaml.resolver.Resolver().resolve(yaml.ScalarNode, value, (True, False)))  # type: ignore[no-untyped-call]


def _build_document(text: str, aliases_allowed: int) -> Any:
    """Compose with the C parser, then build plain data in one pass: faster than PyYAML's
    general constructor, and strict (duplicate keys, merge keys and tags refused)."""
    composer = _Composer(text)
    try:
        root = composer.get_single_node()
    finally:
        composer.dispose()
    if root is None:
        return None
    anchors = _Anchors(aliases_allowed) if "&" in text else None  # no anchor, no alias
    built = _build(root, anchors)
    return built


class _Anchors:
    """The nodes built so far, in a text that holds anchors: a node met again is an alias.
    Its value is shared, never rebuilt, so an alias bomb cannot expand."""

    def __init__(self, allowed: int) -> None:
        self.allowed = allowed
        self.used = 0
        self.built: dict[int, Any] = {}
        self.sizes: dict[int, int] = {}  # values in a node once its aliases are copies

    def size_of(self, node: yaml.Node) -> int:
        """Values `node` stands for when every alias below it is counted as a copy."""
        if type(node) is yaml.MappingNode:
            children = [child for pair in node.value for child in pair]
        elif type(node) is yaml.SequenceNode:
            children = node.value
        else:
            return 1
        return 1 + sum(self.sizes.get(id(child), 1) for child in children)


def _refuse(message: str, node: yaml.Node) -> yaml.constructor.ConstructorError:
    return yaml.constructor.ConstructorError(None, None, message, node.start_mark)


def _duplicate(
    mapping: yaml.MappingNode, again: yaml.Node, key: Any
) -> yaml.constructor.ConstructorError:
    """The error for a key given twice, naming both lines (looked up only now: rare)."""
    first = next(k for k, _ in mapping.value if k is not again and k.value == key)
    return _refuse(
        f"duplicate key {clip(again.value)} (first at line {first.start_mark.line + 1},"
        f" again at line {again.start_mark.line + 1})",
        again,
    )


_UNSEEN = object()
# (tag, text) -> value: yes/no, small numbers and dates recur across a batch, and every
# value built here is immutable (None, bool, int, float, date), so one object serves all.
_SCALAR_VALUES: dict[tuple[str, str], Any] = {}


def _scalar(node: yaml.ScalarNode) -> Any:
    construct = _SCALARS.get(node.tag)
    if construct is None:
        raise _refuse(f"could not determine a constructor for the tag {clip(node.tag)}", node)
    try:
        value = construct(node)
    except (ValueError, OverflowError) as exc:
        if node.tag == "tag:yaml.org,2002:timestamp":
            raise _refuse(f"invalid date {clip(node.value)}: {exc}", node) from None
        raise _refuse(f"invalid value {clip(node.value)}: {exc}", node) from None
    if node.tag in (_INT, _FLOAT):
        _plain_number(node, value)
    return value


_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"


def _plain_number(node: yaml.ScalarNode, value: Any) -> None:
    """Refuse YAML 1.1's other number forms: `045` is octal 37, `1:05` is 65, `0x1F` is 31.
    Written in a record they are almost always a slip, and read silently they change a value."""
    written = node.value.lstrip("+-").replace("_", "")
    if ":" in written:
        form = "a base-60 (sexagesimal) number"
    elif written[:2].lower() in ("0x", "0b", "0o"):
        form = "a hexadecimal or binary number"
    elif node.tag == _INT and len(written) > 1 and written.startswith("0"):
        form = "an octal number (leading zero)"
    else:
        return
    plain = written.replace(":", "").lstrip("0") or "0"
    raise _refuse(
        f"{clip(node.value)} is read by YAML as {form}, {value}; write the number in plain"
        f" decimal (for example {plain if form.startswith('an octal') else value}),"
        " or quote it if it is text",
        node,
    )


def cut(message: str, limit: int = 300) -> str:
    """A message that may quote input, cut short when long."""
    return message if len(message) <= limit else f"{message[: limit - 1]}…"


def clip(value: object, limit: int = SHOWN_CHARS) -> str:
    """`value` as a message echoes it, cut short when long (input may be huge): text in quotes,
    anything else as YAML's flow style writes it (`[{percent: 61, date: 2026-11-10}]`, `false`),
    the way the file said it, not as Python would."""
    if isinstance(value, str):
        shown = repr(value)
        if len(shown) <= limit:
            return shown
        return f"{shown[: limit - 1]}…({len(value)} characters)"
    parts: list[str] = []
    _flow(value, parts, limit + 1)  # stops once past the limit: its full length is not known
    shown = "".join(parts)
    return shown if len(shown) <= limit else f"{shown[: limit - 1]}…"


def _flow(value: object, parts: list[str], budget: int) -> int:
    """Append `value` in YAML flow style to `parts`, stopping once `budget` characters are
    spent (a huge or self-referencing value costs no more than the message shows)."""
    if budget <= 0:
        return 0
    if isinstance(value, dict):
        items: Any = value.items()
        opening, closing = "{", "}"
    elif isinstance(value, list | tuple):
        items, opening, closing = value, "[", "]"
    else:
        text = _flow_scalar(value)
        parts.append(text)
        return budget - len(text)
    parts.append(opening)
    budget -= 1
    for index, item in enumerate(items):
        if budget <= 0:
            return 0
        if index:
            parts.append(", ")
            budget -= 2
        if isinstance(value, dict):
            key, item = item
            budget = _flow(key, parts, budget)
            parts.append(": ")
            budget -= 2
        budget = _flow(item, parts, budget)
    parts.append(closing)
    return budget - 1


_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")  # a plain scalar cannot start with these


def _flow_scalar(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str):  # inside a list or mapping: plain when YAML reads it back so
        plain = (
            value.isprintable()
            and value.strip() == value
            and value[:1] not in _INDICATORS
            and not any(c in value for c in ",:{}[]#")
            and plain_tag(value) == _STR
        )
        return value if plain else repr(value)
    return repr(value)


def _build(node: yaml.Node, anchors: _Anchors | None) -> Any:
    if anchors is None:
        return _build_node(node, None)
    built = anchors.built.get(id(node), _UNSEEN)
    if built is not _UNSEEN:
        anchors.used += 1
        if anchors.used > anchors.allowed:
            raise _refuse(
                f"more than {anchors.allowed} alias uses"
                if anchors.allowed
                else "anchors and aliases are not allowed here",
                node,
            )
        return built
    built = anchors.built[id(node)] = _build_node(node, anchors)
    size = anchors.sizes[id(node)] = anchors.size_of(node)
    if size > CRITERIA_EXPANDED:
        raise _refuse(
            f"the reused blocks (aliases) expand to more than {CRITERIA_EXPANDED} values", node
        )
    return built


def _build_node(node: yaml.Node, anchors: _Anchors | None) -> Any:
    tag = node.tag
    if type(node) is yaml.ScalarNode:
        if tag == _STR:
            return node.value
        key = (tag, node.value)
        value = _SCALAR_VALUES.get(key, _UNSEEN)
        if value is _UNSEEN:
            value = _scalar(node)
            if len(_SCALAR_VALUES) > 4096:
                _SCALAR_VALUES.clear()
            _SCALAR_VALUES[key] = value
        return value
    if type(node) is yaml.MappingNode and tag == _MAP:
        mapping: dict[Any, Any] = {}
        plain = anchors is None  # no aliases possible: plain strings need no building
        for key_node, value_node in node.value:
            if type(key_node) is not yaml.ScalarNode:
                raise _refuse("a key must be a plain value, not a list or mapping", key_node)
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _refuse("merge keys (<<) are not allowed here", key_node)
            # Keys are names: `yes`, `~` and `2026-01-01` as keys are the text written, so
            # that a message names them as the file does (and no key is ever a bool or None).
            if key_node.tag != _STR and key_node.tag not in _SCALARS:
                raise _refuse(
                    f"could not determine a constructor for the tag {clip(key_node.tag)}", key_node
                )
            key = key_node.value
            if anchors is not None:
                _build(key_node, anchors)  # counts an alias used as a key
            if key in mapping:
                raise _duplicate(node, key_node, key)
            if plain and value_node.tag == _STR and type(value_node) is yaml.ScalarNode:
                mapping[key] = value_node.value
            else:
                mapping[key] = _build(value_node, anchors)
        return mapping
    if type(node) is yaml.SequenceNode and tag == _SEQ:
        return [_build(item, anchors) for item in node.value]
    raise _refuse(f"could not determine a constructor for the tag {tag!r}", node)


class Locator:
    """Lines of a file's values, from one composition with marks made the first time a
    problem needs a line: a file with thousands of problems is parsed twice, not thousands
    of times."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._root: yaml.Node | object | None = _UNSEEN
        self._keys: dict[int, dict[str, tuple[yaml.Node, yaml.Node]]] = {}

    def _compose(self) -> yaml.Node | None:
        if self._root is _UNSEEN:
            try:
                self._root = yaml.compose(self.text, Loader=yaml.CSafeLoader)
            except (yaml.YAMLError, RecursionError):
                self._root = None
        root: yaml.Node | None = self._root  # type: ignore[assignment]
        return root

    def line(self, path: Sequence[str | int], *, missing: bool = False) -> int | None:
        """The line of the value at `path`: the line of its key in a mapping, of the item in
        a list; else of its nearest ancestor. `missing`: the last step is a field that is
        absent, so the line is its mapping's (its key's or item's), or none at the top."""
        node = self._compose()
        line = None
        steps = list(path[:-1]) if missing and path else list(path)
        for step in steps:
            found = self._child(node, step) if node is not None else None
            if found is None:
                break
            key, node = found
            line = key.start_mark.line + 1
        return line

    def _child(self, node: yaml.Node, step: str | int) -> tuple[yaml.Node, yaml.Node] | None:
        if isinstance(node, yaml.MappingNode):
            keys = self._keys.get(id(node))
            if keys is None:
                keys = self._keys[id(node)] = {}
                for key_node, value_node in node.value:
                    keys.setdefault(str(key_node.value), (key_node, value_node))
            return keys.get(str(step))
        if isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            items: list[yaml.Node] = node.value
            if 0 <= step < len(items):
                return items[step], items[step]
        return None
