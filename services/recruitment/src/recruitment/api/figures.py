"""Figures per campaign and per channel, as JSON, CSV and SVG charts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from llo_shared.auth import Principal, require_roles
from recruitment.api.applications import Anyone
from recruitment.api.campaigns import readable_campaign
from recruitment.api.deps import RecruitmentDep
from recruitment.api.reads import CampaignFiguresRead, ChannelFiguresPage
from recruitment.charts import fill_svg, funnel_svg
from recruitment.cohorts import cohort_view
from recruitment.domain.figures import funnel_figures
from recruitment.domain.funnel import FUNNEL
from recruitment.reports import campaign_report, figures_csv, figures_json, fill_points

router = APIRouter(tags=["figures"])
Manager = Annotated[Principal, Depends(require_roles("provider"))]


@router.get(
    "/campaigns/{campaign_id}/figures", response_model=CampaignFiguresRead, response_model_exclude_unset=True
)
async def campaign_figures(
    campaign_id: str, principal: Anyone, recruitment: RecruitmentDep
) -> dict[str, Any]:
    campaign = await readable_campaign(campaign_id, principal, recruitment)
    return await campaign_report(recruitment.store, campaign)


@router.get("/campaigns/{campaign_id}/figures.csv", response_class=Response)
async def campaign_figures_csv(campaign_id: str, principal: Anyone, recruitment: RecruitmentDep) -> Response:
    campaign = await readable_campaign(campaign_id, principal, recruitment)
    report = await campaign_report(recruitment.store, campaign)
    return Response(
        figures_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="werving-{campaign_id}.csv"'},
    )


@router.get("/campaigns/{campaign_id}/charts/funnel.svg", response_class=Response)
async def funnel_chart(campaign_id: str, principal: Anyone, recruitment: RecruitmentDep) -> Response:
    campaign = await readable_campaign(campaign_id, principal, recruitment)
    applications = await recruitment.store.all_applications({"campaign_id": campaign.campaign_id})
    figures = funnel_figures(applications, per_channel=False)
    svg = funnel_svg([(s, figures.reached[s]) for s in FUNNEL], f"Funnel {campaign.plan.name}")
    return Response(svg, media_type="image/svg+xml")


@router.get("/campaigns/{campaign_id}/charts/fill.svg", response_class=Response)
async def fill_chart(campaign_id: str, principal: Anyone, recruitment: RecruitmentDep) -> Response:
    campaign = await readable_campaign(campaign_id, principal, recruitment)
    cohort = (
        cohort_view(await recruitment.store.cohort_with_history(campaign.cohort_id))
        if campaign.cohort_id
        else None
    )
    return Response(
        fill_svg(fill_points(cohort), "Bezetting van het startmoment"), media_type="image/svg+xml"
    )


@router.get("/figures/channels", response_model=ChannelFiguresPage, response_model_exclude_unset=True)
async def channel_figures(principal: Manager, recruitment: RecruitmentDep) -> dict[str, Any]:
    """Conversion per channel over all campaigns of the caller's organisation."""
    query = {} if principal.role == "admin" else {"provider_id": principal.org}
    applications = await recruitment.store.all_applications(query)
    figures = figures_json(funnel_figures(applications))
    items = [{"channel": k, **v} for k, v in figures["by_channel"].items()]
    return {"items": items, "total": len(items), "next": None}
