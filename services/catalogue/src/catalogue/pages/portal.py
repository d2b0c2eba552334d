"""The public portal (DESIGN.md "Pages"): search, an offering with its start moments, and the
onderhands offers an employer sees. No JavaScript: the filters are a GET form."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse

from catalogue.api.search import SearchParams, run_search, search_params
from catalogue.domain import geo, rules
from catalogue.domain.vocab import label
from catalogue.pages.deps import PageVisit, Visit
from catalogue.search import FACETS, SearchResult
from catalogue.search_order import encode_cursor
from catalogue.views import can_see_offering
from llo_shared import dutch
from llo_shared.problems import Problem

router = APIRouter(include_in_schema=False)

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


def search_page(visit: Visit, status_code: int = 200, **context: Any) -> HTMLResponse:
    return visit.render(
        "search.html",
        status_code,
        title="Opleidingsaanbod in de regio",
        facet_titles=FACET_TITLES,
        places=geo.PLACES,
        **context,
    )


def next_page_url(request: Request, params: SearchParams, result: SearchResult) -> str | None:
    """The same search one page on (the search pages by key: `search_order.encode_cursor`)."""
    if not result.next_key:
        return None
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]
    query.append(("cursor", encode_cursor([params.sort, *result.next_key])))
    return "/catalogue/?" + urlencode(query)


@router.get("/catalogue/", response_class=HTMLResponse)
async def home(visit: PageVisit) -> HTMLResponse:
    request, principal = visit.request, visit.principal
    try:
        params = await search_params(request)
        viewer_org, viewer_role = (principal.org, principal.role) if principal else (None, None)
        result = run_search(visit.index, visit.store, params, viewer_org, viewer_role)
    except (RequestValidationError, Problem) as error:
        filled, chosen = filled_search(request)
        return search_page(
            visit,
            422,
            errors=search_errors(error),
            params=filled,
            result=None,
            facets={},
            selected=chosen,
            next_url=None,
            back_query="",
        )
    selected = {
        name: {str(getattr(v, "value", v)) for v in getattr(params, name)} for name in [*FACETS, "region"]
    }
    return search_page(
        visit,
        params=params,
        result=result,
        facets=result.facets,
        selected=selected,
        next_url=next_page_url(request, params, result),
        errors=[],
        back_query=request.url.query,
    )


@router.get("/catalogue/aanbod/{offering_id}", response_class=HTMLResponse)
async def offering_page(
    offering_id: str, visit: PageVisit, terug: Annotated[str, Query(max_length=1000)] = ""
) -> HTMLResponse:
    store, principal = visit.store, visit.principal
    offering = await store.offering(offering_id)
    if offering is None or not can_see_offering(principal, offering):
        return visit.render("not_found.html", 404, title="Niet gevonden")
    cohorts = await store.cohorts_of([offering_id])
    provider = await store.provider(offering["provider_id"])
    regions = {c["region"] for c in cohorts} or set((provider or {}).get("regions", []))
    others = visit.index.others_with_code(offering.get("code"), offering["provider_id"], regions)
    consortia = (await store.consortia({"members": offering["provider_id"]}, None, 20))["items"]
    today = store.today()
    shown = sorted(
        (c for c in cohorts if cohort_state(c, today).shown), key=lambda c: (c["start_date"], c["_id"])
    )
    return visit.render(
        "offering.html",
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
async def employer_page(visit: PageVisit) -> HTMLResponse:
    principal, store = visit.principal, visit.store
    if principal is None or principal.role not in ("employer", "admin"):
        return visit.sign_in_needed("Werkgevers", "werkgever")
    onderhands = {"status": "published", "visibility": "onderhands", "visible_to": principal.org}
    items = (await store.offerings(onderhands, None, 200))["items"]
    cohorts = await store.cohorts_of([o["_id"] for o in items])
    by_offering: dict[str, list] = {}
    for c in cohorts:
        by_offering.setdefault(c["offering_id"], []).append(c)
    return visit.render(
        "employer.html",
        title="Aanbod voor uw organisatie",
        offerings=items,
        cohorts=by_offering,
        today=store.today(),
        organisation=(await store.provider(principal.org) or {}).get("name"),
    )
