"""Legal entities (administrations), their settings, payers and cost models."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from billing.api.deps import (
    Cursor,
    EntityId,
    FinancePrincipal,
    Limit,
    entity_for,
    runtime_of,
    today,
    unknown_entity,
)
from billing.api.reads import CostModelRead, EntityRead, LedgerRead
from billing.domain.costing import CostModel, PriceBelowIntegralCost
from billing.store import COST_MODELS, ENTITIES
from billing.usecases.costing import set_cost_model
from billing.usecases.entities import EntitySettings, UnknownEntity, update_entity_settings
from billing.usecases.reports import entity_documents, ledger_summary
from llo_shared.paging import store_page
from llo_shared.problems import Problem
from llo_shared.reads import Page

router = APIRouter(tags=["entities"])
Ref = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._-]+$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def entity_view(entity: dict[str, Any]) -> dict[str, Any]:
    return {"entity_id": entity["_id"], "ledgers": ["publiek", "privaat"]} | {
        k: v for k, v in entity.items() if k != "_id"
    }


@router.get("/entities", response_model=Page[EntityRead], response_model_exclude_unset=True)
async def list_entities(
    request: Request,
    principal: FinancePrincipal,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    query = {} if principal.role == "admin" else {"_id": principal.org}
    return await store_page(runtime_of(request).db[ENTITIES], query, [("_id", 1)], cursor, limit, entity_view)


@router.get("/entities/{entity_id}", response_model=EntityRead, response_model_exclude_unset=True)
async def get_entity(request: Request, principal: FinancePrincipal, entity_id: EntityId) -> dict[str, Any]:
    return entity_view(await entity_for(request, principal, entity_id))


@router.patch("/entities/{entity_id}", response_model=EntityRead, response_model_exclude_unset=True)
async def update_entity(
    request: Request, principal: FinancePrincipal, entity_id: EntityId, settings: EntitySettings
) -> dict[str, Any]:
    await entity_for(request, principal, entity_id)
    try:
        entity = await update_entity_settings(runtime_of(request).db, entity_id, settings)
    except UnknownEntity:  # removed between the check and the write
        raise unknown_entity(entity_id) from None
    return entity_view(entity)


@router.get(
    "/entities/{entity_id}/ledgers", response_model=Page[LedgerRead], response_model_exclude_unset=True
)
async def ledgers(request: Request, principal: FinancePrincipal, entity_id: EntityId) -> dict[str, Any]:
    """Both ledgers side by side: never one total across them."""
    await entity_for(request, principal, entity_id)
    documents = await entity_documents(runtime_of(request).db, entity_id)
    rows = ledger_summary(documents, today())
    return {"items": rows, "total": len(rows), "next": None}


# cost models ------------------------------------------------------------------------


class OverrideIn(Strict):
    reason: str = Field(min_length=10, max_length=2000)


class CostModelIn(Strict):
    model: CostModel
    seat_price_cents: int | None = Field(default=None, ge=0, le=10**11)
    override: OverrideIn | None = None


def cost_model_view(stored: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in stored.items() if k != "_id"}


@router.put(
    "/entities/{entity_id}/cost-models/{scope}/{ref}",
    response_model=CostModelRead,
    response_model_exclude_unset=True,
)
async def put_cost_model(
    request: Request,
    principal: FinancePrincipal,
    entity_id: EntityId,
    scope: Literal["offering", "cohort"],
    ref: Ref,
    body: CostModelIn,
) -> dict[str, Any]:
    """Store a cost model; a known private price below the integral cost is refused unless the
    request carries an override with a reason (recorded with who and when, shown in reports)."""
    await entity_for(request, principal, entity_id)
    reason = body.override.reason if body.override else None
    try:
        stored = await set_cost_model(
            runtime_of(request).db,
            entity_id,
            scope,
            ref,
            body.model,
            body.seat_price_cents,
            reason,
            principal.subject,
        )
    except PriceBelowIntegralCost as refused:
        raise Problem(
            409,
            "price-below-integral-cost",
            "Private price below integral cost",
            str(refused),
            price_cents=refused.price_cents,
            integral_cost_cents=refused.integral_cost_cents,
            field="override",
        ) from None
    return cost_model_view(stored)


@router.get(
    "/entities/{entity_id}/cost-models", response_model=Page[CostModelRead], response_model_exclude_unset=True
)
async def list_cost_models(
    request: Request,
    principal: FinancePrincipal,
    entity_id: EntityId,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    await entity_for(request, principal, entity_id)
    collection = runtime_of(request).db[COST_MODELS]
    return await store_page(
        collection, {"entity_id": entity_id}, [("_id", 1)], cursor, limit, cost_model_view
    )
