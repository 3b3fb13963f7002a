"""The bundled criteria file against the protocol, and the static checks of any criteria file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from screen.errors import InputError
from screen.load import Criteria, load_criteria
from tests.conftest import one_rule_criteria

ROOT = Path(__file__).resolve().parents[1]
PROTOCOL = ROOT.parent / "shared" / "protocol" / "NCT02514681.txt"
BUNDLED = (ROOT / "criteria" / "precious.yaml").read_text()


def test_all_31_criteria_in_protocol_order(criteria: Criteria) -> None:
    ids = [c.id for c in criteria.rules.criteria]
    assert ids == [f"IN{i}" for i in range(1, 10)] + [f"EX{i}" for i in range(1, 23)]
    assert {c.type for c in criteria.rules.criteria[:9]} == {"inclusion"}
    assert {c.type for c in criteria.rules.criteria[9:]} == {"exclusion"}


@pytest.mark.skipif(not PROTOCOL.exists(), reason="shared/ protocol text not beside the checkout")
def test_every_criterion_text_is_verbatim_from_the_registry(criteria: Criteria) -> None:
    protocol = PROTOCOL.read_text()
    unescaped = re.sub(r"\\([<>\[\]*])", r"\1", protocol)
    unescaped = re.sub(r"\n\s*\n", "\n", unescaped)
    for criterion in criteria.rules.criteria:
        for line in criterion.text.splitlines():
            assert line.strip() in unescaped, (criterion.id, line)


def _broken(tmp_path: Path, old: str, new: str) -> list[str]:
    assert old in BUNDLED
    path = tmp_path / "criteria.yaml"
    path.write_text(BUNDLED.replace(old, new, 1))
    with pytest.raises(InputError) as caught:
        load_criteria(path)
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("field: ecog, op: in", "field: ecgo, op: in", "no field 'ecgo' (did you mean 'ecog'?)"),
        ("field: ecog, op: in", "field: ecog, op: within", "op"),
        (
            'recent: labs.platelets, label: platelets, within: {days: 28}, op: lt, value: 100, unit: "10*9/L"',
            "recent: labs.platelets, label: platelets, within: {days: 28}, op: lt, value: 100, unit: g/dL",
            "'g/dL' is not a unit of platelets",
        ),
        ("  - id: IN8\n", "  - id: IN7\n", "duplicate criterion id 'IN7'"),
        (
            "{drug: agents, is: pertuzumab}",
            "{drug: agents, is: pertuzumabb}",
            "'pertuzumabb' is not a drug of the vocabulary",
        ),
        (
            "{field: setting, op: eq, value: advanced}",
            "{field: setting, op: eq, value: advnced}",
            "'advnced' can never be the value of 'setting'",
        ),
        ("has_class: cytotoxic}", "has_class: cytotoxix}", "unknown drug class 'cytotoxix'"),
        (  # a value no branch of the union takes: one line, not one per branch
            "{field: setting, op: eq, value: advanced}",
            "{field: setting, op: eq, value: 2026-01-01}",
            "value: expected true or false, a number, text or a list (got 2026-01-01)",
        ),
        (
            "    drugs: agents\n    set_aside: [supportive]\n",
            "    set_aside: [supportive]\n",
            "entries.prior_regimens.set_aside: set_aside needs `drugs`",
        ),
        (
            "logic: {field: nursing, op: eq, value: true, label: nursing}",
            "logic: {nursing: true}",
            "not a rule node",
        ),
    ],
)
def test_static_check_names_the_problem_and_its_line(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    problems = _broken(tmp_path, old, new)
    match = [p for p in problems if expected in p]
    assert match, problems
    assert len([p for p in problems if p.startswith(match[0].split(": ")[0] + ":")]) == 1
    line = BUNDLED[: BUNDLED.index(old)].count("\n") + 1
    assert any(f"criteria.yaml:{n} " in match[0] for n in (line, line + 1)), match[0]


def test_the_readme_s_rule_language_reference_is_generated_from_the_rule_models() -> None:
    """Regenerate with `python -m screen.rules.reference` and paste it between the markers."""
    from screen.rules.reference import readme_section

    readme = (Path(__file__).parents[1] / "README.md").read_text()
    assert readme_section() in readme


@pytest.mark.parametrize("name", ["-", "・", " "], ids=["hyphen", "nakaguro", "space"])
def test_a_drug_name_without_a_letter_or_digit_is_refused(tmp_path: Path, name: str) -> None:
    """Names are compared without punctuation and spaces: such a name would stand for every
    recorded name that has no letter or digit (an agent written "-")."""
    vocabulary = (
        "{classes: [x], drugs: [{name: agent a, classes: [x], synonyms: [" + repr(name) + "]}]}"
    )
    with pytest.raises(InputError) as refused:
        one_rule_criteria(
            tmp_path, "IN1 inclusion A rule: text", "{drug: agents, is: agent a}", "", vocabulary
        )
    problems = [str(p) for p in refused.value.problems]
    assert any(f"the name {name!r} has no letter or digit" in p for p in problems), problems
