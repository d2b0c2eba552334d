"""The provider's campaigns: the overview (with the proposed fill campaigns), a new campaign and a
changed draft (the proposed fill campaign too), the dashboard with its charts and CSV, launching and
closing. Writes go through the use cases the API calls (Recruitment.plan_campaign,
Recruitment.replan_campaign, Recruitment.advance_campaign); nothing is decided here."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from llo_shared.auth import Principal
from llo_shared.pages import PagePrincipal, PageUser
from llo_shared.problems import Problem
from recruitment.api.deps import RecruitmentDep, manages
from recruitment.api.figures import campaign_figures_csv
from recruitment.charts import fill_svg, funnel_svg
from recruitment.cohorts import CohortView, cohort_view
from recruitment.domain.campaign import (
    Campaign,
    CampaignStatus,
    CampaignStatusConflict,
    Channel,
    TargetGroup,
)
from recruitment.domain.figures import funnel_figures
from recruitment.domain.funnel import FUNNEL
from recruitment.pages.campaign_form import TARGET_GROUP_LABELS, CampaignForm
from recruitment.pages.common import refused, render
from recruitment.reports import campaign_report, fill_points
from recruitment.usecases import Recruitment, TargetRefused

# /recruitment/campagnes/nieuw is routed before /recruitment/campagnes/{campaign_id} ("nieuw" is
# not a campaign): the routes below keep that order.
router = APIRouter(include_in_schema=False)
ALREADY_MOVED = "Dit kan niet meer: de wervingsactie is intussen al gestart of gesloten."


@router.get("/recruitment/", response_class=HTMLResponse)
async def home(request: Request, principal: PagePrincipal, recruitment: RecruitmentDep) -> HTMLResponse:
    campaigns: list[Campaign] = []
    if principal is not None and principal.role in ("provider", "admin"):
        query = {} if principal.role == "admin" else {"provider_id": principal.org}
        campaigns, _ = await recruitment.store.list_campaigns(query, after=None, limit=200)
    elif principal is not None and principal.role == "rmt":
        campaigns, _ = await recruitment.store.list_campaigns({"status": "running"}, after=None, limit=200)
    cohorts = {c.cohort_id: c for c in (cohort_view(d) for d in await recruitment.store.all_cohorts()) if c}
    proposals = [c for c in campaigns if c.origin == "automatic"]
    return render(
        request,
        "home.html",
        principal,
        title="Werving",
        campaigns=campaigns,
        proposals=proposals,
        cohorts=cohorts,
    )


# a new campaign, a changed draft ------------------------------------------------------------
@router.get("/recruitment/campagnes/nieuw", response_class=HTMLResponse)
async def new_campaign(
    request: Request,
    principal: PagePrincipal,
    recruitment: RecruitmentDep,
    startmoment: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    if (answer := refused(request, principal, "Nieuwe wervingsactie")) is not None:
        return answer
    cohorts = await open_cohorts_of(recruitment, principal)
    chosen = next((c for c in cohorts if c.cohort_id == startmoment), None)
    form = CampaignForm.blank()
    if chosen is not None:
        form.values |= {"cohort_id": chosen.cohort_id, "name": f"Werving {chosen.label}"[:160]}
    return _form_page(request, principal, form, cohorts)


@router.post("/recruitment/campagnes/nieuw", response_class=HTMLResponse, response_model=None)
async def create_campaign(
    request: Request, principal: PagePrincipal, recruitment: RecruitmentDep
) -> Response:
    if (answer := refused(request, principal, "Nieuwe wervingsactie")) is not None:
        return answer
    cohorts = await open_cohorts_of(recruitment, principal)
    form = CampaignForm.posted(await request.form())
    body = form.create_body()
    chosen = next((c for c in cohorts if c.cohort_id == form.values["cohort_id"]), None)
    if body is not None and chosen is None:
        form.errors["cohort_id"] = "Kies een van uw eigen startmomenten."
    if body is None or chosen is None:
        return _form_page(request, principal, form, cohorts, status=422)
    assert principal is not None  # refused() let only a provider or an admin through
    try:
        provider_id = chosen.provider_id or principal.org
        campaign = await recruitment.plan_campaign(
            body, provider_id, cohort_id=body.cohort_id, offering_id=body.offering_id
        )
    except TargetRefused:
        form.errors["cohort_id"] = "Kies een van uw eigen startmomenten."
        return _form_page(request, principal, form, cohorts, status=422)
    return _to_campaign(campaign.campaign_id, "Wervingsactie aangemaakt (concept).")


@router.get("/recruitment/campagnes/{campaign_id}/wijzigen", response_class=HTMLResponse)
async def edit_campaign(
    request: Request, principal: PagePrincipal, recruitment: RecruitmentDep, campaign_id: str
) -> HTMLResponse:
    if (answer := refused(request, principal, "Wervingsactie wijzigen")) is not None:
        return answer
    campaign, cohorts = await _with_cohort(recruitment, principal, campaign_id)
    return _form_page(request, principal, CampaignForm.of(campaign), cohorts, campaign)


@router.post(
    "/recruitment/campagnes/{campaign_id}/wijzigen", response_class=HTMLResponse, response_model=None
)
async def replan_campaign(
    request: Request, principal: PagePrincipal, recruitment: RecruitmentDep, campaign_id: str
) -> Response:
    if (answer := refused(request, principal, "Wervingsactie wijzigen")) is not None:
        return answer
    campaign, cohorts = await _with_cohort(recruitment, principal, campaign_id)
    form = CampaignForm.posted(await request.form())
    form.values["cohort_id"] = campaign.cohort_id or ""  # the start moment stays what it was
    plan = form.plan(campaign.plan)
    if plan is None:
        return _form_page(request, principal, form, cohorts, campaign, status=422)
    try:
        await recruitment.replan_campaign(campaign_id, plan)
    except CampaignStatusConflict:
        form.errors["name"] = "Deze wervingsactie is al gestart. Alleen een concept kunt u nog wijzigen."
        return _form_page(request, principal, form, cohorts, campaign, status=409)
    return _to_campaign(campaign_id, "Wijzigingen opgeslagen.")


# the dashboard ---------------------------------------------------------------------------------
@router.get("/recruitment/campagnes/{campaign_id}", response_class=HTMLResponse)
async def campaign_page(
    request: Request,
    principal: PagePrincipal,
    recruitment: RecruitmentDep,
    campaign_id: str,
    melding: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    if principal is None:
        return render(request, "signin_needed.html", principal, status=401, title="Campagne")
    campaign = await _managed_campaign(recruitment, principal, campaign_id, "Campagne niet gevonden")
    report = await campaign_report(recruitment.store, campaign)
    applications = await recruitment.store.all_applications({"campaign_id": campaign_id})
    figures = funnel_figures(applications, per_channel=False)
    cohort = (
        cohort_view(await recruitment.store.cohort_with_history(campaign.cohort_id))
        if campaign.cohort_id
        else None
    )
    return render(
        request,
        "campaign.html",
        principal,
        title=campaign.plan.name,
        campaign=campaign,
        report=report,
        cohort=cohort,
        funnel_chart=funnel_svg([(s, figures.reached[s]) for s in FUNNEL], "Funnel van deze campagne"),
        fill_chart=fill_svg(fill_points(cohort), "Bezetting van het startmoment door de tijd"),
        form_link=f"/recruitment/aanmelden?campaign={campaign_id}",
        message=melding,
    )


@router.get("/recruitment/campagnes/{campaign_id}/cijfers.csv")
async def campaign_figures_download(
    principal: PageUser, recruitment: RecruitmentDep, campaign_id: str
) -> Response:
    """The campaign page's CSV link: the API's download, with the page session (the API
    takes bearer tokens only)."""
    return await campaign_figures_csv(campaign_id, principal, recruitment)


@router.post("/recruitment/campagnes/{campaign_id}/status", response_model=None)
async def campaign_status(
    principal: PagePrincipal,
    recruitment: RecruitmentDep,
    campaign_id: str,
    target: Annotated[CampaignStatus, Form()],
) -> RedirectResponse:
    await _managed_campaign(recruitment, principal, campaign_id, "Campagne niet gevonden")
    try:
        await recruitment.advance_campaign(campaign_id, target)
    except CampaignStatusConflict:  # pressed twice, or in two tabs: the page says where it stands
        return _to_campaign(
            campaign_id, "Dit kan niet meer: de wervingsactie is intussen al gestart of gesloten."
        )
    return RedirectResponse(f"/recruitment/campagnes/{campaign_id}", status_code=303)


async def open_cohorts_of(recruitment: Recruitment, principal: Principal | None) -> list[CohortView]:
    """The caller's own start moments that still run (an admin's: all of them), the first start first."""
    assert principal is not None  # the page refused anyone else before
    query = {} if principal.role == "admin" else {"provider_id": principal.org}
    views = (cohort_view(d) for d in await recruitment.store.all_cohorts(query))
    return sorted(
        (c for c in views if c is not None and c.open),
        key=lambda c: (c.start_date is None, c.start_date, c.cohort_id),
    )


async def _managed_campaign(
    recruitment: Recruitment, principal: Principal | None, campaign_id: str, not_found: str
) -> Campaign:
    """The campaign, if the caller runs recruitment for its provider; a 404 otherwise (whether it
    exists is not told)."""
    found = await recruitment.store.campaign(campaign_id)
    if found is None or principal is None or not manages(principal, found[0].provider_id):
        raise Problem(404, "not-found", not_found)
    return found[0]


def _form_page(
    request: Request,
    principal: Principal | None,
    form: CampaignForm,
    cohorts: list[CohortView],
    campaign: Campaign | None = None,
    status: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "campaign_form.html",
        principal,
        status=status,
        title="Wervingsactie wijzigen" if campaign else "Nieuwe wervingsactie",
        form=form,
        cohorts=cohorts,
        campaign=campaign,
        channels=list(Channel),
        target_groups=list(TargetGroup),
        target_group_labels={str(k): v for k, v in TARGET_GROUP_LABELS.items()},
    )


def _to_campaign(campaign_id: str, message: str) -> RedirectResponse:
    return RedirectResponse(
        f"/recruitment/campagnes/{campaign_id}?{urlencode({'melding': message})}", status_code=303
    )


async def _with_cohort(
    recruitment: Recruitment, principal: Principal | None, campaign_id: str
) -> tuple[Campaign, list[CohortView]]:
    """The campaign to change and its start moment (which the form shows but does not change)."""
    campaign = await _managed_campaign(recruitment, principal, campaign_id, "Wervingsactie niet gevonden")
    cohort = await recruitment.cohort(campaign.cohort_id) if campaign.cohort_id else None
    return campaign, [cohort] if cohort else []
