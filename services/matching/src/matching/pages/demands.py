"""The employer's pages (a mobility team may place demands too): its demands with their group
proposals, placed employees and when the next proposal can be expected; a new demand's form."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from llo_shared.auth import Principal
from llo_shared.demo_users import ORGANISATION_NAMES
from llo_shared.dutch import FieldError
from llo_shared.pages import PagePrincipal
from matching.demo import ensure_demo_proposals
from matching.documents import proposal_view
from matching.domain.places import PLACES, REGIONS
from matching.pages.common import (
    UseCases,
    demo_mode,
    notice,
    pool_region_now,
    provider_names,
    render,
    sign_in_needed,
    signed_in_as,
)
from matching.pages.explain import group_sentence
from matching.pages.forms import DEMAND_LABELS, FormPage, cents, days_from_today, form_errors, whole
from matching.schemas import DemandCreate
from matching.store import DEMANDS, PLACEMENTS, PROPOSALS, SURCHARGES
from matching.usecases import Matching

router = APIRouter(include_in_schema=False)

# Form fields the demand model takes as they were typed.
AS_TYPED = (
    "title",
    "region",
    "max_distance_km",
    "participants",
    "allow_split",
    "start_from",
    "start_until",
    "essential_skills",
    "optional_skills",
    "delivery_wishes",
)


@router.get("/matching/", response_class=HTMLResponse)
def home(request: Request, principal: PagePrincipal) -> HTMLResponse:
    return render(request, "home.html", principal, title="Vraag en matching")


async def my_demands_context(uc: Matching, principal: Principal, demo: bool) -> dict[str, Any]:
    demands = await uc.store.find(DEMANDS, {"commissioner_org": principal.org})
    placed = await uc.store.accepted_seats_by_demand([d["_id"] for d in demands])
    regions = sorted({d["region"] for d in demands})
    if demo:
        for region in regions:
            await ensure_demo_proposals(uc, region)
    proposals = await uc.store.find(PROPOSALS, {"status": "open", "demand_orgs": principal.org})
    placements = await placed_employees(uc, principal, demands)
    names = await provider_names(
        uc, {p["offering_id"] for p in proposals} | {p["offering_id"] for p in placements}
    )
    return {
        "demands": demands,
        "placed": placed,
        "proposals": await proposals_by_demand(uc, principal, proposals),
        "placements": placements,
        "provider_names": names,
        "expected": {region: expected_proposal(uc, region) for region in regions},
    }


async def proposals_by_demand(
    uc: Matching, principal: Principal, proposals: list[dict[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """Each demand's open proposals, with its own place, the decision on it and its surcharge."""
    decisions = {
        d["_id"]: d
        for d in await uc.store.find(PLACEMENTS, {"proposal_id": {"$in": [p["_id"] for p in proposals]}})
    }
    surcharges = {s["_id"]: s for s in await uc.store.find(SURCHARGES, {"commissioner_org": principal.org})}
    by_demand: dict[str, list[dict[str, Any]]] = {}
    for proposal in proposals:
        view = proposal_view(principal, proposal)
        for member in view["members"]:
            if member["kind"] == "demand":
                key = f"{proposal['_id']}:demand:{member['ref']}"
                entry = view | {
                    "own": member,
                    "others": sum(m["seats"] for m in view["members"] if m is not member),
                    "decision": decisions.get(key),
                    "surcharge_accepted": surcharges.get(f"{proposal['cohort_id']}:{member['ref']}"),
                    "explained": group_sentence(view),
                }
                by_demand.setdefault(member["ref"], []).append(entry)
    return by_demand


async def placed_employees(uc: Matching, principal: Principal, demands: list[dict]) -> list[dict]:
    """Accepted placements of the employer's demands, with the start moment they are placed in."""
    titles = {d["_id"]: d["title"] for d in demands}
    accepted = await uc.store.find(
        PLACEMENTS, {"commissioner_org": principal.org, "status": "accepted", "demand_id": {"$ne": None}}
    )
    proposals = {
        p["_id"]: p
        for p in await uc.store.find(PROPOSALS, {"_id": {"$in": [a["proposal_id"] for a in accepted]}})
    }
    rows = []
    for placement in accepted:
        proposal = proposals.get(placement["proposal_id"], {})
        rows.append(
            {
                "demand_title": titles.get(placement["demand_id"], "opleidingsvraag"),
                "seats": placement["seats"],
                "cohort": proposal.get("cohort", {}),
                "offering_id": proposal.get("offering_id", ""),
            }
        )
    return sorted(rows, key=lambda r: (r["cohort"].get("start_date", ""), r["demand_title"]))


