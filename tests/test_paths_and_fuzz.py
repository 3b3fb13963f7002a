"""Batches over folders, and the loader under arbitrary input: a report, never an exception."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screen.load import load_criteria
from screen.paths import patient_files
from screen.screening import screen_file
from tests.conftest import TODAY

CRITERIA = load_criteria()


def test_directories_are_searched_recursively_in_sorted_order_skipping_hidden(
    tmp_path: Path,
) -> None:
    (tmp_path / "b" / "deep").mkdir(parents=True)
    (tmp_path / ".hidden").mkdir()
    for name in (
        "b/deep/z.yml",
        "b/a.yaml",
        "c.yaml",
        ".hidden/x.yaml",
        "notes.txt",
        "b/.swap.yaml",
    ):
        (tmp_path / name).write_text("patient_id: X\n")
    single = tmp_path / "notes.txt"
    found = [p.relative_to(tmp_path).as_posix() for p in patient_files([tmp_path, single])]
    assert found == ["b/a.yaml", "b/deep/z.yml", "c.yaml", "notes.txt"]


def test_a_symlink_loop_is_not_followed_forever(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "p.yaml").write_text("patient_id: X\n")
    (tmp_path / "a" / "loop").symlink_to(tmp_path / "a")
    assert [p.name for p in patient_files([tmp_path])] == ["p.yaml"]


def test_a_folder_given_as_a_file_is_an_error_report(tmp_path: Path) -> None:
    report = screen_file(tmp_path, CRITERIA, None, TODAY)
    assert report.verdict == "error" and "cannot read" in report.problems[0].message


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=400), st.text(max_size=400).map(str.encode)))
def test_any_bytes_give_a_clean_error_or_a_report(
    tmp_path_factory: pytest.TempPathFactory, content: bytes
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "p.yaml"
    path.write_bytes(content)
    report = screen_file(path, CRITERIA, None, TODAY)
    assert report.verdict in ("eligible", "ineligible", "incomplete", "error")
    if report.verdict == "error":
        assert report.problems and all(p.message and p.file == str(path) for p in report.problems)


YAML_ATOMS = st.sampled_from(
    [
        "patient_id: X",
        "ecog: 1",
        "ecog: [1]",
        "labs: {platelets: 3}",
        "sex: female",
        "a: &x [1]",
        "b: *x",
        "lvef: {percent: 61, method: ECHO, date: 2026-11-10}",
        "- 1",
        "? [a]\n: 1",
        "!!binary aGk=",
        "ecog: .nan",
        "life_expectancy_months: .inf",
        "birth_date: 2026-13-01",
        "prior_regimens: [{agents: []}]",
        "{",
        "'",
        "x: !!set {a}",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(YAML_ATOMS, max_size=6))
def test_yaml_shaped_input_gives_a_clean_error_or_a_report(
    tmp_path_factory: pytest.TempPathFactory, lines: list[str]
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "p.yaml"
    path.write_text("\n".join(lines) + "\n")
    report = screen_file(path, CRITERIA, None, TODAY)
    assert report.verdict in ("eligible", "ineligible", "incomplete", "error")
