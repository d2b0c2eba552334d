"""Recruitment's read model of the catalogue's cohorts (fed by catalogue.cohort.v1 only)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict

from llo_shared.dutch import datum
from recruitment.domain.fill import CohortFill

ENDED = ("cancelled", "completed")  # a cohort in these states takes nobody any more


class CohortView(BaseModel):
    """Tolerant: every field may be missing in an event; unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore")

    cohort_id: str
    offering_id: str | None = None
    provider_id: str | None = None
    title: str | None = None
    region: str | None = None
    municipality: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    decision_date: date | None = None
    capacity: int = 0
    break_even: int = 0
    seat_price_cents: int | None = None
    currency: str = "EUR"
    status: str = "planned"
    seats_taken: int = 0
    seats_left: int | None = None
    # The kinds of seat the catalogue offers on this cohort; None: not told (older events).
    funding_kinds: list[str] | None = None
    fill_history: list[dict[str, Any]] = []

    def fill(self) -> CohortFill:
        return CohortFill(
            cohort_id=self.cohort_id,
            status=self.status,
            decision_date=self.decision_date,
            break_even=self.break_even,
            seats_taken=self.seats_taken,
            capacity=self.capacity,
        )

    def offers(self, kind: str) -> bool:
        return self.funding_kinds is None or kind in self.funding_kinds

    @property
    def open(self) -> bool:
        return self.status not in ENDED

    @property
    def takes_applications(self) -> bool:
        """Open, and known to belong to a provider (its cohort events have arrived)."""
        return self.open and bool(self.provider_id)

    @property
    def label(self) -> str:
        """The course by name with its start: "Helpende Zorg en Welzijn (start 1 februari 2027 in Almere)"."""
        when = datum(self.start_date) if self.start_date else "datum volgt"
        place = f" in {self.municipality}" if self.municipality else ""
        return f"{self.title or 'Opleiding'} (start {when}{place})"


def cohort_view(doc: dict[str, Any] | None) -> CohortView | None:
    return CohortView.model_validate(doc) if doc else None
