"""Offerings: a provider publishes, updates and withdraws only its own."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from catalogue import usecases
from catalogue.api.deps import (
    Cursor,
    Index,
    Limit,
    Store,
    Viewer,
    page,
    public_doc,
    visible_offering,
    wake_relay,
)
from catalogue.api.reads import OfferingRead
from catalogue.documents import new_id
from catalogue.domain.model import OfferingCreate, OfferingUpdate
from catalogue.domain.vocab import OfferingStatus
from catalogue.store import CatalogueStore
from llo_shared.auth import Principal, require_org, require_roles
from llo_shared.problems import Problem
from llo_shared.reads import Page

router = APIRouter(tags=["offerings"])
ProviderRole = Annotated[Principal, Depends(require_roles("provider"))]
ProviderParam = Annotated[str | None, Query(max_length=20, pattern=r"^[A-Z]{2,5}-[A-Z0-9]{2,12}$")]


async def acting_provider(
    store: CatalogueStore, principal: Principal, provider_id: str | None
) -> dict[str, Any]:
    """The provider a write acts for: the token's own organisation (admin may name one)."""
    target = provider_id or principal.org
    require_org(principal, target)
    provider = await store.provider(target)
    if provider is None:
        raise Problem(
            422,
            "validation",
            "Invalid input",
            f"provider_id: {target} is not a registered provider",
            errors=[{"field": "provider_id", "message": "not a registered provider"}],
        )
    return provider


@router.get("/offerings", response_model=Page[OfferingRead], response_model_exclude_unset=True)
async def list_offerings(
    store: Store,
    viewer: Viewer,
    limit: Limit = 50,
    cursor: Cursor = None,
    provider_id: ProviderParam = None,
    status: OfferingStatus = OfferingStatus.published,
) -> dict[str, Any]:
    query: dict[str, Any] = {"status": status.value}
    if provider_id:
        query["provider_id"] = provider_id
    if viewer is None:
        query["visibility"] = "public"
    elif viewer.role != "admin":
        query["$or"] = [{"visibility": "public"}, {"visible_to": viewer.org}, {"provider_id": viewer.org}]
    if status == OfferingStatus.withdrawn and not (
        viewer and (viewer.role == "admin" or viewer.org == provider_id)
    ):
        raise Problem(
            403, "forbidden", "Not allowed", "withdrawn offerings are listed for their provider only"
        )
    return page(await store.offerings(query, cursor, limit))


@router.get("/offerings/{offering_id}", response_model=OfferingRead, response_model_exclude_unset=True)
async def get_offering(offering_id: str, store: Store, viewer: Viewer) -> dict[str, Any]:
    return public_doc(await visible_offering(store, viewer, offering_id))


@router.post("/offerings", status_code=201, response_model=OfferingRead, response_model_exclude_unset=True)
async def publish_offering(
    body: OfferingCreate,
    store: Store,
    index: Index,
    principal: ProviderRole,
    request: Request,
    provider_id: ProviderParam = None,
) -> dict[str, Any]:
    provider = await acting_provider(store, principal, provider_id)
    doc = await usecases.publish_offering(
        store, provider, body, body.offering_id or new_id("off", body.title)
    )
    index.upsert_offering(doc)
    wake_relay(request)
    return public_doc(doc)


async def own_offering(store: CatalogueStore, principal: Principal, offering_id: str) -> dict[str, Any]:
    offering = await store.offering(offering_id)
    if offering is None:
        raise Problem(404, "not-found", "Offering not found", f"no offering {offering_id}")
    require_org(principal, offering["provider_id"])
    return offering


@router.put("/offerings/{offering_id}", response_model=OfferingRead, response_model_exclude_unset=True)
async def update_offering(
    offering_id: str,
    body: OfferingUpdate,
    store: Store,
    index: Index,
    principal: ProviderRole,
    request: Request,
) -> dict[str, Any]:
    current = await own_offering(store, principal, offering_id)
    provider = await store.provider_of(current)
    doc = await usecases.update_offering(store, current, provider, body, body.version)
    index.upsert_offering(doc)
    wake_relay(request)
    return public_doc(doc)


@router.post(
    "/offerings/{offering_id}/withdraw", response_model=OfferingRead, response_model_exclude_unset=True
)
async def withdraw_offering(
    offering_id: str, store: Store, index: Index, principal: ProviderRole, request: Request
) -> dict[str, Any]:
    current = await own_offering(store, principal, offering_id)
    doc = await usecases.withdraw_offering(store, current)
    index.upsert_offering(doc)
    wake_relay(request)
    return public_doc(doc)
