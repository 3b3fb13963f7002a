"""FHIR exports -> resources grouped by patient: a Bundle JSON file (collection, searchset,
transaction, document) or a bulk export folder of `<Type>.*.ndjson` files.

A searchset Bundle with a `next` link is only one page of the result: it is refused, since
screening part of a chart would read missing data as absent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from screen.errors import InputError, Problem

MAX_BYTES = 256 * 1024 * 1024


@dataclass(slots=True)
class PatientResources:
    """One patient's resources, as read (raw JSON objects), in file order."""

    patient_id: str
    resources: list[dict[str, Any]] = field(default_factory=list)


def is_bundle(path: Path) -> bool:
    """A JSON file whose top-level resourceType is Bundle (read no further than needed)."""
    if not path.is_file() or path.suffix.lower() != ".json":
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(4096).decode("utf-8", "replace")
    except OSError:
        return False
    return '"resourceType"' in head and '"Bundle"' in head


def is_bulk_folder(path: Path) -> bool:
    try:
        return path.is_dir() and any(path.glob("*.ndjson"))
    except OSError:
        return False


def read_bundle(path: Path) -> list[PatientResources]:
    """A Bundle's resources grouped by the patient they are about."""
    source = str(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise InputError([Problem("file too large for a FHIR Bundle", source, None, "")])
        data = json.loads(path.read_bytes(), parse_constant=_no_constant)
    except OSError as exc:
        raise InputError(
            [Problem(f"cannot read: {exc.strerror or exc}", source, None, "")]
        ) from None
    except (ValueError, RecursionError) as exc:  # bad JSON, bad UTF-8, NaN, nesting
        raise InputError([Problem(f"not a readable JSON file: {exc}", source, None, "")]) from None
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise InputError([Problem("not a FHIR Bundle (resourceType)", source, None, "")])
    links = data.get("link") or []
    if data.get("type") == "searchset" and any(
        isinstance(link, dict) and link.get("relation") == "next" for link in links
    ):
        raise InputError(
            [
                Problem(
                    "an incomplete searchset (it has a `next` page): export the whole chart "
                    "(Patient/[id]/$everything, following every page) into one Bundle",
                    source,
                    None,
                    "link",
                )
            ]
        )
    aliases: dict[str, str] = {}
    resources = []
    for entry in data.get("entry") or []:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            continue
        resources.append(resource)
        if resource.get("resourceType") == "Patient" and isinstance(entry.get("fullUrl"), str):
            aliases[entry["fullUrl"]] = f"Patient/{resource.get('id')}"
    return group(resources, aliases)


def read_bulk(folder: Path) -> list[PatientResources]:
    """A bulk export folder (one NDJSON file per resource type), streamed line by line."""
    return group(_ndjson(folder))


def _ndjson(folder: Path) -> Iterator[dict[str, Any]]:
    """Each file's resources, one a line; a file not UTF-8 or a line not JSON is refused
    with its line (the export is then incomplete: nothing of it is screened)."""
    for path in sorted(p for p in folder.glob("*.ndjson") if p.is_file()):
        number = 0
        try:
            with path.open("rb") as handle:
                for raw in handle:
                    number += 1  # for the problem's line
                    if not raw.strip():
                        continue
                    resource = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
                    if isinstance(resource, dict):
                        yield resource
        except OSError as exc:
            raise InputError(
                [Problem(f"cannot read: {exc.strerror or exc}", str(path), None, "")]
            ) from None
        except (ValueError, RecursionError) as exc:
            raise InputError(
                [Problem(f"not a JSON resource: {exc}", str(path), number, "")]
            ) from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def group(
    resources: Iterator[dict[str, Any]] | list[dict[str, Any]],
    aliases: dict[str, str] | None = None,
) -> list[PatientResources]:
    """Resources by patient: a Patient by its id, the others by subject or patient reference;
    resources about no known patient are left out."""
    known = aliases or {}
    by_patient: dict[str, PatientResources] = {}
    pending: list[tuple[str, dict[str, Any]]] = []
    for resource in resources:
        if resource.get("resourceType") == "Patient":
            key = resource.get("id")
            if not isinstance(key, str) or not key:
                continue  # nothing can refer to it, and no record can be named after it
            by_patient.setdefault(key, PatientResources(key)).resources.insert(0, resource)
            continue
        about = _patient_of(resource, known)
        if about is not None:
            pending.append((about, resource))
    for key, resource in pending:
        if key in by_patient:
            by_patient[key].resources.append(resource)
    return list(by_patient.values())


def _patient_of(resource: dict[str, Any], aliases: dict[str, str]) -> str | None:
    for element in ("subject", "patient"):
        ref = resource.get(element)
        if isinstance(ref, dict) and isinstance(ref.get("reference"), str):
            reference = str(aliases.get(ref["reference"], ref["reference"]))
            parts = reference.rstrip("/").split("/")
            if len(parts) >= 2 and parts[-2] == "Patient":
                return parts[-1]
    return None
