"""The rule language: a criteria file as typed data.

A criterion's `logic` is a small tree of nodes, a pydantic discriminated union told apart
by its keys (`{all: [...]}`, `{field: ecog, op: in, value: [0, 1, 2]}`), in the manner of
Prefect's automation triggers. Nodes hold no behaviour: the engine evaluates them, the
renderers describe them. Exclusion logic says when the patient is excluded.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

Op = Literal["eq", "ne", "lt", "le", "gt", "ge", "in", "not_in"]
# Thresholds are finite (`.nan` or `.inf` would make every comparison meaningless).
Finite = Annotated[float, Field(allow_inf_nan=False)]
Scalar = bool | int | Finite | str


class Rule(BaseModel):
    """Base of the criteria file's parts: unknown keys are typos, so they are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)


class Period(Rule):
    """A calendar period: exactly one of days, weeks, months or years."""

    # At most a century: longer windows are typos, and would leave the calendar.
    days: Annotated[int, Field(ge=0, le=36_525)] | None = None
    weeks: Annotated[int, Field(ge=0, le=5_218, description="7 days each")] | None = None
    months: Annotated[int, Field(ge=0, le=1_200)] | None = None
    years: Annotated[int, Field(ge=0, le=100)] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Period:
        if sum(v is not None for v in (self.days, self.weeks, self.months, self.years)) != 1:
            raise ValueError("give exactly one of days, weeks, months or years")
        return self

    @cached_property
    def amount(self) -> tuple[int, str]:
        for unit in ("days", "weeks", "months", "years"):
            value = getattr(self, unit)
            if value is not None:
                return value, unit
        raise AssertionError("unreachable: validated to hold one")


class Factor(Rule):
    """Scale a value by an equivalence table, looked up by the drug named at `key`."""

    table: str
    key: str


class AllOf(Rule):
    """Kleene and: false if any part is false, else unknown if any part is unknown."""

    all: Annotated[list[Node], Field(min_length=1)]


class AnyOf(Rule):
    """Kleene or: true if any part is true, else unknown if any part is unknown."""

    any: Annotated[list[Node], Field(min_length=1)]


class Not(Rule):
    """Kleene not: not unknown is unknown."""

    not_: Node = Field(alias="not")


class Compare(Rule):
    """A recorded value against a constant (`eq ne lt le gt ge in not_in`); `factor` scales
    it by an equivalence table: `{field: ecog, op: in, value: [0, 1, 2]}`."""

    field: str
    op: Op
    value: Scalar | list[Scalar]
    factor: Factor | None = None
    label: str | None = None


