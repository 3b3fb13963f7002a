"""Reading YAML safely: the C safe loader, strict about what a record may contain.

Records are parsed fast with the C loader. Line numbers are only looked up (by composing
the text again) when something turned out to be wrong: errors are rare, records are many.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import yaml

from screen.errors import InputError, Problem
from screen.paths import display_name

DEFAULT_MAX_BYTES = 1024 * 1024
CRITERIA_ALIASES = 200  # alias uses a criteria file may make; patient files: none


def read_text(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The file's text, refusing oversized, non-UTF-8 and empty files without a traceback."""
    source = display_name(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(
                [Problem(f"file is {size} bytes, over the limit of {max_bytes} bytes", source)]
            )
        with path.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        raise InputError([Problem(f"cannot read file: {exc.strerror or exc}", source)]) from None
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
        raise InputError([Problem(f"invalid YAML: {message}", source, line)]) from None
    except yaml.YAMLError as exc:
        raise InputError([Problem(f"invalid YAML: {exc}", source)]) from None
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
    return _build(root, anchors)


class _Anchors:
    """The nodes built so far, in a text that holds anchors: a node met again is an alias.
    Its value is shared, never rebuilt, so an alias bomb cannot expand."""

    def __init__(self, allowed: int) -> None:
        self.allowed = allowed
        self.used = 0
        self.built: dict[int, Any] = {}


def _refuse(message: str, node: yaml.Node) -> yaml.constructor.ConstructorError:
    return yaml.constructor.ConstructorError(None, None, message, node.start_mark)


def _duplicate(
    mapping: yaml.MappingNode, again: yaml.Node, key: Any
) -> yaml.constructor.ConstructorError:
    """The error for a key given twice, naming both lines (looked up only now: rare)."""
    first = next(k for k, _ in mapping.value if k is not again and _build(k, None) == key)
    return _refuse(
        f"duplicate key {again.value!r} (first at line {first.start_mark.line + 1},"
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
        raise _refuse(f"could not determine a constructor for the tag {node.tag!r}", node)
    try:
        return construct(node)
    except ValueError as exc:
        if node.tag == "tag:yaml.org,2002:timestamp":
            raise _refuse(f"invalid date {node.value!r}: {exc}", node) from None
        raise _refuse(f"invalid value {node.value!r}: {exc}", node) from None


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
            if plain and key_node.tag == _STR:
                key = key_node.value
            elif key_node.tag == "tag:yaml.org,2002:merge":
                raise _refuse("merge keys (<<) are not allowed here", key_node)
            else:
                key = _build(key_node, anchors)
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


def line_of(text: str, path: Sequence[str | int]) -> int | None:
    """The line of the node at `path` (keys and list indices), or of its nearest ancestor."""
    try:
        node: yaml.Node | None = yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return None
    line = None
    for step in path:
        if node is None:
            break
        line = node.start_mark.line + 1
        node = _child(node, step)
    if node is not None:
        line = node.start_mark.line + 1
    return line


def _child(node: yaml.Node, step: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == str(step):
                found: yaml.Node = value_node
                return found
        return None
    if isinstance(node, yaml.SequenceNode) and isinstance(step, int):
        items: list[yaml.Node] = node.value
        return items[step] if 0 <= step < len(items) else None
    return None
