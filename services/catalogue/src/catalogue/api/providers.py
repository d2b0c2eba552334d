"""Providers and consortia."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from catalogue import usecases
from catalogue.api.deps import Cursor, Limit, Store, not_found, page, public_doc, wake_relay
from catalogue.api.reads import ConsortiumRead, ProviderRead
from catalogue.domain.model import ORG_ID, ConsortiumCreate, ConsortiumMemberAdd, ProviderCreate
from catalogue.domain.vocab import ProviderKind
from catalogue.store import CatalogueStore
from llo_shared.auth import Principal, require_org, require_roles
from llo_shared.problems import Problem
from llo_shared.reads import Page

router = APIRouter(tags=["providers"])
ProviderOrAdmin = Annotated[Principal, Depends(require_roles("provider"))]


@router.get("/providers", response_model=Page[ProviderRead], response_model_exclude_unset=True)
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
    return page(await store.providers(query, cursor, limit))


@router.get("/providers/{provider_id}", response_model=ProviderRead, response_model_exclude_unset=True)
async def get_provider(provider_id: str, store: Store) -> dict[str, Any]:
    provider = await store.provider(provider_id)
    if provider is None:
        raise not_found("Provider", provider_id)
    return public_doc(provider)


@router.post("/providers", status_code=201, response_model=ProviderRead, response_model_exclude_unset=True)
async def register_provider(
    body: ProviderCreate, store: Store, principal: ProviderOrAdmin, request: Request
) -> dict[str, Any]:
    require_org(principal, body.provider_id)  # a provider registers itself; admin registers anyone
    doc = await usecases.register_provider(store, body)
    wake_relay(request)
    return public_doc(doc)


async def consortium_view(store: CatalogueStore, doc: dict[str, Any]) -> dict[str, Any]:
    return public_doc(doc) | {"consortium_id": doc["_id"], "member_details": await store.member_details(doc)}


@router.get("/consortia", response_model=Page[ConsortiumRead], response_model_exclude_unset=True)
async def list_consortia(
    store: Store,
    limit: Limit = 50,
    cursor: Cursor = None,
    member: Annotated[str | None, Query(max_length=20, pattern=ORG_ID)] = None,
    flex_partnership: bool | None = None,
) -> dict[str, Any]:
    query: dict[str, Any] = {}
    if member:
        query["members"] = member
    if flex_partnership is not None:
        query["flex_partnership"] = flex_partnership
    return page(await store.consortia(query, cursor, limit))


@router.get("/consortia/{consortium_id}", response_model=ConsortiumRead, response_model_exclude_unset=True)
async def get_consortium(consortium_id: str, store: Store) -> dict[str, Any]:
    return await consortium_view(store, await existing_consortium(store, consortium_id))


@router.post("/consortia", status_code=201, response_model=ConsortiumRead, response_model_exclude_unset=True)
async def create_consortium(
    body: ConsortiumCreate, store: Store, principal: ProviderOrAdmin, request: Request
) -> dict[str, Any]:
    if principal.role != "admin" and principal.org not in body.members:
        raise not_a_member()  # a provider forms consortia it is part of
    doc = await usecases.create_consortium(store, body)
    wake_relay(request)
    return await consortium_view(store, doc)


@router.post(
    "/consortia/{consortium_id}/members", response_model=ConsortiumRead, response_model_exclude_unset=True
)
async def add_member(
    consortium_id: str,
    body: ConsortiumMemberAdd,
    store: Store,
    principal: ProviderOrAdmin,
    request: Request,
) -> dict[str, Any]:
    current = await member_consortium(store, principal, consortium_id)
    doc = await usecases.change_consortium_members(store, current, add=body.provider_id)
    wake_relay(request)
    return await consortium_view(store, doc)


@router.delete(
    "/consortia/{consortium_id}/members/{provider_id}",
    response_model=ConsortiumRead,
    response_model_exclude_unset=True,
)
async def remove_member(
    consortium_id: str, provider_id: str, store: Store, principal: ProviderOrAdmin, request: Request
) -> dict[str, Any]:
    current = await member_consortium(store, principal, consortium_id)
    doc = await usecases.change_consortium_members(store, current, remove=provider_id)
    wake_relay(request)
    return await consortium_view(store, doc)


async def existing_consortium(store: CatalogueStore, consortium_id: str) -> dict[str, Any]:
    consortium = await store.consortium(consortium_id)
    if consortium is None:
        raise not_found("Consortium", consortium_id)
    return consortium


async def member_consortium(
    store: CatalogueStore, principal: Principal, consortium_id: str
) -> dict[str, Any]:
    """Only a current member (or admin) changes a consortium's membership."""
    consortium = await existing_consortium(store, consortium_id)
    if principal.role != "admin" and principal.org not in consortium["members"]:
        raise not_a_member()
    return consortium


def not_a_member() -> Problem:
    return Problem(
        403,
        "forbidden",
        "Not your organisation",
        "the token's organisation is not a member of this consortium",
    )
