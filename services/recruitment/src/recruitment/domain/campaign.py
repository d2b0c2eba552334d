"""Campaigns: who we try to reach, through which channels, for how many seats, at what cost."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field, model_validator

from llo_shared.dates import Day
from recruitment.domain.funding import FULL_SHARE_BP


class TargetGroup(StrEnum):
    zij_instromers = "zij_instromers"
    herintreders = "herintreders"
    werkzoekenden = "werkzoekenden"
    eigen_medewerkers = "eigen_medewerkers"
    afstand_arbeidsmarkt = "afstand_arbeidsmarkt"


class Channel(StrEnum):
    employer_visit = "employer_visit"  # at management level
    uwv = "uwv"
    gemeente = "gemeente"
    leerwerkloket = "leerwerkloket"
    uitzendbureau = "uitzendbureau"
    alumni = "alumni"
    social_media = "social_media"
    open_day = "open_day"
    demo_lesson = "demo_lesson"
    website_form = "website_form"


class CampaignStatus(StrEnum):
    draft = "draft"
    running = "running"
    closed = "closed"


class Origin(StrEnum):
    manual = "manual"
    automatic = "automatic"  # a fill campaign proposed for a cohort below break-even


class CostShare(BaseModel):
    """The part of the budget a partner pays (shared recruitment costs are a private flow)."""

    partner_id: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=200)
    share_bp: int = Field(ge=1, le=FULL_SHARE_BP)


class CampaignError(ValueError):
    pass


class CampaignStatusConflict(Exception):
    def __init__(self, current: CampaignStatus, target: CampaignStatus) -> None:
        super().__init__(f"a {current} campaign cannot become {target}")
        self.current, self.target = current, target


_NEXT_STATUS = {CampaignStatus.draft: CampaignStatus.running, CampaignStatus.running: CampaignStatus.closed}


class CampaignPlan(BaseModel):
    """What a provider decides about a campaign; editable while it is a draft."""

    name: str = Field(min_length=3, max_length=160)
    target_groups: list[TargetGroup] = Field(min_length=1, max_length=len(TargetGroup))
    channels: list[Channel] = Field(min_length=1, max_length=len(Channel))
    starts_on: Day
    ends_on: Day
    goal_seats: int = Field(ge=1, le=500)
    budget_cents: int = Field(ge=0, le=100_000_000)
    currency: str = Field(default="EUR", pattern="^EUR$")
    cost_shares: list[CostShare] = Field(default_factory=list, max_length=10)

    @model_validator(mode="after")
    def _consistent(self) -> CampaignPlan:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on lies before starts_on")
        if len(set(self.channels)) != len(self.channels) or len(set(self.target_groups)) != len(
            self.target_groups
        ):
            raise ValueError("channels and target_groups list each value once")
        if self.cost_shares:
            if sum(s.share_bp for s in self.cost_shares) != FULL_SHARE_BP:
                raise ValueError("cost_shares (share_bp) must add up to 10000")
            if len({s.partner_id for s in self.cost_shares}) != len(self.cost_shares):
                raise ValueError("each partner appears once in cost_shares")
        return self


class Campaign(BaseModel):
    campaign_id: str
    provider_id: str
    cohort_id: str | None = None
    offering_id: str | None = None
    origin: Origin = Origin.manual
    status: CampaignStatus = CampaignStatus.draft
    plan: CampaignPlan
    created_at: datetime
    launched_at: datetime | None = None
    closed_at: datetime | None = None

    @model_validator(mode="after")
    def _aims_at_something(self) -> Campaign:
        if not self.cohort_id and not self.offering_id:
            raise ValueError("a campaign is for a cohort or an offering")
        return self

    def advanced(self, target: CampaignStatus, at: datetime) -> Campaign:
        if _NEXT_STATUS.get(self.status) != target:
            raise CampaignStatusConflict(self.status, target)
        stamp = "launched_at" if target == CampaignStatus.running else "closed_at"
        return self.model_copy(update={"status": target, stamp: at})

    def replanned(self, plan: CampaignPlan) -> Campaign:
        if self.status != CampaignStatus.draft:
            raise CampaignStatusConflict(self.status, self.status)
        return self.model_copy(update={"plan": plan})

    def cost_split(self) -> list[tuple[str, int]]:
        """Budget per partner in cents; half-up rounding, the last partner absorbs the remainder."""
        shares = self.plan.cost_shares or [
            CostShare(partner_id=self.provider_id, name=self.provider_id, share_bp=10_000)
        ]
        parts = [
            (s.partner_id, (self.plan.budget_cents * s.share_bp * 2 + FULL_SHARE_BP) // (2 * FULL_SHARE_BP))
            for s in shares[:-1]
        ]
        parts.append((shares[-1].partner_id, self.plan.budget_cents - sum(p for _, p in parts)))
        return parts
