"""Reports: ledgers, receivables ageing, cohort allocation, overrides; JSON or CSV."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from fastapi import APIRouter, Request, Response

from billing.api.deps import JSON_OR_CSV, EntityId, FinancePrincipal, entity_for, runtime_of, today
from billing.api.reads import (
    AgeingRowRead,
    AllocationRowRead,
    CohortAllocationRead,
    LedgerRead,
    OverrideRowRead,
)
from billing.store import COHORTS
from billing.usecases.reports import (
    ageing,
    cohort_allocation,
    entity_documents,
    ledger_summary,
    price_overrides,
    to_csv,
)
from llo_shared.problems import Problem
from llo_shared.reads import Page

router = APIRouter(tags=["reports"])
Format = Literal["json", "csv"]


def answer(rows: Sequence[Mapping[str, Any]], format: Format, name: str) -> Any:
    if format == "csv":
        return Response(
            to_csv(rows),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return {"items": rows, "total": len(rows), "next": None}


# The report routes below each declare one route over one report use case: `duplicates` pairs their
# signatures (boilerplate, no logic).
@router.get(
    "/entities/{entity_id}/reports/ledgers",
    response_model=Page[LedgerRead],
    response_model_exclude_unset=True,
    responses=JSON_OR_CSV,
)
async def ledgers_report(
    request: Request, principal: FinancePrincipal, entity_id: EntityId, format: Format = "json"
) -> Any:
    await entity_for(request, principal, entity_id)
    rows = ledger_summary(await entity_documents(runtime_of(request).db, entity_id), today())
    return answer(rows, format, f"grootboeken-{entity_id}")


@router.get(
    "/entities/{entity_id}/reports/ageing",
    response_model=Page[AgeingRowRead],
    response_model_exclude_unset=True,
    responses=JSON_OR_CSV,
)
async def ageing_report(
    request: Request, principal: FinancePrincipal, entity_id: EntityId, format: Format = "json"
) -> Any:
    await entity_for(request, principal, entity_id)
    rows = ageing(await entity_documents(runtime_of(request).db, entity_id), today())
    return answer(rows, format, f"ouderdom-{entity_id}")


def allocation_row(report: dict[str, Any]) -> dict[str, Any]:
    allocation = report.get("allocation") or {}
    return {
        "cohort_id": report["cohort_id"],
        "offering_id": report["offering_id"],
        "status": report["status"],
        "funded_seats": report["funded_seats"],
        "private_seats": report["private_seats"],
        "shared_costs_cents": allocation.get("shared_costs_cents"),
        "publiek_cents": allocation.get("publiek_cents"),
        "privaat_cents": allocation.get("privaat_cents"),
        "integral_cost_per_seat_cents": report["integral_cost_per_seat_cents"],
        "private_seat_revenue_cents": report["private_seat_revenue_cents"],
        "surcharge_revenue_cents": report["surcharge_revenue_cents"],
        "seats_below_integral_cost": len(report["seats_below_integral_cost"]),
        "private_covers_integral_cost": report["private_covers_integral_cost"],
        "override": bool(report["override"]),
    }


@router.get(
    "/entities/{entity_id}/reports/cohort-allocation",
    response_model=Page[AllocationRowRead],
    response_model_exclude_unset=True,
    responses=JSON_OR_CSV,
)
async def allocation_report(
    request: Request, principal: FinancePrincipal, entity_id: EntityId, format: Format = "json"
) -> Any:
    await entity_for(request, principal, entity_id)
    db = runtime_of(request).db
    cohorts = await db[COHORTS].find({"provider_id": entity_id}, {"_id": 1}).sort("_id", 1).to_list(None)
    rows = []
    for cohort in cohorts:
        report = await cohort_allocation(db, entity_id, cohort["_id"])
        if report:
            rows.append(allocation_row(report))
    return answer(rows, format, f"toerekening-{entity_id}")


@router.get(
    "/entities/{entity_id}/reports/cohort-allocation/{cohort_id}",
    response_model=CohortAllocationRead,
    response_model_exclude_unset=True,
)
async def cohort_allocation_detail(
    request: Request, principal: FinancePrincipal, entity_id: EntityId, cohort_id: str
) -> dict[str, Any]:
    await entity_for(request, principal, entity_id)
    report = await cohort_allocation(runtime_of(request).db, entity_id, cohort_id)
    if report is None:
        raise Problem(404, "not-found", "Unknown cohort", cohort_id)
    return report


@router.get(
    "/entities/{entity_id}/reports/overrides",
    response_model=Page[OverrideRowRead],
    response_model_exclude_unset=True,
    responses=JSON_OR_CSV,
)
async def overrides_report(
    request: Request, principal: FinancePrincipal, entity_id: EntityId, format: Format = "json"
) -> Any:
    await entity_for(request, principal, entity_id)
    rows = await price_overrides(runtime_of(request).db, entity_id)
    return answer(rows, format, f"afwijkingen-{entity_id}")
