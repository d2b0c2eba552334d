"""Invoices and credit notes: lists with filters, detail with traced lines, UBL and PDF,
manual billable items (extra begeleiding, licence fees) and manual credit notes."""

from __future__ import annotations

import uuid
from datetime import date
from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from billing.api.deps import (
    Cursor,
    DocumentNumber,
    DocumentReader,
    EntityId,
    FinancePrincipal,
    Limit,
    document_for,
    entity_for,
    file_answer,
    readable_document,
    runtime_of,
    today,
)
from billing.api.reads import DocumentRead
from billing.api.views import document_view
from billing.domain.invoices import (
    Party,
)
from billing.domain.ledgers import Ledger
from billing.domain.naming import UNNAMED_TRAINING
from billing.domain.text import PLAIN_TEXT
from billing.einvoice.pdf import Training, render_pdf
from billing.einvoice.ubl import (
    NLCIUS_CUSTOMIZATION,
    PEPPOL_CUSTOMIZATION,
    IncompleteParty,
    Seller,
    build,
)
from billing.store import COHORTS, DOCUMENTS, OFFERINGS, PAYERS
from billing.usecases.issuing import document_of
from billing.usecases.manual_documents import credit_manually, issue_manual_invoice
from llo_shared.paging import deterministic, page_of, store_page
from llo_shared.problems import Problem
from llo_shared.reads import Page

router = APIRouter(tags=["invoices"])
Status = Literal["open", "partly_paid", "paid", "overdue", "overpaid", "credited", "issued"]


# Newest first; the number orders documents of one day (llo_shared.paging adds `_id` for ties).
DOCUMENT_ORDER = [("issue_date", -1), ("number", -1)]


def documents_query(
    entity_id: str, kind: str, ledger: Ledger | None, cohort_id: str | None, payer_id: str | None
) -> dict[str, Any]:
    query: dict[str, Any] = {"entity_id": entity_id, "kind": kind}
    if ledger:
        query["ledger"] = ledger.value
    if cohort_id:
        query["cohort_id"] = cohort_id
    if payer_id:
        query["payer.payer_id"] = payer_id
    return query


async def list_documents(
    request: Request,
    entity_id: str,
    kind: str,
    ledger: Ledger | None,
    status: str | None,
    cohort_id: str | None,
    payer_id: str | None,
) -> list[dict[str, Any]]:
    """Every matching document's view, for a filter on the status (computed today, not stored)."""
    query = documents_query(entity_id, kind, ledger, cohort_id, payer_id)
    found = runtime_of(request).db[DOCUMENTS].find(query, {"outbox": 0}).sort(deterministic(DOCUMENT_ORDER))
    views = [document_view(d, today()) for d in await found.to_list(None)]
    return [v for v in views if status is None or v["status"] == status]


async def documents_page(
    request: Request, query: dict[str, Any], cursor: str | None, limit: int
) -> dict[str, Any]:
    """One page read from the store, in DOCUMENT_ORDER."""
    collection = runtime_of(request).db[DOCUMENTS]
    view = partial(document_view, today=today())
    return await store_page(collection, query, DOCUMENT_ORDER, cursor, limit, view, {"outbox": 0})


async def documents_listed(
    request: Request,
    entity_id: str,
    kind: str,
    cursor: str | None,
    limit: int,
    *,
    ledger: Ledger | None = None,
    status: str | None = None,
    cohort_id: str | None = None,
    payer_id: str | None = None,
) -> dict[str, Any]:
    """One page of documents, read from the store; filtered on the status (computed today, not
    stored), the views are filtered, then paged. The API's lists and the pages read through this."""
    if status is not None:
        items = await list_documents(request, entity_id, kind, ledger, status, cohort_id, payer_id)
        return page_of(items, cursor, limit)
    query = documents_query(entity_id, kind, ledger, cohort_id, payer_id)
    return await documents_page(request, query, cursor, limit)


Filter = Annotated[str | None, Query(min_length=1, max_length=100)]


