"""Events billing publishes (billing owns these models; docs/events.md lists them)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from billing.domain.ledgers import Ledger
from llo_shared.envelope import EventPayload

PRODUCER = "billing"
INVOICE_TOPIC = "billing.invoice.v1"
PAYMENT_TOPIC = "billing.payment.v1"


LedgerName = Literal["publiek", "privaat"]


def ledger_name(ledger: Ledger) -> LedgerName:
    match ledger:
        case Ledger.publiek:
            return "publiek"
        case Ledger.privaat:
            return "privaat"


# usecases/issuing._DocumentFields declares the same fields for the write (boilerplate for `duplicates`).
class _DocumentEvent(EventPayload):
    invoice_id: str
    number: str
    legal_entity: str
    ledger: LedgerName
    payer_id: str
    payer_kind: str
    total_cents: int
    currency: str = "EUR"
    cohort_id: str | None = None
    issue_date: str
    due_date: str
    caused_by_event_ids: list[str] = Field(default_factory=list)


class InvoiceIssued(_DocumentEvent):
    event_type: Literal["InvoiceIssued"] = "InvoiceIssued"
    credited_invoice_id: None = None


class CreditNoteIssued(_DocumentEvent):
    event_type: Literal["CreditNoteIssued"] = "CreditNoteIssued"
    credited_invoice_id: str
    credited_number: str | None = None


class PaymentRecorded(EventPayload):
    event_type: Literal["PaymentRecorded"] = "PaymentRecorded"
    payment_id: str
    invoice_id: str
    number: str
    legal_entity: str
    amount_cents: int
    currency: str = "EUR"
    paid_cents: int
    status: Literal["paid", "partly_paid", "overdue", "open", "credited", "overpaid"]
