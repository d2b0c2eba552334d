"""Campaigns: providers plan, launch and close their own; RMTs see the running ones."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import Field

from llo_shared.auth import Principal, current_principal, require_org, require_roles
from recruitment.api.deps import (
    Cursor,
    Limit,
    RecruitmentDep,
    ensure_campaign_reader,
    field_problem,
)
from recruitment.api.reads import CampaignPage, CampaignRead
from recruitment.domain.campaign import Campaign, CampaignPlan, CampaignStatus, Origin
from recruitment.usecases import Recruitment

router = APIRouter(prefix="/campaigns", tags=["campaigns"])
ProviderOrAdmin = Annotated[Principal, Depends(require_roles("provider"))]
Reader = Annotated[Principal, Depends(require_roles("provider", "rmt"))]


class CampaignCreate(CampaignPlan):
    cohort_id: str | None = Field(default=None, max_length=200)
    offering_id: str | None = Field(default=None, max_length=200)
    provider_id: str | None = Field(default=None, max_length=100, description="defaults to your organisation")


def campaign_json(campaign: Campaign) -> dict[str, Any]:
    data = campaign.model_dump(mode="json")
    data["cost_split"] = [{"partner_id": p, "amount_cents": c} for p, c in campaign.cost_split()]
    return data


@router.post("", status_code=201, response_model=CampaignRead, response_model_exclude_unset=True)
async def create_campaign(
    body: CampaignCreate, principal: ProviderOrAdmin, recruitment: RecruitmentDep
) -> dict[str, Any]:
    provider_id = body.provider_id or principal.org
    require_org(principal, provider_id)
    campaign = await recruitment.plan_campaign(
        body, provider_id, cohort_id=body.cohort_id, offering_id=body.offering_id
    )
    return campaign_json(campaign)


@router.get("", response_model=CampaignPage, response_model_exclude_unset=True)
async def list_campaigns(
    principal: Reader,
    recruitment: RecruitmentDep,
    status: CampaignStatus | None = None,
    origin: Origin | None = None,
    cohort_id: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> dict[str, Any]:
    query: dict[str, Any] = {}
    if principal.role == "provider":
        query["provider_id"] = principal.org
    elif principal.role == "rmt":
        if status not in (None, CampaignStatus.running):
            raise field_problem("status", "an RMT sees running campaigns only", where="query")
        query["status"] = "running"
    if status:
        query["status"] = str(status)
    if origin:
        query["origin"] = str(origin)
    if cohort_id:
        query["cohort_id"] = cohort_id
    found = await recruitment.store.campaign_page(query, cursor, limit)
    return found | {"items": [campaign_json(c) for c in found["items"]]}


async def readable_campaign(campaign_id: str, principal: Principal, recruitment: Recruitment) -> Campaign:
    campaign, _ = await recruitment.load_campaign(campaign_id)
    ensure_campaign_reader(principal, campaign)
    return campaign


async def owned_campaign(campaign_id: str, principal: Principal, recruitment: Recruitment) -> Campaign:
    campaign = await readable_campaign(campaign_id, principal, recruitment)
    require_org(principal, campaign.provider_id)
    return campaign


@router.get("/{campaign_id}", response_model=CampaignRead, response_model_exclude_unset=True)
async def get_campaign(
    campaign_id: str, principal: Annotated[Principal, Depends(current_principal)], recruitment: RecruitmentDep
) -> dict[str, Any]:
    return campaign_json(await readable_campaign(campaign_id, principal, recruitment))


@router.put("/{campaign_id}/plan", response_model=CampaignRead, response_model_exclude_unset=True)
async def replan(
    campaign_id: str, plan: CampaignPlan, principal: ProviderOrAdmin, recruitment: RecruitmentDep
) -> dict[str, Any]:
    await owned_campaign(campaign_id, principal, recruitment)
    return campaign_json(await recruitment.replan_campaign(campaign_id, plan))


@router.post("/{campaign_id}/launch", response_model=CampaignRead, response_model_exclude_unset=True)
async def launch(campaign_id: str, principal: ProviderOrAdmin, recruitment: RecruitmentDep) -> dict[str, Any]:
    await owned_campaign(campaign_id, principal, recruitment)
    return campaign_json(await recruitment.advance_campaign(campaign_id, CampaignStatus.running))


@router.post("/{campaign_id}/close", response_model=CampaignRead, response_model_exclude_unset=True)
async def close(campaign_id: str, principal: ProviderOrAdmin, recruitment: RecruitmentDep) -> dict[str, Any]:
    await owned_campaign(campaign_id, principal, recruitment)
    return campaign_json(await recruitment.advance_campaign(campaign_id, CampaignStatus.closed))


fill_router = APIRouter(prefix="/fill-campaigns", tags=["campaigns"])


@fill_router.post("/sweep", response_model=CampaignPage, response_model_exclude_unset=True)
async def sweep(principal: ProviderOrAdmin, recruitment: RecruitmentDep) -> dict[str, Any]:
    """Check cohorts against today's date (time passes without events): an admin sweeps every
    provider's cohorts, a provider only its own."""
    provider_id = None if principal.role == "admin" else principal.org
    proposed = await recruitment.sweep_fill_campaigns(provider_id)
    return {"items": [campaign_json(c) for c in proposed], "total": len(proposed), "next": None}