def expected_proposal(uc: Matching, region: str) -> str:
    """When a demand without a proposal can expect one: the region's next pooling run, in words."""
    if uc.schedule is None:
        return "Groepsvoorstellen worden opnieuw berekend als er een vraag of kandidaat bijkomt."
    wait = (uc.schedule.next_run(region) - uc.schedule.clock.now()).total_seconds()
    if wait <= 60:
        return (
            "De groepsvoorstellen worden binnen een minuut opnieuw berekend: past er een startmoment, "
            "dan verschijnt hier binnen enkele minuten een voorstel."
        )
    minutes = math.ceil(wait / 60)
    return (
        f"De groepsvoorstellen worden over ongeveer {minutes} minuten opnieuw berekend, en meteen als er "
        "een vraag of kandidaat bijkomt. Past er dan een startmoment, dan verschijnt het voorstel hier."
    )


@router.get("/matching/vragen", response_class=HTMLResponse)
async def my_demands(request: Request, principal: PagePrincipal, uc: UseCases) -> HTMLResponse:
    if not signed_in_as(principal, "employer", "rmt"):
        return sign_in_needed(request, principal, "Mijn opleidingsvragen", "werkgever")
    assert principal is not None
    context = await my_demands_context(uc, principal, demo_mode(request))
    melding = request.query_params.get("melding", "")[:200]
    return render(
        request, "demands.html", principal, title="Mijn opleidingsvragen", notice=melding, **context
    )


@router.get("/matching/vragen/nieuw", response_class=HTMLResponse)
def new_demand_form(request: Request, principal: PagePrincipal) -> HTMLResponse:
    if not signed_in_as(principal, "employer", "rmt"):
        return sign_in_needed(request, principal, "Nieuwe opleidingsvraag", "werkgever")
    return DEMAND_FORM.show(request, principal)


def demand_defaults(principal: Principal | None) -> dict[str, Any]:
    return {
        "start_from": days_from_today(14),
        "start_until": days_from_today(180),
        "participants": 5,
        "max_distance_km": 30,
        "region": (principal.region if principal else None) or "flevoland",
    }


def demand_places(principal: Principal | None) -> dict[str, Any]:
    return {"regions": REGIONS, "places": [p.municipality for p in PLACES]}


DEMAND_FORM = FormPage("demand_form.html", "Nieuwe opleidingsvraag", demand_defaults, demand_places)


def demand_input(principal: Principal, values: dict[str, Any], budget: int | None) -> dict[str, Any]:
    """What the form says, as the demand model takes it."""
    return {key: values[key] for key in AS_TYPED} | {
        "commissioner_kind": "rmt" if principal.role == "rmt" else "employer",
        # the payer's name on the provider's go/no-go page and on the surcharge
        "commissioner_name": ORGANISATION_NAMES.get(principal.org, ""),
        "location": {"municipality": values["municipality"]},
        "level": whole(values["level"]),
        "code": values["code"] or None,
        "budget_per_participant_cents": budget,
    }


@router.post("/matching/vragen/nieuw", response_class=HTMLResponse, response_model=None)
async def post_demand_form(
    request: Request,
    principal: PagePrincipal,
    uc: UseCases,
    title: Annotated[str, Form(max_length=200)] = "",
    region: Annotated[str, Form(max_length=40)] = "",
    municipality: Annotated[str, Form(max_length=80)] = "",
    max_distance_km: Annotated[str, Form(max_length=10)] = "30",
    level: Annotated[str, Form(max_length=2)] = "",
    code: Annotated[str, Form(max_length=20)] = "",
    participants: Annotated[str, Form(max_length=5)] = "",
    allow_split: Annotated[str, Form(max_length=5)] = "",
    start_from: Annotated[str, Form(max_length=10)] = "",
    start_until: Annotated[str, Form(max_length=10)] = "",
    budget_euro: Annotated[str, Form(max_length=12)] = "",
    essential_skills: Annotated[list[str] | None, Form()] = None,
    optional_skills: Annotated[list[str] | None, Form()] = None,
    delivery_wishes: Annotated[list[str] | None, Form()] = None,
) -> HTMLResponse | RedirectResponse:
    values = {
        "title": title,
        "region": region,
        "municipality": municipality,
        "max_distance_km": max_distance_km,
        "level": level,
        "code": code,
        "participants": participants,
        "allow_split": bool(allow_split),
        "start_from": start_from,
        "start_until": start_until,
        "budget_euro": budget_euro,
        "essential_skills": essential_skills or [],
        "optional_skills": optional_skills or [],
        "delivery_wishes": delivery_wishes or [],
    }
    if not signed_in_as(principal, "employer", "rmt"):
        return sign_in_needed(request, principal, "Nieuwe opleidingsvraag", "werkgever")
    assert principal is not None
    budget = cents(budget_euro)
    budget_error = [FieldError("budget_euro", "het budget", budget)] if isinstance(budget, str) else []
    try:
        body = DemandCreate.model_validate(
            demand_input(principal, values, None if isinstance(budget, str) else budget)
        )
    except ValidationError as error:
        errors = form_errors(error, DEMAND_LABELS) + budget_error
        return DEMAND_FORM.show(request, principal, values, errors, 422)
    if budget_error:
        return DEMAND_FORM.show(request, principal, values, budget_error, 422)
    await uc.post_demand(principal, body)
    await pool_region_now(uc, principal, body.region)
    return notice("/matching/vragen", "Uw opleidingsvraag is geplaatst.")
