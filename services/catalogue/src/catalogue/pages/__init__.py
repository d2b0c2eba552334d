"""Server-rendered Dutch portal pages: search, offering detail, employer view, provider pages.

No JavaScript: filters are a GET form, decisions are POST forms that redirect back (PRG).
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, Any, TypeGuard
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse

from catalogue.api.deps import can_see_offering
from catalogue.api.search import run_search, search_params
from catalogue.domain import geo, rules
from catalogue.domain.vocab import LABELS, label
from catalogue.pages.consortia import consortia_router
from catalogue.pages.manage import decision_rows, manage_router
from catalogue.search import FACETS
from catalogue.search_order import encode_cursor
from llo_shared import dutch
from llo_shared.auth import Principal
from llo_shared.pages import PagePrincipal, Pages
from llo_shared.problems import Problem
from llo_shared.skills import load_skills

TEMPLATES = Path(__file__).parent / "templates"
FACET_TITLES = {
    "credential_type": "Soort opleiding",
    "leerweg": "Leerweg",
    "level": "Niveau",
    "domain": "Sector (SBB)",
    "target_group": "Doelgroep",
    "learning_mode": "Leervorm",
    "location_kind": "Locatie",
    "lesson_time": "Lestijden",
    "start_policy": "Start",
    "funding": "Financiering",
    "registration": "Inschrijving",
    "provider_kind": "Soort opleider",
    "region": "Regio",
}
FACET_LABEL_FIELD = {
    "target_group": "target_group",
    "learning_mode": "learning_mode",
    "location_kind": "location_kind",
    "lesson_time": "lesson_time",
    "provider_kind": "provider_kind",
}


SEARCH_LABELS = {
    "q": "de zoektekst",
    "near": "de postcode of gemeente",
    "max_distance_km": "de maximale afstand",
    "start_from": "de datum 'Start vanaf'",
    "start_until": "de datum 'Start uiterlijk'",
    "min_seats_left": "het minimaal aantal vrije plaatsen",
    "sort": "de sortering",
    "start_guaranteed": "'alleen met gegarandeerde start'",
    "cursor": "de volgende resultaten",
    "limit": "het aantal resultaten",
} | {name: f"het filter {title}" for name, title in FACET_TITLES.items()}
# The search model's own sentences (English, for the API) and what the page says instead.
SEARCH_SENTENCES = {
    "unknown postcode or municipality in the covered regions": (
        "Deze postcode of gemeente kennen we niet. Vul een postcode in, bijvoorbeeld 1315, "
        "of een gemeente, bijvoorbeeld Almere."
    ),
    "max_distance_km: needs near (a postcode or municipality)": (
        "Vul ook een postcode of gemeente in: de afstand rekenen we vanaf daar."
    ),
    "sort: distance needs near (a postcode or municipality)": (
        "Vul een postcode of gemeente in om op afstand te sorteren."
    ),
    "start_until: is before start_from": "'Start uiterlijk' ligt voor 'Start vanaf'. Kies een latere datum.",
}
SEARCH_TEXT_FIELDS = ("q", "near", "start_from", "start_until", "min_seats_left", "sort", "max_distance_km")

# The application form of recruitment; `cohort` is the query parameter it reads.
APPLY_URL = "/recruitment/aanmelden?cohort={cohort_id}"


def start_price(offering: dict[str, Any], cohort: dict[str, Any]) -> dict[str, Any]:
    """What a private seat on this start moment costs, as billing invoices it (the cohort's seat
    price, carried in ParticipantEnrolled), and why it differs from the offering's price if it does."""
    kinds = cohort.get("funding_kinds") or rules.seat_funding_kinds(offering, cohort)
    if "private" not in kinds:
        return {"cents": None, "note": "alleen bekostigde plaatsen"}
    cents, listed = int(cohort["seat_price_cents"]), rules.list_price_cents(offering)
    if cents == listed:
        return {"cents": cents, "note": None}
    return {
        "cents": cents,
        "note": f"eigen prijs van dit startmoment; de prijs van de opleiding is {dutch.euro(listed)}",
    }


@dataclass(frozen=True)
class CohortState:
    """How a start moment shows on the portal: its mark, and whether one can apply (and how)."""

    shown: bool
    mark: str
    tone: str = ""
    apply_text: str | None = None


def cohort_state(cohort: dict[str, Any], today: date) -> CohortState:
    """Past start moments are hidden; started ones are marked "gestart"; full ones take a waiting list."""
    end = date.fromisoformat(cohort["end_date"])
    if cohort["status"] == "completed" or end < today:
        return CohortState(False, "afgerond")
    if cohort["status"] == "cancelled":
        return CohortState(True, "gaat niet door", "bad")
    if cohort["status"] == "running" or rules.enrolment_closed(cohort, today):
        return CohortState(True, "gestart", "warn")
    if date.fromisoformat(cohort["start_date"]) <= today and not cohort.get("rolling"):
        return CohortState(True, "gestart", "warn")
    if cohort["seats_left"] <= 0:
        return CohortState(True, "vol, wel wachtlijst", "warn", "Aanmelden voor de wachtlijst")
    free = "nog " + dutch.aantal(cohort["seats_left"], "plaats vrij", "plaatsen vrij")
    return CohortState(True, free, "ok" if rules.start_guaranteed(cohort) else "", "Aanmelden")


