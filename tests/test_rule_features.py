"""Rule features another trial will use (tests/rules/*.yaml): each case a one-rule criteria
file, so that a branch of the engine PRECIOUS never takes is still pinned."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from screen.errors import InputError
from screen.screening import screen_file
from tests.conftest import TODAY, merge, one_rule_criteria, remove, yaml_cases

RULES = Path(__file__).parent / "rules"


@pytest.mark.parametrize("case", yaml_cases(RULES))
def test_rule_feature(case: dict[str, Any], eligible: dict[str, Any], tmp_path: Path) -> None:
    criterion = "IN1 inclusion Feature: " + case["name"]
    if "refused" in case:
        with pytest.raises(InputError) as refused:
            one_rule_criteria(tmp_path, criterion, case["logic"], case.get("extra", ""))
        assert case["refused"] in str(refused.value)
        return
    criteria = one_rule_criteria(tmp_path, criterion, case["logic"], case.get("extra", ""))
    record = merge(eligible, case.get("set", {}))
    for dotted in case.get("remove", []):
        remove(record, dotted)
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(record, sort_keys=False))
    report = screen_file(path, criteria, None, TODAY)
    assert report.problems == [], [str(p) for p in report.problems]
    (outcome,) = report.outcomes
    assert outcome.status == case["expect"]
