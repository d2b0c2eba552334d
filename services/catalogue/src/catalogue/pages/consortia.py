"""Public Dutch pages of the consortia (samenwerkingsverbanden) of providers."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from catalogue.documents import Document
from catalogue.pages.deps import PageVisit
from catalogue.store import CatalogueStore

router = APIRouter(include_in_schema=False)
MAX_LISTED = 200  # a region has a handful; the page lists them all without paging


async def with_members(store: CatalogueStore, consortium: Document) -> Document:
    return consortium | {"member_details": await store.member_details(consortium)}


@router.get("/catalogue/consortia", response_class=HTMLResponse)
async def consortia_page(visit: PageVisit) -> HTMLResponse:
    listed = await visit.store.consortia({}, None, MAX_LISTED)
    return visit.render(
        "consortia.html",
        title="Samenwerkingsverbanden van opleiders",
        consortia=[await with_members(visit.store, c) for c in listed["items"][:MAX_LISTED]],
        total=listed["total"],
    )


@router.get("/catalogue/consortia/{consortium_id}", response_class=HTMLResponse)
async def consortium_page(consortium_id: str, visit: PageVisit) -> HTMLResponse:
    consortium = await visit.store.consortium(consortium_id)
    if consortium is None:
        return visit.render(
            "not_found.html", 404, title="Niet gevonden", message="Dit samenwerkingsverband bestaat niet."
        )
    return visit.render(
        "consortium.html", title=consortium["name"], consortium=await with_members(visit.store, consortium)
    )
