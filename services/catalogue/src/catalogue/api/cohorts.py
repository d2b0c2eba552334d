"""Cohorts (start moments), their status and the go/no-go decisions."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from catalogue.api.deps import (
    Cursor,
    Index,
    Limit,
    Store,
    Viewer,
    after_id,
    new_id,
    page,
    visible_offering,
    wake_relay,
)
from catalogue.api.offerings import ProviderParam, own_offering
from catalogue.api.reads import CohortRead, DecisionItemRead
from catalogue.domain import rules
from catalogue.domain.model import CohortCreate, CohortUpdate
from catalogue.domain.vocab import CohortStatus
from catalogue.search import SearchIndex
from catalogue.store import CatalogueStore, not_found, public_doc
from llo_shared.auth import Principal, require_roles
from llo_shared.problems import Problem
from llo_shared.reads import Page

router = APIRouter(tags=["cohorts"])
ProviderRole = Annotated[Principal, Depends(require_roles("provider"))]
Admin = Annotated[Principal, Depends(require_roles("admin"))]
PRIVATE_FIELDS = ("enrolments", "enrolment_ids", "surcharge_acceptances", "surcharge_parts_now")


def cohort_view(doc: dict[str, Any], owner_view: bool) -> dict[str, Any]:
    """Seat holders and payers are the provider's business; the public sees counts."""
    out = public_doc(doc)
    if not owner_view:
        for key in PRIVATE_FIELDS:
            out.pop(key, None)
    else:
        out["surcharge_parts_now"] = rules.surcharge_now(doc)  # in the order of decision.surcharge.payers
    out["start_guaranteed"] = rules.start_guaranteed(doc)
    return out


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
    items, total = await store.cohorts(query, after_id(cursor), limit)
    result = page(items, total, limit)
    result["items"] = [cohort_view(i, bool(viewer and viewer.owns(i["provider_id"]))) for i in items[:limit]]
    return result


@router.get("/cohorts/{cohort_id}", response_model=CohortRead, response_model_exclude_unset=True)
async def get_cohort(cohort_id: str, store: Store, viewer: Viewer) -> dict[str, Any]:
    cohort = await store.cohort(cohort_id)
    if cohort is None:
        raise not_found("Cohort", cohort_id)
    await visible_offering(store, viewer, cohort["offering_id"])
    return cohort_view(cohort, bool(viewer and viewer.owns(cohort["provider_id"])))


@router.post("/cohorts", status_code=201, response_model=CohortRead, response_model_exclude_unset=True)
async def schedule_cohort(
    body: CohortCreate, store: Store, index: Index, principal: ProviderRole, request: Request
) -> dict[str, Any]:
    offering = await own_offering(store, principal, body.offering_id)
    doc = await store.schedule_cohort(offering, body, body.cohort_id or new_id("coh", offering["_id"][:20]))
    index.upsert_cohort(doc)
    wake_relay(request)
    return cohort_view(doc, True)


async def own_cohort(store: CatalogueStore, principal: Principal, cohort_id: str) -> dict[str, Any]:
    cohort = await store.cohort(cohort_id)
    if cohort is None:
        raise not_found("Cohort", cohort_id)
    if not principal.owns(cohort["provider_id"]):
        raise Problem(
            403, "forbidden", "Not your organisation", "the token's organisation does not own this cohort"
        )
    return cohort


@router.put("/cohorts/{cohort_id}", response_model=CohortRead, response_model_exclude_unset=True)
async def update_cohort(
    cohort_id: str, body: CohortUpdate, store: Store, index: Index, principal: ProviderRole, request: Request
) -> dict[str, Any]:
    current = await own_cohort(store, principal, cohort_id)
    offering = await store.offering_of(current)
    doc = await store.update_cohort(current, offering, body, body.version)
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
    current = await own_cohort(store, principal, cohort_id)
    if body.status == "cancelled":
        doc = await store.call_off(current, decided_by=principal.subject, reason=body.reason)
    else:
        doc = await store.set_status(current, CohortStatus(body.status))
    index.upsert_cohort(doc)
    wake_relay(request)
    return cohort_view(doc, True)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: rules.Decision
    merge_into: str | None = Field(default=None, max_length=60)
    reason: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def merge_names_a_target(self) -> DecisionIn:
        if (self.decision == rules.Decision.merge) != (self.merge_into is not None):
            raise ValueError("merge_into: give a target cohort exactly when the decision is merge")
        return self


@router.post("/cohorts/{cohort_id}/decision", response_model=CohortRead, response_model_exclude_unset=True)
async def decide(
    cohort_id: str, body: DecisionIn, store: Store, index: Index, principal: ProviderRole, request: Request
) -> dict[str, Any]:
    doc = await take_decision(store, index, principal, cohort_id, body)
    wake_relay(request)
    return cohort_view(doc, True)


async def take_decision(
    store: CatalogueStore, index: SearchIndex, principal: Principal, cohort_id: str, body: DecisionIn
) -> dict[str, Any]:
    """The go/no-go decision on one of the provider's cohorts (the API and the provider's page)."""
    cohort = await own_cohort(store, principal, cohort_id)
    target = None
    if body.decision == rules.Decision.merge:
        target = await store.cohort(body.merge_into or "")
        if target is None or not principal.owns(target["provider_id"]):
            raise Problem(
                422,
                "validation",
                "Invalid input",
                "merge_into: not one of your cohorts",
                errors=[{"field": "merge_into", "message": "unknown cohort"}],
            )
    doc = await store.decide(
        cohort, body.decision, decided_by=principal.subject, merge_into=target, reason=body.reason
    )
    index.upsert_cohort(doc)
    if target is not None and (merged_into := await store.cohort(target["_id"])) is not None:
        index.upsert_cohort(merged_into)
    return doc


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
    items, total = await store.cohorts(pending_query(store, target, within_days), after_id(cursor), limit)
    result = page(items, total, limit)
    result["items"] = [decision_view(i) for i in items[:limit]]
    return result


def pending_query(store: CatalogueStore, provider_id: str, within_days: int = 30) -> dict[str, Any]:
    """The go/no-go work list: planned cohorts decided within `within_days` from today, or overdue."""
    horizon = (store.today() + timedelta(days=within_days)).isoformat()
    return {"provider_id": provider_id, "status": "planned", "decision_date": {"$lte": horizon}}


def decision_view(cohort: dict[str, Any]) -> dict[str, Any]:
    view = cohort_view(cohort, True)
    view["below_break_even"] = cohort["seats_taken"] < cohort["break_even"]
    view["seats_missing"] = rules.empty_seats(cohort)
    view["surcharge_total_cents"] = rules.surcharge_total_cents(cohort)
    view["surcharge_possible"] = rules.surcharge_problem(cohort) is None
    return view


@router.post("/decisions/sweep", response_model=dict[str, int])
async def sweep(store: Store, index: Index, _: Admin, request: Request) -> dict[str, int]:
    """Run the decision-date sweep now (it also runs periodically)."""
    counts = await store.sweep_decisions()
    await index.refresh(store)
    wake_relay(request)
    return counts
