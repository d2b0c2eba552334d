"""When a cohort needs a fill campaign: below break-even a set number of days before its decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

OPEN_COHORT_STATUSES = frozenset({"planned", "scheduled", "open"})


@dataclass(frozen=True)
class CohortFill:
    cohort_id: str
    status: str
    decision_date: date | None
    break_even: int
    seats_taken: int
    capacity: int

    @property
    def missing_seats(self) -> int:
        return max(0, self.break_even - self.seats_taken)


def fill_goal(cohort: CohortFill, today: date, lead_days: int) -> int:
    """The seats a fill campaign should aim for today, or 0 if none is needed (yet)."""
    if cohort.status not in OPEN_COHORT_STATUSES or cohort.decision_date is None:
        return 0
    # Days until the decision, not `decision_date - timedelta(lead_days)`: that overflows for a
    # date near year 1, and one such cohort stopped the sweep for every provider.
    if not 0 <= (cohort.decision_date - today).days <= lead_days:
        return 0
    return min(cohort.missing_seats, max(0, cohort.capacity - cohort.seats_taken))
