"""Public Dutch pages of the consortia (samenwerkingsverbanden) of providers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from catalogue.store import CatalogueStore
from llo_shared.pages import PagePrincipal, Pages

MAX_LISTED = 200  # a region has a handful; the page lists them all without paging


def consortia_router(pages: Pages) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def store(request: Request) -> CatalogueStore:
        return request.app.state.catalogue_store

    async def with_members(s: CatalogueStore, consortium: dict[str, Any]) -> dict[str, Any]:
        return consortium | {"member_details": await s.member_details(consortium)}

    @router.get("/catalogue/consortia", response_class=HTMLResponse)
    async def consortia_page(request: Request, principal: PagePrincipal) -> HTMLResponse:
        s = store(request)
        listed = await s.consortia({}, None, MAX_LISTED)
        items, total = listed["items"], listed["total"]
        return pages.render(
            request,
            "consortia.html",
            principal,
            title="Samenwerkingsverbanden van opleiders",
            consortia=[await with_members(s, c) for c in items[:MAX_LISTED]],
            total=total,
        )

    @router.get("/catalogue/consortia/{consortium_id}", response_class=HTMLResponse)
    async def consortium_page(consortium_id: str, request: Request, principal: PagePrincipal) -> HTMLResponse:
        s = store(request)
        consortium = await s.consortium(consortium_id)
        if consortium is None:
            return pages.render(
                request,
                "not_found.html",
                principal,
                status_code=404,
                title="Niet gevonden",
                message="Dit samenwerkingsverband bestaat niet.",
            )
        return pages.render(
            request,
            "consortium.html",
            principal,
            title=consortium["name"],
            consortium=await with_members(s, consortium),
        )

    return router
