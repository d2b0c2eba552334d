"""Read schemas of billing's JSON API (the Create models are beside their routes).

Each names the fields a client may rely on; views may carry more (llo_shared.reads). Stored
documents keep their days and moments as ISO 8601 text, so they arrive here as text. Money is
integer cents.
"""

from __future__ import annotations

from typing import Any

from llo_shared.reads import ReadSchema

# entities and cost models ------------------------------------------------------------------


class EntityRead(ReadSchema):
    """An administration with its settings (name, terms, bank and address as finance set them)."""

    entity_id: str
    ledgers: list[str]
    name: str | None = None
    billing_moment: str | None = None
    payment_terms_days: int | None = None


# The fields of usecases/reports.LedgerTotals as the API promises them: declarations, no logic
# (boilerplate for `duplicates`).
class LedgerRead(ReadSchema):
    """One ledger's totals; the two ledgers are never added up."""

    ledger: str
    invoices: int
    credit_notes: int
    invoiced_cents: int
    credited_cents: int
    revenue_cents: int
    received_cents: int
    receivable_cents: int
    overdue_cents: int


class CostModelRead(ReadSchema):
    entity_id: str
    scope: str
    ref: str
    model: dict[str, Any]
    integral_cost_per_seat_cents: int
    seat_price_cents: int | None = None
    override: dict[str, Any] | None = None
    updated_by: str | None = None
    updated_at: str | None = None


# payers -----------------------------------------------------------------------------------


class PayerRead(ReadSchema):
    """A payer as invoiced, completed by the register's master data where finance keeps it."""

    payer_id: str
    name: str
    kind: str
    scheme: str | None = None
    endpoint: str | None = None
    street: str | None = None
    city: str | None = None
    postcode: str | None = None
    country: str | None = None
    email: str | None = None
    buyer_reference: str | None = None


class PayerSavedRead(PayerRead):
    issued: list[str]  # numbers of the invoices that waited for this payer's data


class WaitingInvoiceRead(ReadSchema):
    payer_id: str
    payer_kind: str
    lacking: list[str]
    since: str
    cohort_id: str | None = None
    purpose: str | None = None
    net_cents: int
    total_cents: int
    lines: list[str]


# invoices and credit notes ------------------------------------------------------------------


class CauseRead(ReadSchema):
    kind: str
    event_id: str | None = None
    event_type: str | None = None
    reference: str | None = None
    triggered_by_event_id: str | None = None


class LineRead(ReadSchema):
    description: str
    quantity: int
    unit_price_cents: int
    ledger: str
    vat_category: str
    vat_rate_bp: int
    exemption_reason: str | None = None
    cost_centre: str | None = None
    cohort_id: str | None = None
    cause: CauseRead


class PaymentRead(ReadSchema):
    amount_cents: int
    paid_on: str
    reference: str | None = None
    payment_id: str | None = None


class DocumentRead(ReadSchema):
    """An invoice or credit note: named by its number, its status computed today."""

    number: str
    kind: str
    entity_id: str
    ledger: str
    payer: PayerRead
    buyer_reference: str
    issue_date: str
    due_date: str
    cohort_id: str | None
    enrolment_id: str | None
    purpose: str | None
    shared_cost_id: str | None
    currency: str
    net_cents: int
    vat_cents: int
    total_cents: int
    credited_cents: int
    paid_cents: int
    outstanding_cents: int
    status: str
    credited_number: str | None
    credit_notes: list[str | None]
    payments: list[PaymentRead]
    lines: list[LineRead]


# payments -----------------------------------------------------------------------------------


class ImportRowRead(ReadSchema):
    """One statement entry: the invoice it pays and what that becomes, or why it is left out."""

    key: str
    payment_id: str
    amount_cents: int
    number: str | None = None
    match: str
    action: str
    note: str
    status_before: str | None = None
    status_after: str | None = None
    outstanding_cents: int | None = None
    booked: bool | None = None


class PaymentImportRead(ReadSchema):
    import_id: str
    format: str
    state: str
    rows: list[ImportRowRead]
    matched: int
    unmatched: int
    already_booked: int
    to_book: int
    to_book_cents: int
    booked: int


# consortium costs ---------------------------------------------------------------------------


class CostShareRead(ReadSchema):
    partner_id: str
    name: str
    share_bp: int
    part_cents: int
    invoiced: bool
    invoice_number: str | None = None


class SharedCostRead(ReadSchema):
    shared_cost_id: str
    entity_id: str
    consortium_id: str
    consortium_name: str | None = None
    kind: str
    description: str
    total_cents: int
    vat: str
    incurred_on: str
    cohort_id: str | None = None
    campaign_id: str | None = None
    shares: list[CostShareRead]
    state: str
    recorded_by: str
    recorded_at: str
    issue_date: str
    due_date: str


# reports ------------------------------------------------------------------------------------


class AgeingRowRead(ReadSchema):
    """Outstanding cents of one payer per bucket of days past due (buckets as AGEING_BUCKETS)."""

    payer_id: str
    payer_name: str
    ledger: str
    total_cents: int


class AllocationRowRead(ReadSchema):
    cohort_id: str
    offering_id: str | None
    status: str | None
    funded_seats: int
    private_seats: int
    shared_costs_cents: int | None
    publiek_cents: int | None
    privaat_cents: int | None
    integral_cost_per_seat_cents: int | None
    private_seat_revenue_cents: int
    surcharge_revenue_cents: int
    seats_below_integral_cost: int
    private_covers_integral_cost: bool | None
    override: bool


class SeatBelowCostRead(ReadSchema):
    enrolment_id: str
    paid_cents: int


class CohortAllocationRead(ReadSchema):
    """A cohort's shared costs over its funded and private seats, against its cost model."""

    cohort_id: str
    offering_id: str | None
    status: str | None
    funded_seats: int
    private_seats: int
    private_seat_revenue_cents: int
    surcharge_revenue_cents: int
    cost_model: dict[str, Any] | None
    integral_cost_per_seat_cents: int | None
    allocation: dict[str, Any] | None
    seats_below_integral_cost: list[SeatBelowCostRead]
    private_covers_integral_cost: bool | None
    override: dict[str, Any] | None


class OverrideRowRead(ReadSchema):
    """A private price below the integral cost, with who allowed it and why."""

    scope: str
    ref: str
    by: str
    reason: str
    price_cents: int
    integral_cost_cents: int
