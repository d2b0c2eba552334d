"""Billing's application layer: one module per job, called by the API, the pages and the consumers
(handlers.py). Typed in, typed out; refusals are named errors (`Refused`, `UnreadableDetails`,
`SurchargeRefused`, `StatementError`) that the API turns into problems and the pages into Dutch.

- `facts`: what consumed events mean for the ledgers (`Biller`), convergent so replays change nothing
- `issuing`: a gapless number and one write holding the document and its outbox event
- `manual_documents`: an invoice and a credit note finance makes by hand
- `payers`: the payer register and the invoices that wait for it
- `sealed`: private participants' sealed invoice details, and their erasure
- `payments`: booking one payment (`status_after` is the one status rule)
- `payments_import`: payments from a bank statement, previewed then booked once per entry
- `entities`: an administration's own settings (`UnknownEntity` when there is none)
- `costing`: cost models, the private price checked against the integral cost
- `consortium`: costs shared between consortium partners, and the consortia read model
- `reports`: finance reports over one administration's documents
"""

from billing.usecases.consortium import KIND_LABELS, Refused, keep_consortium, record_shared_cost
from billing.usecases.costing import known_price, set_cost_model
from billing.usecases.entities import EntitySettings, UnknownEntity, update_entity_settings
from billing.usecases.facts import Biller, EventRef, entity_defaults, list_price
from billing.usecases.issuing import (
    credited_cents,
    document_of,
    issue,
    issue_new,
    issue_waiting,
    save_payer,
    status_of,
)
from billing.usecases.manual_documents import credit_manually, issue_manual_invoice
from billing.usecases.payers import (
    FIELD_LABELS,
    drop_waiting,
    lacking,
    master_of,
    register_entry,
    register_id,
    waiting_for,
)
from billing.usecases.payments import PaymentIn, book_payment, status_after
from billing.usecases.payments_import import (
    book_import,
    guess_format,
    import_view,
    propose,
    read_statement,
    save_import,
    stored_import,
)
from billing.usecases.reports import (
    ageing,
    ageing_totals,
    cohort_allocation,
    entity_documents,
    inert_cell,
    ledger_summary,
    outstanding,
    price_overrides,
    to_csv,
)
from billing.usecases.sealed import SealedPayers, UnreadableDetails, forget, key_loader

__all__ = [
    "FIELD_LABELS",
    "KIND_LABELS",
    "Biller",
    "EntitySettings",
    "EventRef",
    "PaymentIn",
    "Refused",
    "SealedPayers",
    "UnknownEntity",
    "UnreadableDetails",
    "ageing",
    "ageing_totals",
    "book_import",
    "book_payment",
    "cohort_allocation",
    "credit_manually",
    "credited_cents",
    "document_of",
    "drop_waiting",
    "entity_defaults",
    "entity_documents",
    "forget",
    "guess_format",
    "import_view",
    "inert_cell",
    "issue",
    "issue_manual_invoice",
    "issue_new",
    "issue_waiting",
    "keep_consortium",
    "key_loader",
    "known_price",
    "lacking",
    "ledger_summary",
    "list_price",
    "master_of",
    "outstanding",
    "price_overrides",
    "propose",
    "read_statement",
    "record_shared_cost",
    "register_entry",
    "register_id",
    "save_import",
    "save_payer",
    "set_cost_model",
    "status_after",
    "status_of",
    "stored_import",
    "to_csv",
    "update_entity_settings",
    "waiting_for",
]
