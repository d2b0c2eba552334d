"""What every router needs: the store, the search index, paging and tenancy helpers, and the
catalogue's named refusals answered as problem+json (`install_refusals`, through `views.problem_of`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import Response

from catalogue.documents import Document
from catalogue.domain.errors import Refusal
from catalogue.search import SearchIndex
from catalogue.store import CatalogueStore, Page
from catalogue.views import can_see_offering, not_found, problem_of, public_doc
from llo_shared.auth import Principal, optional_principal
from llo_shared.problems import Problem

MAX_PAGE = 100


# async: FastAPI runs a plain `def` dependency in its thread pool, a hop that costs more than
# these lookups (measured on the search endpoint).
async def get_store(request: Request) -> CatalogueStore:
    return request.app.state.catalogue_store


async def get_index(request: Request) -> SearchIndex:
    return request.app.state.search_index


async def get_viewer(request: Request) -> Principal | None:
    """optional_principal without the thread-pool hop FastAPI gives a plain `def` dependency."""
    return optional_principal(request)


def wake_relay(request: Request) -> None:
    request.app.state.runtime.relay.wake()


Store = Annotated[CatalogueStore, Depends(get_store)]
Index = Annotated[SearchIndex, Depends(get_index)]
Viewer = Annotated[Principal | None, Depends(get_viewer)]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="page size")]
Cursor = Annotated[str | None, Query(max_length=500, description="the `next` of the previous page")]


def page(answer: Page, view: Callable[[Document], Document] = public_doc) -> Page:
    """A page the store read (llo_shared.paging), each item shown through `view`."""
    return answer | {"items": [view(doc) for doc in answer["items"]]}


def install_refusals(app: FastAPI) -> None:
    """A refusal escaping a route is answered as its problem (problem+json, or the Dutch error page
    for a browser: the shared Problem handler decides)."""

    async def on_refusal(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refusal)
        answer_problem = request.app.exception_handlers[Problem]
        response: Response = await answer_problem(request, problem_of(exc))
        return response

    app.add_exception_handler(Refusal, on_refusal)


async def visible_offering(
    store: CatalogueStore, viewer: Principal | None, offering_id: str
) -> dict[str, Any]:
    offering = await store.offering(offering_id)
    if offering is None or not can_see_offering(viewer, offering):
        raise not_found("Offering", offering_id)  # onderhands offers do not leak their existence
    return offering
