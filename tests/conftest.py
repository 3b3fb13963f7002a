"""Shared fixtures: the bundled criteria (loaded once) and the eligible example as a base."""

from __future__ import annotations

import atexit
import copy
import datetime
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Literal

import pytest
import yaml
from hypothesis import HealthCheck, settings

from screen.load import Criteria, load_criteria
from screen.report.report import Report
from screen.screening import screen_file

# The checked-criteria cache of the tests' runs (in-process and CLI subprocesses) lives in
# a folder of their own, never in the user's cache; tests of the cache set their own.
os.environ["SCREEN_CACHE_DIR"] = tempfile.mkdtemp(prefix="screen-test-cache-")
atexit.register(shutil.rmtree, os.environ["SCREEN_CACHE_DIR"], ignore_errors=True)
os.environ.pop("SCREEN_NO_CACHE", None)

# The mutation run (tools/mutation/run.sh) wants the same examples for every mutant.
# Its `criteria` fixture is per test (below): a property shares it across its examples.
settings.register_profile(
    "mutation",
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "patients"
TODAY = datetime.date(2026, 11, 20)


def _per_test_in_the_mutation_run(
    fixture_name: str, config: pytest.Config
) -> Literal["function", "session"]:
    """Once per session; once per test in the mutation run. The vocabulary remembers the
    names it resolved, so a test meeting a name an earlier test resolved would not reach the
    resolving code, and mutmut would never run it against a mutant of that code."""
    return "function" if os.environ.get("HYPOTHESIS_PROFILE") == "mutation" else "session"


@pytest.fixture(scope=_per_test_in_the_mutation_run)
def criteria() -> Criteria:
    return load_criteria()


if os.environ.get("HYPOTHESIS_PROFILE") == "mutation":

    @pytest.fixture(autouse=True)
    def _record_models_built_in_the_test() -> None:
        """The record model is built once per dictionary and kept, and its dated-result
        models once each: in the mutation run they would be those built before the mutant was
        switched on (screen.record.model)."""
        from screen.record import model

        model._MODELS.clear()
        model._QUANTITIES.clear()


@pytest.fixture(scope="session")
def _eligible() -> dict[str, Any]:
    return yaml.safe_load((EXAMPLES / "eligible.yaml").read_text())


@pytest.fixture
def eligible(_eligible: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(_eligible)


def yaml_cases(folder: Path) -> list[Any]:
    """The cases of every *.yaml file in a folder and its subfolders, one pytest param each,
    named by file. A file may name another trial's `criteria` and `base` record (paths from
    the repository's root); each case then carries them as `_criteria` and `_base`."""
    params = []
    for file in sorted(folder.rglob("*.yaml")):
        content = yaml.safe_load(file.read_text())
        for case in content["cases"]:
            if "criteria" in content:
                case = {**case, "_criteria": content["criteria"], "_base": content["base"]}
            params.append(pytest.param(case, id=f"{file.stem}: {case['name']}"))
    return params


def merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge `patch` into `base`: mappings merge, anything else replaces."""
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict) and value:
            merge(base[key], value)
        else:
            base[key] = value
    return base


def remove(record: dict[str, Any], dotted: str) -> None:
    *parents, last = dotted.split(".")
    for step in parents:
        record = record[step]
    del record[last]


@pytest.fixture
def screen_record(tmp_path: Path, criteria: Criteria):  # type: ignore[no-untyped-def]
    """Write a record to a file and screen it, as the CLI would (against the bundled
    criteria, or those given)."""
    bundled = criteria

    def run(
        record: dict[str, Any],
        as_of: datetime.date | None = None,
        name: str = "p.yaml",
        criteria: Criteria | None = None,
    ) -> Report:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(record, sort_keys=False, allow_unicode=True))
        return screen_file(path, criteria or bundled, as_of, TODAY)

    return run


def one_rule_criteria(
    folder: Path,
    criterion: str,
    logic: str,
    extra: str = "",
    vocabulary: str = "{classes: [x], drugs: []}",
) -> Criteria:
    """A criteria file of another trial with a single rule: the engine must need no change.
    `criterion` is "IN1 inclusion Title: protocol text"; `logic` a YAML flow mapping; `extra`
    more top-level sections (analytes, equivalences) as YAML lines; `vocabulary` a flow
    mapping."""
    head, text = criterion.split(": ", 1)
    cid, kind, title = head.split(" ", 2)
    path = folder / "other-trial.yaml"
    path.write_text(
        "criteria_set: {id: OTHER-1, title: Another trial, version: '1'}\n"
        f"vocabulary: {vocabulary}\n"
        f"{extra}"
        "criteria:\n"
        f"  - id: {cid}\n    type: {kind}\n    title: {title}\n    text: {text}\n"
        f"    logic: {logic}\n"
    )
    return load_criteria(path)


def screen_one_rule(
    folder: Path,
    logic: str,
    record: dict[str, Any],
    extra: str = "",
    vocabulary: str = "{classes: [x], drugs: []}",
) -> Report:
    """`record` screened against a one-rule criteria file (inclusion IN1); the record must be
    valid. Returns the report."""
    criteria = one_rule_criteria(folder, "IN1 inclusion A rule: text", logic, extra, vocabulary)
    path = folder / "p.yaml"
    path.write_text(yaml.safe_dump(record, sort_keys=False))
    report = screen_file(path, criteria, None, TODAY)
    assert report.problems == [], [str(p) for p in report.problems]
    return report
