"""Payments from a bank statement: read it, propose a booking per credit entry (a preview that
books nothing), then book what was proposed once the finance user confirms.

Exactly once per entry: an entry's payment id is derived from the administration, the statement
id and the entry reference, and booking claims that id first (an insert under a unique _id, which
MongoDB and FerretDB both make atomic). The same statement imported again, or confirmed twice,
finds the claim and books nothing twice."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, date, datetime
from typing import Any, Literal

from pymongo.errors import DuplicateKeyError

from billing.domain.bank_statements import (
    StatementEntry,
    StatementError,
    parse_camt053,
    parse_statement_csv,
)
from billing.domain.payments import invoice_numbers_in
from billing.store import DOCUMENTS, IMPORTS
from billing.usecases.issuing import credited_cents
from billing.usecases.payments import PaymentIn, already_booked, book_payment, status_after
from llo_shared.problems import Problem

PAYMENT_CLAIMS = "payment_claims"
StatementFormat = Literal["csv", "camt053"]


def statement_entries(statement_format: StatementFormat, content: str | bytes) -> list[StatementEntry]:
    """Entries of the file; a StatementError says where and what is wrong (in English and Dutch)."""
    if statement_format == "camt053":
        return parse_camt053(content)
    try:
        text = content.decode("utf-8-sig") if isinstance(content, bytes) else content
    except UnicodeDecodeError:
        raise StatementError(
            "document",
            "not UTF-8 text",
            dutch="Dit bestand is geen tekstbestand (UTF-8). Sla het op als CSV of download het opnieuw.",
        ) from None
    return parse_statement_csv(text)


def read_statement(
    statement_format: StatementFormat, content: str | bytes, field: str
) -> list[StatementEntry]:
    """Entries of the file, or a 422 naming the request field and where in the file it went wrong."""
    try:
        return statement_entries(statement_format, content)
    except StatementError as error:
        raise Problem(
            422, "statement", "Unreadable bank statement", str(error), field=field, where=error.where
        ) from None


def guess_format(content: str | bytes) -> StatementFormat:
    """XML is CAMT.053, anything else is read as CSV (a byte order mark is no content)."""
    head = content[:200].decode("utf-8", "ignore") if isinstance(content, bytes) else content[:200]
    return "camt053" if head.lstrip("\ufeff \t\r\n").startswith("<") else "csv"


def payment_id_of(entity_id: str, entry: StatementEntry) -> str:
    return "bank-" + hashlib.sha256(f"{entity_id}|{entry.key}".encode()).hexdigest()[:40]


# preview ----------------------------------------------------------------------------------


async def propose(
    db: Any, entity_id: str, entries: list[StatementEntry], today: date
) -> list[dict[str, Any]]:
    """A row per entry: the invoice it pays and what that invoice becomes, or why it is left out.
    Entries paying the same invoice count up, so the second one shows the status after both."""
    paid_so_far: dict[str, int] = {}
    return [await _proposal(db, entity_id, entry, paid_so_far, today) for entry in entries]


async def _proposal(
    db: Any, entity_id: str, entry: StatementEntry, paid_so_far: dict[str, int], today: date
) -> dict[str, Any]:
    payment_id = payment_id_of(entity_id, entry)
    row = entry.model_dump(mode="json") | {
        "key": entry.key,
        "payment_id": payment_id,
        "number": None,
        "match": "unmatched",
        "action": "skip",
        "note": "",
        "status_before": None,
        "status_after": None,
        "outstanding_cents": None,
    }
    invoice = await _claimed_invoice(db, payment_id)
    if invoice is not None and already_booked(invoice, payment_id):
        return row | {"number": invoice["number"], "match": "already_booked", "note": "al geboekt"}
    if entry.currency != "EUR":
        return row | {"note": f"valuta {entry.currency}: alleen EUR wordt geboekt"}
    invoice = invoice or await _invoice_quoted(db, entity_id, entry)
    if invoice is None:
        return row | {"note": "geen factuurnummer van deze administratie herkend"}
    if invoice["total_cents"] - credited_cents(invoice) <= 0:
        return row | {"number": invoice["number"], "note": "factuur is volledig gecrediteerd"}
    before = paid_so_far.get(invoice["_id"], invoice.get("paid_cents", 0))
    paid_so_far[invoice["_id"]] = before + entry.amount_cents
    return row | {
        "number": invoice["number"],
        "match": "matched",
        "action": "book",
        "status_before": status_after(invoice, before, today),
        "status_after": status_after(invoice, before + entry.amount_cents, today),
        "outstanding_cents": invoice["total_cents"] - credited_cents(invoice) - before,
    }


async def _claimed_invoice(db: Any, payment_id: str) -> dict[str, Any] | None:
    """The invoice an entry was claimed for earlier (booked, or a booking that was interrupted)."""
    claim = await db[PAYMENT_CLAIMS].find_one({"_id": payment_id})
    if claim is None:
        return None
    return await db[DOCUMENTS].find_one({"_id": claim["invoice_id"]}, {"outbox": 0})


async def _invoice_quoted(db: Any, entity_id: str, entry: StatementEntry) -> dict[str, Any] | None:
    """The first invoice of this administration whose number the payer quoted (the number is
    also the PaymentID on the e-invoice, so it comes back in the remittance info)."""
    for number in invoice_numbers_in(f"{entry.remittance} {entry.end_to_end_id}"):
        invoice = await db[DOCUMENTS].find_one(
            {"entity_id": entity_id, "number": number, "kind": "invoice"}, {"outbox": 0}
        )
        if invoice is not None:
            return invoice
    return None


async def save_import(
    db: Any, entity_id: str, rows: list[dict[str, Any]], by: str, statement_format: str
) -> dict[str, Any]:
    stored = {
        "_id": uuid.uuid4().hex,
        "entity_id": entity_id,
        "format": statement_format,
        "state": "preview",
        "rows": rows,
        "created_by": by,
        "created_at": datetime.now(UTC).isoformat(),
    }
    await db[IMPORTS].insert_one(stored)
    return stored


def import_view(stored: dict[str, Any]) -> dict[str, Any]:
    rows = stored["rows"]
    to_book = [r for r in rows if r["action"] == "book"]
    return {
        "import_id": stored["_id"],
        "format": stored.get("format", "csv"),
        "state": stored["state"],
        "rows": rows,
        "matched": sum(1 for r in rows if r["match"] == "matched"),
        "unmatched": sum(1 for r in rows if r["match"] == "unmatched"),
        "already_booked": sum(1 for r in rows if r["match"] == "already_booked"),
        "to_book": len(to_book),
        "to_book_cents": sum(r["amount_cents"] for r in to_book),
        "booked": sum(1 for r in rows if r.get("booked")),
    }


async def stored_import(db: Any, entity_id: str, import_id: str) -> dict[str, Any]:
    stored = await db[IMPORTS].find_one({"_id": import_id, "entity_id": entity_id})
    if stored is None:
        raise Problem(404, "not-found", "Unknown import", import_id)
    return stored


# booking ----------------------------------------------------------------------------------


async def book_import(db: Any, entity_id: str, import_id: str, today: date) -> dict[str, Any]:
    """Books the rows the preview proposed. Confirming again books nothing more."""
    stored = await stored_import(db, entity_id, import_id)
    if stored["state"] == "booked":
        return import_view(stored)
    for row in stored["rows"]:
        if row["action"] == "book":
            row["booked"] = await _book_row(db, entity_id, import_id, row, today)
    await db[IMPORTS].update_one({"_id": import_id}, {"$set": {"state": "booked", "rows": stored["rows"]}})
    return import_view(stored | {"state": "booked"})


async def _book_row(db: Any, entity_id: str, import_id: str, row: dict[str, Any], today: date) -> bool:
    invoice = await db[DOCUMENTS].find_one({"entity_id": entity_id, "number": row["number"]}, {"outbox": 0})
    if not await _claim(db, row["payment_id"], invoice, import_id) or already_booked(
        invoice, row["payment_id"]
    ):
        row |= {"action": "skip", "match": "already_booked", "note": "al geboekt"}
        return False
    payment = PaymentIn(
        amount_cents=row["amount_cents"],
        paid_on=row["booking_date"],
        reference=row["remittance"],
        payment_id=row["payment_id"],
    )
    details = {
        "statement_key": row["key"],
        "debtor_name": row["debtor_name"],
        "debtor_iban": row["debtor_iban"],
    }
    try:
        booked = await book_payment(
            db, invoice, payment, f"import {import_id}", today, allow_overpayment=True, details=details
        )
    except Problem as refused:
        row |= {"action": "skip", "note": refused.title}
        return False
    row["status_after"] = status_after(booked, booked["paid_cents"], today)
    return True


async def _claim(db: Any, payment_id: str, invoice: dict[str, Any], import_id: str) -> bool:
    """True if this entry is ours to book on `invoice` (a fresh claim, or our interrupted one)."""
    try:
        await db[PAYMENT_CLAIMS].insert_one(
            {
                "_id": payment_id,
                "entity_id": invoice["entity_id"],
                "invoice_id": invoice["_id"],
                "number": invoice["number"],
                "import_id": import_id,
                "claimed_at": datetime.now(UTC).isoformat(),
            }
        )
        return True
    except DuplicateKeyError:
        earlier = await db[PAYMENT_CLAIMS].find_one({"_id": payment_id})
        return earlier is not None and earlier["invoice_id"] == invoice["_id"]
