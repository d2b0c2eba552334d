"""Demands (scholingsvragen): an employer or commissioner sees only its own."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from matching.api.common import Commissioner, Cursor, Limit, Reader, TopK, UseCases, listing
from matching.api.reads import DemandPage, DemandRead, MatchPage
from matching.documents import demand_view
from matching.schemas import DemandClose, DemandCreate, DemandUpdate, Region
from matching.store import DEMANDS

router = APIRouter(prefix="/demands", tags=["demands"])


@router.post("", status_code=201, response_model=DemandRead, response_model_exclude_unset=True)
async def post_demand(body: DemandCreate, principal: Commissioner, uc: UseCases) -> dict[str, Any]:
    """Place a demand. Its region is pooled a few seconds later (`LLO_MATCHING_POOLING_DEBOUNCE_S`):
    group proposals appear without a call to `/group-proposals/runs`."""
    return demand_view(await uc.post_demand(principal, body))


@router.get("", response_model=DemandPage, response_model_exclude_unset=True)
async def list_demands(
    principal: Reader,
    uc: UseCases,
    status: Annotated[Literal["open", "closed"] | None, Query()] = None,
    region: Annotated[Region | None, Query()] = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> dict[str, Any]:
    query: dict[str, Any] = {} if principal.role == "admin" else {"commissioner_org": principal.org}
    if status:
        query["status"] = status
    if region:
        query["region"] = region
    page = await uc.store.page(DEMANDS, query, cursor, limit)
    placed = await uc.store.accepted_seats_by_demand([d["_id"] for d in page["items"]])
    return page | {"items": [demand_view(d, placed.get(d["_id"], 0)) for d in page["items"]]}


@router.get("/{demand_id}", response_model=DemandRead, response_model_exclude_unset=True)
async def get_demand(demand_id: str, principal: Reader, uc: UseCases) -> dict[str, Any]:
    doc = await uc.visible_demand(principal, demand_id)
    placed = await uc.store.accepted_seats_by_demand([demand_id])
    return demand_view(doc, placed.get(demand_id, 0))


@router.patch("/{demand_id}", response_model=DemandRead, response_model_exclude_unset=True)
async def update_demand(
    demand_id: str, body: DemandUpdate, principal: Commissioner, uc: UseCases
) -> dict[str, Any]:
    return demand_view(await uc.update_demand(principal, demand_id, body))


@router.post("/{demand_id}/close", response_model=DemandRead, response_model_exclude_unset=True)
async def close_demand(
    demand_id: str, body: DemandClose, principal: Commissioner, uc: UseCases
) -> dict[str, Any]:
    return demand_view(await uc.close_demand(principal, demand_id, body))


@router.get("/{demand_id}/matches", response_model=MatchPage, response_model_exclude_unset=True)
async def demand_matches(demand_id: str, principal: Reader, uc: UseCases, k: TopK = 10) -> dict[str, Any]:
    items = await uc.demand_matches(principal, demand_id, k)
    return listing(items, len(items), None)
