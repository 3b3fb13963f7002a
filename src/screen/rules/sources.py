"""What a criteria set reads besides its criteria: the data dictionaries that declare the
record's fields, and the shared vocabularies of drug names and equivalence tables.

`uses:` names them (a bundled name such as `core` or `drugs`, or a path relative to the
criteria file); the criteria file may add drugs, tables, analytes and unit spellings of its
own. Everything here is merged once per criteria set, before any patient is screened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from screen.errors import InputError, Problem, dotted_path
from screen.record import yamlio
from screen.record.dictionary import Dictionary, load_dictionaries
from screen.rules.language import (
    Analyte,
    CriteriaSet,
    DrugEntry,
    EquivalenceTable,
    Vocabulary,
    VocabularyFile,
)


@dataclass(frozen=True, slots=True)
class Catalog:
    """Everything a criteria set reads, merged: record fields, drugs, tables, units."""

    dictionary: Dictionary
    vocabulary: Vocabulary
    equivalences: dict[str, EquivalenceTable] = field(default_factory=dict)
    analytes: dict[str, Analyte] = field(default_factory=dict)
    unit_aliases: dict[str, str] = field(default_factory=dict)
    files: tuple[str, ...] = ()  # the dictionaries' and vocabularies' files, for people
    dictionary_paths: tuple[Path, ...] = ()


def bundled_path(*parts: str) -> Path:
    """A bundled file: inside the installed package, or in criteria/ of a checkout."""
    packaged = resources.files("screen").joinpath("criteria", *parts)
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[3].joinpath("criteria", *parts)


def located(name: str, kind: str, beside: Path) -> Path:
    """`core` is a bundled file; anything with a slash or a .yaml ending is a path relative
    to the criteria file."""
    if "/" in name or name.endswith((".yaml", ".yml")):
        return (beside.parent / name).resolve()
    return bundled_path(kind, f"{name}.yaml")


def files_used(rules: CriteriaSet, criteria_path: Path) -> tuple[list[Path], list[Path]]:
    """The dictionaries and vocabularies a criteria set uses, where they are now (a link
    followed): what a cached check of it must still have been made from."""
    return (
        [located(n, "dictionaries", criteria_path) for n in rules.uses.dictionaries],
        [located(n, "vocabularies", criteria_path) for n in rules.uses.vocabularies],
    )


def catalog_of(rules: CriteriaSet, criteria_path: Path) -> Catalog:
    """Resolve and merge what the criteria set uses; InputError names each file's problems."""
    dictionary_paths, vocabulary_paths = files_used(rules, criteria_path)
    dictionary = load_dictionaries(dictionary_paths)
    classes: list[str] = []
    drugs: list[DrugEntry] = []
    forms: list[str] = []
    equivalences: dict[str, EquivalenceTable] = {}
    files = [str(p) for p in dictionary_paths]
    for path in vocabulary_paths:
        shared = read_vocabulary(path)
        files.append(str(path))
        classes += [c for c in shared.vocabulary.classes if c not in classes]
        drugs += shared.vocabulary.drugs
        forms += shared.vocabulary.salt_forms
        equivalences.update(shared.equivalences)
    own = rules.vocabulary
    if own is not None:
        classes += [c for c in own.classes if c not in classes]
        drugs += own.drugs
        forms += own.salt_forms
    equivalences.update(rules.equivalences)
    analytes = {
        spec.name: Analyte(unit=spec.unit or "", accepts=spec.accepts)
        for spec in dictionary.quantities()
    }
    analytes.update(rules.analytes)
    aliases = {**dictionary.unit_aliases, **rules.unit_aliases}
    merged = Vocabulary(classes=classes, drugs=drugs, salt_forms=list(dict.fromkeys(forms)))
    return Catalog(
        dictionary, merged, equivalences, analytes, aliases, tuple(files), tuple(dictionary_paths)
    )


def union_dictionary(catalogs: list[Catalog]) -> Dictionary:
    """The dictionaries of several criteria sets at once: a record screened against all of
    them is validated against the union of their fields."""
    if len(catalogs) == 1:
        return catalogs[0].dictionary
    paths = list(dict.fromkeys(p for c in catalogs for p in c.dictionary_paths))
    return load_dictionaries(paths)


def read_vocabulary(path: Path) -> VocabularyFile:
    from screen.load import read_model

    source = str(path)
    text = yamlio.read_text(path)
    parsed = read_model(text, source, VocabularyFile)
    from screen.rules.check import check_vocabulary

    findings = check_vocabulary(parsed.vocabulary, parsed.equivalences)
    if findings:
        raise InputError(problems_at(findings, yamlio.Locator(text), source))
    return parsed


def problems_at(
    findings: list[tuple[tuple[str | int, ...], str]], locator: yamlio.Locator, source: str
) -> list[Problem]:
    """Findings as problems, their lines from one composition of the file."""
    return [
        Problem(message, source, locator.line(loc), dotted_path(loc)) for loc, message in findings
    ]
