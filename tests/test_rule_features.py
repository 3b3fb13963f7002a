"""Rule features another trial will use (tests/features/*.yaml): each case a one-rule criteria
file, so that a branch of the engine PRECIOUS never takes is still pinned. Optional `reason`:
the whole reason (a rule without a label is named from its field path)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from screen.errors import InputError
from screen.screening import screen_file
from tests.conftest import TODAY, merge, one_rule_criteria, remove, yaml_cases

RULES = Path(__file__).parent / "features"


def _sections(case: dict[str, Any]) -> tuple[str, str]:
    return case.get("extra", ""), case.get("vocabulary", "{classes: [x], drugs: []}")


@pytest.mark.parametrize("case", yaml_cases(RULES))
def test_rule_feature(case: dict[str, Any], eligible: dict[str, Any], tmp_path: Path) -> None:
    criterion = "IN1 inclusion Feature: " + case["name"]
    if "refused" in case:
        with pytest.raises(InputError) as refused:
            one_rule_criteria(tmp_path, criterion, case["logic"], *_sections(case))
        assert case["refused"] in str(refused.value)
        return
    criteria = one_rule_criteria(tmp_path, criterion, case["logic"], *_sections(case))
    record = merge(eligible, case.get("set", {}))
    for dotted in case.get("remove", []):
        remove(record, dotted)
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(record, sort_keys=False))
    report = screen_file(path, criteria, None, TODAY)
    assert report.problems == [], [str(p) for p in report.problems]
    (outcome,) = report.outcomes
    assert outcome.status == case["expect"]
    if "reason" in case:
        assert report.to_dict()["results"][0]["reason"] == case["reason"]


YES_NO_FIELDS = [
    "conditions.dyspnea_at_rest",
    "conditions.gilbert_syndrome",
    "conditions.severe_uncontrolled_systemic_disease",
    "conditions.interstitial_lung_disease",
    "conditions.uncontrolled_hypercalcemia",
    "conditions.hiv",
    "conditions.hbv",
    "conditions.hcv",
    "cardiac_history.heart_failure",
    "cardiac_history.unstable_angina",
    "hypersensitivity.pertuzumab",
    "hypersensitivity.trastuzumab",
    "nursing",
]


@pytest.mark.parametrize(("unknown", "expect"), [(12, "pass"), (13, "unknown")])
def test_a_criterion_is_decided_whichever_way_up_to_4096_completions(
    unknown: int, expect: str, eligible: dict[str, Any], tmp_path: Path
) -> None:
    """`a or not a or b or c ...`: true whatever the facts are, which is found by trying all
    2^n completions; beyond 4096 (n > 12) the criterion simply stays unknown."""
    fields = YES_NO_FIELDS[:unknown]
    parts = [f"{{field: {fields[0]}, op: eq, value: false}}"]
    parts += [f"{{field: {name}, op: eq, value: true}}" for name in fields]
    criteria = one_rule_criteria(
        tmp_path, "IN1 inclusion Tautology: Any answer will do", "{any: [" + ", ".join(parts) + "]}"
    )
    for dotted in fields:
        remove(eligible, dotted)
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(eligible, sort_keys=False))
    (outcome,) = screen_file(path, criteria, None, TODAY).outcomes
    assert outcome.status == expect