class Drug(Rule):
    """Whether a drug name (or any of a list of them) is one of `is` or of class `has_class`,
    through the vocabulary; an unknown name is unknown: `{drug: agents, is: pertuzumab}`."""

    drug: str
    is_: list[str] | None = Field(default=None, alias="is")
    has_class: str | None = None
    label: str | None = None

    @field_validator("is_", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _exactly_one(self) -> Drug:
        if (self.is_ is None) == (self.has_class is None):
            raise ValueError("give exactly one of `is` or `has_class`")
        return self


class Window(Rule):
    """A date `within` a period before the screening date (both ends included), or strictly
    `before` that period's start: `{date: start, within: {days: 28}}`. A period is `days`,
    `weeks`, `months` or `years`; `open_is_now` reads a null date as the screening date:
    `{date: end, within: {weeks: 3}, open_is_now: true}` (an entry still ongoing)."""

    date: str
    within: Period | None = None
    before: Period | None = None
    open_is_now: bool = Field(
        default=False,
        description="a null date counts as the screening date itself (an entry still ongoing)",
    )
    label: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Window:
        if (self.within is None) == (self.before is None):
            raise ValueError("give exactly one of `within` or `before`")
        return self


class Recent(Rule):
    """The most recent admissible observation (dated within the window, passing `where`),
    converted to the threshold's unit; `stated_in` gives the threshold in another unit;
    same-date readings leading to different outcomes are unknown:
    `{recent: labs.platelets, within: {days: 28}, op: lt, value: 100, unit: "10*9/L"}`.
    `times: uln` compares with a multiple of the reading's own upper limit of normal
    (`{recent: labs.ast, within: {days: 14}, op: gt, value: 3, times: uln}`);
    `mean_of_latest: 3` the mean of the 3 latest admissible readings (fewer: unknown)."""

    recent: str
    of: str = "value"
    within: Period
    where: Node | None = None
    op: Literal["eq", "ne", "lt", "le", "gt", "ge"]
    value: Finite
    unit: str | None = None
    stated_in: dict[str, Finite] = Field(default_factory=dict)
    analyte: str | None = None
    times: Literal["uln"] | None = Field(
        default=None,
        description="the threshold is `value` times the reading's own upper limit of normal",
    )
    mean_of_latest: Annotated[int, Field(ge=1, le=100)] | None = Field(
        default=None,
        description="compare the mean of this many most recent admissible readings"
        " (fewer of them: unknown)",
    )
    label: str | None = None

    @model_validator(mode="after")
    def _one_threshold(self) -> Recent:
        if self.times is not None and self.stated_in:
            raise ValueError("give either `times` or `stated_in`, not both")
        return self


class Exists(Rule):
    """True when some item of a list satisfies `where` (an empty list: false):
    `{exists: toxicities, where: {field: grade, op: gt, value: 3}}`."""

    exists: str
    where: Node
    label: str | None = None


class Count(Rule):
    """The number of items satisfying `where`, compared; unknown items widen the range
    instead of guessing: `{count: prior_regimens, where: ..., op: in, value: [2, 3]}`."""

    count: str
    where: Node
    op: Op
    value: int | list[int]
    label: str | None = None


class Latest(Rule):
    """Whether the latest item (by the date at `by`) satisfies `where`; an undated item
    might be the latest: `{latest: prior_regimens, by: start, where: ...}`."""

    latest: str
    by: str
    where: Node
    label: str | None = None


class Sum(Rule):
    """The sum of `of` over items (passing `where`, scaled by `factor`), compared; an agent
    without a factor leaves the sum open-ended:
    `{sum: anthracyclines, of: cumulative_dose_mg_m2, factor: {...}, op: gt, value: 360}`."""

    sum: str
    of: str
    where: Node | None = None
    factor: Factor | None = None
    op: Literal["lt", "le", "gt", "ge"]
    value: Finite
    unit: str | None = None
    label: str | None = None


class Age(Rule):
    """Completed years on the screening date, from a birth date or else a stated age:
    `{age: birth_date, stated: age, op: ge, value: 20}`."""

    age: str
    stated: str | None = None
    op: Literal["eq", "ne", "lt", "le", "gt", "ge"]
    value: int
    label: str | None = None


class IntervalEnds(Rule):
    """The two recorded dates an interval runs between."""

    from_: str = Field(alias="from", description="path of the earlier date")
    to: str = Field(description="path of the later date")


class Interval(Rule):
    """The time from one recorded date to another, against a period: `le` holds when `to` is
    at most that period after `from` (or before it), counted as calendar windows are, both
    ends included: `{interval: {from: end, to: /progression.date}, op: le, value: {months: 6}}`."""

    interval: IntervalEnds = Field(
        description="paths relative to the entry; a path starting with / is read from the record"
    )
    op: Literal["lt", "le", "gt", "ge"]
    value: Period
    open_is_now: Literal["from", "to"] | None = Field(
        default=None,
        description="the end (`from` or `to`) whose null date counts as the screening date"
        " (an entry still ongoing); the other end not recorded stays unknown",
    )
    label: str | None = None


class FieldTerm(Rule):
    """A recorded number (a path starting with / is read from the record)."""

    field: str


class RecentTerm(Rule):
    """The most recent admissible reading in the window, converted to `unit`."""

    recent_value: str
    of: str = "value"
    within: Period
    where: Node | None = None
    unit: str | None = None
    analyte: str | None = None


class AgeTerm(Rule):
    """Age in completed years on the screening date (birth date, else the stated age)."""

    age: str
    stated: str | None = None


class AddTerm(Rule):
    """The sum of its terms."""

    add: Annotated[list[Term], Field(min_length=2)]


class SubTerm(Rule):
    """The first term minus the second."""

    sub: Annotated[list[Term], Field(min_length=2, max_length=2)]


class MulTerm(Rule):
    """The product of its terms."""

    mul: Annotated[list[Term], Field(min_length=2)]


class DivTerm(Rule):
    """The first term divided by the second (by zero: unknown)."""

    div: Annotated[list[Term], Field(min_length=2, max_length=2)]


class IfTerm(Rule):
    """`then` where the rule `if` holds, else `else` (the rule unknown: both are weighed)."""

    if_: Node = Field(alias="if")
    then: Term
    else_: Term = Field(alias="else")


class Expr(Rule):
    """A value worked out from recorded ones in exact decimal arithmetic, compared; an unknown
    input or a division by zero makes it unknown, an unknown `if` weighs both branches
    (terms below): `{expr: {div: [{mul: [{sub: [140, {age: birth_date}]}, {field: weight},
    {if: {field: sex, op: eq, value: female}, then: 0.85, else: 1}]}, {mul: [72,
    {recent_value: labs.creatinine, within: {days: 28}, unit: mg/dL}]}]}, op: lt, value: 30,
    unit: mL/min, label: creatinine clearance}`."""

    expr: Term = Field(
        description="a number, or a term: field, recent_value, age, add, sub, mul, div, if"
    )
    op: Literal["eq", "ne", "lt", "le", "gt", "ge"]
    value: Finite
    unit: str | None = Field(
        default=None, description="the unit of the computed value (shown only)"
    )
    label: str | None = None


# Each node kind by its leading key. The kinds (pydantic's union tags, which appear in error
# locations) are never keys of a criteria file, so an error's path is read without them.
NODE_KEYS: dict[str, str] = {
    "all": "<all>",
    "any": "<any>",
    "not": "<not>",
    "field": "<compare>",
    "drug": "<drug>",
    "date": "<window>",
    "recent": "<recent>",
    "exists": "<exists>",
    "count": "<count>",
    "latest": "<latest>",
    "sum": "<sum>",
    "age": "<age>",
    "interval": "<interval>",
    "expr": "<expr>",
}


def _node_kind(value: Any) -> str | None:
    """Tell node kinds apart by their leading key, so no `type:` key is needed."""
    if isinstance(value, dict):
        for key in value:
            kind = NODE_KEYS.get(key)
            if kind is not None:
                return kind
        return None
    if isinstance(value, BaseModel):
        return KIND_BY_CLASS.get(type(value))
    return None


Node = Annotated[
    Annotated[AllOf, Tag("<all>")]
    | Annotated[AnyOf, Tag("<any>")]
    | Annotated[Not, Tag("<not>")]
    | Annotated[Compare, Tag("<compare>")]
    | Annotated[Drug, Tag("<drug>")]
    | Annotated[Window, Tag("<window>")]
    | Annotated[Recent, Tag("<recent>")]
    | Annotated[Exists, Tag("<exists>")]
    | Annotated[Count, Tag("<count>")]
    | Annotated[Latest, Tag("<latest>")]
    | Annotated[Sum, Tag("<sum>")]
    | Annotated[Age, Tag("<age>")]
    | Annotated[Interval, Tag("<interval>")]
    | Annotated[Expr, Tag("<expr>")],
    Discriminator(
        _node_kind,
        custom_error_type="unknown_node",
        custom_error_message=("not a rule node: it needs one of the keys " + ", ".join(NODE_KEYS)),
    ),
]

KIND_BY_CLASS: dict[type[BaseModel], str] = {
    AllOf: "<all>",
    AnyOf: "<any>",
    Not: "<not>",
    Compare: "<compare>",
    Drug: "<drug>",
    Window: "<window>",
    Recent: "<recent>",
    Exists: "<exists>",
    Count: "<count>",
    Latest: "<latest>",
    Sum: "<sum>",
    Age: "<age>",
    Interval: "<interval>",
    Expr: "<expr>",
}

TERM_KEYS: dict[str, str] = {
    "field": "<field>",
    "recent_value": "<recent_value>",
    "age": "<age>",
    "add": "<add>",
    "sub": "<sub>",
    "mul": "<mul>",
    "div": "<div>",
    "if": "<if>",
}
TERM_CLASSES: tuple[type[BaseModel], ...] = (
    FieldTerm,
    RecentTerm,
    AgeTerm,
    AddTerm,
    SubTerm,
    MulTerm,
    DivTerm,
    IfTerm,
)


def _term_kind(value: Any) -> str | None:
    """A number, or a term told apart by its leading key (`{field: weight}`, `{add: [...]}`)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return "<number>"
    if isinstance(value, dict):
        for key in value:
            kind = TERM_KEYS.get(key)
            if kind is not None:
                return kind
        return None
    if isinstance(value, BaseModel):
        return TERM_KEYS.get(next(iter(type(value).model_fields)).rstrip("_"))
    return None


Term = Annotated[
    Annotated[int | Finite, Tag("<number>")]
    | Annotated[FieldTerm, Tag("<field>")]
    | Annotated[RecentTerm, Tag("<recent_value>")]
    | Annotated[AgeTerm, Tag("<age>")]
    | Annotated[AddTerm, Tag("<add>")]
    | Annotated[SubTerm, Tag("<sub>")]
    | Annotated[MulTerm, Tag("<mul>")]
    | Annotated[DivTerm, Tag("<div>")]
    | Annotated[IfTerm, Tag("<if>")],
    Discriminator(
        _term_kind,
        custom_error_type="unknown_term",
        custom_error_message=("not a term: a number, or one of the keys " + ", ".join(TERM_KEYS)),
    ),
]


class Criterion(Rule):
    """One inclusion or exclusion criterion, with the protocol's words beside the logic."""

    id: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$")]
    type: Literal["inclusion", "exclusion"]
    title: str
    text: str
    interpretation: str | None = None
    logic: Node


class DrugEntry(Rule):
    """A generic drug (or a fixed combination that `contains` generics) and its other names."""

    name: str
    classes: list[str] = Field(default_factory=list)
    contains: list[str] = Field(default_factory=list)
    synonyms: list[str] = Field(default_factory=list)


class Vocabulary(Rule):
    """Drug classes and names. `salt_forms` are the words that name a salt or hydrate form of
    a generic (hydrochloride, 塩酸塩): a known name with one of them names that generic."""

    classes: list[str] = Field(default_factory=list)
    drugs: list[DrugEntry] = Field(default_factory=list)
    salt_forms: list[str] = Field(default_factory=list)


class EntryReading(Rule):
    """How the entries of one list are read before any rule sees them.

    `set_aside`: drugs of only these classes (in the field `drugs`) are not part of an entry,
    and an entry of such drugs only is not an entry at all. `parts_of_one`: entries that agree
    on these fields (all recorded) are parts of one entry, holding every drug of its parts."""

    drugs: str | None = None
    set_aside: list[str] = Field(default_factory=list)
    parts_of_one: list[str] = Field(default_factory=list)


class Conversion(Rule):
    """How a value in an accepted unit becomes a value in the analyte's unit."""

    multiply: Decimal | None = None
    divide: Decimal | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Conversion:
        if (self.multiply is None) == (self.divide is None):
            raise ValueError("give exactly one of multiply or divide")
        if (self.multiply or self.divide or 0) <= 0:
            raise ValueError("the factor must be positive")
        return self

    def apply(self, value: Decimal) -> Decimal:
        return value * self.multiply if self.multiply is not None else value / (self.divide or 1)

    def __str__(self) -> str:
        return f"x {self.multiply:f}" if self.multiply is not None else f"/ {self.divide:f}"


class EquivalenceTable(Rule):
    """Factors that turn a dose of each agent into the dose of the reference agent.

    A bare number multiplies; `{divide: 0.1875}` states the ratio exactly as the notes do
    ("1 mg methylprednisolone = 0.1875 mg dexamethasone"), so boundaries stay exact.
    """

    reference: str
    unit: str
    factors: dict[str, Conversion]

    @field_validator("factors", mode="before")
    @classmethod
    def _bare_number_multiplies(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: {"multiply": v} if isinstance(v, int | float) and not isinstance(v, bool) else v
                for k, v in value.items()
            }
        return value


class Analyte(Rule):
    """A laboratory analyte: its unit and the other units accepted for it (UCUM codes)."""

    unit: str
    accepts: dict[str, Conversion] = Field(default_factory=dict)


class CriteriaIdentity(Rule):
    id: str
    title: str
    registry: str | None = None
    version: str
    source: str | None = None


class Uses(Rule):
    """The data dictionaries (the record's fields) and shared vocabularies (drug names,
    equivalence tables) a criteria set reads: a bundled name (`core`, `drugs`) or a path
    relative to the criteria file."""

    dictionaries: list[str] = Field(default_factory=lambda: ["core"])
    vocabularies: list[str] = Field(default_factory=list)


class VocabularyFile(Rule):
    """A shared vocabulary file: drug classes and names, and equivalence tables."""

    vocabulary: Vocabulary
    equivalences: dict[str, EquivalenceTable] = Field(default_factory=dict)


class CriteriaSet(Rule):
    """A whole criteria file: identity, what it uses, its own additions and the criteria."""

    criteria_set: CriteriaIdentity
    uses: Uses = Field(default_factory=Uses)
    vocabulary: Vocabulary | None = None
    equivalences: dict[str, EquivalenceTable] = Field(default_factory=dict)
    analytes: dict[str, Analyte] = Field(default_factory=dict)
    unit_aliases: dict[str, str] = Field(default_factory=dict)
    entries: dict[str, EntryReading] = Field(default_factory=dict)
    criteria: Annotated[list[Criterion], Field(min_length=1)]
