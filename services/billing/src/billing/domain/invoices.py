"""Invoices and credit notes: lines of exactly one ledger, totals that add up, VAT per line."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from billing.domain.ledgers import Ledger
from billing.domain.money import BASIS_POINTS, round_half_up_div

# Vocational education by a recognised institution is VAT-exempt (Wet OB art. 11 lid 1 sub o).
EDUCATION_EXEMPTION = (
    "Vrijgesteld van btw: beroepsonderwijs door erkende instelling (art. 11 lid 1 sub o Wet OB)"
)
STANDARD_RATE_BP = 2100


class VatCategory(StrEnum):
    standard = "S"
    exempt = "E"
    zero = "Z"


class CauseKind(StrEnum):
    private_seat = "private_seat"
    surcharge = "surcharge"
    surcharge_recomputation = "surcharge_recomputation"
    withdrawal = "withdrawal"
    cohort_cancelled = "cohort_cancelled"
    manual = "manual"  # extra begeleiding, other items agreed by hand
    consortium_cost = "consortium_cost"  # a partner's share of a licence fee or recruitment cost


class Cause(BaseModel):
    """The fact a line comes from, traced to the event that caused it."""

    kind: CauseKind
    event_id: str | None = Field(default=None, max_length=64)
    event_type: str | None = Field(default=None, max_length=100)
    reference: str | None = Field(default=None, max_length=200)  # enrolment id, cohort id, ...
    triggered_by_event_id: str | None = Field(default=None, max_length=64)  # e.g. CohortConfirmed


class Line(BaseModel):
    description: str = Field(min_length=1, max_length=300)
    quantity: int = Field(default=1, ge=1, le=100_000)
    unit_price_cents: int = Field(ge=0, le=10**11)
    ledger: Ledger
    vat_category: VatCategory = VatCategory.exempt
    vat_rate_bp: int = Field(default=0, ge=0, le=BASIS_POINTS)
    exemption_reason: str | None = Field(default=None, max_length=300)
    cost_centre: str | None = Field(default=None, max_length=60)
    cohort_id: str | None = Field(default=None, max_length=100)
    cause: Cause

    @model_validator(mode="after")
    def _vat_is_consistent(self) -> Line:
        if self.vat_category is VatCategory.exempt:
            if self.vat_rate_bp != 0:
                raise ValueError("an exempt line has VAT rate 0")
            if not self.exemption_reason:
                self.exemption_reason = EDUCATION_EXEMPTION
        elif self.vat_category is VatCategory.standard and self.vat_rate_bp == 0:
            raise ValueError("a standard-rated line needs a VAT rate")
        return self

    @property
    def amount_cents(self) -> int:
        return self.quantity * self.unit_price_cents

    @property
    def accounting_cost(self) -> str:
        """Ledger and cost centre as Peppol's AccountingCost carries it."""
        return f"{self.ledger.value}/{self.cost_centre}" if self.cost_centre else self.ledger.value


class VatBreakdown(BaseModel):
    category: VatCategory
    rate_bp: int
    taxable_cents: int
    tax_cents: int
    exemption_reason: str | None = None


PartyKind = Literal[
    "employer", "uwv", "gemeente", "oo_fonds", "participant", "budget_scheme", "consortium_partner"
]


class Party(BaseModel):
    """A payer as it appears on an invoice. scheme 0106 = KvK, 0190 = OIN (Peppol routing)."""

    payer_id: str = Field(min_length=1, max_length=100)
    kind: PartyKind = "employer"
    name: str = Field(min_length=1, max_length=200)
    scheme: Literal["0106", "0190"] | None = None
    endpoint: str | None = Field(default=None, max_length=60)
    street: str = Field(default="", max_length=200)
    city: str = Field(default="", max_length=100)
    postcode: str = Field(default="", max_length=10)
    country: str = Field(default="NL", min_length=2, max_length=2)
    email: str | None = Field(default=None, max_length=200)  # a private person's electronic address


class DocumentKind(StrEnum):
    invoice = "invoice"
    credit_note = "credit_note"


class Document(BaseModel):
    """An invoice or a credit note, before or after numbering. All money in cents."""

    document_id: str = Field(min_length=1, max_length=200)
    kind: DocumentKind
    entity_id: str
    ledger: Ledger
    payer: Party
    buyer_reference: str = Field(min_length=1, max_length=200)
    issue_date: date
    due_date: date
    lines: list[Line] = Field(min_length=1, max_length=1000)
    number: str | None = None
    cohort_id: str | None = None
    credited_document_id: str | None = None
    credited_number: str | None = None
    credited_issue_date: date | None = None
    currency: Literal["EUR"] = "EUR"

    @model_validator(mode="after")
    def _one_ledger_only(self) -> Document:
        foreign = {line.ledger for line in self.lines} - {self.ledger}
        if foreign:
            raise ValueError(f"a {self.ledger.value} document cannot hold {', '.join(sorted(foreign))} lines")
        if self.kind is DocumentKind.credit_note and not self.credited_document_id:
            raise ValueError("a credit note references the invoice it corrects")
        return self

    @property
    def net_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)

    def vat_breakdown(self) -> list[VatBreakdown]:
        groups: dict[tuple[VatCategory, int], list[Line]] = {}
        for line in self.lines:
            groups.setdefault((line.vat_category, line.vat_rate_bp), []).append(line)
        breakdown = []
        for (category, rate), lines in sorted(groups.items()):
            taxable = sum(line.amount_cents for line in lines)
            breakdown.append(
                VatBreakdown(
                    category=category,
                    rate_bp=rate,
                    taxable_cents=taxable,
                    tax_cents=round_half_up_div(taxable * rate, BASIS_POINTS),
                    exemption_reason=lines[0].exemption_reason,
                )
            )
        return breakdown

    @property
    def vat_cents(self) -> int:
        return sum(b.tax_cents for b in self.vat_breakdown())

    @property
    def total_cents(self) -> int:
        return self.net_cents + self.vat_cents
