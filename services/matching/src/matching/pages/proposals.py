"""Deciding on a group proposal (the employer for its demand, the mobility team with a candidate),
and the empty-seat surcharge: accepted only on a page that shows what it costs."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from llo_shared.auth import Principal
from llo_shared.dutch import FieldError, euro
from llo_shared.pages import PagePrincipal
from llo_shared.problems import Problem
from matching.documents import proposal_view
from matching.pages.common import (
    UseCases,
    notice,
    provider_names,
    refusal,
    render,
    sign_in_needed,
    signed_in_as,
)
from matching.pages.explain import group_sentence
from matching.schemas import ProposalDecision
from matching.usecases import Matching

router = APIRouter(include_in_schema=False)


@router.post("/matching/voorstellen/{proposal_id}/besluit", response_model=None)
async def decide_on_proposal(
    request: Request,
    proposal_id: str,
    principal: PagePrincipal,
    uc: UseCases,
    demand_id: Annotated[str, Form(max_length=80)] = "",
    candidate_ref: Annotated[str, Form(max_length=80)] = "",
    decision: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=300)] = "",
    next: Annotated[str, Form(max_length=200)] = "/matching/vragen",
) -> RedirectResponse | HTMLResponse:
    if principal is None:
        return sign_in_needed(request, principal, "Inloggen", "werkgever")
    target = next if next.startswith("/matching/") else "/matching/vragen"
    if decision == "toeslag":  # a surcharge is never accepted in one click: show what it costs first
        query = urlencode({"vraag": demand_id})
        return RedirectResponse(f"/matching/voorstellen/{proposal_id}/toeslag?{query}", status_code=303)
    if decision == "afwijzen" and not reason.strip():
        return notice(target, "Niet gelukt: vul een reden in om het voorstel af te wijzen.")
    try:
        body = ProposalDecision(
            demand_id=demand_id or None,
            candidate_ref=candidate_ref or None,
            candidate_agreed=bool(candidate_ref),
            reason=reason.strip() or None,
        )
        await uc.decide(principal, proposal_id, body, accept=decision == "accepteren")
        message = "Voorstel geaccepteerd." if decision == "accepteren" else "Voorstel afgewezen."
    except (Problem, ValidationError) as error:
        message = "Niet gelukt: " + refusal(error)
    return notice(target, message)


async def surcharge_context(uc: Matching, principal: Principal, proposal_id: str, demand_id: str) -> dict:
    proposal = await uc.visible_proposal(principal, proposal_id)
    demand = await uc.visible_demand(principal, demand_id)
    view = proposal_view(principal, proposal)
    names = await provider_names(uc, {proposal["offering_id"]})
    return {
        "proposal": view,
        "demand": demand,
        "empty_seats": max(0, proposal["break_even"] - proposal["fill_after"]),
        "provider_name": names.get(proposal["offering_id"]),
        "explained": group_sentence(view),
    }


@router.get("/matching/voorstellen/{proposal_id}/toeslag", response_class=HTMLResponse)
async def confirm_surcharge(
    request: Request, proposal_id: str, principal: PagePrincipal, uc: UseCases, vraag: str = ""
) -> HTMLResponse:
    if not signed_in_as(principal, "employer", "rmt"):
        return sign_in_needed(request, principal, "Lege-stoelentoeslag", "werkgever")
    assert principal is not None
    context = await surcharge_context(uc, principal, proposal_id, vraag[:80])
    return render(
        request, "surcharge_confirm.html", principal, title="Lege-stoelentoeslag bevestigen", **context
    )


# Its parameters begin like decide_on_proposal's (the path and the same form field): declarations
# FastAPI reads, no logic; `duplicates` pairs them as boilerplate.
@router.post("/matching/voorstellen/{proposal_id}/toeslag", response_model=None)
async def accept_surcharge(
    request: Request,
    proposal_id: str,
    principal: PagePrincipal,
    uc: UseCases,
    demand_id: Annotated[str, Form(max_length=80)] = "",
    amount_cents: Annotated[str, Form(max_length=12)] = "",
    confirmed: Annotated[str, Form(max_length=5)] = "",
) -> RedirectResponse | HTMLResponse:
    if not signed_in_as(principal, "employer", "rmt"):
        return sign_in_needed(request, principal, "Lege-stoelentoeslag", "werkgever")
    assert principal is not None
    if confirmed != "ja":
        context = await surcharge_context(uc, principal, proposal_id, demand_id)
        error = FieldError(
            "confirmed", "de bevestiging", "Vink aan dat u de toeslag betaalt als de groep start."
        )
        return render(
            request,
            "surcharge_confirm.html",
            principal,
            422,
            title="Lege-stoelentoeslag bevestigen",
            errors=[error],
            **context,
        )
    try:
        shown = int(amount_cents) if amount_cents.isdigit() else None
        accepted = await uc.accept_surcharge(principal, proposal_id, demand_id, shown)
        message = f"Lege-stoelentoeslag geaccepteerd: u betaalt hoogstens {euro(accepted['cap_cents'])}."
    except Problem as problem:
        message = "Niet gelukt: " + refusal(problem)
    return notice("/matching/vragen", message)
