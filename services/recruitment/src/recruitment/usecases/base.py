"""What every use case of recruitment stands on: the store, the relay's wake-up call, the clock, the
sealer, the loads that raise `NotFound`, and the retry of a step that met a concurrent change."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

from llo_shared.sealed import Sealer, refuse_to_seal
from recruitment.cohorts import CohortView, cohort_view
from recruitment.domain.application import Application
from recruitment.domain.campaign import Campaign
from recruitment.store import ConcurrentChange, RecruitmentStore
from recruitment.usecases.errors import NotFound

T = TypeVar("T")

CATALOGUE = "system:catalogue"  # who took a step the catalogue's seat or cohort decision caused


def utcnow() -> datetime:
    return datetime.now(UTC)


class UseCases:
    def __init__(
        self,
        store: RecruitmentStore,
        wake: Callable[[], None],
        *,
        fill_lead_days: int = 21,
        fill_budget_per_seat_cents: int = 25_000,
        clock: Callable[[], datetime] = utcnow,
        sealer: Sealer = refuse_to_seal,
    ) -> None:
        self.store = store
        self.sealer = sealer  # seals a paying person's invoice details for billing (llo_shared.sealed)
        # Called after every write: the relay publishes its events at once instead of on its sweep.
        self._wake = wake
        self.fill_lead_days = fill_lead_days
        self.fill_budget_per_seat_cents = fill_budget_per_seat_cents
        self.clock = clock

    async def _retrying(self, attempt: Callable[[], Awaitable[T]], tries: int = 8) -> T:
        for _ in range(tries - 1):
            try:
                return await attempt()
            except ConcurrentChange:
                continue
        return await attempt()

    async def cohort(self, cohort_id: str) -> CohortView | None:
        return cohort_view(await self.store.cohort(cohort_id))

    async def load(self, application_id: str) -> tuple[Application, int]:
        found = await self.store.application(application_id)
        if found is None:
            raise NotFound("application", application_id)
        return found

    async def load_campaign(self, campaign_id: str) -> tuple[Campaign, int]:
        found = await self.store.campaign(campaign_id)
        if found is None:
            raise NotFound("campaign", campaign_id)
        return found
