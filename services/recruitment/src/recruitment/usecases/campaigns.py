"""Campaigns: plan, draft -> running -> closed, and the automatic fill campaign a cohort below
break-even gets before its go/no-go decision (proposed by the consumers, at start-up and by the
sweep the API offers)."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from llo_shared.envelope import EventEnvelope
from recruitment import events as ev
from recruitment.cohorts import CohortView, cohort_view
from recruitment.domain.campaign import (
    Campaign,
    CampaignPlan,
    CampaignStatus,
    Channel,
    Origin,
    TargetGroup,
)
from recruitment.domain.fill import fill_goal
from recruitment.store import AlreadyExists
from recruitment.usecases.base import UseCases
from recruitment.usecases.errors import TargetRefused

log = logging.getLogger(__name__)

FILL_CHANNELS = [Channel.employer_visit, Channel.uwv, Channel.gemeente, Channel.leerwerkloket]
FILL_TARGET_GROUPS = [TargetGroup.zij_instromers, TargetGroup.werkzoekenden, TargetGroup.herintreders]


def fill_campaign_id(cohort_id: str) -> str:
    return f"fill-{cohort_id}"


class Campaigns(UseCases):
    async def create_campaign(
        self,
        *,
        plan: CampaignPlan,
        provider_id: str,
        cohort_id: str | None,
        offering_id: str | None,
        origin: Origin = Origin.manual,
        campaign_id: str | None = None,
    ) -> Campaign:
        campaign = Campaign(
            campaign_id=campaign_id or "cmp-" + uuid.uuid4().hex[:16],
            provider_id=provider_id,
            cohort_id=cohort_id,
            offering_id=offering_id,
            origin=origin,
            plan=plan,
            created_at=self.clock(),
        )
        await self.store.add_campaign(campaign, [self._campaign_event(ev.CampaignProposed, campaign)])
        self._wake()
        return campaign

    async def plan_campaign(
        self, plan: CampaignPlan, provider_id: str, *, cohort_id: str | None, offering_id: str | None
    ) -> Campaign:
        """A new draft campaign of `provider_id` for one of its cohorts (or an offering of which a
        cohort of its is known); the API and the provider's page both create here."""
        cohort_id, offering_id = await self._target_of(provider_id, cohort_id, offering_id)
        plan = CampaignPlan.model_validate(plan.model_dump(include=set(CampaignPlan.model_fields)))
        return await self.create_campaign(
            plan=plan, provider_id=provider_id, cohort_id=cohort_id, offering_id=offering_id
        )

    async def _target_of(
        self, provider_id: str, cohort_id: str | None, offering_id: str | None
    ) -> tuple[str | None, str | None]:
        """A campaign aims at a cohort (or an offering) this provider runs, as the read model knows it."""
        if cohort_id:
            cohort = await self.cohort(cohort_id)
            if cohort is None:
                raise TargetRefused("cohort_id", "unknown cohort")
            if cohort.provider_id and cohort.provider_id != provider_id:
                raise TargetRefused("cohort_id", "this cohort belongs to another provider", foreign=True)
            return cohort.cohort_id, offering_id or cohort.offering_id
        if offering_id:
            known = await self.store.all_cohorts({"offering_id": offering_id, "provider_id": provider_id})
            if not known:
                raise TargetRefused("offering_id", "no cohort of this offering of yours is known")
            return None, offering_id
        raise TargetRefused("cohort_id", "give cohort_id or offering_id")

    async def advance_campaign(self, campaign_id: str, target: CampaignStatus) -> Campaign:
        async def attempt() -> Campaign:
            campaign, version = await self.load_campaign(campaign_id)
            changed = campaign.advanced(target, self.clock())
            kind = ev.CampaignLaunched if target == CampaignStatus.running else ev.CampaignClosed
            await self.store.save_campaign(changed, version, [self._campaign_event(kind, changed)])
            return changed

        campaign = await self._retrying(attempt)
        self._wake()
        return campaign

    async def replan_campaign(self, campaign_id: str, plan: CampaignPlan) -> Campaign:
        async def attempt() -> Campaign:
            campaign, version = await self.load_campaign(campaign_id)
            changed = campaign.replanned(plan)
            await self.store.save_campaign(changed, version, [])
            return changed

        return await self._retrying(attempt)

    @staticmethod
    def _campaign_event(
        kind: type[ev.CampaignProposed | ev.CampaignLaunched | ev.CampaignClosed], campaign: Campaign
    ) -> EventEnvelope:
        payload = kind(
            campaign_id=campaign.campaign_id,
            cohort_id=campaign.cohort_id,
            offering_id=campaign.offering_id,
            provider_id=campaign.provider_id,
            goal_seats=campaign.plan.goal_seats,
            channels=[str(c) for c in campaign.plan.channels],
            budget_cents=campaign.plan.budget_cents,
            origin=str(campaign.origin),  # type: ignore[arg-type]
        )
        return ev.envelope(payload, campaign.campaign_id)

    # automatic fill campaigns ----------------------------------------------------------
    async def propose_fill_campaign(self, cohort: CohortView, *, due: bool = False) -> Campaign | None:
        """A draft campaign for the seats a cohort lacks; at most one per cohort, ever.

        `due` is set when the catalogue says the decision is due: then the lead time no longer matters."""
        today = self.clock().date()
        fill = cohort.fill()
        goal = fill_goal(fill, today, self.fill_lead_days if not due else 10_000)
        if goal <= 0 or not cohort.provider_id:
            return None
        ends_on = max(today, cohort.decision_date or today)
        plan = CampaignPlan(
            name=f"Vulcampagne {cohort.label}"[:160],
            target_groups=FILL_TARGET_GROUPS,
            channels=FILL_CHANNELS,
            starts_on=today,
            ends_on=ends_on,
            goal_seats=goal,
            budget_cents=goal * self.fill_budget_per_seat_cents,
        )
        try:
            return await self.create_campaign(
                plan=plan,
                provider_id=cohort.provider_id,
                cohort_id=cohort.cohort_id,
                offering_id=cohort.offering_id,
                origin=Origin.automatic,
                campaign_id=fill_campaign_id(cohort.cohort_id),
            )
        except AlreadyExists:
            return None

    async def sweep_fill_campaigns(self, provider_id: str | None = None) -> list[Campaign]:
        """Time passes without events; this checks every known cohort (of one provider, if named)
        against today's date. One cohort's bad data is logged and skipped, never stops the others."""
        query: dict[str, Any] = {"status": {"$nin": ["cancelled", "completed"]}}
        if provider_id is not None:
            query["provider_id"] = provider_id
        proposed = []
        for doc in await self.store.all_cohorts(query):
            if campaign := await self._sweep_one(doc):
                proposed.append(campaign)
        return proposed

    async def _sweep_one(self, doc: dict[str, Any]) -> Campaign | None:
        """One cohort of the sweep: a record that breaks is logged and skipped, never the whole sweep."""
        try:
            view = cohort_view(doc)
            return await self.propose_fill_campaign(view) if view else None
        except (ValueError, TypeError, KeyError, OverflowError) as error:
            log.warning(
                "fill sweep skipped a broken cohort",
                extra={"cohort_id": doc.get("_id") or doc.get("cohort_id"), "error": type(error).__name__},
            )
            return None
