"""Legal entities and their two ledgers (gescheiden geldstromen)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class Ledger(StrEnum):
    publiek = "publiek"  # funded education: costs recorded, nothing invoiced to third parties
    privaat = "privaat"  # everything not fully funded


class BillingMoment(StrEnum):
    """When a private seat becomes billable, chosen per legal entity."""

    at_enrolment = "at_enrolment"
    on_confirmation = "on_confirmation"  # only once the cohort is confirmed (go) or running


class LegalEntity(BaseModel):
    """A provider's administration. Its id is the provider's organisation id (e.g. BRIN-25LH)."""

    entity_id: str = Field(min_length=1, max_length=60)
    name: str = Field(min_length=1, max_length=200)
    funded: bool = True
    kvk: str | None = Field(default=None, max_length=20)
    vat_number: str | None = Field(default=None, max_length=20)
    iban: str | None = Field(default=None, max_length=40)
    street: str = Field(default="", max_length=200)
    city: str = Field(default="", max_length=100)
    postcode: str = Field(default="", max_length=10)
    billing_moment: BillingMoment = BillingMoment.at_enrolment
    payment_terms_days: int = Field(default=30, ge=0, le=365)

    @property
    def short_code(self) -> str:
        """The part after the scheme prefix, used in invoice numbers: BRIN-25LH -> 25LH."""
        return self.entity_id.split("-", 1)[-1]


def document_number(entity: LegalEntity | str, ledger: Ledger, kind: str, year: int, sequence: int) -> str:
    """Human invoice number, unique per entity, ledger, kind and year: 25LH-PRV-2026-000042."""
    code = entity.short_code if isinstance(entity, LegalEntity) else entity.split("-", 1)[-1]
    ledger_code = "PRV" if ledger is Ledger.privaat else "PUB"
    kind_code = "CN-" if kind == "credit_note" else ""
    return f"{code}-{ledger_code}-{kind_code}{year}-{sequence:06d}"


def counter_key(entity_id: str, ledger: Ledger, kind: str, year: int) -> str:
    return f"{entity_id}|{ledger.value}|{kind}|{year}"