# The invoice and credit-note lists are two declared routes over the one `documents_listed`
# (boilerplate for `duplicates`).
@router.get(
    "/entities/{entity_id}/invoices", response_model=Page[DocumentRead], response_model_exclude_unset=True
)
async def list_invoices(
    request: Request,
    principal: FinancePrincipal,
    entity_id: EntityId,
    ledger: Ledger | None = None,
    status: Status | None = None,
    cohort_id: Filter = None,
    payer_id: Filter = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    await entity_for(request, principal, entity_id)
    return await documents_listed(
        request,
        entity_id,
        "invoice",
        cursor,
        limit,
        ledger=ledger,
        status=status,
        cohort_id=cohort_id,
        payer_id=payer_id,
    )


@router.get(
    "/entities/{entity_id}/credit-notes", response_model=Page[DocumentRead], response_model_exclude_unset=True
)
async def list_credit_notes(
    request: Request,
    principal: FinancePrincipal,
    entity_id: EntityId,
    ledger: Ledger | None = None,
    cohort_id: Filter = None,
    payer_id: Filter = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    await entity_for(request, principal, entity_id)
    return await documents_listed(
        request,
        entity_id,
        "credit_note",
        cursor,
        limit,
        ledger=ledger,
        cohort_id=cohort_id,
        payer_id=payer_id,
    )


@router.get(
    "/entities/{entity_id}/documents/{number}", response_model=DocumentRead, response_model_exclude_unset=True
)
async def get_document(
    request: Request, principal: DocumentReader, entity_id: EntityId, number: DocumentNumber
) -> dict[str, Any]:
    _, stored = await readable_document(request, principal, entity_id, number)
    return document_view(stored, today())


async def completed_payer(db: Any, entity_id: str, stored: dict[str, Any]) -> Party:
    """The party on the document, completed with the master data finance keeps (address)."""
    party = stored["payer"]
    master = await db[PAYERS].find_one({"_id": f"{entity_id}|{party['payer_id']}"}) or {}
    merged = party | {k: v for k, v in master.items() if k in Party.model_fields and v and not party.get(k)}
    return Party.model_validate(merged)


@router.get(
    "/entities/{entity_id}/documents/{number}/ubl",
    response_class=Response,
    responses=file_answer("application/xml"),
)
async def download_ubl(
    request: Request,
    principal: DocumentReader,
    entity_id: EntityId,
    number: DocumentNumber,
    customization: Literal["peppol", "nlcius"] = "peppol",
) -> Response:
    entity, stored = await readable_document(request, principal, entity_id, number)
    try:
        xml = build(
            document_of(stored),
            Seller.of(entity),
            await completed_payer(runtime_of(request).db, entity_id, stored),
            NLCIUS_CUSTOMIZATION if customization == "nlcius" else PEPPOL_CUSTOMIZATION,
        )
    except IncompleteParty as missing:
        raise Problem(409, "incomplete-party", "Cannot make an e-invoice", str(missing)) from None
    return Response(
        xml,
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{number}.xml"'},
    )


async def training_of(db: Any, stored: dict[str, Any]) -> Training | None:
    """The training a document is for (offering title, cohort period), from the read models."""
    if not stored.get("cohort_id"):
        return None
    cohort = await db[COHORTS].find_one({"_id": stored["cohort_id"]}) or {}
    offering = await db[OFFERINGS].find_one({"_id": cohort.get("offering_id")}) or {}
    return Training(
        name=offering.get("title") or UNNAMED_TRAINING,  # the PDF is read: never the cohort's id
        start=_day(cohort.get("start_date")),
        end=_day(cohort.get("end_date")),
    )


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


@router.get(
    "/entities/{entity_id}/documents/{number}/pdf",
    response_class=Response,
    responses=file_answer("application/pdf"),
)
async def download_pdf(
    request: Request, principal: DocumentReader, entity_id: EntityId, number: DocumentNumber
) -> Response:
    entity, stored = await readable_document(request, principal, entity_id, number)
    db = runtime_of(request).db
    payer = await completed_payer(db, entity_id, stored)
    pdf = render_pdf(document_of(stored), entity, payer, await training_of(db, stored))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{number}.pdf"'},
    )


# manual documents ---------------------------------------------------------------------


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ManualLine(Strict):
    description: str = Field(min_length=1, max_length=300, pattern=PLAIN_TEXT)
    quantity: int = Field(default=1, ge=1, le=100_000)
    unit_price_cents: int = Field(ge=0, le=10**9)
    vat: Literal["exempt", "standard"] = "standard"
    cost_centre: str | None = Field(default=None, max_length=60)


class ManualInvoiceIn(Strict):
    """A billable item agreed outside the event flow: extra begeleiding in BBL invoiced to the
    employer, a licence fee charged to a payer. A cost shared between consortium partners goes
    through /shared-costs instead, which splits it over the partners and invoices each share."""

    payer_id: str = Field(min_length=1, max_length=100)
    ledger: Ledger = Ledger.privaat
    buyer_reference: str = Field(min_length=1, max_length=200, pattern=PLAIN_TEXT)
    reason: Literal["extra_begeleiding", "licence_fee", "shared_recruitment", "other"]
    cohort_id: str | None = Field(default=None, max_length=100)
    lines: list[ManualLine] = Field(min_length=1, max_length=100)
    idempotency_key: str = Field(default_factory=lambda: uuid.uuid4().hex, min_length=8, max_length=64)


@router.post(
    "/entities/{entity_id}/invoices",
    status_code=201,
    response_model=DocumentRead,
    response_model_exclude_unset=True,
)
async def create_invoice(
    request: Request, principal: FinancePrincipal, entity_id: EntityId, body: ManualInvoiceIn
) -> dict[str, Any]:
    entity = await entity_for(request, principal, entity_id)
    stored = await issue_manual_invoice(runtime_of(request).db, entity, body, principal.subject, today())
    runtime_of(request).relay.wake()
    return document_view(stored, today())


class ManualCreditIn(Strict):
    amount_cents: int | None = Field(default=None, ge=1, le=10**9)  # default: all that is left
    reason: str = Field(min_length=3, max_length=300, pattern=PLAIN_TEXT)
    idempotency_key: str = Field(default_factory=lambda: uuid.uuid4().hex, min_length=8, max_length=64)


@router.post(
    "/entities/{entity_id}/documents/{number}/credit-notes",
    status_code=201,
    response_model=DocumentRead,
    response_model_exclude_unset=True,
)
async def credit_invoice(
    request: Request,
    principal: FinancePrincipal,
    entity_id: EntityId,
    number: DocumentNumber,
    body: ManualCreditIn,
) -> dict[str, Any]:
    stored = await document_for(request, principal, entity_id, number)
    issued = await credit_manually(runtime_of(request).db, stored, body, principal.subject, today())
    runtime_of(request).relay.wake()
    return document_view(issued, today())
