"""load -> validate: files become checked models, or a list of problems with their lines.

The criteria file is loaded and checked once; each patient file is read, parsed with the C
loader, validated against the record model and checked against the screening date.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, Tag, ValidationError

from screen.errors import InputError, Problem, dotted_path
from screen.paths import display_name
from screen.record import yamlio
from screen.record.model import age_disagreements, record_model
from screen.rules.language import CriteriaSet
from screen.rules.schema import FieldType, PathError, did_you_mean, model_fields, resolve
from screen.rules.sources import Catalog, bundled_path, catalog_of, problems_at
from screen.rules.vocabulary import Vocabulary

BUNDLED_NAME = "precious.yaml"
Parsed = TypeVar("Parsed", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Criteria:
    """A checked criteria set, ready to evaluate many patients: its rules, what it reads
    (dictionaries and vocabularies, merged), the record model built from its dictionaries."""

    rules: CriteriaSet
    vocabulary: Vocabulary
    source: str
    sha256: str
    catalog: Catalog
    record: type[BaseModel]

    def __reduce__(self) -> tuple[Any, ...]:
        """Sent to a worker started by spawn (Windows has no fork) without the record model:
        a class built at run time cannot be pickled, so the worker builds it again."""
        return (
            _with_record_model,
            (self.rules, self.vocabulary, self.source, self.sha256, self.catalog),
        )


def _with_record_model(
    rules: CriteriaSet, vocabulary: Vocabulary, source: str, sha256: str, catalog: Catalog
) -> Criteria:
    return Criteria(rules, vocabulary, source, sha256, catalog, record_model(catalog.dictionary))


def bundled_criteria_path() -> Path:
    """The PRECIOUS set: inside the installed package, or in criteria/ of a checkout."""
    return bundled_path(BUNDLED_NAME)


def load_criteria(path: Path | None = None, *, cache: bool = True) -> Criteria:
    """Read, validate and statically check a criteria file and what it uses; InputError
    lists every problem. A check made by an earlier run of the same program on the same
    files is reused (screen.checked_cache); `cache=False` always checks anew."""
    from screen import checked_cache

    path = path or bundled_criteria_path()
    source = display_name(path)
    text = yamlio.read_text(path)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    kept = checked_cache.read(path, digest) if cache else None
    if kept is not None:
        rules, catalog, vocabulary = kept
        return Criteria(
            rules, vocabulary, source, digest, catalog, record_model(catalog.dictionary)
        )
    from screen.rules.check import check_criteria  # a cached set was checked already

    rules = read_model(text, source, CriteriaSet)
    catalog = catalog_of(rules, path)
    record = record_model(catalog.dictionary)
    vocabulary = Vocabulary.from_catalog(catalog, rules.entries)
    findings = check_criteria(rules, catalog, vocabulary, record)
    if findings:
        raise InputError(problems_at(findings, yamlio.Locator(text), source))
    if cache:
        checked_cache.write(path, digest, (rules, catalog, vocabulary))
    return Criteria(rules, vocabulary, source, digest, catalog, record)


def read_model(text: str, source: str, model: type[Parsed]) -> Parsed:
    """A data file (criteria set, dictionary, vocabulary) parsed and validated into its
    model; InputError lists every problem with its line."""
    data = yamlio.parse_mapping(text, source, criteria=True)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InputError(problems_from(exc, data, yamlio.Locator(text), source, model)) from None


def load_patient(
    path: Path, criteria: Criteria, as_of: datetime.date | None, today: datetime.date
) -> tuple[Any, datetime.date]:
    """The validated record and the date to screen it on (--as-of, screening_date, today)."""
    source = display_name(path)
    text = yamlio.read_text(path)
    data = yamlio.parse_mapping(text, source)
    return validate_patient(data, text, source, criteria, as_of, today)


def validate_patient(
    data: dict[str, Any],
    text: str,
    source: str,
    criteria: Criteria,
    as_of: datetime.date | None,
    today: datetime.date,
) -> tuple[Any, datetime.date]:
    try:
        patient = criteria.record.model_validate(data)
    except ValidationError as exc:
        # Every problem of the file at once: the date and unit checks run on the raw data
        # too, so that fixing one round does not reveal the next.
        locator = yamlio.Locator(text)
        problems = problems_from(exc, data, locator, source, criteria.record)
        written = data.get("screening_date")
        screening = as_of or (written if type(written) is datetime.date else None) or today
        raw = [*_late_dates(data, screening), *_bad_units(data, criteria)]
        seen = {(p.line, p.field) for p in problems}
        extra = [p for p in problems_at(raw, locator, source) if (p.line, p.field) not in seen]
        raise InputError(sorted(problems + extra, key=lambda p: p.line or 0)) from None
    screening = as_of or getattr(patient, "screening_date", None) or today
    findings = [
        *_late_dates(patient, screening),
        *_bad_units(patient, criteria),
        *age_disagreements(patient, criteria.catalog.dictionary, screening),
    ]
    if findings:
        raise InputError(problems_at(findings, yamlio.Locator(text), source))
    return patient, screening


def _late_dates(
    value: Any, screening: datetime.date, loc: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every date after the screening date: no record may speak of the future. `value` is
    the validated record, or the data as read when validation failed (all problems at once)."""
    if isinstance(value, BaseModel):
        value = value.__dict__
    if isinstance(value, dict):
        for key, item in value.items():
            if item is not None and (loc or key != "screening_date"):
                yield from _late_dates(item, screening, (*loc, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _late_dates(item, screening, (*loc, index))
    elif type(value) is datetime.date and value > screening and loc:
        yield loc, f"date {value} is after the screening date {screening}"


def _bad_units(record: Any, criteria: Criteria) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """A unit the dictionary does not accept for that quantity is invalid input. `record` is
    the validated model, or the data as read when validation failed (all problems at once)."""
    vocabulary = criteria.vocabulary
    for steps, analyte, accepted in _quantities(criteria):
        results = _value_at(record, steps)
        if results is None:
            continue
        series = results if isinstance(results, list) else [results]
        for index, result in enumerate(series):
            unit = result.get("unit") if isinstance(result, dict) else getattr(result, "unit", None)
            if not isinstance(unit, str) or vocabulary.ucum(unit) in accepted:
                continue
            loc: tuple[str | int, ...] = (
                (*steps, index, "unit") if isinstance(results, list) else (*steps, "unit")
            )
            yield (
                loc,
                f"unit {yamlio.clip(unit)} is not a unit of {analyte} (accepted: {', '.join(accepted)})",
            )


_QUANTITIES: dict[int, tuple[Criteria, list[tuple[tuple[str, ...], str, list[str]]]]] = {}


def _quantities(criteria: Criteria) -> list[tuple[tuple[str, ...], str, list[str]]]:
    """The quantities a record's units are checked for, worked out once per criteria set:
    their path, analyte and accepted units (quantities inside list entries: none exist)."""
    known = _QUANTITIES.get(id(criteria))
    if known is not None and known[0] is criteria:
        return known[1]
    fields = criteria.catalog.dictionary.fields
    found = []
    for spec in criteria.catalog.dictionary.quantities():
        parent, in_list = spec.parent, False
        while parent:
            in_list = in_list or fields[parent].type == "list"
            parent = parent.rsplit(".", 1)[0] if "." in parent else ""
        accepted = criteria.vocabulary.accepted_units(spec.name)
        if not in_list and accepted is not None:
            found.append((tuple(spec.path.split(".")), spec.name, accepted))
    _QUANTITIES[id(criteria)] = (criteria, found)
    return found


def _value_at(record: Any, steps: tuple[str, ...]) -> Any:
    for step in steps:
        record = record.get(step) if isinstance(record, dict) else getattr(record, step, None)
        if record is None:
            return None
    return record


def problems_from(
    exc: ValidationError, data: Any, locator: yamlio.Locator, source: str, model: type[BaseModel]
) -> list[Problem]:
    """pydantic's errors, each with its YAML line and a field path as the file spells it.
    A missing field is put on the line of the mapping that lacks it (none at the top level)."""
    errors = [
        (_data_path(data, error["loc"], error["type"] == "missing"), error)
        for error in exc.errors(include_url=False)
    ]
    # A union (one lab result or a list of them) fails once per branch: a branch's error on
    # a value that has errors deeper inside ("Input should be a valid list") is noise.
    inside = {loc[:depth] for loc, _ in errors for depth in range(len(loc))}
    # ... and a value that fits no branch at all fails once per branch at one place: one
    # line says what the place takes ("a mapping of its fields or a list of them").
    # The same for plain values (a date where true/false, a number, text or a list is taken).
    shapes: dict[tuple[str | int, ...], list[str]] = {}
    for loc, error in errors:
        wanted = _SHAPES.get(error["type"]) or _SCALARS.get(error["type"])
        if wanted is not None and wanted not in shapes.get(loc, []):
            shapes.setdefault(loc, []).append(wanted)
    problems = []
    seen = set()
    for loc, error in errors:
        if loc in inside:
            continue
        message = _message(error, loc, model)
        if error["type"] in _SHAPES or (error["type"] in _SCALARS and len(shapes[loc]) > 1):
            message = f"expected {_either(shapes[loc])} (got {yamlio.clip(error.get('input'))})"
        if error["type"] in ("unknown_node", "unknown_term"):
            loc, message = _unknown_kind(data, loc, message, error["type"])
        elif error["type"] == "extra_forbidden":
            fields = _fields_at(model, tuple(error["loc"]))
            if fields is not None:
                name = str(loc[-1]) if loc else "?"
                message = f"unknown field {yamlio.clip(name)}{did_you_mean(name, fields)}"
        key = (loc, message)
        if key in seen:
            continue
        seen.add(key)
        line = locator.line(loc, missing=error["type"] == "missing")
        problems.append(Problem(message, source, line, dotted_path(loc)))
    return problems


_SHAPES = {  # pydantic's error type: what the place takes, in the words of a YAML file
    "model_type": "a mapping of its fields",
    "model_attributes_type": "a mapping of its fields",
    "dict_type": "a mapping",
    "list_type": "a list",
}


_SCALARS = {  # the same for plain values
    "bool_type": "true or false",
    "int_type": "a whole number",
    "float_type": "a number",
    "string_type": "text",
    "date_type": "a date",
}


def _either(wanted: list[str]) -> str:
    """What a place takes, in words: "a mapping of its fields or a list of them", "true or
    false, a number, text or a list"."""
    if "a number" in wanted and "a whole number" in wanted:
        wanted = [w for w in wanted if w != "a whole number"]
    if wanted[0].startswith("a mapping") and wanted[1:] == ["a list"]:
        return f"{wanted[0]} or a list of them"
    return ", ".join(wanted[:-1]) + " or " + wanted[-1] if len(wanted) > 1 else wanted[0]


def _data_path(data: Any, loc: tuple[Any, ...], missing: bool) -> tuple[str | int, ...]:
    """Keep the steps of pydantic's loc that exist in the data (drop union tags), and the
    name of a missing field."""
    path: list[str | int] = []
    current = data
    for step in loc:
        if (isinstance(current, dict) and step in current) or (
            isinstance(current, list) and isinstance(step, int) and 0 <= step < len(current)
        ):
            current = current[step]
            path.append(step)
        elif (
            missing
            and isinstance(current, dict)
            and isinstance(step, str)
            and step not in current
            and step == loc[-1]
        ):
            path.append(step)  # a required field that is missing
    return tuple(path)


def _message(error: Any, loc: tuple[str | int, ...], model: type[BaseModel]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        name = str(loc[-1]) if loc else "?"
        return f"unknown field {yamlio.clip(name)}{did_you_mean(name, _siblings(model, loc))}"
    if kind == "missing":
        return "required field is missing" + ("" if len(loc) > 1 else " (the file has none)")
    message = str(error["msg"])
    if message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    given = error.get("input")
    if kind in ("float_type", "float_parsing") and isinstance(given, str):
        spelled = _yaml_number(given)
        if spelled is not None:
            return (
                f"expected a number, got the text {yamlio.clip(given)}: YAML reads this"
                f" spelling as text; write it as {spelled}"
            )
    if kind in ("literal_error", "enum") or "Input should be" in message:
        message = (
            f"{message} (got {yamlio.clip(given)})"
            if not isinstance(given, dict | list)
            else message
        )
    return yamlio.cut(message)


def _yaml_number(text: str) -> str | None:
    """How YAML 1.1 wants a number written as text spells it (`1.0e308` -> `1.0e+308`),
    or None when it is not a finite number, or was quoted."""
    if yamlio.plain_tag(text) != "tag:yaml.org,2002:str":
        return None  # quoted: the file asked for text
    try:
        value = float(text)
    except ValueError:
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return None
    mantissa, _, exponent = repr(value).partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    if exponent and exponent[0] not in "+-":
        exponent = "+" + exponent
    return f"{mantissa}e{exponent}" if exponent else mantissa


def _siblings(model: type[BaseModel], loc: tuple[str | int, ...]) -> list[str]:
    """The field names allowed beside the misspelt key, for a did-you-mean."""
    parent = ".".join(str(s) for s in loc[:-1] if isinstance(s, str))
    try:
        found: FieldType = resolve(FieldType("model", model=model), parent or ".")
    except PathError:
        return []
    while found.kind in ("list", "series") and found.item is not None:
        found = found.item
    return list(model_fields(found.model)) if found.model is not None else []


def _unknown_kind(
    data: Any, loc: tuple[str | int, ...], message: str, error_type: str
) -> tuple[tuple[str | int, ...], str]:
    """A node (or `expr` term) none of whose keys says what it is: most often its leading
    key is misspelt, so name the key nearest to one that would, with its line."""
    from screen.rules.language import NODE_KEYS, TERM_KEYS

    known = NODE_KEYS if error_type == "unknown_node" else TERM_KEYS
    value: Any = data
    for step in loc:
        value = value[step]
    if isinstance(value, dict):
        for key in value:
            hint = did_you_mean(str(key), known)
            if hint:
                return (*loc, key), f"unknown field {key!r}{hint}"
    return loc, message


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str] | None:
    """The keys allowed where pydantic's error `loc` ends, walking the model's annotations
    (fields, lists, mappings, union tags); None when the walk gets lost."""
    current: Any = model
    for step in loc[:-1]:
        current = _step(current, step)
        if current is None:
            return None
    found = _model_of(current)
    if found is None:
        return None
    return [info.alias or name for name, info in found.model_fields.items()]


def _model_of(annotation: Any) -> type[BaseModel] | None:
    annotation = _bare(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    members = _members(annotation)
    models = [m for m in (_model_of(member) for member in members) if m is not None]
    return models[0] if len(models) == 1 else None


def _bare(annotation: Any) -> Any:
    """Without Annotated's metadata, and Optional's None."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        parts = [a for a in get_args(annotation) if a is not type(None)]
        if len(parts) == 1:
            return _bare(parts[0])
    return annotation


def _members(annotation: Any) -> tuple[Any, ...]:
    if get_origin(annotation) in (Union, types.UnionType):
        return tuple(a for a in get_args(annotation) if a is not type(None))
    return ()


def _tag(annotation: Any) -> str | None:
    if get_origin(annotation) is Annotated:
        for meta in get_args(annotation)[1:]:
            if isinstance(meta, Tag):
                return meta.tag
    return None


def _step(annotation: Any, step: Any) -> Any:
    annotation = _bare(annotation)
    members = _members(annotation)
    if members:
        for member in members:  # a union's tag, or the name pydantic gives a member
            if _tag(member) == step or getattr(_bare(member), "__name__", None) == step:
                return member
            if str(_bare(member)) == step or repr(_bare(member)).endswith(f".{step}"):
                return member
        for member in members:
            found = _step(member, step)
            if found is not None:
                return found
        return None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        hints = _hints(annotation)
        for name, info in annotation.model_fields.items():
            if step in (name, info.alias):
                return hints.get(name)
        return None
    origin = get_origin(annotation)
    if origin is list and isinstance(step, int):
        return get_args(annotation)[0]
    if origin is dict and isinstance(step, str):
        return get_args(annotation)[1]
    return None


@functools.cache
def _hints(model: type[BaseModel]) -> dict[str, Any]:
    return typing.get_type_hints(model, include_extras=True)
