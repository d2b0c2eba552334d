"""What every matching page shares: the use cases and the page renderer taken from the app's state,
the sign-in check, the notice after a form, and the names pages show instead of ids."""

from __future__ import annotations

import logging
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from llo_shared.auth import Principal
from llo_shared.pages import Pages
from llo_shared.problems import Problem
from llo_shared.skills import load_skills
from matching.documents import proposal_view
from matching.pages.explain import group_sentence, reasons
from matching.store import OFFERINGS
from matching.usecases import Matching

log = logging.getLogger(__name__)


def use_cases(request: Request) -> Matching:
    return request.app.state.matching


def page_kit(request: Request) -> Pages:
    """The service's `Pages` (templates, settings), put on the app's state by `create_app`."""
    return request.app.state.pages


UseCases = Annotated[Matching, Depends(use_cases)]


def render(
    request: Request, template: str, principal: Principal | None, status: int = 200, **context: Any
) -> HTMLResponse:
    return page_kit(request).render(request, template, principal, status_code=status, **context)


def signed_in_as(principal: Principal | None, *roles: str) -> bool:
    return principal is not None and (principal.role in roles or principal.role == "admin")


def sign_in_needed(request: Request, principal: Principal | None, title: str, role: str) -> HTMLResponse:
    # `who` is the layout's (the signed-in person): this page names the role it needs
    return render(request, "sign_in_needed.html", principal, 403, title=title, needed_role=role)


def notice(target: str, message: str) -> RedirectResponse:
    return RedirectResponse(f"{target}?{urlencode({'melding': message})}", status_code=303)


def demo_mode(request: Request) -> bool:
    """The demo environment: pages pool a region the first time it is looked at."""
    return page_kit(request).settings.environment == "demo"


async def provider_names(uc: Matching, offering_ids: set[str]) -> dict[str, str]:
    """Offering id -> its provider's name (carried in the catalogue's offering events)."""
    docs = await uc.store.find(OFFERINGS, {"_id": {"$in": sorted(offering_ids)}})
    return {d["_id"]: d["provider_name"] for d in docs if d.get("provider_name")}


async def described_proposals(
    uc: Matching, principal: Principal, proposals: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Proposals as the reader may see them, each said in words and with its provider's name."""
    names = await provider_names(uc, {p["offering_id"] for p in proposals})
    return [
        proposal_view(principal, p)
        | {"explained": group_sentence(p), "provider_name": names.get(p["offering_id"])}
        for p in proposals
    ]


async def explained_matches(uc: Matching, principal: Principal, ref: str, k: int) -> list[dict]:
    """A candidate's best start moments, each with its reasons in Dutch and its provider's name."""
    try:
        matches = await uc.candidate_matches(principal, ref, k)
    except Problem:
        return []
    names = await provider_names(uc, {m["offering_id"] for m in matches})
    label = load_skills().label
    return [
        m | {"reasons": reasons(m["factors"], label), "provider_name": names.get(m["offering_id"])}
        for m in matches
    ]


async def pool_region_now(uc: Matching, principal: Principal, region: str) -> None:
    """A demand or candidate placed through the pages is pooled with its region at once, so a group
    proposal appears without anyone pressing a button. What was saved stays saved if pooling fails."""
    try:
        await uc.run_pooling(principal, region)
    except Problem:
        log.exception("pooling after a page change failed", extra={"region": region})


def candidate_name(doc: dict[str, Any]) -> str:
    """The candidate's name for the mobility team; never the reference."""
    name = (doc.get("personal") or {}).get("display_name")
    place = ((doc.get("profile") or {}).get("location") or {}).get("municipality")
    return name or (f"Kandidaat uit {place}" if place else "Kandidaat zonder naam")


def refusal(error: Problem | ValidationError) -> str:
    """Why a decision did not go through, in Dutch (the use cases answer in English for the API)."""
    if isinstance(error, ValidationError):
        return "controleer wat u heeft ingevuld."
    known = {
        409: "dit is al besloten of intussen veranderd. Bekijk de pagina opnieuw.",
        403: "dit mag u niet voor deze organisatie.",
        404: "dit voorstel bestaat niet (meer).",
        422: "dit voorstel hoort niet bij deze vraag of er ontbreekt iets.",
    }
    return known.get(error.status, "probeer het later opnieuw.")
