"""Documents finance makes by hand: an invoice for what was agreed outside the event flow, and a
credit note on an invoice. Both are issued through `issuing.issue`; a refusal is a problem naming
the field (422 for the input, 409 for an invoice that cannot take the credit)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from billing.domain.invoices import (
    STANDARD_RATE_BP,
    Cause,
    CauseKind,
    Document,
    DocumentKind,
    Line,
    Party,
    VatCategory,
)
from billing.domain.ledgers import Ledger
from billing.store import PAYERS
from billing.usecases.issuing import issue
from billing.usecases.payers import lacking
from llo_shared.problems import Problem

if TYPE_CHECKING:  # the API's Create schemas; at run time the use cases read only their fields
    from billing.api.documents import ManualCreditIn, ManualInvoiceIn


async def issue_manual_invoice(
    db: Any, entity: dict[str, Any], body: ManualInvoiceIn, by: str, day: date
) -> dict[str, Any]:
    """A private-ledger invoice to a payer the register holds complete; nothing is parked."""
    entity_id = entity["_id"]
    if body.ledger is Ledger.publiek:
        raise Problem(
            422,
            "validation",
            "Invalid input",
            "funded education is not invoiced to third parties",
            field="ledger",
        )
    master = await db[PAYERS].find_one({"_id": f"{entity_id}|{body.payer_id}"})
    if master is None:
        raise Problem(
            422,
            "validation",
            "Unknown payer",
            "register the payer first (PUT payers)",
            field="payer_id",
        )
    payer = Party.model_validate({k: v for k, v in master.items() if k in Party.model_fields})
    if lacking(payer):  # finance is here: complete the register first, nothing is parked
        raise Problem(
            422,
            "validation",
            "Incomplete payer",
            f"the register lacks {', '.join(lacking(payer))} of {body.payer_id}: complete it first",
            field="payer_id",
        )
    lines = [
        Line(
            description=line.description,
            quantity=line.quantity,
            unit_price_cents=line.unit_price_cents,
            ledger=body.ledger,
            vat_category=VatCategory.exempt if line.vat == "exempt" else VatCategory.standard,
            vat_rate_bp=0 if line.vat == "exempt" else STANDARD_RATE_BP,
            cost_centre=line.cost_centre or body.reason,
            cohort_id=body.cohort_id,
            cause=Cause(kind=CauseKind.manual, reference=f"{body.reason} by {by}"),
        )
        for line in body.lines
    ]
    document = Document(
        document_id=f"manual|{entity_id}|{body.idempotency_key}",
        kind=DocumentKind.invoice,
        entity_id=entity_id,
        ledger=body.ledger,
        payer=payer,
        buyer_reference=body.buyer_reference,
        issue_date=day,
        due_date=day + timedelta(days=entity.get("payment_terms_days", 30)),
        lines=lines,
        cohort_id=body.cohort_id,
    )
    stored = await issue(db, document, purpose="manual")
    assert stored is not None, "its payer was found complete above"
    return stored


async def credit_manually(
    db: Any, stored: dict[str, Any], body: ManualCreditIn, by: str, day: date
) -> dict[str, Any]:
    """A credit note on an invoice, at most what is left of it (default: all of that)."""
    if stored["kind"] != "invoice":
        number = stored["number"]
        raise Problem(409, "not-an-invoice", "Only invoices can be credited", f"{number} is a credit note")
    remaining = stored["net_cents"] - sum(c.get("net_cents", 0) for c in stored.get("credits", []))
    amount = body.amount_cents or remaining
    if amount > remaining or remaining <= 0:
        raise Problem(
            409,
            "credit-exceeds-invoice",
            "Credit exceeds what is left",
            f"at most {remaining} cents",
            field="amount_cents",
        )
    first = stored["lines"][0]
    line = Line(
        description=body.reason,
        unit_price_cents=amount,
        ledger=Ledger(stored["ledger"]),
        vat_category=VatCategory(first["vat_category"]),
        vat_rate_bp=first["vat_rate_bp"],
        exemption_reason=first.get("exemption_reason"),
        cost_centre=first.get("cost_centre"),
        cohort_id=stored.get("cohort_id"),
        cause=Cause(kind=CauseKind.manual, reference=f"credit by {by}"),
    )
    credit = Document(
        document_id=f"credit|{stored['_id']}|manual|{body.idempotency_key}",
        kind=DocumentKind.credit_note,
        entity_id=stored["entity_id"],
        ledger=Ledger(stored["ledger"]),
        payer=Party.model_validate(stored["payer"]),
        buyer_reference=stored["buyer_reference"],
        issue_date=day,
        due_date=day,
        lines=[line],
        cohort_id=stored.get("cohort_id"),
        credited_document_id=stored["_id"],
        credited_number=stored["number"],
        credited_issue_date=stored["issue_date"],
    )
    issued = await issue(db, credit, purpose=stored.get("purpose"))
    assert issued is not None, "a credit note carries its invoice's party and never waits"
    return issued
