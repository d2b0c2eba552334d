"""The files pages link to (PDF and UBL of a document, CSV of a report), under page paths: the
JSON API takes bearer tokens only, a browser has the session. Each route reads the page session,
holds it to the API's role rule and calls the API's own endpoint function, which checks the
organisation and makes the file: one rule, one place."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response

from billing.api.deps import DOCUMENT_READERS, FINANCE, DocumentNumber, EntityId
from billing.api.documents import download_pdf, download_ubl
from billing.api.reports import ageing_report, allocation_report, overrides_report
from llo_shared.auth import Principal
from llo_shared.pages import page_roles

PageFinance = Annotated[Principal, Depends(page_roles(*FINANCE))]
PageDocumentReader = Annotated[Principal, Depends(page_roles(*DOCUMENT_READERS))]


router = APIRouter(include_in_schema=False)


@router.get("/billing/documenten/{entity_id}/{number}/pdf")
async def document_pdf(
    request: Request, principal: PageDocumentReader, entity_id: EntityId, number: DocumentNumber
) -> Response:
    return await download_pdf(request, principal, entity_id, number)


@router.get("/billing/documenten/{entity_id}/{number}/ubl")
async def document_ubl(
    request: Request,
    principal: PageDocumentReader,
    entity_id: EntityId,
    number: DocumentNumber,
    customization: Literal["peppol", "nlcius"] = "peppol",
) -> Response:
    return await download_ubl(request, principal, entity_id, number, customization)


@router.get("/billing/rapporten/{entity_id}/ouderdom.csv")
async def ageing_csv(request: Request, principal: PageFinance, entity_id: EntityId) -> Any:
    return await ageing_report(request, principal, entity_id, "csv")


@router.get("/billing/rapporten/{entity_id}/toerekening.csv")
async def allocation_csv(request: Request, principal: PageFinance, entity_id: EntityId) -> Any:
    return await allocation_report(request, principal, entity_id, "csv")


@router.get("/billing/rapporten/{entity_id}/afwijkingen.csv")
async def overrides_csv(request: Request, principal: PageFinance, entity_id: EntityId) -> Any:
    return await overrides_report(request, principal, entity_id, "csv")
