"""What every recruitment page shares: the Dutch words for the domain's codes, how a person is
named in a list, rendering with them, and the refusal of a page meant for providers."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from llo_shared.auth import Principal
from llo_shared.demo_users import ORGANISATION_NAMES
from llo_shared.pages import Pages
from recruitment.charts import STAGE_LABELS
from recruitment.domain.campaign import CampaignStatus, Channel
from recruitment.domain.funding import FundingKind
from recruitment.domain.funnel import DropOutReason

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
MANAGER_ROLES = ("provider", "admin")


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


# What every template may use: the labels by code, and how to name a person.
LABELS: dict[str, Any] = {
    "stage_labels": {str(k): v for k, v in STAGE_LABELS.items()},
    "channel_labels": {str(k): v for k, v in CHANNEL_LABELS.items()},
    "reason_labels": {str(k): v for k, v in REASON_LABELS.items()},
    "status_labels": {str(k): v for k, v in STATUS_LABELS.items()},
    "funding_labels": {str(k): v for k, v in FUNDING_LABELS.items()},
    "payer_labels": PAYER_LABELS,
    "person": person_label,
    "placed_by": placed_by,
}


def render(
    request: Request, template: str, principal: Principal | None, status: int = 200, **context: Any
) -> HTMLResponse:
    """A page in the service's layout (`create_app` keeps its `Pages` on the app's state)."""
    pages: Pages = request.app.state.pages
    return pages.render(request, template, principal, status_code=status, **LABELS, **context)


def refused(request: Request, principal: Principal | None, title: str) -> HTMLResponse | None:
    """A page for providers (and admins): anyone else gets the sign-in page."""
    if principal is not None and principal.role in MANAGER_ROLES:
        return None
    status = 401 if principal is None else 403
    return render(request, "signin_needed.html", principal, status=status, title=title)
