"""Server-rendered pages of the recruitment service (Dutch): the public application form, the
provider's campaign dashboard with its charts, and the intake worklist."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from llo_shared import dutch
from llo_shared.auth import Principal
from llo_shared.demo_users import ORGANISATION_NAMES
from llo_shared.oidc import site_url
from llo_shared.pages import PagePrincipal, Pages, PageUser
from llo_shared.problems import Problem
from recruitment.api.deps import manages
from recruitment.api.figures import campaign_figures_csv
from recruitment.applicants import personal_fields
from recruitment.charts import STAGE_LABELS, fill_svg, funnel_svg
from recruitment.cohorts import CohortView, cohort_view
from recruitment.domain.application import Application, Exemption, IntakeResult, Score, Source
from recruitment.domain.campaign import Campaign, CampaignStatus, CampaignStatusConflict, Channel
from recruitment.domain.figures import funnel_figures
from recruitment.domain.funding import Funding, FundingKind, Payer
from recruitment.domain.funnel import FUNNEL, DropOutReason, InvalidTransition, Stage, manual_next
from recruitment.pages.forms import MESSAGES, FormInput
from recruitment.pages.provider_pages import provider_router
from recruitment.reports import campaign_report, fill_points
from recruitment.status_links import (
    new_status_key,
    reference,
    stage_text,
    stage_title,
    status_key_hash,
    status_path,
)
from recruitment.usecases import FundingNotOffered, MissingInput, Recruitment

TEMPLATES = Path(__file__).parent / "templates"

CHANNEL_LABELS = {
    Channel.employer_visit: "Werkgeversbezoek (directie)",
    Channel.uwv: "UWV",
    Channel.gemeente: "Gemeente",
    Channel.leerwerkloket: "Leerwerkloket",
    Channel.uitzendbureau: "Uitzendbureau",
    Channel.alumni: "Oud-deelnemers",
    Channel.social_media: "Sociale media",
    Channel.open_day: "Open dag",
    Channel.demo_lesson: "Proefles",
    Channel.website_form: "Website",
}
REASON_LABELS = {
    DropOutReason.not_reachable: "Niet bereikbaar",
    DropOutReason.no_show: "Niet verschenen",
    DropOutReason.not_motivated: "Onvoldoende motivatie",
    DropOutReason.prior_education_insufficient: "Vooropleiding onvoldoende",
    DropOutReason.study_skills_insufficient: "Studievaardigheden onvoldoende",
    DropOutReason.language_level_insufficient: "Taalniveau onvoldoende",
    DropOutReason.found_work: "Werk gevonden",
    DropOutReason.personal_circumstances: "Persoonlijke omstandigheden",
    DropOutReason.financing: "Financiering",
    DropOutReason.schedule_or_location: "Rooster of locatie",
    DropOutReason.chose_other_training: "Andere opleiding gekozen",
    DropOutReason.no_workplace: "Geen leerwerkplek",
    DropOutReason.cohort_cancelled: "Startmoment vervallen",
    DropOutReason.other: "Anders",
}
STATUS_LABELS = {
    CampaignStatus.draft: "concept",
    CampaignStatus.running: "loopt",
    CampaignStatus.closed: "gesloten",
}
FUNDING_LABELS = {
    FundingKind.funded_bol: "Bekostigd (BOL)",
    FundingKind.funded_bbl: "Bekostigd (BBL)",
    FundingKind.private: "Privaat (deelnemer, werkgever of fonds betaalt)",
}
PAYER_LABELS = {
    "self": "de deelnemer zelf",
    "employer": "de werkgever",
    "uwv": "UWV",
    "gemeente": "de gemeente",
    "oo_fonds": "een O&O-fonds",
}
FUNDING_REFUSALS = {
    "funded_bol": "bekostigde plaatsen (BOL)",
    "funded_bbl": "bekostigde plaatsen (BBL)",
    "private": "private plaatsen",
}
FUNDING_REFUSED_NOTE = "seat rejected: funding_not_offered"
WORKLIST_STAGES = [
    Stage.interested,
    Stage.intake_planned,
    Stage.intake_done,
    Stage.admitted,
    Stage.waitlisted,
]


def _labels() -> dict[str, Any]:
    return {
        "stage_labels": {str(k): v for k, v in STAGE_LABELS.items()},
        "channel_labels": {str(k): v for k, v in CHANNEL_LABELS.items()},
        "reason_labels": {str(k): v for k, v in REASON_LABELS.items()},
        "status_labels": {str(k): v for k, v in STATUS_LABELS.items()},
        "funding_labels": {str(k): v for k, v in FUNDING_LABELS.items()},
        "payer_labels": PAYER_LABELS,
        "person": person_label,
        "placed_by": placed_by,
    }


def placed_by(doc: dict[str, Any]) -> str | None:
    """The organisation that placed the person (a mobility team, an employer), by name."""
    org = doc.get("registered_by")
    return (ORGANISATION_NAMES.get(org) or "de opdrachtgever") if org else None


def person_label(doc: dict[str, Any]) -> str:
    """Who an application is about, in a list: the name the person gave; a person a mobility team
    or employer placed is named by them (matching keeps the personal data, not recruitment)."""
    name = (doc.get("applicant") or {}).get("name")
    if name:
        return str(name)
    if doc.get("erased_at"):
        return "(gegevens verwijderd)"
    org = placed_by(doc)
    if org:
        return f"Kandidaat via {org}" if doc.get("candidate_ref") else f"Deelnemer via {org}"
    return "(naam onbekend)"


def page_router(pages: Pages) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def recruitment_of(request: Request) -> Recruitment:
        return request.app.state.recruitment

    def render(
        request: Request, template: str, principal: Principal | None, status: int = 200, **context: Any
    ) -> HTMLResponse:
        return pages.render(request, template, principal, status_code=status, **_labels(), **context)

    # before /recruitment/campagnes/{campaign_id}: "nieuw" is not a campaign
    router.include_router(provider_router(render, recruitment_of))

    @router.get("/recruitment/", response_class=HTMLResponse)
    async def home(request: Request, principal: PagePrincipal) -> HTMLResponse:
        recruitment = recruitment_of(request)
        campaigns: list[Campaign] = []
        if principal is not None and principal.role in ("provider", "admin"):
            query = {} if principal.role == "admin" else {"provider_id": principal.org}
            campaigns, _ = await recruitment.store.list_campaigns(query, after=None, limit=200)
        elif principal is not None and principal.role == "rmt":
            campaigns, _ = await recruitment.store.list_campaigns(
                {"status": "running"}, after=None, limit=200
            )
        cohorts = {
            c.cohort_id: c for c in (cohort_view(d) for d in await recruitment.store.all_cohorts()) if c
        }
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

    # the public application form -------------------------------------------------------
    async def _form_target(
        recruitment: Recruitment, campaign_id: str | None, cohort_id: str | None
    ) -> tuple[Campaign | None, list[CohortView]]:
        campaign = None
        if campaign_id:
            found = await recruitment.store.campaign(campaign_id)
            campaign = found[0] if found and found[0].status == CampaignStatus.running else None
            if campaign is None:
                return None, []
            if campaign.cohort_id:
                cohort = await recruitment.cohort(campaign.cohort_id)
                return campaign, [cohort] if cohort and _open(cohort) else []
            docs = await recruitment.store.all_cohorts({"offering_id": campaign.offering_id})
            return campaign, [c for c in (cohort_view(d) for d in docs) if c and _open(c)]
        cohort = await recruitment.cohort(cohort_id) if cohort_id else None
        return None, [cohort] if cohort and _open(cohort) else []

    def _channel(value: str | None) -> Channel:
        try:
            return Channel(value) if value else Channel.website_form
        except ValueError:
            return Channel.website_form  # a mangled link still counts as coming from the website

    @router.get("/recruitment/aanmelden", response_class=HTMLResponse)
    async def application_form(
        request: Request,
        principal: PagePrincipal,
        campaign: Annotated[str | None, Query(max_length=200)] = None,
        cohort: Annotated[str | None, Query(max_length=200)] = None,
        channel: Annotated[str | None, Query(max_length=40)] = None,
    ) -> HTMLResponse:
        found, cohorts = await _form_target(recruitment_of(request), campaign, cohort)
        if not cohorts:
            return render(request, "form_closed.html", principal, status=404, title="Aanmelden")
        form = FormInput(cohort_id=cohorts[0].cohort_id if len(cohorts) == 1 else "")
        return render(
            request,
            "form.html",
            principal,
            title="Aanmelden",
            form=form,
            cohorts=cohorts,
            course=await _course(recruitment_of(request), cohorts),
            campaign=found,
            channel=_channel(channel),
        )

    @router.post("/recruitment/aanmelden", response_class=HTMLResponse, response_model=None)
    async def submit_application(
        request: Request,
        principal: PagePrincipal,
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
        recruitment = recruitment_of(request)
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
            return render(
                request,
                "form.html",
                principal,
                status=422,
                title="Aanmelden",
                form=form,
                cohorts=cohorts,
                course=await _course(recruitment, cohorts),
                campaign=found,
                channel=_channel(channel),
            )
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

    # the applicant's own pages, behind the personal link ------------------------------------
    async def _status(request: Request, key: str) -> dict[str, Any] | None:
        recruitment = recruitment_of(request)
        doc = await recruitment.store.application_by_status_key(status_key_hash(key))
        if doc is None:
            return None
        cohort = await recruitment.cohort(doc["cohort_id"]) if doc.get("cohort_id") else None
        return {
            "reference": reference(doc["_id"]),
            "stage": stage_title(doc["stage"]),
            "stage_text": stage_text(doc["stage"]),
            "steps": doc.get("history") or [],
            "cohort": cohort,
            "course": await _course(recruitment, [cohort] if cohort else []),
            "path": status_path(key),
            "link": site_url(request, request.app.state.settings) + status_path(key),
        }

    @router.get("/recruitment/aanmelding/{key}/bedankt", response_class=HTMLResponse)
    async def confirmation(request: Request, principal: PagePrincipal, key: str) -> HTMLResponse:
        status = await _status(request, key)
        if status is None:
            return render(request, "status_unknown.html", principal, status=404, title="Aanmelding")
        return render(request, "thanks.html", principal, title="Bedankt voor uw aanmelding", **status)

    @router.get("/recruitment/aanmelding/{key}", response_class=HTMLResponse)
    async def application_status(request: Request, principal: PagePrincipal, key: str) -> HTMLResponse:
        status = await _status(request, key)
        if status is None:
            return render(request, "status_unknown.html", principal, status=404, title="Aanmelding")
        return render(request, "status.html", principal, title="Uw aanmelding", **status)

    # the provider's campaign dashboard ----------------------------------------------------
    async def _readable_campaign(request: Request, principal: Principal | None, campaign_id: str) -> Campaign:
        found = await recruitment_of(request).store.campaign(campaign_id)
        if found is None or principal is None or not manages(principal, found[0].provider_id):
            raise Problem(404, "not-found", "Campagne niet gevonden")
        return found[0]

    @router.get("/recruitment/campagnes/{campaign_id}", response_class=HTMLResponse)
    async def campaign_page(
        request: Request,
        principal: PagePrincipal,
        campaign_id: str,
        melding: Annotated[str, Query(max_length=200)] = "",
    ) -> HTMLResponse:
        if principal is None:
            return render(request, "signin_needed.html", principal, status=401, title="Campagne")
        recruitment = recruitment_of(request)
        campaign = await _readable_campaign(request, principal, campaign_id)
        report = await campaign_report(recruitment.store, campaign)
        applications = await recruitment.store.all_applications({"campaign_id": campaign_id})
        figures = funnel_figures(applications, per_channel=False)
        cohort = (
            cohort_view(await recruitment.store.cohort(campaign.cohort_id)) if campaign.cohort_id else None
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
    async def campaign_figures_download(request: Request, principal: PageUser, campaign_id: str) -> Response:
        """The campaign page's CSV link: the API's download, with the page session (the API
        takes bearer tokens only)."""
        return await campaign_figures_csv(campaign_id, principal, recruitment_of(request))

    @router.post("/recruitment/campagnes/{campaign_id}/status", response_model=None)
    async def campaign_status(
        request: Request,
        principal: PagePrincipal,
        campaign_id: str,
        target: Annotated[CampaignStatus, Form()],
    ) -> RedirectResponse:
        await _readable_campaign(request, principal, campaign_id)
        try:
            await recruitment_of(request).advance_campaign(campaign_id, target)
        except CampaignStatusConflict:  # pressed twice, or in two tabs: the page says where it stands
            notice = urlencode(
                {"melding": "Dit kan niet meer: de wervingsactie is intussen al gestart of gesloten."}
            )
            return RedirectResponse(f"/recruitment/campagnes/{campaign_id}?{notice}", status_code=303)
        return RedirectResponse(f"/recruitment/campagnes/{campaign_id}", status_code=303)

    # the intake worklist ---------------------------------------------------------------
    @router.get("/recruitment/intake", response_class=HTMLResponse)
    async def worklist(
        request: Request,
        principal: PagePrincipal,
        message: Annotated[str | None, Query(max_length=200)] = None,
        opleiding: Annotated[str, Query(max_length=200)] = "",
        stap: Annotated[str, Query(max_length=40)] = "",
        zoek: Annotated[str, Query(max_length=100)] = "",
    ) -> HTMLResponse:
        if principal is None or principal.role not in ("provider", "admin"):
            return render(request, "signin_needed.html", principal, status=401, title="Intake")
        recruitment = recruitment_of(request)
        stages = [str(s) for s in WORKLIST_STAGES]
        own: dict[str, Any] = {} if principal.role == "admin" else {"provider_id": principal.org}
        query: dict[str, Any] = own | {"stage": stap if stap in stages else {"$in": stages}}
        if opleiding:
            query["offering_id"] = opleiding
        docs = await recruitment.store.applications.find(query).sort([("stage", 1), ("_id", 1)]).to_list(500)
        docs = [d for d in docs if _matches(d, zoek)]
        cohorts = await _cohorts_of(recruitment, {d.get("cohort_id") for d in docs})
        rows = sorted(
            (
                {
                    "doc": d,
                    "reference": reference(d["_id"]),
                    "cohort": cohorts.get(d.get("cohort_id") or ""),
                    "next": [str(s) for s in manual_next(Stage(d["stage"]))],
                    "funding": _funding_options(cohorts.get(d.get("cohort_id") or "")),
                }
                for d in docs
            ),
            key=lambda r: (WORKLIST_STAGES.index(Stage(r["doc"]["stage"])), r["doc"]["created_at"]),
        )
        courses = _courses(
            [v for v in (cohort_view(d) for d in await recruitment.store.all_cohorts(own)) if v]
        )
        refused_query: dict[str, Any] = {
            "stage": "rejected",
            "history.note": "seat rejected: funding_not_offered",
        }
        if principal.role != "admin":
            refused_query["provider_id"] = principal.org
        refused = await recruitment.store.applications.find(refused_query).sort("_id", 1).to_list(100)
        return render(
            request,
            "intake.html",
            principal,
            title="Intake-werklijst",
            rows=rows,
            refused=refused,
            message=message,
            reasons=list(DropOutReason),
            courses=courses,
            stages=stages,
            chosen={"opleiding": opleiding, "stap": stap if stap in stages else "", "zoek": zoek},
        )

    @router.post("/recruitment/intake/{application_id}", response_model=None)
    async def worklist_step(
        request: Request,
        principal: PagePrincipal,
        application_id: str,
        to: Annotated[Stage, Form()],
        reason: Annotated[DropOutReason | None, Form()] = None,
        motivation: Annotated[str, Form(max_length=100_000)] = "",  # a number input has no maxlength
        study_skills: Annotated[str, Form(max_length=100_000)] = "",
        exemption: Annotated[str, Form(max_length=120)] = "",
        funding_kind: Annotated[FundingKind | None, Form()] = None,
        opleiding: Annotated[str, Form(max_length=200)] = "",
        stap: Annotated[str, Form(max_length=40)] = "",
        zoek: Annotated[str, Form(max_length=100)] = "",
    ) -> RedirectResponse:
        recruitment = recruitment_of(request)
        found = await recruitment.store.application(application_id)
        if found is None or principal is None or not manages(principal, found[0].provider_id):
            raise Problem(404, "not-found", "Aanmelding niet gevonden")
        application = found[0]
        # back to the worklist as it was filtered
        kept = urlencode({k: v for k, v in (("opleiding", opleiding), ("stap", stap), ("zoek", zoek)) if v})
        scores = _scores(motivation, study_skills)
        if isinstance(scores, str):
            return RedirectResponse(
                f"/recruitment/intake?{urlencode({'message': scores})}" + (f"&{kept}" if kept else ""),
                status_code=303,
            )
        intake = None
        if to == Stage.intake_done and scores is not None:
            intake = IntakeResult(
                scores=[
                    Score(name="motivatie", value=scores[0]),
                    Score(name="studievaardigheden", value=scores[1]),
                ],
                exemptions=[Exemption(unit=exemption.strip(), basis="besluit examencommissie")]
                if exemption.strip()
                else [],
            )
        try:
            await recruitment.move(
                application_id,
                to,
                by=principal.subject,
                reason=reason,
                intake=intake,
                funding=_worklist_funding(funding_kind, application),
            )
            message = "Opgeslagen."
        except (InvalidTransition, MissingInput, ValueError) as error:
            message = _dutch_refusal(error)
        return RedirectResponse(
            f"/recruitment/intake?message={message}" + (f"&{kept}" if kept else ""), status_code=303
        )

    router.include_router(pages.demo_sign_in_router())
    return router


async def _cohorts_of(recruitment: Recruitment, cohort_ids: set[Any]) -> dict[str, CohortView]:
    docs = await recruitment.store.all_cohorts({"_id": {"$in": [c for c in cohort_ids if c]}})
    return {view.cohort_id: view for view in (cohort_view(d) for d in docs) if view}


def _matches(doc: dict[str, Any], text: str) -> bool:
    """The worklist's search box: a part of the name, e-mail address, phone number or postcode, or
    the reference the applicant quotes."""
    wanted = text.strip().casefold()
    if not wanted:
        return True
    applicant = doc.get("applicant") or {}
    return wanted in reference(doc["_id"]).casefold() or any(
        wanted in str(applicant.get(k) or "").casefold() for k in ("name", "email", "phone", "postcode")
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


def _courses(cohorts: list[CohortView]) -> list[tuple[str, str]]:
    """(offering_id, title) of the provider's courses, for the worklist's course filter."""
    titles = {c.offering_id: c.title or "Opleiding zonder naam" for c in cohorts if c.offering_id}
    return sorted(titles.items(), key=lambda item: item[1].casefold())


def _funding_options(cohort: CohortView | None) -> list[str]:
    """The kinds of seat the provider may choose at admission: what the catalogue offers."""
    return [str(kind) for kind in FundingKind if cohort is None or cohort.offers(kind)]


def _worklist_funding(kind: FundingKind | None, application: Application) -> Funding | None:
    """The worklist offers the simple cases; several payers with shares go through the API.

    A private seat is paid by whom the person named when applying; without that, by the person
    (billing then asks for their invoice details before it invoices)."""
    if kind is None:
        return None
    if kind != FundingKind.private:
        return Funding(funding_kind=kind)
    declared = application.funding
    if declared is not None and declared.funding_kind == FundingKind.private:
        return declared
    payer = Payer(
        payer_id=application.participant_ref,
        kind="participant",
        name=application.participant_ref,
        share_bp=10_000,
    )
    return Funding(funding_kind=kind, payers=[payer])


def _open(cohort: CohortView) -> bool:
    return cohort.status not in ("cancelled", "completed") and bool(cohort.provider_id)


def _dutch_refusal(error: Exception) -> str:
    if isinstance(error, FundingNotOffered):
        offered = " of ".join(FUNDING_REFUSALS.get(k, k) for k in error.offered) or "geen plaatsen"
        asked = FUNDING_REFUSALS.get(error.asked, error.asked)
        return f"Dit startmoment heeft geen {asked}. Kies de financiering opnieuw: het biedt {offered}."
    if isinstance(error, MissingInput) and error.field == "intake":
        return "Vul de scores van de intake in."
    if isinstance(error, MissingInput) and error.field == "funding":
        return "Kies eerst de financiering van de plaats."
    if isinstance(error, InvalidTransition):
        return "Deze stap kan nu niet."
    return "Kies een reden."


def _scores(motivation: str, study_skills: str) -> tuple[int, int] | str | None:
    """The two intake scores typed on the worklist (0 to 100), None when not both given, or a
    Dutch sentence saying what is wrong."""
    typed = [motivation.strip(), study_skills.strip()]
    if not all(typed):
        return None
    if not all(t.isdigit() and len(t) <= 3 and int(t) <= 100 for t in typed):
        return "Niet opgeslagen: vul bij motivatie en studievaardigheden een score van 0 tot en met 100 in."
    return int(typed[0]), int(typed[1])
