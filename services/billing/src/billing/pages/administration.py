"""Which administration the finance pages show. Finance staff see their own institution's; an
admin chooses one on /billing/administratie, and the choice is kept in a cookie (or given for one
page with ?entiteit=), so an admin never lands on an administration nobody chose."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from billing.pages.deps import PagesOf
from billing.store import ENTITIES
from llo_shared.dutch import FieldError
from llo_shared.pages import PagePrincipal, Pages
from llo_shared.web_security import session_cookie_secure

CHOICE_COOKIE = "llo_administratie"
MAX_ID = 60  # as the API's entity id


# Every finance route opens with the same two lines, `entity = await finance_entity(...)` and, when
# None, `return finance_refused(...)`: boilerplate that `duplicates` pairs (a dependency could only
# raise, and these routes answer the Dutch 403 page in place).
async def finance_entity(request: Request, principal: Any, entity_id: str | None) -> dict[str, Any] | None:
    """The administration this user may see now: finance staff their own institution's; an admin
    the one given (`entity_id` or ?entiteit=) or chosen earlier; None when neither applies."""
    if principal is None or principal.role not in ("finance", "admin"):
        return None
    entities = request.app.state.runtime.db[ENTITIES]
    if principal.role != "admin":
        return await entities.find_one({"_id": principal.org})
    wanted = entity_id or request.query_params.get("entiteit") or request.cookies.get(CHOICE_COOKIE)
    if not wanted:
        return None
    return await entities.find_one({"_id": wanted[:MAX_ID]})


def finance_refused(pages: Pages, request: Request, principal: Any) -> HTMLResponse:
    """The Dutch 403 page for someone who is not finance staff of an administration (or an admin)."""
    return pages.render(request, "signin_needed.html", principal, status_code=403, title="Facturatie")


def page_not_found(pages: Pages, request: Request, principal: Any) -> HTMLResponse:
    """The Dutch 404 page: a document, payer or import this administration does not have."""
    return pages.render(request, "not_found.html", principal, status_code=404, title="Niet gevonden")


router = APIRouter(include_in_schema=False)


async def picker(
    pages: Pages,
    request: Request,
    principal: Any,
    errors: list[FieldError] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    entities = await request.app.state.runtime.db[ENTITIES].find({}, {"_id": 1, "name": 1}).to_list(None)
    entities.sort(key=lambda e: ((e.get("name") or e["_id"]).lower(), e["_id"]))
    current = await finance_entity(request, principal, None)
    return pages.render(
        request,
        "administration.html",
        principal,
        status_code=status_code,
        title="Administratie kiezen",
        entities=entities,
        current=current,
        errors=errors or [],
    )


@router.get("/billing/administratie", response_class=HTMLResponse)
async def choose(request: Request, pages: PagesOf, principal: PagePrincipal) -> HTMLResponse:
    if principal is None or principal.role != "admin":
        return finance_refused(pages, request, principal)
    return await picker(pages, request, principal)


@router.post("/billing/administratie", response_model=None)
async def chosen(
    request: Request,
    pages: PagesOf,
    principal: PagePrincipal,
    entiteit: Annotated[str, Form(max_length=MAX_ID)] = "",
) -> HTMLResponse | RedirectResponse:
    if principal is None or principal.role != "admin":
        return finance_refused(pages, request, principal)
    entities = request.app.state.runtime.db[ENTITIES]
    entity = await entities.find_one({"_id": entiteit}) if entiteit else None
    if entity is None:
        error = FieldError("entiteit", "de administratie", "Kies een administratie uit de lijst.")
        return await picker(pages, request, principal, [error], 422)
    response = RedirectResponse("/billing/", status_code=303)
    secure = session_cookie_secure(pages.settings, request.url.scheme)
    response.set_cookie(
        CHOICE_COOKIE, entity["_id"], httponly=True, samesite="lax", path="/billing", secure=secure
    )
    return response
