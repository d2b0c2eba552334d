"""JSON views of stored documents: ids hidden behind numbers, status computed, causes kept;
shared costs named by their key."""

from __future__ import annotations

from datetime import date
from typing import Any

from billing.usecases.issuing import credited_cents, status_of
from billing.usecases.reports import outstanding


def document_view(document: dict[str, Any], today: date) -> dict[str, Any]:
    return {
        "number": document["number"],
        "kind": document["kind"],
        "entity_id": document["entity_id"],
        "ledger": document["ledger"],
        "payer": document["payer"],
        "buyer_reference": document["buyer_reference"],
        "issue_date": document["issue_date"],
        "due_date": document["due_date"],
        "cohort_id": document.get("cohort_id"),
        "enrolment_id": document.get("enrolment_id"),
        "purpose": document.get("purpose"),
        "shared_cost_id": _key_of(document.get("shared_cost_id")),
        "currency": document.get("currency", "EUR"),
        "net_cents": document["net_cents"],
        "vat_cents": document["vat_cents"],
        "total_cents": document["total_cents"],
        "credited_cents": credited_cents(document),
        "paid_cents": document.get("paid_cents", 0),
        "outstanding_cents": outstanding(document) if document["kind"] == "invoice" else 0,
        "status": status_of(document, today),
        "credited_number": document.get("credited_number"),
        "credit_notes": [c.get("number") for c in document.get("credits", [])],
        "payments": document.get("payments", []),
        "lines": document["lines"],
    }


def _key_of(shared_cost_id: str | None) -> str | None:
    """A shared cost is stored as 'entity|key'; the API and pages name it by its key."""
    return shared_cost_id.split("|", 1)[-1] if shared_cost_id else None


def shared_cost_view(stored: dict[str, Any]) -> dict[str, Any]:
    hidden = {"_id", "partner_parties"}
    return {"shared_cost_id": stored["idempotency_key"]} | {
        k: v for k, v in stored.items() if k not in hidden
    }
