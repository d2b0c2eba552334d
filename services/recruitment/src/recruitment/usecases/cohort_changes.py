"""What a change of a cohort in the catalogue does here: the read model records it (with a point of
the fill-over-time series, and the course's name), a merge moves the people in its funnel with
their seats to the target cohort, a cancellation withdraws them and closes its campaigns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from recruitment.cohorts import CohortView
from recruitment.domain.application import Application
from recruitment.domain.campaign import CampaignStatus
from recruitment.domain.funnel import DropOutReason, InvalidTransition, Stage
from recruitment.usecases.applications import Applications
from recruitment.usecases.base import CATALOGUE
from recruitment.usecases.campaigns import Campaigns

# A change of these starts a new point of the cohort's fill-over-time series.
FILL_SHAPE = ("seats_taken", "break_even", "capacity")


class CohortChanges(Applications, Campaigns):
    async def record_cohort(
        self, cohort_id: str, fields: dict[str, Any], at: datetime, event_id: str
    ) -> CohortView:
        """Update the read model with what a cohort event told (`at`: when it happened, `event_id`:
        which event) and keep a point of the fill-over-time series; seats taken follow from seats
        left when not told. The point is written first and once per event, so an event handled
        again after a failure between the two writes leaves each point once."""
        current = await self.store.cohort(cohort_id) or {}
        merged = {**current, **fields}
        capacity = merged.get("capacity") or 0
        if fields.get("seats_left") is not None and fields.get("seats_taken") is None and capacity:
            fields["seats_taken"] = max(0, capacity - fields["seats_left"])
            merged["seats_taken"] = fields["seats_taken"]
        if merged.get("seats_taken") is not None and any(current.get(k) != merged.get(k) for k in FILL_SHAPE):
            point = {
                "at": at.isoformat(),
                "seats_taken": merged["seats_taken"],
                "break_even": merged.get("break_even") or 0,
                "capacity": capacity,
            }
            await self.store.add_fill_point(cohort_id, f"{cohort_id}|{event_id}", point)
        await self.store.upsert_cohort(cohort_id, fields)
        return CohortView.model_validate({**current, **fields, "cohort_id": cohort_id})

    async def name_cohort(self, view: CohortView) -> CohortView:
        """The course's name from the offering events. Read after the cohort is written (the offering
        handler writes before it reads cohorts), so whichever event comes second names the cohort."""
        offering = await self.store.offering(view.offering_id) if view.offering_id else None
        title = (offering or {}).get("title")
        if not title or title == view.title:
            return view
        await self.store.upsert_cohort(view.cohort_id, {"title": title})
        return view.model_copy(update={"title": title})

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
