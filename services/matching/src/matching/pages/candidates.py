"""The mobility team's candidates: registering one with consent (its region is pooled at once),
and a candidate's page with its best start moments and the proposals it is in."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from llo_shared.auth import Principal
from llo_shared.dutch import FieldError
from llo_shared.pages import PagePrincipal
from matching.domain.places import PLACES
from matching.pages.common import (
    UseCases,
    candidate_name,
    described_proposals,
    explained_matches,
    pool_region_now,
    render,
    sign_in_needed,
    signed_in_as,
)
from matching.pages.forms import CANDIDATE_LABELS, FormPage, cents, days_from_today, form_errors, whole
from matching.schemas import CandidateCreate
from matching.store import PLACEMENTS, PROPOSALS

router = APIRouter(include_in_schema=False)


@router.get("/matching/mobiliteitsteam/kandidaat", response_class=HTMLResponse)
def new_candidate_form(request: Request, principal: PagePrincipal) -> HTMLResponse:
    if not signed_in_as(principal, "rmt"):
        return sign_in_needed(request, principal, "Kandidaat inschrijven", "mobiliteitsteam")
    return CANDIDATE_FORM.show(request, principal)


def candidate_defaults(principal: Principal | None) -> dict[str, Any]:
    return {
        "available_from": days_from_today(7),
        "available_until": days_from_today(240),
        "max_distance_km": 25,
    }


def team_places(principal: Principal | None) -> dict[str, Any]:
    """The municipalities of the team's region (all of them for a reader without one)."""
    mine = [p.municipality for p in PLACES if principal is None or p.region == principal.region]
    return {"places": mine or [p.municipality for p in PLACES]}


CANDIDATE_FORM = FormPage("candidate_form.html", "Kandidaat inschrijven", candidate_defaults, team_places)


def candidate_input(principal: Principal, values: dict[str, Any], budget: int | None) -> dict[str, Any]:
    """What the form says, as the candidate model takes it (consent for matching given today)."""
    return {
        "region": principal.region or "flevoland",
        "location": {"municipality": values["municipality"]},
        "max_distance_km": values["max_distance_km"],
        "available_from": values["available_from"],
        "available_until": values["available_until"],
        "target_level": whole(values["target_level"]),
        "goal_essential_skills": values["goal_essential_skills"],
        "delivery_wishes": values["delivery_wishes"],
        "budget_cents": budget,
        "consent": {"purpose": "matching", "given_on": date.today().isoformat()},
        "personal": {
            "display_name": values["display_name"].strip(),
            "email": values["email"].strip(),
            "phone": values["phone"].strip(),
        },
    }


def read_candidate_form(
    principal: Principal, values: dict[str, Any], consent: str
) -> tuple[CandidateCreate | None, list[FieldError]]:
    """The candidate the form describes, or what is wrong with the form (each at its field)."""
    errors: list[FieldError] = []
    if not values["display_name"].strip():
        errors.append(FieldError("display_name", "de naam", "Vul de naam van de kandidaat in."))
    if consent != "ja":
        errors.append(
            FieldError("consent", "de toestemming", "Vraag de kandidaat om toestemming en vink die aan.")
        )
    budget = cents(values["budget_euro"])
    if isinstance(budget, str):
        errors.append(FieldError("budget_euro", "het budget", budget))
    body = None
    try:
        body = CandidateCreate.model_validate(
            candidate_input(principal, values, None if isinstance(budget, str) else budget)
        )
    except ValidationError as error:
        errors += form_errors(error, CANDIDATE_LABELS)
    return body, errors


@router.post("/matching/mobiliteitsteam/kandidaat", response_class=HTMLResponse, response_model=None)
async def register_candidate(
    request: Request,
    principal: PagePrincipal,
    uc: UseCases,
    display_name: Annotated[str, Form(max_length=120)] = "",
    email: Annotated[str, Form(max_length=200)] = "",
    phone: Annotated[str, Form(max_length=40)] = "",
    municipality: Annotated[str, Form(max_length=80)] = "",
    max_distance_km: Annotated[str, Form(max_length=10)] = "25",
    available_from: Annotated[str, Form(max_length=10)] = "",
    available_until: Annotated[str, Form(max_length=10)] = "",
    target_level: Annotated[str, Form(max_length=2)] = "",
    budget_euro: Annotated[str, Form(max_length=12)] = "",
    goal_essential_skills: Annotated[list[str] | None, Form()] = None,
    delivery_wishes: Annotated[list[str] | None, Form()] = None,
    consent: Annotated[str, Form(max_length=5)] = "",
) -> HTMLResponse | RedirectResponse:
    values = {
        "display_name": display_name,
        "email": email,
        "phone": phone,
        "municipality": municipality,
        "max_distance_km": max_distance_km,
        "available_from": available_from,
        "available_until": available_until,
        "target_level": target_level,
        "budget_euro": budget_euro,
        "goal_essential_skills": goal_essential_skills or [],
        "delivery_wishes": delivery_wishes or [],
        "consent": bool(consent),
    }
    if not signed_in_as(principal, "rmt"):
        return sign_in_needed(request, principal, "Kandidaat inschrijven", "mobiliteitsteam")
    assert principal is not None
    body, errors = read_candidate_form(principal, values, consent)
    if errors or body is None:
        return CANDIDATE_FORM.show(request, principal, values, errors, 422)
    doc = await uc.register_candidate(principal, body)
    await pool_region_now(uc, principal, body.region)
    return RedirectResponse(f"/matching/mobiliteitsteam/kandidaten/{doc['_id']}", status_code=303)


@router.get("/matching/mobiliteitsteam/kandidaten/{ref}", response_class=HTMLResponse)
async def candidate_page(request: Request, ref: str, principal: PagePrincipal, uc: UseCases) -> HTMLResponse:
    if not signed_in_as(principal, "rmt"):
        return sign_in_needed(request, principal, "Kandidaat", "mobiliteitsteam")
    assert principal is not None
    candidate = await uc.visible_candidate(principal, ref)
    matches = await explained_matches(uc, principal, ref, 5)
    open_proposals = await uc.store.find(PROPOSALS, {"region": candidate["region"], "status": "open"})
    mine = [p for p in open_proposals if any(m.get("ref") == ref for m in p["members"])]
    placements = await uc.store.find(PLACEMENTS, {"candidate_ref": ref})
    return render(
        request,
        "candidate.html",
        principal,
        title=candidate_name(candidate),
        candidate=candidate,
        name=candidate_name(candidate),
        matches=matches,
        proposals=await described_proposals(uc, principal, mine),
        placed={p["proposal_id"]: p for p in placements},
        notice=request.query_params.get("melding", "")[:200],
    )