def back_to_search(terug: str) -> str:
    """The search page with the filters the visitor came from (only a query string is kept)."""
    query = urlencode(parse_qsl(terug[:1000], keep_blank_values=True))
    return "/catalogue/?" + query if query else "/catalogue/"


def filled_search(request: Request) -> tuple[SimpleNamespace, dict[str, set[str]]]:
    """What the visitor typed, to fill the form again after an error (nothing is validated here)."""
    query = request.query_params
    values: dict[str, Any] = {name: query.get(name, "") for name in SEARCH_TEXT_FIELDS}
    values["start_guaranteed"] = query.get("start_guaranteed") == "true"
    with contextlib.suppress(ValueError):
        values["max_distance_km"] = int(values["max_distance_km"])
    values["sort"] = values["sort"] or "relevance"
    selected = {name: set(query.getlist(name)) for name in [*FACETS, "region"]}
    return SimpleNamespace(**values), selected


def search_errors(error: RequestValidationError | Problem) -> list[dutch.FieldError]:
    if isinstance(error, Problem):
        return [dutch.FieldError("q", "de zoekopdracht", "Deze zoekopdracht lukt niet. Begin opnieuw.")]
    return dutch.dutch_errors(error.errors(), SEARCH_LABELS, SEARCH_SENTENCES)


def facet_label(name: str, value: str) -> str:
    if name == "region":
        return geo.REGIONS.get(value, value)
    return label(FACET_LABEL_FIELD.get(name, name), value)


def course_json_ld(
    offering: dict[str, Any], provider: dict[str, Any] | None, cohorts: list[dict[str, Any]]
) -> str:
    """schema.org Course with a CourseInstance per cohort."""
    data = {
        "@context": "https://schema.org",
        "@type": "Course",
        "name": offering["title"],
        "description": offering.get("description", ""),
        "courseCode": offering.get("code"),
        "educationalLevel": f"mbo niveau {offering['level']}",
        "educationalCredentialAwarded": label("credential_type", offering["credential_type"]),
        "timeRequired": f"PT{offering['study_load_hours']}H",
        "inLanguage": "nl",
        "provider": {
            "@type": "EducationalOrganization",
            "name": (provider or {}).get("name", offering.get("provider_name")),
            "identifier": offering["provider_id"],
        },
        "offers": {
            "@type": "Offer",
            "price": f"{rules.list_price_cents(offering) / 100:.2f}",
            "priceCurrency": "EUR",
            "category": "Bekostigd" if offering["funding"] == "bekostigd" else "Privaat",
        },
        "hasCourseInstance": [
            {
                "@type": "CourseInstance",
                "startDate": c["start_date"],
                "endDate": c["end_date"],
                "courseMode": offering.get("learning_modes", []),
                "location": {
                    "@type": "Place",
                    "name": c["municipality"],
                    "address": {
                        "@type": "PostalAddress",
                        "postalCode": c["postcode"],
                        "addressLocality": c["municipality"],
                        "addressCountry": "NL",
                    },
                    "geo": {"@type": "GeoCoordinates", "latitude": c["lat"], "longitude": c["lon"]},
                },
                "maximumAttendeeCapacity": c["capacity"],
                "remainingAttendeeCapacity": c["seats_left"],
                "eventStatus": "https://schema.org/EventCancelled"
                if c["status"] == "cancelled"
                else "https://schema.org/EventScheduled",
            }
            for c in cohorts
        ],
    }
    return json_for_script(data)


# Inside <script>, "<!--" followed by "<script" makes the HTML parser skip the closing </script>
# and swallow the rest of the page; "</" alone closes it early. JSON may spell <, > and & as
# \u escapes, so none of them ever reaches the HTML parser.
_SCRIPT_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def json_for_script(data: Any) -> str:
    """JSON that is safe as the content of a <script> element, whatever the strings hold."""
    return json.dumps(data, ensure_ascii=False).translate(_SCRIPT_ESCAPES)


