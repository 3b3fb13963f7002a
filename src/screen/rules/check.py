"""Static checks of a criteria set against the patient model, before any patient is seen.

Like rule-engine's type checking at parse time: a field that does not exist, a value a
field can never hold, a drug or class the vocabulary does not know, a unit that does not
fit its analyte. Each problem carries the path into the criteria document for its line.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import BaseModel

from screen.rules.language import (
    AddTerm,
    Age,
    AgeTerm,
    AllOf,
    AnyOf,
    Compare,
    Count,
    CriteriaSet,
    DivTerm,
    Drug,
    EquivalenceTable,
    Exists,
    Expr,
    Factor,
    FieldTerm,
    IfTerm,
    Interval,
    Latest,
    MulTerm,
    Not,
    Recent,
    RecentTerm,
    SubTerm,
    Sum,
    Window,
)
from screen.rules.language import Vocabulary as RulesVocabulary
from screen.rules.schema import FieldType, PathError, did_you_mean, resolve
from screen.rules.sources import Catalog
from screen.rules.vocabulary import Vocabulary, drug_key

Loc = tuple[str | int, ...]
Finding = tuple[Loc, str]


def check_criteria(
    criteria: CriteriaSet, catalog: Catalog, vocabulary: Vocabulary, record: type[BaseModel]
) -> list[Finding]:
    """Every problem of the criteria set, each with its location in the document."""
    shared = {e.name for e in catalog.vocabulary.drugs} - {
        e.name for e in (criteria.vocabulary.drugs if criteria.vocabulary else [])
    }
    findings: list[Finding] = []
    if criteria.vocabulary is not None:
        findings += check_vocabulary(
            criteria.vocabulary, criteria.equivalences, catalog.vocabulary.classes, shared
        )
    codes = {a.unit for a in catalog.analytes.values()} | {
        unit for a in catalog.analytes.values() for unit in a.accepts
    }
    for alias, code in criteria.unit_aliases.items():
        if code not in codes:
            findings.append((("unit_aliases", alias), f"{code!r} is not a unit of any analyte"))
    seen: dict[str, int] = {}
    root = FieldType("model", model=record)
    for index, criterion in enumerate(criteria.criteria):
        loc: Loc = ("criteria", index)
        if criterion.id in seen:
            findings.append(
                (
                    (*loc, "id"),
                    f"duplicate criterion id {criterion.id!r} (also criteria[{seen[criterion.id]}])",
                )
            )
        seen.setdefault(criterion.id, index)
        checker = _NodeChecker(catalog, vocabulary, root)
        checker.check(criterion.logic, root, (*loc, "logic"))
        findings.extend(checker.findings)
    findings.extend(_check_entries(criteria, catalog, vocabulary, root))
    return findings


def _check_entries(
    criteria: CriteriaSet, catalog: Catalog, vocabulary: Vocabulary, root: FieldType
) -> Iterator[Finding]:
    """An `entries` declaration names a list of the record, fields of its entries, classes."""
    classes = set(catalog.vocabulary.classes)
    for path, reading in criteria.entries.items():
        loc: Loc = ("entries", path)
        checker = _NodeChecker(catalog, vocabulary)
        item = checker.items(root, path, loc)
        if item is not None:
            if reading.drugs is not None:
                checker.field(item, reading.drugs, (*loc, "drugs"))
            for name in reading.parts_of_one:
                checker.field(item, name, (*loc, "parts_of_one"))
        yield from checker.findings
        if reading.set_aside and reading.drugs is None:
            # without the field that holds the drugs nothing could be set aside
            yield (*loc, "set_aside"), "set_aside needs `drugs`: the field whose drugs it reads"
        for cls in reading.set_aside:
            if cls not in classes:
                yield (*loc, "set_aside"), f"unknown drug class {cls!r}{did_you_mean(cls, classes)}"


def check_vocabulary(
    vocabulary: RulesVocabulary,
    equivalences: dict[str, EquivalenceTable],
    known_classes: Iterable[str] = (),
    known_drugs: Iterable[str] = (),
) -> list[Finding]:
    """A vocabulary's own problems (a shared file's, or a criteria file's additions to the
    shared ones): unknown classes, parts of a combination, a name given to two drugs."""
    findings: list[Finding] = []
    classes = set(vocabulary.classes) | set(known_classes)
    names = {entry.name for entry in vocabulary.drugs} | set(known_drugs)
    owner: dict[str, str] = {}
    for index, entry in enumerate(vocabulary.drugs):
        loc: Loc = ("vocabulary", "drugs", index)
        for cls in entry.classes:
            if cls not in classes:
                findings.append(
                    ((*loc, "classes"), f"unknown drug class {cls!r}{did_you_mean(cls, classes)}")
                )
        for part in entry.contains:
            if part not in names:
                findings.append(((*loc, "contains"), f"{part!r} is not a drug of the vocabulary"))
        for name in (entry.name, *entry.synonyms):
            key = drug_key(name)
            if not key:  # it would stand for every recorded name without a letter or digit
                findings.append((loc, f"the name {name!r} has no letter or digit"))
                continue
            if key in owner and owner[key] != entry.name:
                findings.append(
                    (loc, f"the name {name!r} is given to both {owner[key]!r} and {entry.name!r}")
                )
            owner.setdefault(key, entry.name)
    for table_name, table in equivalences.items():
        for agent in table.factors:
            if agent not in names:
                findings.append(
                    (
                        ("equivalences", table_name, "factors", agent),
                        f"{agent!r} is not a drug of the vocabulary",
                    )
                )
    return findings


class _NodeChecker:
    def __init__(
        self, catalog: Catalog, vocabulary: Vocabulary, root: FieldType | None = None
    ) -> None:
        self.catalog = catalog
        self.vocabulary = vocabulary
        self.root = root
        self.findings: list[Finding] = []

    def scoped(self, scope: FieldType, path: str, loc: Loc) -> FieldType | None:
        """A path below the scope, or below the record's root when it starts with "/"."""
        if path.startswith("/") and self.root is not None:
            return self.field(self.root, path[1:] or ".", loc)
        return self.field(scope, path, loc)

    def problem(self, loc: Loc, message: str) -> None:
        self.findings.append((loc, message))

    def field(self, scope: FieldType, path: str, loc: Loc) -> FieldType | None:
        try:
            return resolve(scope, path)
        except PathError as exc:
            self.problem(loc, str(exc))
            return None

    def items(self, scope: FieldType, path: str, loc: Loc) -> FieldType | None:
        found = self.field(scope, path, loc)
        if found is None:
            return None
        if found.kind not in ("list", "series") or found.item is None:
            self.problem(loc, f"{path!r} is {found.describe()}, not a list")
            return None
        return found.item

    def expect_scalar(
        self, found: FieldType | None, python: tuple[type, ...], loc: Loc, what: str
    ) -> None:
        if found is None:
            return
        if found.kind != "scalar" or found.python not in python:
            self.problem(
                loc,
                f"{what} must be {' or '.join(p.__name__ for p in python)}, but it is {found.describe()}",
            )

    def check(self, node: Any, scope: FieldType, loc: Loc) -> None:
        if isinstance(node, AllOf | AnyOf):
            key = "all" if isinstance(node, AllOf) else "any"
            for i, child in enumerate(node.all if isinstance(node, AllOf) else node.any):
                self.check(child, scope, (*loc, key, i))
        elif isinstance(node, Not):
            self.check(node.not_, scope, (*loc, "not"))
        elif isinstance(node, Compare):
            self.compare(node, scope, loc)
        elif isinstance(node, Drug):
            self.drug(node, scope, loc)
        elif isinstance(node, Window):
            self.expect_scalar(
                self.field(scope, node.date, (*loc, "date")),
                (datetime.date,),
                (*loc, "date"),
                node.date,
            )
        elif isinstance(node, Recent):
            self.recent(node, scope, loc)
        elif isinstance(node, Exists | Count):
            path = node.exists if isinstance(node, Exists) else node.count
            key = "exists" if isinstance(node, Exists) else "count"
            item = self.items(scope, path, (*loc, key))
            if item is not None:
                self.check(node.where, item, (*loc, "where"))
        elif isinstance(node, Latest):
            item = self.items(scope, node.latest, (*loc, "latest"))
            if item is not None:
                self.expect_scalar(
                    self.field(item, node.by, (*loc, "by")), (datetime.date,), (*loc, "by"), node.by
                )
                self.check(node.where, item, (*loc, "where"))
        elif isinstance(node, Sum):
            item = self.items(scope, node.sum, (*loc, "sum"))
            if item is not None:
                self.expect_scalar(
                    self.field(item, node.of, (*loc, "of")), (int, float), (*loc, "of"), node.of
                )
                if node.where is not None:
                    self.check(node.where, item, (*loc, "where"))
                if node.factor is not None:
                    self.factor(node.factor, item, (*loc, "factor"))
        elif isinstance(node, Interval):
            for key, path in (("from", node.interval.from_), ("to", node.interval.to)):
                here = (*loc, "interval", key)
                self.expect_scalar(self.scoped(scope, path, here), (datetime.date,), here, path)
        elif isinstance(node, Expr):
            self.term(node.expr, scope, (*loc, "expr"))
        elif isinstance(node, Age):
            self.expect_scalar(
                self.field(scope, node.age, (*loc, "age")),
                (datetime.date,),
                (*loc, "age"),
                node.age,
            )
            if node.stated is not None:
                self.expect_scalar(
                    self.field(scope, node.stated, (*loc, "stated")),
                    (int,),
                    (*loc, "stated"),
                    node.stated,
                )

    def term(self, term: Any, scope: FieldType, loc: Loc) -> None:
        """An `expr` term: numbers, dates and observations where the arithmetic needs them."""
        if isinstance(term, FieldTerm):
            here = (*loc, "field")
            self.expect_scalar(self.scoped(scope, term.field, here), (int, float), here, term.field)
        elif isinstance(term, AgeTerm):
            here = (*loc, "age")
            self.expect_scalar(self.scoped(scope, term.age, here), (datetime.date,), here, term.age)
            if term.stated is not None:
                here = (*loc, "stated")
                self.expect_scalar(self.scoped(scope, term.stated, here), (int,), here, term.stated)
        elif isinstance(term, RecentTerm):
            self.observation(
                scope,
                term.recent_value,
                term.of,
                term.where,
                term.analyte,
                [term.unit],
                loc,
                "recent_value",
                term.recent_value.startswith("/"),
            )
        elif isinstance(term, IfTerm):
            self.check(term.if_, scope, (*loc, "if"))
            self.term(term.then, scope, (*loc, "then"))
            self.term(term.else_, scope, (*loc, "else"))
        elif isinstance(term, AddTerm | SubTerm | MulTerm | DivTerm):
            key = type(term).__name__[:3].lower()
            for index, part in enumerate(getattr(term, key)):
                self.term(part, scope, (*loc, key, index))

    def compare(self, node: Compare, scope: FieldType, loc: Loc) -> None:
        found = self.field(scope, node.field, (*loc, "field"))
        if found is None:
            return
        if found.kind != "scalar":
            self.problem(
                (*loc, "field"), f"{node.field!r} is {found.describe()}; compare one of its fields"
            )
            return
        many = node.op in ("in", "not_in")
        if many != isinstance(node.value, list):
            self.problem(
                (*loc, "value"), f"op {node.op!r} needs {'a list' if many else 'a single value'}"
            )
            return
        values = node.value if isinstance(node.value, list) else [node.value]
        for value in values:
            if found.choices is not None and value not in found.choices:
                self.problem(
                    (*loc, "value"),
                    f"{value!r} can never be the value of {node.field!r}: it is {found.describe()}",
                )
            elif found.python is bool and not isinstance(value, bool):
                self.problem((*loc, "value"), f"{node.field!r} is true or false, not {value!r}")
            elif found.python in (int, float) and (
                isinstance(value, bool) or not isinstance(value, int | float)
            ):
                self.problem((*loc, "value"), f"{node.field!r} is a number, not {value!r}")
            elif found.python is datetime.date:
                self.problem(
                    (*loc, "value"),
                    f"{node.field!r} is a date: a comparison with {value!r} would never match;"
                    f" use a date window ({{date: {node.field}, within: ...}})",
                )
            elif found.python is str and not isinstance(value, str):
                self.problem((*loc, "value"), f"{node.field!r} is text, not {value!r}")
        if node.op in ("lt", "le", "gt", "ge") and found.python not in (int, float):
            self.problem(
                (*loc, "op"),
                f"{node.op!r} compares numbers, but {node.field!r} is {found.describe()}",
            )
        if node.factor is not None:
            self.factor(node.factor, scope, (*loc, "factor"))

    def drug(self, node: Drug, scope: FieldType, loc: Loc) -> None:
        found = self.field(scope, node.drug, (*loc, "drug"))
        if found is not None:
            named = found.item if found.kind == "list" and found.item else found
            self.expect_scalar(named, (str,), (*loc, "drug"), node.drug)
        for name in node.is_ or []:
            if self.vocabulary.resolve(name) is None:
                hint = did_you_mean(name, [e.name for e in self.catalog.vocabulary.drugs])
                self.problem((*loc, "is"), f"{name!r} is not a drug of the vocabulary{hint}")
        if node.has_class is not None and node.has_class not in self.catalog.vocabulary.classes:
            hint = did_you_mean(node.has_class, self.catalog.vocabulary.classes)
            self.problem((*loc, "has_class"), f"unknown drug class {node.has_class!r}{hint}")

    def factor(self, factor: Factor, scope: FieldType, loc: Loc) -> None:
        if factor.table not in self.catalog.equivalences:
            hint = did_you_mean(factor.table, self.catalog.equivalences)
            self.problem((*loc, "table"), f"no equivalence table {factor.table!r}{hint}")
        self.expect_scalar(
            self.field(scope, factor.key, (*loc, "key")), (str,), (*loc, "key"), factor.key
        )

    def recent(self, node: Recent, scope: FieldType, loc: Loc) -> None:
        if node.times is not None and node.mean_of_latest is not None:
            # A mean is compared in the rule's unit; a multiple of each reading's own upper
            # limit is not one threshold to average against: refused, never read as unknown.
            self.problem(
                (*loc, "mean_of_latest"),
                f"a mean of readings cannot be compared with a multiple of their {node.times}",
            )
        if node.times is not None:
            found = self.field(scope, node.recent, (*loc, "recent"))
            item = (
                found.item if found and found.kind in ("list", "series") and found.item else found
            )
            if item is not None and item.kind == "model":
                self.expect_scalar(
                    self.field(item, node.times, (*loc, "times")),
                    (int, float),
                    (*loc, "times"),
                    node.times,
                )
        units = [] if node.times is not None else [node.unit, *node.stated_in]
        self.observation(
            scope, node.recent, node.of, node.where, node.analyte, units, loc, "recent", False
        )

    def observation(
        self,
        scope: FieldType,
        path: str,
        of: str,
        where: Any,
        analyte_name: str | None,
        units: list[str | None],
        loc: Loc,
        key: str,
        from_root: bool,
    ) -> None:
        """An observation path (a dated value, maybe a series), its value and its units."""
        found = (
            self.scoped(scope, path, (*loc, key))
            if from_root
            else self.field(scope, path, (*loc, key))
        )
        if found is None:
            return
        observation = found.item if found.kind in ("list", "series") and found.item else found
        if observation.kind != "model" or observation.model is None:
            self.problem((*loc, key), f"{path!r} is {found.describe()}, not an observation")
            return
        self.expect_scalar(
            self.field(observation, "date", (*loc, key)),
            (datetime.date,),
            (*loc, key),
            "its date",
        )
        self.expect_scalar(
            self.field(observation, of, (*loc, "of")), (int, float), (*loc, "of"), of
        )
        if where is not None:
            self.check(where, observation, (*loc, "where"))
        if "unit" in observation.model.model_fields and units:
            analyte = analyte_name or path.rsplit(".", 1)[-1]
            accepted = self.vocabulary.accepted_units(analyte)
            if accepted is None:
                self.problem(
                    (*loc, key),
                    f"no analyte {analyte!r} in the criteria's analytes{did_you_mean(analyte, self.vocabulary.analytes)}",
                )
            else:
                for unit in units:
                    if unit is None:
                        self.problem((*loc, "unit"), f"a threshold for {analyte} needs its unit")
                    elif self.vocabulary.ucum(unit) not in accepted:
                        self.problem(
                            (*loc, "unit"),
                            f"{unit!r} is not a unit of {analyte} (accepted: {', '.join(accepted)})",
                        )
