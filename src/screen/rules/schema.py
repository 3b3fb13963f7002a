"""What a field path points at in a record model: used to check rules before screening.

Criteria name patient fields as dotted paths (`labs.platelets`, `breast_cancer.her2.ihc`);
this module resolves them against the pydantic model so that a typo is caught when the
criteria file is loaded, with a did-you-mean, not silently evaluated as "missing".
"""

from __future__ import annotations

import datetime
import difflib
import functools
import types
import typing
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel


@dataclass(frozen=True, slots=True)
class FieldType:
    """A field's shape: a scalar of some python type (maybe a fixed set), a model, or a list."""

    kind: Literal["scalar", "model", "list", "series"]
    python: type | None = None
    choices: tuple[Any, ...] | None = None
    model: type[BaseModel] | None = None
    item: FieldType | None = None

    def describe(self) -> str:
        if self.kind == "scalar":
            if self.choices is not None:
                return "one of " + ", ".join(repr(c) for c in self.choices)
            return self.python.__name__ if self.python else "value"
        if self.kind == "model":
            return "a group of fields"
        inner = self.item.describe() if self.item else "?"
        return f"a list of {inner}" if self.kind == "list" else f"one or a list of {inner}"


def field_type(annotation: Any) -> FieldType:
    """Normalize a model field's annotation (Optional, Annotated, Literal, unions, lists)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return field_type(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        parts = [a for a in get_args(annotation) if a is not type(None)]
        if len(parts) == 1:
            return field_type(parts[0])
        shapes = [field_type(p) for p in parts]
        lists = [s for s in shapes if s.kind == "list"]
        singles = [s for s in shapes if s.kind != "list"]
        if len(lists) == 1 and len(singles) == 1 and lists[0].item == singles[0]:
            return FieldType("series", item=singles[0])
        return FieldType("scalar")
    if origin is Literal:
        choices = get_args(annotation)
        return FieldType("scalar", python=type(choices[0]), choices=choices)
    if origin is list:
        return FieldType("list", item=field_type(get_args(annotation)[0]))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return FieldType("model", model=annotation)
    if annotation in (bool, int, float, str, datetime.date):
        return FieldType("scalar", python=annotation)
    return FieldType("scalar")


@functools.cache
def model_fields(model: type[BaseModel]) -> dict[str, FieldType]:
    """The fields of a record model and their shapes (worked out once per model: reading
    type hints is slow, and a criteria file asks about the same models hundreds of times)."""
    hints = typing.get_type_hints(model, include_extras=True)
    return {name: field_type(hints[name]) for name in model.model_fields}


class PathError(ValueError):
    """A dotted path that does not name a field."""


def resolve(scope: FieldType, path: str) -> FieldType:
    """The type at a dotted path below `scope`; "." is the scope itself (a list item)."""
    if path == ".":
        return scope
    current = scope
    walked: list[str] = []
    for step in path.split("."):
        if current.kind != "model" or current.model is None:
            where = ".".join(walked) or "this item"
            raise PathError(f"{where} is {current.describe()}, it has no field {step!r}")
        fields = model_fields(current.model)
        if step not in fields:
            raise PathError(f"no field {'.'.join([*walked, step])!r}{did_you_mean(step, fields)}")
        current = fields[step]
        walked.append(step)
    return current


def did_you_mean(name: str, known: typing.Iterable[str]) -> str:
    """A hint naming the closest known names: similar spelling, or one begins the other."""
    names = list(known)
    close = difflib.get_close_matches(name, names, n=2, cutoff=0.6)
    close += [
        n
        for n in names
        if n not in close and len(n) >= 3 and (name.startswith(n) or n.startswith(name))
    ]
    close = close[:2]
    return f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