def page_router(pages: Pages) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    env = pages.templates.env
    env.globals.update(
        label=label,
        facet_label=facet_label,
        LABELS=LABELS,
        REGIONS=geo.REGIONS,
        skill_label=load_skills().label,
        status_label=dutch.status,
        cohort_state=cohort_state,
        start_price=start_price,
        list_price_cents=rules.list_price_cents,
    )

    def store(request: Request) -> Any:
        return request.app.state.catalogue_store

    def index(request: Request) -> Any:
        return request.app.state.search_index

    @router.get("/catalogue/", response_class=HTMLResponse)
    async def home(request: Request, principal: PagePrincipal) -> HTMLResponse:
        try:
            params = await search_params(request)
            result = run_search(
                index(request),
                store(request),
                params,
                principal.org if principal else None,
                principal.role if principal else None,
            )
        except (RequestValidationError, Problem) as error:
            filled, chosen = filled_search(request)
            return pages.render(
                request,
                "search.html",
                principal,
                status_code=422,
                title="Opleidingsaanbod in de regio",
                errors=search_errors(error),
                params=filled,
                result=None,
                facets={},
                selected=chosen,
                next_url=None,
                facet_titles=FACET_TITLES,
                places=geo.PLACES,
                back_query="",
            )
        selected = {
            name: {str(getattr(v, "value", v)) for v in getattr(params, name)} for name in [*FACETS, "region"]
        }
        next_url = None
        if result.next_key:
            query = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]
            query.append(("cursor", encode_cursor([params.sort, *result.next_key])))
            next_url = "/catalogue/?" + urlencode(query)
        return pages.render(
            request,
            "search.html",
            principal,
            title="Opleidingsaanbod in de regio",
            params=params,
            result=result,
            facets=result.facets,
            selected=selected,
            next_url=next_url,
            facet_titles=FACET_TITLES,
            errors=[],
            places=geo.PLACES,
            back_query=request.url.query,
        )

    @router.get("/catalogue/aanbod/{offering_id}", response_class=HTMLResponse)
    async def offering_page(
        offering_id: str,
        request: Request,
        principal: PagePrincipal,
        terug: Annotated[str, Query(max_length=1000)] = "",
    ) -> HTMLResponse:
        offering = await store(request).offering(offering_id)
        if offering is None or not can_see_offering(principal, offering):
            return pages.render(request, "not_found.html", principal, status_code=404, title="Niet gevonden")
        cohorts = await store(request).cohorts_of([offering_id])
        provider = await store(request).provider(offering["provider_id"])
        regions = {c["region"] for c in cohorts} or set((provider or {}).get("regions", []))
        others = index(request).others_with_code(offering.get("code"), offering["provider_id"], regions)
        consortia = (await store(request).consortia({"members": offering["provider_id"]}, None, 20))["items"]
        today = store(request).today()
        shown = sorted(
            (c for c in cohorts if cohort_state(c, today).shown), key=lambda c: (c["start_date"], c["_id"])
        )
        return pages.render(
            request,
            "offering.html",
            principal,
            title=offering["title"],
            offering=offering,
            provider=provider,
            cohorts=shown,
            today=today,
            apply_url=APPLY_URL,
            back_url=back_to_search(terug),
            upcoming=[c for c in shown if cohort_state(c, today).apply_text],
            others=others,
            consortia=consortia[:20],
            json_ld=course_json_ld(offering, provider, shown),
            is_owner=bool(principal and principal.owns(offering["provider_id"])),
            guaranteed=rules.start_guaranteed,
        )

    @router.get("/catalogue/werkgever", response_class=HTMLResponse)
    async def employer_page(request: Request, principal: PagePrincipal) -> HTMLResponse:
        if principal is None or principal.role not in ("employer", "admin"):
            return pages.render(
                request,
                "sign_in_needed.html",
                principal,
                status_code=403,
                title="Werkgevers",
                role_label="werkgever",
            )
        onderhands = {"status": "published", "visibility": "onderhands", "visible_to": principal.org}
        items = (await store(request).offerings(onderhands, None, 200))["items"]
        cohorts = await store(request).cohorts_of([o["_id"] for o in items])
        by_offering: dict[str, list] = {}
        for c in cohorts:
            by_offering.setdefault(c["offering_id"], []).append(c)
        return pages.render(
            request,
            "employer.html",
            principal,
            title="Aanbod voor uw organisatie",
            offerings=items,
            cohorts=by_offering,
            today=store(request).today(),
            organisation=(await store(request).provider(principal.org) or {}).get("name"),
        )

    def provider_or_none(principal: Principal | None) -> TypeGuard[Principal]:
        return principal is not None and principal.role in ("provider", "admin")

    @router.get("/catalogue/aanbieder", response_class=HTMLResponse)
    async def provider_page(request: Request, principal: PagePrincipal, melding: str = "") -> HTMLResponse:
        if not provider_or_none(principal):
            return pages.render(
                request,
                "sign_in_needed.html",
                principal,
                status_code=403,
                title="Opleiders",
                role_label="opleider",
            )
        org = principal.org
        s = store(request)
        own = await s.offerings({"provider_id": org}, None, 100)
        offerings, total = own["items"], own["total"]
        cohorts = await s.cohorts_of([o["_id"] for o in offerings])
        decisions = await decision_rows(s, org)
        by_offering: dict[str, list] = {}
        for c in cohorts:
            by_offering.setdefault(c["offering_id"], []).append(c)
        provider = await s.provider(org)
        consortia = (await s.consortia({"members": org}, None, 50))["items"]
        return pages.render(
            request,
            "provider.html",
            principal,
            title="Mijn aanbod",
            provider=provider,
            offerings=offerings[:100],
            total=total,
            cohorts=by_offering,
            decisions=decisions,
            message=melding[:200],
            consortia=consortia[:50],
            today=s.today(),
        )

    router.include_router(manage_router(pages))
    router.include_router(consortia_router(pages))
    router.include_router(pages.demo_sign_in_router())
    router.include_router(pages.start_page_router())
    return router
