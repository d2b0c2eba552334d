"""Payments: by hand, or imported from a bank statement (CSV) with a preview before booking."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Request
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
from billing.api.views import document_view
from billing.domain.payments import (
    StatementError,
    invoice_numbers_in,
    parse_statement_csv,
    payment_status,
)
from billing.events import PAYMENT_TOPIC, PRODUCER, PaymentRecorded
from billing.issuing import credited_cents
from billing.reports import outstanding
from billing.store import DOCUMENTS, IMPORTS
from llo_shared.outbox import with_events
from llo_shared.problems import Problem

router = APIRouter(tags=["payments"])


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PaymentIn(Strict):
    amount_cents: int = Field(ge=1, le=10**9)
    paid_on: date
    reference: str = Field(default="", max_length=200)
    payment_id: str = Field(default_factory=lambda: uuid.uuid4().hex, min_length=8, max_length=64)


async def book_payment(db: Any, invoice: dict[str, Any], payment: PaymentIn, source: str) -> dict[str, Any]:
    """Payment and its event in one write on the invoice; the same payment_id books once."""
    if any(p["payment_id"] == payment.payment_id for p in invoice.get("payments", [])):
        return invoice
    if invoice["kind"] != "invoice":
        raise Problem(409, "not-an-invoice", "Payments are booked on invoices", invoice["number"])
    if payment.amount_cents > outstanding(invoice):
        raise Problem(
            409,
            "overpayment",
            "More than is outstanding",
            f"{invoice['number']} has {outstanding(invoice)} cents outstanding",
            field="amount_cents",
        )
    paid = invoice.get("paid_cents", 0) + payment.amount_cents
    status = payment_status(
        invoice["total_cents"],
        credited_cents(invoice),
        paid,
        date.fromisoformat(invoice["due_date"]),
        today(),
    )
    event = PaymentRecorded(
        payment_id=payment.payment_id,
        invoice_id=invoice["_id"],
        number=invoice["number"],
        legal_entity=invoice["entity_id"],
        amount_cents=payment.amount_cents,
        paid_cents=paid,
        status=status,
    ).envelope(producer=PRODUCER, aggregate_id=invoice["_id"])
    entry = payment.model_dump(mode="json") | {
        "source": source,
        "booked_at": datetime.now(UTC).isoformat(),
    }
    update = with_events(
        {"$push": {"payments": entry}, "$inc": {"paid_cents": payment.amount_cents}},
        PAYMENT_TOPIC,
        [event],
    )
    result = await db[DOCUMENTS].update_one(
        {"_id": invoice["_id"], "payments.payment_id": {"$ne": payment.payment_id}}, update
    )
    if result.modified_count == 0:
        raise Problem(409, "conflict", "Payment already booked", payment.payment_id)
    return await db[DOCUMENTS].find_one({"_id": invoice["_id"]}, {"outbox": 0})  # type: ignore[no-any-return]


@router.post("/entities/{entity_id}/documents/{number}/payments", status_code=201)
async def record_payment(
    request: Request,
    principal: FinancePrincipal,
    entity_id: EntityId,
    number: DocumentNumber,
    body: PaymentIn,
) -> dict[str, Any]:
    invoice = await document_for(request, principal, entity_id, number)
    updated = await book_payment(runtime_of(request).db, invoice, body, "manual")
    runtime_of(request).relay.wake()
    return document_view(updated, today())


class StatementIn(Strict):
    csv: str = Field(min_length=1, max_length=2_000_000)


async def proposals(db: Any, entity_id: str, text: str) -> list[dict[str, Any]]:
    """Each statement line with the invoice it pays (by the number quoted in the reference)."""
    try:
        lines = parse_statement_csv(text)
    except StatementError as error:
        raise Problem(
            422, "statement", "Unreadable bank statement", str(error), field="csv", row=error.row
        ) from None
    proposed = []
    for line in lines:
        row = line.model_dump(mode="json") | {"number": None, "action": "skip", "note": ""}
        numbers = invoice_numbers_in(line.reference)
        invoice = None
        if numbers:
            invoice = await db[DOCUMENTS].find_one(
                {"entity_id": entity_id, "number": numbers[0], "kind": "invoice"}
            )
        if line.amount_cents <= 0:
            row["note"] = "geen ontvangst"
        elif invoice is None:
            row["note"] = "geen factuurnummer herkend"
        elif line.amount_cents > outstanding(invoice):
            row |= {"number": invoice["number"], "note": "meer dan openstaand"}
        else:
            row |= {
                "number": invoice["number"],
                "action": "book",
                "outstanding_cents": outstanding(invoice),
            }
        proposed.append(row)
    return proposed


@router.post("/entities/{entity_id}/payment-imports", status_code=201)
async def preview_import(
    request: Request, principal: FinancePrincipal, entity_id: EntityId, body: StatementIn
) -> dict[str, Any]:
    """Reads the statement and proposes bookings; nothing is booked until the import is confirmed."""
    await entity_for(request, principal, entity_id)
    db = runtime_of(request).db
    rows = await proposals(db, entity_id, body.csv)
    return import_view(await save_import(db, entity_id, rows, principal.subject))


def import_view(stored: dict[str, Any]) -> dict[str, Any]:
    rows = stored["rows"]
    return {
        "import_id": stored["_id"],
        "state": stored["state"],
        "rows": rows,
        "to_book": sum(1 for r in rows if r["action"] == "book"),
        "to_book_cents": sum(r["amount_cents"] for r in rows if r["action"] == "book"),
    }


async def save_import(db: Any, entity_id: str, rows: list[dict[str, Any]], by: str) -> dict[str, Any]:
    stored = {
        "_id": uuid.uuid4().hex,
        "entity_id": entity_id,
        "state": "preview",
        "rows": rows,
        "created_by": by,
        "created_at": datetime.now(UTC).isoformat(),
    }
    await db[IMPORTS].insert_one(stored)
    return stored


async def book_import_rows(db: Any, entity_id: str, import_id: str) -> dict[str, Any]:
    """Books the rows the preview proposed; booking an import twice books each row once."""
    stored = await db[IMPORTS].find_one({"_id": import_id, "entity_id": entity_id})
    if stored is None:
        raise Problem(404, "not-found", "Unknown import", import_id)
    booked = 0
    for index, row in enumerate(stored["rows"]):
        if row["action"] != "book":
            continue
        invoice = await db[DOCUMENTS].find_one({"entity_id": entity_id, "number": row["number"]})
        payment = PaymentIn(
            amount_cents=row["amount_cents"],
            paid_on=row["booking_date"],
            reference=row["reference"],
            payment_id=f"{import_id}-{index}",
        )
        already = any(p["payment_id"] == payment.payment_id for p in invoice.get("payments", []))
        try:
            await book_payment(db, invoice, payment, f"import {import_id}")
            booked += 0 if already else 1
        except Problem as refused:
            row |= {"action": "skip", "note": refused.title}
    await db[IMPORTS].update_one({"_id": import_id}, {"$set": {"state": "booked", "rows": stored["rows"]}})
    return import_view(stored | {"state": "booked"}) | {"booked": booked}


@router.post("/entities/{entity_id}/payment-imports/{import_id}/book")
async def book_import(
    request: Request, principal: FinancePrincipal, entity_id: EntityId, import_id: str
) -> dict[str, Any]:
    await entity_for(request, principal, entity_id)
    result = await book_import_rows(runtime_of(request).db, entity_id, import_id)
    runtime_of(request).relay.wake()
    return result
