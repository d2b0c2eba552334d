"""Cohorts (start moments), their status and the go/no-go decisions."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from catalogue import usecases
from catalogue.api.deps import (
    Cursor,
    Index,
    Limit,
    Store,
    Viewer,
    not_found,
    page,
    visible_offering,
    wake_relay,
)
from catalogue.api.offerings import ProviderParam, ProviderRole, own_offering
from catalogue.api.reads import CohortRead, DecisionItemRead
from catalogue.documents import new_id
from catalogue.domain.model import CohortCreate, CohortUpdate, DecisionIn
from catalogue.domain.vocab import CohortStatus
from catalogue.views import cohort_view, decision_view
from llo_shared.auth import Principal, require_roles
from llo_shared.problems import Problem
from llo_shared.reads import Page

router = APIRouter(tags=["cohorts"])
Admin = Annotated[Principal, Depends(require_roles("admin"))]


@router.get("/cohorts", response_model=Page[CohortRead], response_model_exclude_unset=True)
async def list_cohorts(
    store: Store,
    viewer: Viewer,
    limit: Limit = 50,
    cursor: Cursor = None,
    offering_id: Annotated[str | None, Query(max_length=60)] = None,
    provider_id: ProviderParam = None,
    status: CohortStatus | None = None,
) -> dict[str, Any]:
    query: dict[str, Any] = {}
    if offering_id:
        await visible_offering(store, viewer, offering_id)
        query["offering_id"] = offering_id
    if provider_id:
        query["provider_id"] = provider_id
    if status:
        query["status"] = status.value
    if viewer is None:
        query["visibility"] = "public"
    elif viewer.role != "admin":
        query["$or"] = [{"visibility": "public"}, {"visible_to": viewer.org}, {"provider_id": viewer.org}]
    answer = await store.cohorts(query, cursor, limit)
    return page(answer, lambda doc: cohort_view(doc, bool(viewer and viewer.owns(doc["provider_id"]))))


@router.get("/cohorts/{cohort_id}", response_model=CohortRead, response_model_exclude_unset=True)
async def get_cohort(cohort_id: str, store: Store, viewer: Viewer) -> dict[str, Any]:
    cohort = await store.cohort_document(cohort_id)
    if cohort is None:
        raise not_found("Cohort", cohort_id)
    await visible_offering(store, viewer, cohort["offering_id"])
    if not (viewer and viewer.owns(cohort["provider_id"])):
        return cohort_view(cohort, False)
    return cohort_view(await store.with_holders(cohort), True)  # its provider sees who holds a seat


@router.post("/cohorts", status_code=201, response_model=CohortRead, response_model_exclude_unset=True)
async def schedule_cohort(
    body: CohortCreate, store: Store, index: Index, principal: ProviderRole, request: Request
) -> dict[str, Any]:
    offering = await own_offering(store, principal, body.offering_id)
    doc = await usecases.schedule_cohort(
        store, offering, body, body.cohort_id or new_id("coh", offering["_id"][:20])
    )
    index.upsert_cohort(doc)
    wake_relay(request)
    return cohort_view(doc, True)


@router.put("/cohorts/{cohort_id}", response_model=CohortRead, response_model_exclude_unset=True)
async def update_cohort(
    cohort_id: str, body: CohortUpdate, store: Store, index: Index, principal: ProviderRole, request: Request
) -> dict[str, Any]:
    current = await usecases.own_cohort(store, principal, cohort_id)
    offering = await store.offering_of(current)
    doc = await usecases.update_cohort(store, current, offering, body, body.version)
    index.upsert_cohort(doc)
    wake_relay(request)
    return cohort_view(doc, True)


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["running", "completed", "cancelled"]
    reason: str | None = Field(
        default=None, max_length=200, description="why a confirmed cohort is called off"
    )


@router.post("/cohorts/{cohort_id}/status", response_model=CohortRead, response_model_exclude_unset=True)
async def change_status(
    cohort_id: str, body: StatusChange, store: Store, index: Index, principal: ProviderRole, request: Request
) -> dict[str, Any]:
    current = await usecases.own_cohort(store, principal, cohort_id)
    if body.status == "cancelled":
        doc = await usecases.call_off(store, current, decided_by=principal.subject, reason=body.reason)
    else:
        doc = await usecases.set_status(store, current, CohortStatus(body.status))
    index.upsert_cohort(doc)
    wake_relay(request)
    return cohort_view(doc, True)


@router.post("/cohorts/{cohort_id}/decision", response_model=CohortRead, response_model_exclude_unset=True)
async def decide(
    cohort_id: str, body: DecisionIn, store: Store, index: Index, principal: ProviderRole, request: Request
) -> dict[str, Any]:
    """The go/no-go decision (`usecases.take_decision`, the use case the go/no-go page calls too)."""
    doc = await usecases.take_decision(store, index, principal, cohort_id, body)
    wake_relay(request)
    return cohort_view(doc, True)


@router.get("/decisions", response_model=Page[DecisionItemRead], response_model_exclude_unset=True)
async def pending_decisions(
    store: Store,
    principal: ProviderRole,
    limit: Limit = 50,
    cursor: Cursor = None,
    provider_id: ProviderParam = None,
    within_days: Annotated[int, Query(ge=0, le=365)] = 30,
) -> dict[str, Any]:
    """Planned cohorts whose decision date is within `within_days` (or past): the go/no-go work list."""
    target = provider_id or principal.org
    if not principal.owns(target):
        raise Problem(403, "forbidden", "Not your organisation", "decisions are listed for your own cohorts")
    return page(await usecases.work_list(store, target, within_days, cursor, limit), decision_view)


@router.post("/decisions/sweep", response_model=dict[str, int])
async def sweep(_: Admin, request: Request) -> dict[str, int]:
    """Run the decision-date sweep now (it also runs periodically: the app's DecisionSweeper)."""
    counts: dict[str, int] = await request.app.state.sweeper.run_once(request.app.state.runtime)
    return counts
