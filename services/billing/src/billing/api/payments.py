"""Payments: by hand, or imported from a bank statement (CAMT.053 or CSV) with a preview
before anything is booked."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from billing.api.deps import (
    DocumentNumber,
    EntityId,
    FinancePrincipal,
    document_for,
    entity_for,
    runtime_of,
    today,
)
from billing.api.reads import DocumentRead, PaymentImportRead
from billing.api.views import document_view
from billing.usecases.payments import PaymentIn, book_payment
from billing.usecases.payments_import import (
    StatementFormat,
    book_import,
    import_view,
    propose,
    read_statement,
    save_import,
    stored_import,
)
from llo_shared.problems import Problem

router = APIRouter(tags=["payments"])
ImportId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-f0-9]+$")]


@router.post(
    "/entities/{entity_id}/documents/{number}/payments",
    status_code=201,
    response_model=DocumentRead,
    response_model_exclude_unset=True,
)
async def record_payment(
    request: Request,
    principal: FinancePrincipal,
    entity_id: EntityId,
    number: DocumentNumber,
    body: PaymentIn,
) -> dict[str, Any]:
    invoice = await document_for(request, principal, entity_id, number)
    updated = await book_payment(runtime_of(request).db, invoice, body, "manual", today())
    runtime_of(request).relay.wake()
    return document_view(updated, today())


class StatementIn(BaseModel):
    """A bank statement: `format` and `content` (the file's text), or `csv` alone (CSV text)."""

    model_config = ConfigDict(extra="forbid")

    format: StatementFormat = "csv"
    content: str | None = Field(default=None, min_length=1, max_length=5_000_000)
    csv: str | None = Field(default=None, min_length=1, max_length=2_000_000)

    def text(self) -> tuple[StatementFormat, str, str]:
        """(format, text, the field it came from)."""
        if self.content is not None and self.csv is not None:
            raise Problem(422, "validation", "Invalid input", "give content or csv, not both", field="csv")
        if self.csv is not None:
            return "csv", self.csv, "csv"
        if self.content is None:
            raise Problem(
                422, "validation", "Invalid input", "the statement's content is missing", field="content"
            )
        return self.format, self.content, "content"


@router.post(
    "/entities/{entity_id}/payment-imports",
    status_code=201,
    response_model=PaymentImportRead,
    response_model_exclude_unset=True,
)
async def preview_import(
    request: Request, principal: FinancePrincipal, entity_id: EntityId, body: StatementIn
) -> dict[str, Any]:
    """Reads the statement and proposes bookings; nothing is booked until the import is confirmed."""
    await entity_for(request, principal, entity_id)
    db = runtime_of(request).db
    statement_format, text, field = body.text()
    entries = read_statement(statement_format, text, field)
    rows = await propose(db, entity_id, entries, today())
    return import_view(await save_import(db, entity_id, rows, principal.subject, statement_format))


@router.get(
    "/entities/{entity_id}/payment-imports/{import_id}",
    response_model=PaymentImportRead,
    response_model_exclude_unset=True,
)
async def get_import(
    request: Request, principal: FinancePrincipal, entity_id: EntityId, import_id: ImportId
) -> dict[str, Any]:
    await entity_for(request, principal, entity_id)
    return import_view(await stored_import(runtime_of(request).db, entity_id, import_id))


@router.post(
    "/entities/{entity_id}/payment-imports/{import_id}/book",
    response_model=PaymentImportRead,
    response_model_exclude_unset=True,
)
async def confirm_import(
    request: Request, principal: FinancePrincipal, entity_id: EntityId, import_id: ImportId
) -> dict[str, Any]:
    await entity_for(request, principal, entity_id)
    result = await book_import(runtime_of(request).db, entity_id, import_id, today())
    runtime_of(request).relay.wake()
    return result
