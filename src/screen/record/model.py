"""The record model, built from a data dictionary with pydantic's `create_model`.

As strict as a hand-written model: unknown keys are errors, types are strict (no "yes" for
true, no 1.0 for an ECOG score), numbers finite within their range, dates plausible. Built
once per set of dictionaries (cached), never per record.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model, model_validator

from screen.record.dictionary import Dictionary, FieldSpec
from screen.record.fields import Date, Name, Record, choice_from_number

_MODELS: dict[Any, type[BaseModel]] = {}
QUANTITY_VALUE = Annotated[float, Field(ge=0, le=1_000_000)]


def record_model(dictionary: Dictionary) -> type[BaseModel]:
    """The pydantic model of a record under these dictionaries (built once per set)."""
    model = _MODELS.get(dictionary.key)
    if model is None:
        model = _MODELS[dictionary.key] = _Builder(dictionary).group("", "Patient", Record)
    return model


class _Builder:
    def __init__(self, dictionary: Dictionary) -> None:
        self.dictionary = dictionary
        self.names: set[str] = set()

    def name_for(self, spec: FieldSpec) -> str:
        base = "".join(part.capitalize() for part in spec.name.split("_"))
        name, parent = base, spec.parent
        while name in self.names and parent:
            name = "".join(p.capitalize() for p in parent.rsplit(".", 1)[-1].split("_")) + name
            parent = parent.rsplit(".", 1)[0] if "." in parent else ""
        unique, number = name, 2  # taken all the way up (x_labs, x.labs): numbered
        while unique in self.names:
            unique, number = f"{name}{number}", number + 1
        self.names.add(unique)
        return unique

    def group(self, path: str, name: str, base: type[BaseModel] | None = None) -> type[BaseModel]:
        fields: dict[str, Any] = {}
        validators: dict[str, Any] = {}
        owner = self.dictionary.fields.get(path)
        for spec in self.dictionary.children(path):
            annotation = self.annotation(spec)
            if spec.required:
                fields[spec.name] = (annotation, Field(description=spec.description))
            else:
                fields[spec.name] = (
                    annotation | None,
                    Field(default=None, description=spec.description),
                )
            validators.update(_checks(spec))
        if owner is not None and owner.required_when is not None:
            validators["_required_when"] = _required_when(owner)
        model: type[BaseModel] = create_model(
            name,
            __base__=base or _Part,
            __doc__=owner.description if owner is not None else "One patient's screening record.",
            __validators__=validators,
            **fields,
        )
        return model

    def annotation(self, spec: FieldSpec) -> Any:
        kind = spec.type
        if kind == "yes_no":
            return bool
        if kind == "integer":
            low, high, above = (
                None if v is None else int(v) for v in (spec.min, spec.max, spec.above)
            )
            return Annotated[int, Field(ge=low, le=high, gt=above)]
        if kind == "number":
            return Annotated[float, Field(ge=spec.min, le=spec.max, gt=spec.above)]
        if kind == "date":
            return Date
        if kind == "choice":
            assert spec.choices is not None
            choices = tuple(spec.choices)
            return Annotated[
                Literal[choices],
                BeforeValidator(choice_from_number(choices)),
            ]
        if kind in ("text", "drug"):
            return Name
        if kind == "drugs":
            return Annotated[list[Name], Field(min_length=spec.min_items or 0)]
        if kind == "dates":
            return list[Date | None]
        if kind == "group":
            return self.group(spec.path, self.name_for(spec))
        if kind == "list":
            return list[self.group(spec.path, self.name_for(spec))]  # type: ignore[misc]
        if kind == "quantity":
            item = _quantity(spec.reference_range)
            return item | list[item] if spec.series else item  # type: ignore[valid-type]
        raise AssertionError(f"unreachable: field type {kind}")


class _Part(Record):
    model_config = ConfigDict(defer_build=True)


_QUANTITIES: dict[bool, type[BaseModel]] = {}


def _quantity(reference_range: bool) -> type[BaseModel]:
    """A dated result with its unit (and, where the field says so, its reference range)."""
    model = _QUANTITIES.get(reference_range)
    if model is None:
        fields: dict[str, Any] = {
            "value": (QUANTITY_VALUE | None, None),
            "unit": (Name | None, None),
            "date": (Date | None, None),
        }
        if reference_range:
            fields["uln"] = (QUANTITY_VALUE | None, None)
            fields["lln"] = (QUANTITY_VALUE | None, None)
        model = _QUANTITIES[reference_range] = create_model(
            "QuantityWithRange" if reference_range else "Quantity",
            __base__=Record,
            __doc__="A dated result with its unit.",
            **fields,
        )
    return model


def _checks(spec: FieldSpec) -> dict[str, Any]:
    """A field's own consistency checks, as model validators of its group."""
    found: dict[str, Any] = {}
    name = spec.name
    if spec.not_before is not None:
        other = spec.not_before

        def not_before(self: Any) -> Any:
            value, earlier = getattr(self, name), getattr(self, other)
            if value is not None and earlier is not None and value < earlier:
                raise ValueError(f"{name} {value} is before {other} {earlier}")
            return self

        found[f"_{name}_not_before"] = model_validator(mode="after")(not_before)
    if spec.false_when_given is not None:
        given, message = spec.false_when_given, spec.message_when_both

        def false_when_given(cls: Any, data: Any) -> Any:
            if isinstance(data, dict) and data.get(given) is not None and name not in data:
                return {**data, name: False}
            return data

        def not_both(self: Any) -> Any:
            if getattr(self, name) is True and getattr(self, given) is not None:
                raise ValueError(message or f"{name} cannot be true when {given} is given")
            return self

        found[f"_{name}_false_when_given"] = model_validator(mode="before")(
            classmethod(false_when_given)  # type: ignore[arg-type]
        )
        found[f"_{name}_not_both"] = model_validator(mode="after")(not_both)
    return found


def _required_when(owner: FieldSpec) -> Any:
    rule = owner.required_when
    assert rule is not None

    def required_when(self: Any) -> Any:
        if getattr(self, rule.field) == rule.is_ and getattr(self, rule.then) is None:
            raise ValueError(rule.message)
        return self

    return model_validator(mode="after")(required_when)


def age_disagreements(
    record: BaseModel, dictionary: Dictionary, screening: datetime.date
) -> list[tuple[tuple[str | int, ...], str]]:
    """A birth date and a stated age that disagree on the screening date: which is right?"""
    from screen.engine.dates import completed_years

    found: list[tuple[tuple[str | int, ...], str]] = []
    for spec in dictionary.fields.values():
        if spec.agrees_with_age is None or spec.parent:
            continue
        birth, age = getattr(record, spec.name, None), getattr(record, spec.agrees_with_age, None)
        if birth is not None and age is not None:
            years = completed_years(birth, screening)
            if years != age:
                found.append(
                    (
                        (spec.agrees_with_age,),
                        f"{spec.agrees_with_age} {age} disagrees with {spec.name} {birth}"
                        f" ({years} on the screening date {screening})",
                    )
                )
    return found
