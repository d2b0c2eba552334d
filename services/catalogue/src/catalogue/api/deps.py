"""What every router needs: the store, the search index, paging and tenancy helpers, and the one
place where the catalogue's named refusals become problem+json (`problem_of`)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import Response

from catalogue.documents import Document
from catalogue.domain.errors import Conflict, InvalidInput, NotFound, NotYours, Refusal
from catalogue.search import SearchIndex
from catalogue.store import CatalogueStore, Page
from llo_shared.auth import Principal, optional_principal
from llo_shared.outbox import strip_outbox
from llo_shared.problems import Problem

MAX_PAGE = 100


# async: FastAPI runs a plain `def` dependency in its thread pool, a hop that costs more than
# these lookups (measured on the search endpoint).
async def get_store(request: Request) -> CatalogueStore:
    return request.app.state.catalogue_store


async def get_index(request: Request) -> SearchIndex:
    return request.app.state.search_index


def wake_relay(request: Request) -> None:
    request.app.state.runtime.relay.wake()


Store = Annotated[CatalogueStore, Depends(get_store)]
Index = Annotated[SearchIndex, Depends(get_index)]
Viewer = Annotated[Principal | None, Depends(optional_principal)]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="page size")]
Cursor = Annotated[str | None, Query(max_length=500, description="the `next` of the previous page")]


def public_doc(doc: Document) -> Document:
    """A document as the API shows it: no outbox, no store bookkeeping."""
    out = strip_outbox(doc)
    for bookkeeping in ("_id", "_ledger", "seats_version", "search_tokens", "changed_at"):
        out.pop(bookkeeping, None)
    return out


def page(answer: Page, view: Callable[[Document], Document] = public_doc) -> Page:
    """A page the store read (llo_shared.paging), each item shown through `view`."""
    return answer | {"items": [view(doc) for doc in answer["items"]]}


def problem_of(refusal: Refusal) -> Problem:
    """The catalogue's refusals as the API answers them (a page answers them in Dutch)."""
    named = {"field": refusal.field} if refusal.field else {}
    if isinstance(refusal, NotFound):
        return not_found(refusal.what, refusal.ident)
    if isinstance(refusal, NotYours):
        return Problem(403, "forbidden", "Not your organisation", refusal.detail)
    if isinstance(refusal, InvalidInput):
        errors = [{"field": field, "message": message} for field, message in refusal.errors]
        return Problem(422, "validation", "Invalid input", refusal.detail, errors=errors, **named)
    if isinstance(refusal, Conflict):
        return Problem(409, "conflict", "Conflict", refusal.detail, **named)
    return Problem(400, "bad-request", "Refused", refusal.detail, **named)


def install_refusals(app: FastAPI) -> None:
    """A refusal escaping a route is answered as its problem (problem+json, or the Dutch error page
    for a browser: the shared Problem handler decides)."""

    async def on_refusal(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refusal)
        answer_problem = request.app.exception_handlers[Problem]
        response: Response = await answer_problem(request, problem_of(exc))
        return response

    app.add_exception_handler(Refusal, on_refusal)


def not_found(what: str, ident: str) -> Problem:
    return Problem(404, "not-found", f"{what} not found", f"no {what.lower()} {ident}")


def new_id(prefix: str, title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:30].strip("-")
    return f"{prefix}-{slug}-{uuid.uuid4().hex[:8]}" if slug else f"{prefix}-{uuid.uuid4().hex[:12]}"


def can_see_offering(viewer: Principal | None, offering: dict[str, Any]) -> bool:
    if offering["visibility"] == "public" and offering["status"] == "published":
        return True
    if viewer is None:
        return False
    return viewer.owns(offering["provider_id"]) or (
        offering["status"] == "published" and viewer.org in offering.get("visible_to", [])
    )


async def visible_offering(
    store: CatalogueStore, viewer: Principal | None, offering_id: str
) -> dict[str, Any]:
    offering = await store.offering(offering_id)
    if offering is None or not can_see_offering(viewer, offering):
        raise not_found("Offering", offering_id)  # onderhands offers do not leak their existence
    return offering
