"""Providers and consortia."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from catalogue.api.deps import Cursor, Limit, Store, after_id, page, wake_relay
from catalogue.domain.model import ConsortiumCreate, ProviderCreate
from catalogue.domain.vocab import ProviderKind
from catalogue.store import not_found, public_doc
from llo_shared.auth import Principal, require_org, require_roles

router = APIRouter(tags=["providers"])
ProviderOrAdmin = Annotated[Principal, Depends(require_roles("provider"))]


@router.get("/providers")
async def list_providers(
    store: Store,
    limit: Limit = 50,
    cursor: Cursor = None,
    region: Annotated[str | None, Query(pattern=r"^[a-z_]{2,40}$")] = None,
    kind: ProviderKind | None = None,
    funded: bool | None = None,
) -> dict[str, Any]:
    query: dict[str, Any] = {}
    if region:
        query["regions"] = region
    if kind:
        query["kind"] = kind.value
    if funded is not None:
        query["funded"] = funded
    items, total = await store.providers(query, after_id(cursor), limit)
    return page(items, total, limit)


@router.get("/providers/{provider_id}")
async def get_provider(provider_id: str, store: Store) -> dict[str, Any]:
    provider = await store.provider(provider_id)
    if provider is None:
        raise not_found("Provider", provider_id)
    return public_doc(provider)


@router.post("/providers", status_code=201)
async def register_provider(
    body: ProviderCreate, store: Store, principal: ProviderOrAdmin, request: Request
) -> dict[str, Any]:
    require_org(principal, body.provider_id)  # a provider registers itself; admin registers anyone
    doc = await store.register_provider(body)
    wake_relay(request)
    return public_doc(doc)


@router.get("/consortia")
async def list_consortia(
    store: Store,
    limit: Limit = 50,
    cursor: Cursor = None,
    member: Annotated[str | None, Query(max_length=20)] = None,
) -> dict[str, Any]:
    items, total = await store.consortia({"members": member} if member else {}, after_id(cursor), limit)
    return page(items, total, limit)


@router.post("/consortia", status_code=201)
async def create_consortium(
    body: ConsortiumCreate, store: Store, principal: ProviderOrAdmin
) -> dict[str, Any]:
    if principal.role != "admin" and principal.org not in body.members:
        require_org(principal, body.members[0])  # only a member forms a consortium
    return public_doc(await store.create_consortium(body))
