"""Issuing invoices and credit notes: a gapless number, then one write holding the document
and its event. Document ids are natural keys (the fact they bill), so issuing twice is a no-op.
An invoice whose payer the register cannot complete waits unnumbered (`billing.usecases.payers`)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any, Literal, TypedDict

from pymongo.errors import DuplicateKeyError

from billing.domain.invoices import Document, DocumentKind
from billing.domain.ledgers import counter_key, document_number
from billing.domain.payments import PaymentStatus, payment_status
from billing.events import INVOICE_TOPIC, PRODUCER, CreditNoteIssued, InvoiceIssued, LedgerName, ledger_name
from billing.store import DOCUMENTS, PAYERS, allocate_number, claim_numbers, insert_new
from billing.usecases.payers import (
    Readiness,
    ready_to_issue,
    ready_to_issue_many,
    register_entry,
    unpark,
    waiting_document,
    waiting_for,
)
from llo_shared.envelope import EventEnvelope
from llo_shared.outbox import new_document

__all__ = [
    "INVOICE_TOPIC",
    "document_of",
    "issue",
    "issue_new",
    "outstanding_to_credit",
    "save_payer",
    "status_of",
]


async def issue(db: Any, document: Document, **extra: Any) -> dict[str, Any] | None:
    """Number and store `document` (or return the one already stored under its id); None when
    its payer lacks data and it waits in the list to complete instead."""
    documents = db[DOCUMENTS]
    existing = await documents.find_one({"_id": document.document_id})
    if existing is not None:
        return existing
    readiness = await ready_to_issue(db, document, extra)
    if not readiness.ready:
        await _issue_completed_meanwhile(db, readiness)
        return await documents.find_one({"_id": document.document_id})
    document = readiness.ready[0][0]
    sequence = await allocate_number(db, _series(document), document.document_id)
    numbered, stored = _numbered(document, sequence, extra)
    try:
        await documents.insert_one(new_document(stored, INVOICE_TOPIC, [_event_of(numbered, stored)]))
    except DuplicateKeyError:  # a concurrent redelivery stored it first
        return await documents.find_one({"_id": document.document_id})
    await unpark(db, [document.document_id])
    if numbered.kind is DocumentKind.credit_note:
        await documents.update_one(
            {"_id": numbered.credited_document_id},
            {
                "$addToSet": {
                    "credits": {
                        "document_id": numbered.document_id,
                        "number": numbered.number,
                        "amount_cents": numbered.total_cents,
                        "net_cents": numbered.net_cents,
                    }
                }
            },
        )
    return stored


async def issue_new(
    db: Any, invoices: list[tuple[Document, dict[str, Any]]]
) -> list[tuple[Document, dict[str, Any]]]:
    """Number and store invoices for causes that are new in this very call (a run of fresh
    enrolments): one block of numbers per series and one insert for all, instead of the five
    round trips per invoice of `issue`. A retry of such a run goes through `issue`.
    Returns the invoices issued (the others wait for their payer's data)."""
    readiness = await ready_to_issue_many(db, invoices)
    invoices = readiness.ready
    by_series: dict[str, list[Document]] = defaultdict(list)
    for document, _ in invoices:
        assert document.kind is DocumentKind.invoice, "credit notes change their invoice: use issue()"
        by_series[_series(document)].append(document)
    sequences: dict[str, int] = {}
    for key, documents in by_series.items():
        numbers = await claim_numbers(db, key, [d.document_id for d in documents])
        sequences |= {d.document_id: n for d, n in zip(documents, numbers, strict=True)}
    records = []
    for document, extra in invoices:
        numbered, stored = _numbered(document, sequences[document.document_id], extra)
        records.append(new_document(stored, INVOICE_TOPIC, [_event_of(numbered, stored)]))
    await insert_new(db[DOCUMENTS], records)
    await _issue_completed_meanwhile(db, readiness)
    return invoices


async def _issue_completed_meanwhile(db: Any, readiness: Readiness) -> None:
    """Through `issue` (which finds an earlier number claim and an earlier document), never
    through the bulk claims: finance's own release may be issuing the same invoices right now."""
    for entity_id, payer_id, day in readiness.completed_meanwhile:
        await issue_waiting(db, entity_id, payer_id, day)


async def issue_waiting(db: Any, entity_id: str, payer_id: str, day: date) -> list[dict[str, Any]]:
    """Issue what waited for this payer's data, dated `day`, oldest first;
    what still lacks data keeps waiting. Returns the documents issued."""
    issued = []
    for parked in await waiting_for(db, entity_id, payer_id):
        stored = await issue(db, waiting_document(parked, day), **parked.get("extra", {}))
        if stored is not None:
            await unpark(db, [parked["_id"]])
            issued.append(stored)
    return issued


async def save_payer(
    db: Any, entity_id: str, payer_id: str, details: dict[str, Any], day: date
) -> list[dict[str, Any]]:
    """Finance keeps a payer's master data; what waited for it is issued now, dated `day`.
    Returns those invoices."""
    entry = register_entry(entity_id, payer_id, details, "finance")
    await db[PAYERS].replace_one({"_id": entry["_id"]}, entry, upsert=True)
    return await issue_waiting(db, entity_id, payer_id, day)


def _series(document: Document) -> str:
    return counter_key(document.entity_id, document.ledger, document.kind.value, document.issue_date.year)


def _numbered(document: Document, sequence: int, extra: dict[str, Any]) -> tuple[Document, dict[str, Any]]:
    year = document.issue_date.year
    number = document_number(document.entity_id, document.ledger, document.kind, year, sequence)
    numbered = document.model_copy(update={"number": number})
    return numbered, _stored(numbered, sequence, year) | extra


def _stored(document: Document, sequence: int, year: int) -> dict[str, Any]:
    body = document.model_dump(mode="json", exclude={"document_id"})
    for line, model_line in zip(body["lines"], document.lines, strict=True):
        line["amount_cents"] = model_line.amount_cents
        line["accounting_cost"] = model_line.accounting_cost
    return body | {
        "_id": document.document_id,
        "sequence": sequence,
        "year": year,
        "net_cents": document.net_cents,
        "vat_cents": document.vat_cents,
        "total_cents": document.total_cents,
        "credits": [],
        "payments": [],
        "paid_cents": 0,
        "created_at": datetime.now(UTC),
    }


# The fields of events._DocumentEvent, typed for the write (boilerplate for `duplicates`).
class _DocumentFields(TypedDict):
    """What InvoiceIssued and CreditNoteIssued both carry."""

    invoice_id: str
    number: str
    legal_entity: str
    ledger: LedgerName
    payer_id: str
    payer_kind: str
    total_cents: int
    cohort_id: str | None
    issue_date: str
    due_date: str
    caused_by_event_ids: list[str]


def _event_of(document: Document, stored: dict[str, Any]) -> EventEnvelope:
    if document.number is None:
        raise ValueError(f"document {document.document_id} is announced once it has its number")
    common = _DocumentFields(
        invoice_id=document.document_id,
        number=document.number,
        legal_entity=document.entity_id,
        ledger=ledger_name(document.ledger),
        payer_id=document.payer.payer_id,
        payer_kind=document.payer.kind,
        total_cents=document.total_cents,
        cohort_id=document.cohort_id,
        issue_date=document.issue_date.isoformat(),
        due_date=document.due_date.isoformat(),
        caused_by_event_ids=sorted({line.cause.event_id for line in document.lines if line.cause.event_id}),
    )
    payload: InvoiceIssued | CreditNoteIssued
    if document.kind is DocumentKind.credit_note:
        if document.credited_document_id is None:
            raise ValueError(f"credit note {document.document_id} names no invoice it corrects")
        payload = CreditNoteIssued(
            **common,
            credited_invoice_id=document.credited_document_id,
            credited_number=document.credited_number,
        )
    else:
        payload = InvoiceIssued(**common)
    return payload.envelope(producer=PRODUCER, aggregate_id=document.document_id)


def document_of(stored: dict[str, Any]) -> Document:
    return Document.model_validate(stored | {"document_id": stored["_id"]})


def credited_cents(stored: dict[str, Any]) -> int:
    return sum(credit["amount_cents"] for credit in stored.get("credits", []))


def outstanding_to_credit(stored: dict[str, Any]) -> int:
    """What a credit note may still take back from this invoice."""
    return stored["total_cents"] - credited_cents(stored)


def status_of(stored: dict[str, Any], today: date) -> PaymentStatus | Literal["issued"]:
    if stored["kind"] == DocumentKind.credit_note.value:
        return "issued"
    return payment_status(
        stored["total_cents"],
        credited_cents(stored),
        stored.get("paid_cents", 0),
        date.fromisoformat(stored["due_date"]),
        today,
    )
