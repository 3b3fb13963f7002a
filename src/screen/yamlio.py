"""Reading YAML safely: the C safe loader, strict about what a record may contain.

Records are parsed fast with the C loader. Line numbers are only looked up (by composing
the text again) when something turned out to be wrong: errors are rare, records are many.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

import yaml

from screen.errors import InputError, Problem

DEFAULT_MAX_BYTES = 1024 * 1024


class _StrictLoader(yaml.CSafeLoader):
    """CSafeLoader that refuses duplicate keys, bad dates and alias bombs."""

    max_alias_uses = 0

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._alias_uses = 0

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node in self.constructed_objects:
            self._alias_uses += 1
            if self._alias_uses > self.max_alias_uses:
                raise yaml.constructor.ConstructorError(
                    None, None, "anchors and aliases are not allowed here", node.start_mark
                )
        return super().construct_object(node, deep=deep)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: dict[tuple[str, str], int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key = (key_node.tag, key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key_node.value!r} (first at line {seen[key]}, again at line {line})",
                    key_node.start_mark,
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"invalid date {node.value!r}: {exc}", node.start_mark
            ) from None


_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _StrictLoader.construct_yaml_timestamp)


class _CriteriaLoader(_StrictLoader):
    """Criteria files may reuse a block with an anchor, within reason."""

    max_alias_uses = 200


def read_text(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The file's text, refusing oversized, non-UTF-8 and empty files without a traceback."""
    source = str(path)
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
    """Parse one YAML document that must be a mapping at the top level."""
    loader_class = _CriteriaLoader if criteria else _StrictLoader
    if not text.strip():
        raise InputError([Problem("the file is empty", source)])
    loader = loader_class(text)
    try:
        data = loader.get_single_data()
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
    finally:
        loader.dispose()
    if data is None:
        raise InputError([Problem("the file holds no data", source)])
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a single value ({type(data).__name__})"
        raise InputError(
            [Problem(f"the top level must be a mapping of field names, not {kind}", source, 1)]
        )
    return data


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
