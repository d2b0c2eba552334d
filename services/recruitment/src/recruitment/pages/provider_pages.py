"""The provider's own recruitment pages: create a campaign and change a draft (the proposed fill
campaign too), and who takes part in each start moment. Writes go through the API's use cases
(recruitment.api.campaigns.plan_campaign, Recruitment.replan_campaign); nothing is decided here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from llo_shared.auth import Principal
from llo_shared.pages import PagePrincipal
from llo_shared.problems import Problem
from recruitment.api.campaigns import plan_campaign
from recruitment.api.deps import manages
from recruitment.cohorts import CohortView, cohort_view
from recruitment.domain.campaign import Campaign, CampaignStatusConflict, Channel, TargetGroup
from recruitment.pages.campaign_form import TARGET_GROUP_LABELS, CampaignForm
from recruitment.usecases import Recruitment

Render = Callable[..., HTMLResponse]
# Who a start moment's participants list shows, in this order.
PARTICIPANT_STAGES = ("enrolled", "enrolment_requested", "waitlisted")
MANAGER_ROLES = ("provider", "admin")


def own_open_cohorts(cohorts: list[CohortView]) -> list[CohortView]:
    return sorted(
        (c for c in cohorts if c.status not in ("cancelled", "completed")),
        key=lambda c: (c.start_date is None, c.start_date, c.cohort_id),
    )


def provider_router(render: Render, recruitment_of: Callable[[Request], Recruitment]) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def refused(request: Request, principal: Principal | None, title: str) -> HTMLResponse | None:
        """A page for providers (and admins): anyone else gets the sign-in page."""
        if principal is not None and principal.role in MANAGER_ROLES:
            return None
        status = 401 if principal is None else 403
        return render(request, "signin_needed.html", principal, status=status, title=title)

    async def cohorts_of(recruitment: Recruitment, principal: Principal) -> list[CohortView]:
        query = {} if principal.role == "admin" else {"provider_id": principal.org}
        docs = await recruitment.store.all_cohorts(query)
        return [view for view in (cohort_view(d) for d in docs) if view]

    def campaign_form_page(
        request: Request,
        principal: Principal,
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

    @router.get("/recruitment/campagnes/nieuw", response_class=HTMLResponse)
    async def new_campaign(
        request: Request,
        principal: PagePrincipal,
        startmoment: Annotated[str, Query(max_length=200)] = "",
    ) -> HTMLResponse:
        if (answer := refused(request, principal, "Nieuwe wervingsactie")) is not None:
            return answer
        assert principal is not None
        cohorts = own_open_cohorts(await cohorts_of(recruitment_of(request), principal))
        chosen = next((c for c in cohorts if c.cohort_id == startmoment), None)
        form = CampaignForm.blank()
        if chosen is not None:
            form.values |= {"cohort_id": chosen.cohort_id, "name": f"Werving {chosen.label}"[:160]}
        return campaign_form_page(request, principal, form, cohorts)

    @router.post("/recruitment/campagnes/nieuw", response_class=HTMLResponse, response_model=None)
    async def create_campaign(request: Request, principal: PagePrincipal) -> Response:
        if (answer := refused(request, principal, "Nieuwe wervingsactie")) is not None:
            return answer
        assert principal is not None
        recruitment = recruitment_of(request)
        cohorts = own_open_cohorts(await cohorts_of(recruitment, principal))
        form = CampaignForm.posted(await request.form())
        body = form.create_body()
        chosen = next((c for c in cohorts if c.cohort_id == form.values["cohort_id"]), None)
        if body is not None and chosen is None:
            form.errors["cohort_id"] = "Kies een van uw eigen startmomenten."
        if body is None or chosen is None:
            return campaign_form_page(request, principal, form, cohorts, status=422)
        try:
            campaign = await plan_campaign(recruitment, body, chosen.provider_id or principal.org)
        except Problem:
            form.errors["cohort_id"] = "Kies een van uw eigen startmomenten."
            return campaign_form_page(request, principal, form, cohorts, status=422)
        return _to_campaign(campaign.campaign_id, "Wervingsactie aangemaakt (concept).")

    async def own_campaign(request: Request, principal: Principal, campaign_id: str) -> Campaign:
        found = await recruitment_of(request).store.campaign(campaign_id)
        if found is None or not manages(principal, found[0].provider_id):
            raise Problem(404, "not-found", "Wervingsactie niet gevonden")
        return found[0]

    @router.get("/recruitment/campagnes/{campaign_id}/wijzigen", response_class=HTMLResponse)
    async def edit_campaign(request: Request, principal: PagePrincipal, campaign_id: str) -> HTMLResponse:
        if (answer := refused(request, principal, "Wervingsactie wijzigen")) is not None:
            return answer
        assert principal is not None
        campaign = await own_campaign(request, principal, campaign_id)
        cohorts = await _cohort_of(recruitment_of(request), campaign)
        return campaign_form_page(request, principal, CampaignForm.of(campaign), cohorts, campaign)

    @router.post(
        "/recruitment/campagnes/{campaign_id}/wijzigen", response_class=HTMLResponse, response_model=None
    )
    async def replan_campaign(request: Request, principal: PagePrincipal, campaign_id: str) -> Response:
        if (answer := refused(request, principal, "Wervingsactie wijzigen")) is not None:
            return answer
        assert principal is not None
        recruitment = recruitment_of(request)
        campaign = await own_campaign(request, principal, campaign_id)
        cohorts = await _cohort_of(recruitment, campaign)
        form = CampaignForm.posted(await request.form())
        form.values["cohort_id"] = campaign.cohort_id or ""  # the start moment stays what it was
        plan = form.plan(campaign.plan)
        if plan is None:
            return campaign_form_page(request, principal, form, cohorts, campaign, status=422)
        try:
            await recruitment.replan_campaign(campaign_id, plan)
        except CampaignStatusConflict:
            form.errors["name"] = "Deze wervingsactie is al gestart. Alleen een concept kunt u nog wijzigen."
            return campaign_form_page(request, principal, form, cohorts, campaign, status=409)
        return _to_campaign(campaign_id, "Wijzigingen opgeslagen.")

    # who takes part ---------------------------------------------------------------------
    @router.get("/recruitment/startmomenten", response_class=HTMLResponse)
    async def cohorts_page(request: Request, principal: PagePrincipal) -> HTMLResponse:
        if (answer := refused(request, principal, "Deelnemers per startmoment")) is not None:
            return answer
        assert principal is not None
        recruitment = recruitment_of(request)
        cohorts = own_open_cohorts(await cohorts_of(recruitment, principal))
        counts = await _stage_counts(recruitment, [c.cohort_id for c in cohorts])
        return render(
            request,
            "cohorts.html",
            principal,
            title="Deelnemers per startmoment",
            cohorts=cohorts,
            counts=counts,
        )

    @router.get("/recruitment/startmomenten/{cohort_id}/deelnemers", response_class=HTMLResponse)
    async def participants_page(request: Request, principal: PagePrincipal, cohort_id: str) -> HTMLResponse:
        if (answer := refused(request, principal, "Deelnemers")) is not None:
            return answer
        assert principal is not None
        recruitment = recruitment_of(request)
        cohort = await recruitment.cohort(cohort_id)
        if cohort is None or not manages(principal, cohort.provider_id or ""):
            raise Problem(404, "not-found", "Startmoment niet gevonden")
        docs = await recruitment.store.applications.find(
            {"cohort_id": cohort_id, "stage": {"$in": list(PARTICIPANT_STAGES)}}
        ).to_list(1000)
        groups = {
            stage: sorted(
                (d for d in docs if d["stage"] == stage),
                key=lambda d: ((d.get("enrolment") or {}).get("position") or 0, d["created_at"]),
            )
            for stage in PARTICIPANT_STAGES
        }
        return render(
            request,
            "participants.html",
            principal,
            title=f"Deelnemers: {cohort.label}",
            cohort=cohort,
            groups=groups,
        )

    return router


def _to_campaign(campaign_id: str, message: str) -> RedirectResponse:
    return RedirectResponse(
        f"/recruitment/campagnes/{campaign_id}?{urlencode({'melding': message})}", status_code=303
    )


async def _cohort_of(recruitment: Recruitment, campaign: Campaign) -> list[CohortView]:
    cohort = await recruitment.cohort(campaign.cohort_id) if campaign.cohort_id else None
    return [cohort] if cohort else []


async def _stage_counts(recruitment: Recruitment, cohort_ids: list[str]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {c: {} for c in cohort_ids}
    docs = await recruitment.store.applications.find(
        {"cohort_id": {"$in": cohort_ids}}, {"cohort_id": 1, "stage": 1}
    ).to_list(None)
    for doc in docs:
        per = counts.setdefault(doc["cohort_id"], {})
        per[doc["stage"]] = per.get(doc["stage"], 0) + 1
    return counts
