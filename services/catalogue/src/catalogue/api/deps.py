"""What every router needs: the store, the search index, paging and tenancy helpers."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any

from fastapi import Depends, Query, Request

from catalogue.search import SearchIndex
from catalogue.store import CatalogueStore, decode_cursor, encode_cursor, not_found, public_doc
from llo_shared.auth import Principal, optional_principal
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


def page(items: list[dict[str, Any]], total: int, limit: int) -> dict[str, Any]:
    """Lists fetch limit+1 rows: the extra one tells there is a next page."""
    shown = items[:limit]
    more = len(items) > limit
    return {
        "items": [public_doc(i) for i in shown],
        "total": total,
        "next": encode_cursor([shown[-1]["_id"]]) if more and shown else None,
    }


def after_id(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    values = decode_cursor(cursor)
    if len(values) != 1 or not isinstance(values[0], str):
        raise Problem(
            400, "bad-cursor", "Invalid cursor", "cursor is not one this API gave out", field="cursor"
        )
    return values[0]


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
