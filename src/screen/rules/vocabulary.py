"""Drug names, equivalence factors and analyte units, as lookups built from the data a
criteria set reads (its dictionaries, shared vocabularies and own additions).

Nothing here names a drug or a unit: every fact comes from data, so another trial's
vocabulary works unchanged.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from screen.rules.language import Analyte, Conversion, EntryReading

if TYPE_CHECKING:
    from screen.rules.sources import Catalog

_NOT_WORD = re.compile(r"[\W_]+")
_SPACE = re.compile(r"\s+")


def drug_key(name: str) -> str:
    """Spelling-tolerant key, after Unicode NFKC (full-width TS-1 is TS-1, half-width
    katakana is katakana): case, spaces, hyphens, dots and ・ do not matter (T-DM1 = tdm1)."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", name).casefold())


def unit_key(unit: str) -> str:
    """A unit as written, compared after NFKC (which makes the micro sign U+00B5 the Greek
    mu): mu is the UCUM `u`, the multiplication sign is x, spaces and case do not matter."""
    normal = unicodedata.normalize("NFKC", unit).replace("\u03bc", "u").replace("\u00d7", "x")
    return _SPACE.sub("", normal).casefold()


@dataclass(frozen=True, slots=True)
class Resolved:
    """What a recorded drug name stands for: its generic names and their classes."""

    recorded: str
    generics: frozenset[str]
    classes: frozenset[str]


