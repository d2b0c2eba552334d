"""Booking a payment on an invoice: the payment, its paid total and its PaymentRecorded event in
one write on the invoice document. Used by payments by hand and by bank statement imports."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from billing.domain.payments import PaymentStatus, payment_status
from billing.events import PAYMENT_TOPIC, PRODUCER, PaymentRecorded
from billing.store import DOCUMENTS
from billing.usecases.issuing import credited_cents
from billing.usecases.reports import outstanding
from llo_shared.dates import Day
from llo_shared.outbox import with_events
from llo_shared.problems import Problem


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount_cents: int = Field(ge=1, le=10**9)
    paid_on: Day
    reference: str = Field(default="", max_length=200)
    payment_id: str = Field(default_factory=lambda: uuid.uuid4().hex, min_length=8, max_length=64)


def status_after(invoice: dict[str, Any], paid_cents: int, today: date) -> PaymentStatus:
    """The invoice's status once `paid_cents` in all have been received (the one status rule)."""
    return payment_status(
        invoice["total_cents"],
        credited_cents(invoice),
        paid_cents,
        date.fromisoformat(invoice["due_date"]),
        today,
    )


def already_booked(invoice: dict[str, Any], payment_id: str) -> bool:
    return any(p["payment_id"] == payment_id for p in invoice.get("payments", []))


async def book_payment(
    db: Any,
    invoice: dict[str, Any],
    payment: PaymentIn,
    source: str,
    today: date,
    *,
    allow_overpayment: bool = False,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Book once per payment_id. A payment typed by hand may not exceed what is outstanding (a typo
    guard); money a bank statement shows has arrived and is booked even when it overpays."""
    if already_booked(invoice, payment.payment_id):
        return invoice
    if invoice["kind"] != "invoice":
        raise Problem(409, "not-an-invoice", "Payments are booked on invoices", invoice["number"])
    if not allow_overpayment and payment.amount_cents > outstanding(invoice):
        raise Problem(
            409,
            "overpayment",
            "More than is outstanding",
            f"{invoice['number']} has {outstanding(invoice)} cents outstanding",
            field="amount_cents",
        )
    paid = invoice.get("paid_cents", 0) + payment.amount_cents
    event = PaymentRecorded(
        payment_id=payment.payment_id,
        invoice_id=invoice["_id"],
        number=invoice["number"],
        legal_entity=invoice["entity_id"],
        amount_cents=payment.amount_cents,
        paid_cents=paid,
        status=status_after(invoice, paid, today),
    ).envelope(producer=PRODUCER, aggregate_id=invoice["_id"])
    entry = (
        payment.model_dump(mode="json")
        | (details or {})
        | {"source": source, "booked_at": datetime.now(UTC).isoformat()}
    )
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
    return await db[DOCUMENTS].find_one({"_id": invoice["_id"]}, {"outbox": 0})
