"""What a change of a cohort in the catalogue does to the people in its funnel: a merge moves them
with their seats to the target cohort, a cancellation withdraws them and closes its campaigns."""

from __future__ import annotations

from recruitment.domain.application import Application
from recruitment.domain.campaign import CampaignStatus
from recruitment.domain.funnel import DropOutReason, InvalidTransition, Stage
from recruitment.usecases.applications import Applications
from recruitment.usecases.base import CATALOGUE
from recruitment.usecases.campaigns import Campaigns


class CohortChanges(Applications, Campaigns):
    async def cohort_merged(self, source_id: str, target_id: str) -> int:
        """A merge: the catalogue moved every held seat to the target cohort, so the people follow
        it there with their enrolment and funding; nobody is withdrawn. No event is needed: the
        catalogue's SeatReserved on the target and CohortCancelled.merged_into tell the others."""
        moved = 0
        for application in await self.store.all_applications(
            {"cohort_id": source_id, "stage": {"$nin": ["withdrawn", "rejected"]}}
        ):

            async def attempt(application_id: str = application.application_id) -> Application | None:
                found = await self.store.application(application_id)
                if found is None or found[0].cohort_id != source_id:
                    return None
                current, version = found
                enrolment = current.enrolment
                if enrolment is not None and enrolment.cohort_id == source_id:
                    enrolment = enrolment.model_copy(update={"cohort_id": target_id})
                changed = current.model_copy(update={"cohort_id": target_id, "enrolment": enrolment})
                await self.store.save_application(changed, version, [])
                return changed

            if await self._retrying(attempt) is not None:
                moved += 1
        return moved

    async def cohort_cancelled(self, cohort_id: str) -> int:
        """Everyone still in the funnel for a cancelled cohort leaves it, with that reason."""
        moved = 0
        for application in await self.store.all_applications(
            {"cohort_id": cohort_id, "stage": {"$nin": ["withdrawn", "rejected"]}}
        ):
            try:
                await self.move(
                    application.application_id,
                    Stage.withdrawn,
                    by=CATALOGUE,
                    reason=DropOutReason.cohort_cancelled,
                    note="cohort cancelled",
                )
                moved += 1
            except InvalidTransition:
                continue
        for campaign in await self.store.campaigns_of_cohort(cohort_id):
            if campaign.status == CampaignStatus.running:
                await self.advance_campaign(campaign.campaign_id, CampaignStatus.closed)
        return moved
