"""Costs shared between consortium partners: record one (the partners' invoices follow), list
them, and read one with its split and invoice numbers."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from billing.api.deps import (
    Cursor,
    EntityId,
    FinancePrincipal,
    Limit,
    entity_for,
    runtime_of,
    today,
)
from billing.api.reads import SharedCostRead
from billing.api.views import shared_cost_view
from billing.usecases.consortium import SHARED_COST_ORDER, SHARED_COSTS, record_shared_cost
from llo_shared.dates import Day
from llo_shared.paging import store_page
from llo_shared.problems import Problem
from llo_shared.reads import Page

SharedCostKind = Literal["licence_fee", "shared_recruitment"]
OrgId = Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9._-]+$")


class PartnerShareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    partner_id: str = OrgId
    share_bp: int = Field(ge=1, le=10_000)


class SharedCostIn(BaseModel):
    """A cost the paying administration (the finance user's) made for the consortium.
    `total_cents` excludes VAT; each partner's invoice adds VAT on its own part."""

    model_config = ConfigDict(extra="forbid")

    consortium_id: str = Field(min_length=3, max_length=30, pattern=r"^[A-Za-z0-9-]+$")
    kind: SharedCostKind
    description: str = Field(min_length=3, max_length=200)
    total_cents: int = Field(ge=1, le=10**10)
    vat: Literal["standard", "exempt"] = "standard"
    incurred_on: Day | None = None
    cohort_id: str | None = Field(default=None, max_length=100)
    campaign_id: str | None = Field(default=None, max_length=100)
    shares: list[PartnerShareIn] = Field(min_length=2, max_length=20)
    idempotency_key: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")


router = APIRouter(tags=["consortium costs"])
SharedCostId = Annotated[str, Path(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]


@router.post(
    "/entities/{entity_id}/shared-costs",
    status_code=201,
    response_model=SharedCostRead,
    response_model_exclude_unset=True,
)
async def create_shared_cost(
    request: Request, principal: FinancePrincipal, entity_id: EntityId, body: SharedCostIn
) -> dict[str, Any]:
    """The finance user's administration paid the cost; every other partner is invoiced its part."""
    entity = await entity_for(request, principal, entity_id)
    stored = await record_shared_cost(runtime_of(request).db, entity, body, principal.subject, today())
    runtime_of(request).relay.wake()
    return shared_cost_view(stored)


@router.get(
    "/entities/{entity_id}/shared-costs",
    response_model=Page[SharedCostRead],
    response_model_exclude_unset=True,
)
async def list_shared_costs(
    request: Request,
    principal: FinancePrincipal,
    entity_id: EntityId,
    consortium_id: Annotated[str | None, Query(min_length=3, max_length=30)] = None,
    kind: SharedCostKind | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    await entity_for(request, principal, entity_id)
    query: dict[str, Any] = {"entity_id": entity_id}
    if consortium_id:
        query["consortium_id"] = consortium_id
    if kind:
        query["kind"] = kind
    collection = runtime_of(request).db[SHARED_COSTS]
    return await store_page(collection, query, SHARED_COST_ORDER, cursor, limit, shared_cost_view)


@router.get(
    "/entities/{entity_id}/shared-costs/{shared_cost_id}",
    response_model=SharedCostRead,
    response_model_exclude_unset=True,
)
async def get_shared_cost(
    request: Request, principal: FinancePrincipal, entity_id: EntityId, shared_cost_id: SharedCostId
) -> dict[str, Any]:
    await entity_for(request, principal, entity_id)
    stored = await runtime_of(request).db[SHARED_COSTS].find_one({"_id": f"{entity_id}|{shared_cost_id}"})
    if stored is None:
        raise Problem(404, "not-found", "Unknown shared cost", shared_cost_id)
    return shared_cost_view(stored)
