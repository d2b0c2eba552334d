"""Group proposals, the decisions on them (placements), surcharge acceptances, region fill."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from matching.api.common import Cursor, Limit, MobilityTeam, Reader, UseCases, listing
from matching.api.reads import (
    PlacementPage,
    PlacementRead,
    PoolingRunRead,
    ProposalPage,
    ProposalRead,
    RegionFillPage,
    SurchargeAcceptancePage,
    SurchargeAcceptanceRead,
)
from matching.documents import proposal_view, proposal_visible
from matching.schemas import PoolingRun, ProposalDecision, Region, SurchargeAcceptanceCreate
from matching.store import PLACEMENTS, PROPOSALS, SURCHARGES

router = APIRouter(tags=["proposals"])


@router.post(
    "/group-proposals/runs", status_code=201, response_model=PoolingRunRead, response_model_exclude_unset=True
)
async def run_pooling(body: PoolingRun, principal: MobilityTeam, uc: UseCases) -> dict[str, Any]:
    """Pool the region's open demands and consenting candidates into cohorts (CP-SAT)."""
    return await uc.run_pooling(principal, body.region)


@router.get("/group-proposals", response_model=ProposalPage, response_model_exclude_unset=True)
async def list_proposals(
    principal: Reader,
    uc: UseCases,
    region: Annotated[Region | None, Query()] = None,
    status: Annotated[Literal["open", "superseded"] | None, Query()] = "open",
    limit: Limit = 20,
    cursor: Cursor = None,
) -> dict[str, Any]:
    query: dict[str, Any] = {}
    if principal.role == "rmt":
        query["region"] = principal.region or "-"
    elif principal.role == "employer":
        query["demand_orgs"] = principal.org
    if region:
        query.setdefault("region", region)
        if query["region"] != region:
            return listing([], 0, None)
    if status:
        query["status"] = status
    page = await uc.store.page(PROPOSALS, query, cursor, limit)
    return page | {
        "items": [proposal_view(principal, d) for d in page["items"] if proposal_visible(principal, d)]
    }


@router.get("/group-proposals/{proposal_id}", response_model=ProposalRead, response_model_exclude_unset=True)
async def get_proposal(proposal_id: str, principal: Reader, uc: UseCases) -> dict[str, Any]:
    return proposal_view(principal, await uc.visible_proposal(principal, proposal_id))


# Accept and reject are two declared routes over the one use case `decide` (boilerplate for `duplicates`,
# as the routes of candidates.py and demands.py that share the shape of their decorators).
@router.post(
    "/group-proposals/{proposal_id}/accept",
    status_code=201,
    response_model=PlacementRead,
    response_model_exclude_unset=True,
)
async def accept_proposal(
    proposal_id: str, body: ProposalDecision, principal: Reader, uc: UseCases
) -> dict[str, Any]:
    """Accept for one member: the commissioner for its demand, the team with the candidate."""
    return placement_view(await uc.decide(principal, proposal_id, body, accept=True))


@router.post(
    "/group-proposals/{proposal_id}/reject",
    status_code=201,
    response_model=PlacementRead,
    response_model_exclude_unset=True,
)
async def reject_proposal(
    proposal_id: str, body: ProposalDecision, principal: Reader, uc: UseCases
) -> dict[str, Any]:
    return placement_view(await uc.decide(principal, proposal_id, body, accept=False))


@router.get("/placements", response_model=PlacementPage, response_model_exclude_unset=True)
async def list_placements(
    principal: Reader,
    uc: UseCases,
    status: Annotated[Literal["accepted", "rejected"] | None, Query()] = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> dict[str, Any]:
    query: dict[str, Any] = {}
    if principal.role == "employer":
        query["commissioner_org"] = principal.org
    elif principal.role == "rmt":
        query["region"] = principal.region or "-"
    if status:
        query["status"] = status
    return await uc.store.page(PLACEMENTS, query, cursor, limit, placement_view)


@router.post(
    "/surcharge-acceptances",
    status_code=201,
    response_model=SurchargeAcceptanceRead,
    response_model_exclude_unset=True,
)
async def accept_surcharge(
    body: SurchargeAcceptanceCreate, principal: Reader, uc: UseCases
) -> dict[str, Any]:
    """The commissioner agrees to pay the empty-seat surcharge, up to the amount it was shown."""
    doc = await uc.accept_surcharge(principal, body.proposal_id, body.demand_id, body.cap_cents)
    return surcharge_view(doc)


@router.get(
    "/surcharge-acceptances", response_model=SurchargeAcceptancePage, response_model_exclude_unset=True
)
async def list_surcharges(
    principal: Reader, uc: UseCases, limit: Limit = 20, cursor: Cursor = None
) -> dict[str, Any]:
    query = {} if principal.role == "admin" else {"commissioner_org": principal.org}
    return await uc.store.page(SURCHARGES, query, cursor, limit, surcharge_view)


@router.get("/regions/{region}/fill", response_model=RegionFillPage, response_model_exclude_unset=True)
async def region_fill(region: Region, principal: MobilityTeam, uc: UseCases) -> dict[str, Any]:
    """Cohorts of the region and how far each is from break-even, with what would tip it."""
    items = await uc.region_fill(principal, region)
    return listing(items, len(items), None)


def placement_view(doc: dict[str, Any]) -> dict[str, Any]:
    return {"placement_id": doc["_id"], **{k: v for k, v in doc.items() if k != "_id"}}


def surcharge_view(doc: dict[str, Any]) -> dict[str, Any]:
    return {"acceptance_id": doc["_id"], **{k: v for k, v in doc.items() if k != "_id"}}