@dataclass(slots=True)
class Vocabulary:
    """Lookups over the criteria file's vocabulary, equivalence tables and analytes."""

    generic_by_key: dict[str, tuple[str, ...]] = field(default_factory=dict)
    classes_by_generic: dict[str, frozenset[str]] = field(default_factory=dict)
    known_names: dict[str, str] = field(default_factory=dict)
    factors: dict[str, dict[str, Conversion]] = field(default_factory=dict)
    unit_by_alias: dict[str, str] = field(default_factory=dict)
    analytes: dict[str, Analyte] = field(default_factory=dict)
    salt_forms: tuple[str, ...] = ()
    entry_readings: dict[str, EntryReading] = field(default_factory=dict)
    _resolved: dict[str, Resolved | None] = field(default_factory=dict, repr=False)
    _targets: dict[tuple[str, ...], frozenset[str]] = field(default_factory=dict, repr=False)
    _codes: dict[str, str] = field(default_factory=dict, repr=False)
    _last_read: tuple[Any, Any] | None = field(default=None, repr=False)

    @classmethod
    def from_catalog(cls, catalog: Catalog, entries: dict[str, EntryReading]) -> Vocabulary:
        """The lookups of a criteria set: its merged drugs, tables, analytes and units."""
        vocabulary = cls()
        drugs = catalog.vocabulary.drugs
        for entry in drugs:
            vocabulary.classes_by_generic[entry.name] = frozenset(entry.classes)
        for entry in drugs:
            generics = tuple(entry.contains) or (entry.name,)
            for name in (entry.name, *entry.synonyms):
                vocabulary.generic_by_key[drug_key(name)] = generics
                vocabulary.known_names[drug_key(name)] = name
        forms = {drug_key(form) for form in catalog.vocabulary.salt_forms}
        vocabulary.salt_forms = tuple(sorted(forms - {""}, key=len, reverse=True))
        for table_name, table in catalog.equivalences.items():
            vocabulary.factors[table_name] = dict(table.factors)
        vocabulary.analytes = dict(catalog.analytes)
        for analyte in catalog.analytes.values():
            for code in (analyte.unit, *analyte.accepts):
                vocabulary.unit_by_alias[unit_key(code)] = code
        for alias, code in catalog.unit_aliases.items():
            vocabulary.unit_by_alias[unit_key(alias)] = code
        vocabulary.entry_readings = dict(entries)
        return vocabulary

    key = staticmethod(drug_key)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (the criteria cache, workers started by spawn) without the last record
        read: it is no lookup, and its class, built at run time, cannot be pickled."""
        state = {name: getattr(self, name) for name in self.__slots__}
        state["_last_read"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            setattr(self, name, value)

    def read_entries(self, record: Any) -> Any:
        """The record with its lists read as the criteria declare (see screen.engine.entries);
        the last record's reading is remembered (its criteria and its window ask for it)."""
        if not self.entry_readings:
            return record
        last = self._last_read
        if last is not None and last[0] is record:
            return last[1]
        from screen.engine.entries import read_entries

        read = read_entries(record, self)
        self._last_read = (record, read)
        return read

    def resolve(self, recorded: str) -> Resolved | None:
        """The generics and classes of a recorded name, or None when it is not known.

        Remembered per spelling: a batch meets the same few dozen names thousands of times."""
        try:
            return self._resolved[recorded]
        except KeyError:
            pass
        found = self._resolve(recorded)
        if len(self._resolved) < 4096:  # pragma: no mutate (a cache: its size changes no result)
            self._resolved[recorded] = found
        return found

    def generics_of(self, names: tuple[str, ...]) -> frozenset[str]:
        """The generic names a rule's drug list stands for (checked known at load time)."""
        try:
            return self._targets[names]
        except KeyError:
            pass
        found: frozenset[str] = frozenset()
        for name in names:
            resolved = self.resolve(name)
            if resolved is not None:
                found |= resolved.generics
        self._targets[names] = found
        return found

    def _resolve(self, recorded: str) -> Resolved | None:
        generics = self._generics(drug_key(recorded), 3)
        if generics is None:
            return None
        classes: frozenset[str] = frozenset().union(
            *(self.classes_by_generic.get(g, frozenset()) for g in generics)
        )
        return Resolved(recorded, frozenset(generics), classes)

    def _generics(self, key: str, depth: int) -> tuple[str, ...] | None:
        """A name's generics; a salt or hydrate form (before or after the name, as English and
        Japanese write them) names its generic: `epirubicin hydrochloride`, `塩酸エピルビシン`."""
        found = self.generic_by_key.get(key)
        if found is not None or depth == 0:
            return found
        for form in self.salt_forms:
            if len(key) > len(form):
                if key.endswith(form):
                    found = self._generics(key[: -len(form)], depth - 1)
                elif key.startswith(form):
                    found = self._generics(key[len(form) :], depth - 1)
                if found is not None:
                    return found
        return None

    def factor(self, table: str, recorded: str) -> Conversion | None:
        """The equivalence factor of a recorded agent, or None (unknown agent or no factor)."""
        resolved = self.resolve(recorded)
        if resolved is None or len(resolved.generics) != 1:
            return None
        (generic,) = resolved.generics
        return self.factors.get(table, {}).get(generic)

    def ucum(self, unit: str) -> str:
        """The UCUM code for a unit as a clinician wrote it (aliases from the criteria file)."""
        code = self._codes.get(unit)
        if code is None:
            code = self.unit_by_alias.get(unit_key(unit), unit.strip())
            if len(self._codes) < 4096:  # pragma: no mutate (a cache: its size changes no result)
                self._codes[unit] = code
        return code

    def closest_names(self, recorded: str, limit: int = 3) -> list[str]:
        """Known drug names closest to an unrecognized one, for a did-you-mean hint."""
        import difflib

        keys = difflib.get_close_matches(drug_key(recorded), self.known_names, n=limit, cutoff=0.6)
        return [self.known_names[k] for k in keys]

    def accepted_units(self, analyte: str) -> list[str] | None:
        """UCUM codes accepted for an analyte, or None when the criteria do not define it."""
        definition = self.analytes.get(analyte)
        if definition is None:
            return None
        return [definition.unit, *(u for u in definition.accepts if u != definition.unit)]

    def convert(self, analyte: str, value: Decimal, unit: str, target: str) -> Decimal | None:
        """`value` in `unit` expressed in `target`, both UCUM codes; None if not convertible."""
        definition = self.analytes.get(analyte)
        if definition is None:
            return value if unit == target else None
        in_analyte_unit = _to_analyte_unit(definition, value, unit)
        if in_analyte_unit is None:
            return None
        if target == definition.unit:
            return in_analyte_unit
        one_target = _to_analyte_unit(definition, Decimal(1), target)
        return None if one_target is None else in_analyte_unit / one_target


def _to_analyte_unit(definition: Analyte, value: Decimal, unit: str) -> Decimal | None:
    if unit == definition.unit:
        return value
    conversion = definition.accepts.get(unit)
    return None if conversion is None else conversion.apply(value)
