"""An accepted placement of matching becomes applications here (source `placement`), admitted: an
employer's group requests its seats at once (the pooling counted on them); a person a mobility team
routed waits on the intake worklist for the provider to choose the funding and enrol them."""

from __future__ import annotations

import uuid

from recruitment.cohorts import CohortView
from recruitment.domain.application import Application, Source
from recruitment.domain.funding import Funding
from recruitment.usecases.applications import Applications

MAX_SEATS_PER_PLACEMENT = 100
# Application ids and pseudonyms of a placement's people derive from the placement, so a
# redelivered or replayed PlacementAccepted finds the applications it made before.
_NAMESPACE = uuid.UUID("6f1c2a4e-8a55-4d0e-9a53-3c1f3f0e7a10")


def _placement_application_id(key: str) -> str:
    return "app-" + uuid.uuid5(_NAMESPACE, key).hex[:16]


class Placements(Applications):
    async def placement_cohort(self, cohort_id: str) -> CohortView:
        """The placement's cohort; until the catalogue's cohort event arrived, a LookupError (the
        consumer retries, then dead-letters it, replayable)."""
        cohort = await self.cohort(cohort_id)
        if cohort is None or not cohort.provider_id:
            raise LookupError(f"cohort {cohort_id} not known yet")
        return cohort

    async def accept_placement(
        self,
        cohort: CohortView,
        *,
        placement_id: str,
        seats: int,
        candidate_ref: str | None,
        commissioner_org: str | None,
        funding: Funding,
    ) -> list[Application]:
        """One application per placed person (a routed candidate is one person; a group up to
        MAX_SEATS_PER_PLACEMENT), none twice."""
        people = 1 if candidate_ref else max(1, min(seats, MAX_SEATS_PER_PLACEMENT))
        received = []
        for index in range(people):
            key = f"{placement_id}:{index}"
            if await self.store.application(_placement_application_id(key)) is not None:
                continue
            received.append(
                await self.receive_application(
                    source=Source.placement,
                    cohort=cohort,
                    by="system:matching",
                    registered_by=commissioner_org,
                    candidate_ref=candidate_ref,
                    placement_id=placement_id,
                    participant_ref=candidate_ref or "pr-" + uuid.uuid5(_NAMESPACE, key).hex[:20],
                    application_id=_placement_application_id(key),
                    funding=funding,
                    # A group of an employer's demand holds its seats at once (the pooling counted
                    # on them); a person a mobility team routed waits, admitted, for the provider.
                    request_enrolment=candidate_ref is None,
                    admitted=True,
                )
            )
        return received
