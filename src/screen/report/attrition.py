"""Running totals of a batch: verdict counts and, per criterion, who it keeps out.

Kept as counts, never as a list of reports, so memory stays flat however large the batch.
"Fails only this" counts the patients failing this criterion and no other: those that the
criterion by itself keeps out of the trial (OHDSI Circe's attrition view); the funnel, the
patients still in after each criterion in protocol order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from screen.rules.language import Criterion

VERDICTS = ("eligible", "ineligible", "incomplete", "error")


@dataclass(slots=True)
class CriterionTotals:
    failed: int = 0
    unknown: int = 0
    failed_alone: int = 0
    failed_first: int = 0  # failing it and no criterion before it in protocol order


@dataclass(slots=True)
class Attrition:
    """Totals over the patients screened so far, per verdict and per criterion."""

    criteria: Sequence[Criterion]
    verdicts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(VERDICTS, 0))
    by_criterion: dict[str, CriterionTotals] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_criterion = {c.id: CriterionTotals() for c in self.criteria}

    @property
    def patients(self) -> int:
        return sum(self.verdicts.values())

    def funnel(self) -> list[tuple[Criterion, int]]:
        """Patients still in after each criterion, in protocol order (the screened records,
        less those failing it or an earlier one; errors were never in)."""
        remaining = self.patients - self.verdicts["error"]
        steps = []
        for criterion in self.criteria:
            remaining -= self.by_criterion[criterion.id].failed_first
            steps.append((criterion, remaining))
        return steps

    def add(self, verdict: str, failed: Sequence[str], unknown: Sequence[str]) -> None:
        self.verdicts[verdict] += 1
        for criterion_id in failed:
            self.by_criterion[criterion_id].failed += 1
        if failed:
            self.by_criterion[failed[0]].failed_first += 1
        if len(failed) == 1:
            self.by_criterion[failed[0]].failed_alone += 1
        for criterion_id in unknown:
            self.by_criterion[criterion_id].unknown += 1
