"""The applicant's pages, public: the application form (course, provider, place, start and what it
costs the applicant), the confirmation with the reference, and the status page behind the
personal link (no account needed; recruitment.status_links)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from llo_shared import dutch
from llo_shared.auth import Principal
from llo_shared.oidc import site_url
from llo_shared.pages import PagePrincipal
from recruitment.api.deps import RecruitmentDep
from recruitment.applicants import personal_fields
from recruitment.cohorts import CohortView, cohort_view
from recruitment.domain.application import Source
from recruitment.domain.campaign import Campaign, CampaignStatus, Channel
from recruitment.pages.common import render
from recruitment.pages.forms import MESSAGES, FormInput
from recruitment.status_links import (
    new_status_key,
    reference,
    stage_text,
    stage_title,
    status_key_hash,
    status_path,
)
from recruitment.usecases import Recruitment

router = APIRouter(include_in_schema=False)


@router.get("/recruitment/aanmelden", response_class=HTMLResponse)
async def application_form(
    request: Request,
    principal: PagePrincipal,
    recruitment: RecruitmentDep,
    campaign: Annotated[str | None, Query(max_length=200)] = None,
    cohort: Annotated[str | None, Query(max_length=200)] = None,
    channel: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    found, cohorts = await _form_target(recruitment, campaign, cohort)
    if not cohorts:
        return render(request, "form_closed.html", principal, status=404, title="Aanmelden")
    form = FormInput(cohort_id=cohorts[0].cohort_id if len(cohorts) == 1 else "")
    return await _form_page(request, principal, recruitment, form, cohorts, found, channel)


@router.post("/recruitment/aanmelden", response_class=HTMLResponse, response_model=None)
async def submit_application(
    request: Request,
    principal: PagePrincipal,
    recruitment: RecruitmentDep,
    name: Annotated[str, Form(max_length=200)] = "",
    email: Annotated[str, Form(max_length=300)] = "",
    phone: Annotated[str, Form(max_length=40)] = "",
    postcode: Annotated[str, Form(max_length=20)] = "",
    consent: Annotated[str, Form(max_length=10)] = "",
    cohort_id: Annotated[str, Form(max_length=200)] = "",
    campaign: Annotated[str, Form(max_length=200)] = "",
    channel: Annotated[str, Form(max_length=40)] = "",
    betaler: Annotated[str, Form(max_length=20)] = "",
    organisatie: Annotated[str, Form(max_length=160)] = "",
    kvk: Annotated[str, Form(max_length=20)] = "",
    factuur_naam: Annotated[str, Form(max_length=200)] = "",
    factuur_straat: Annotated[str, Form(max_length=200)] = "",
    factuur_postcode: Annotated[str, Form(max_length=20)] = "",
    factuur_plaats: Annotated[str, Form(max_length=100)] = "",
    factuur_email: Annotated[str, Form(max_length=300)] = "",
) -> HTMLResponse | RedirectResponse:
    found, cohorts = await _form_target(recruitment, campaign or None, cohort_id or None)
    if campaign and found is None:
        return render(request, "form_closed.html", principal, status=404, title="Aanmelden")
    form = FormInput(
        name=name,
        email=email,
        phone=phone,
        postcode=postcode,
        consent=consent == "ja",
        cohort_id=cohort_id,
        betaler=betaler,
        organisatie=organisatie,
        kvk=kvk,
        factuur_naam=factuur_naam,
        factuur_straat=factuur_straat,
        factuur_postcode=factuur_postcode,
        factuur_plaats=factuur_plaats,
        factuur_email=factuur_email,
    )
    applicant, payer = form.validated()
    chosen = next((c for c in cohorts if c.cohort_id == cohort_id), None)
    if chosen is None:
        form.errors["cohort_id"] = MESSAGES["cohort_id"]
    if form.errors or applicant is None or chosen is None:
        return await _form_page(request, principal, recruitment, form, cohorts, found, channel, status=422)
    key, key_hash = new_status_key()
    await recruitment.receive_application(
        source=Source.portal,
        cohort=chosen,
        campaign=found,
        channel=_channel(channel),
        by="portal",
        personal=personal_fields(applicant, recruitment.clock()) | {"status_key": key_hash},
        payer=payer,
    )
    return RedirectResponse(status_path(key) + "/bedankt", status_code=303)


@router.get("/recruitment/aanmelden/bedankt", response_class=HTMLResponse)
async def thanks(request: Request, principal: PagePrincipal) -> HTMLResponse:
    return render(request, "thanks.html", principal, title="Bedankt voor uw aanmelding")


@router.get("/recruitment/aanmelding/{key}/bedankt", response_class=HTMLResponse)
async def confirmation(
    request: Request, principal: PagePrincipal, recruitment: RecruitmentDep, key: str
) -> HTMLResponse:
    title = "Bedankt voor uw aanmelding"
    return await _status_page(request, principal, recruitment, key, "thanks.html", title)


@router.get("/recruitment/aanmelding/{key}", response_class=HTMLResponse)
async def application_status(
    request: Request, principal: PagePrincipal, recruitment: RecruitmentDep, key: str
) -> HTMLResponse:
    return await _status_page(request, principal, recruitment, key, "status.html", "Uw aanmelding")


async def _form_page(
    request: Request,
    principal: Principal | None,
    recruitment: Recruitment,
    form: FormInput,
    cohorts: list[CohortView],
    campaign: Campaign | None,
    channel: str | None,
    status: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "form.html",
        principal,
        status=status,
        title="Aanmelden",
        form=form,
        cohorts=cohorts,
        course=await _course(recruitment, cohorts),
        campaign=campaign,
        channel=_channel(channel),
    )


async def _form_target(
    recruitment: Recruitment, campaign_id: str | None, cohort_id: str | None
) -> tuple[Campaign | None, list[CohortView]]:
    """The running campaign the link names (if any) and the start moments one can apply for."""
    campaign = None
    if campaign_id:
        found = await recruitment.store.campaign(campaign_id)
        campaign = found[0] if found and found[0].status == CampaignStatus.running else None
        if campaign is None:
            return None, []
        if campaign.cohort_id:
            cohort = await recruitment.cohort(campaign.cohort_id)
            return campaign, [cohort] if cohort and cohort.takes_applications else []
        docs = await recruitment.store.all_cohorts({"offering_id": campaign.offering_id})
        return campaign, [c for c in (cohort_view(d) for d in docs) if c and c.takes_applications]
    cohort = await recruitment.cohort(cohort_id) if cohort_id else None
    return None, [cohort] if cohort and cohort.takes_applications else []


def _channel(value: str | None) -> Channel:
    try:
        return Channel(value) if value else Channel.website_form
    except ValueError:
        return Channel.website_form  # a mangled link still counts as coming from the website


async def _status_page(
    request: Request,
    principal: Principal | None,
    recruitment: Recruitment,
    key: str,
    template: str,
    title: str,
) -> HTMLResponse:
    """One of the applicant's own pages: the reference, the step and its history, the course; a
    link that leads nowhere (mistyped, or the person's data erased) says so."""
    doc = await recruitment.store.application_by_status_key(status_key_hash(key))
    if doc is None:
        return render(request, "status_unknown.html", principal, status=404, title="Aanmelding")
    cohort = await recruitment.cohort(doc["cohort_id"]) if doc.get("cohort_id") else None
    return render(
        request,
        template,
        principal,
        title=title,
        reference=reference(doc["_id"]),
        stage=stage_title(doc["stage"]),
        stage_text=stage_text(doc["stage"]),
        steps=doc.get("history") or [],
        cohort=cohort,
        course=await _course(recruitment, [cohort] if cohort else []),
        path=status_path(key),
        link=site_url(request, request.app.state.settings) + status_path(key),
    )


async def _course(recruitment: Recruitment, cohorts: list[CohortView]) -> dict[str, Any]:
    """What the application form and the applicant's pages say about the course: its name, the
    provider by name, and, for one start moment, where, when and what it costs the applicant."""
    first = cohorts[0] if cohorts else None
    offering = await recruitment.store.offering(first.offering_id) if first and first.offering_id else None
    return {
        "title": (first.title if first else None) or "Opleiding",
        "provider": (offering or {}).get("provider_name") or "de opleider",
        "cost": applicant_cost(first) if first and len(cohorts) == 1 else None,
    }


def applicant_cost(cohort: CohortView) -> str:
    """What the applicant pays: a private seat costs the start moment's seat price as the catalogue
    set it (and billing invoices it); a bekostigde seat falls under the public funding."""
    private = cohort.offers("private") and cohort.seat_price_cents is not None
    funded = any(kind in (cohort.funding_kinds or []) for kind in ("funded_bol", "funded_bbl"))
    if private and cohort.seat_price_cents is not None:
        text = (
            f"{dutch.euro(cohort.seat_price_cents)} als u zelf betaalt. Betaalt uw werkgever, UWV, "
            "uw gemeente of een opleidingsfonds, dan betaalt u zelf niets."
        )
        return text + (" Een bekostigde plaats (BOL of BBL) bespreken we bij de intake." if funded else "")
    return (
        "Dit startmoment heeft alleen bekostigde plaatsen (BOL of BBL). De kosten bespreken we bij de intake."
    )
