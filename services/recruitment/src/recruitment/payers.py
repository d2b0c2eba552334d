"""Who pays for a private seat, as the person says when applying, and the invoice details billing
needs for a person who pays themselves.

The details are personal data: recruitment keeps them beside the application (erased on request)
and hands them to billing only sealed (llo_shared.sealed: a JWE only billing's private key opens),
so events carry ciphertext and a pseudonym, never a person's name or address. Organisations
(employer, UWV, gemeente, O&O-fonds) are no personal data: their names travel as they are.
"""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from llo_shared.sealed import Sealer
from recruitment.applicants import Applicant
from recruitment.domain.funding import FULL_SHARE_BP, Funding, FundingKind, Payer, PayerKind

_KVK = re.compile(r"^[0-9]{8}$")
# UWV's OIN (Peppol scheme 0190), as the matching demo and billing route e-invoices to it.
UWV_OIN = "00000001003214345000"


class Who(StrEnum):
    self = "self"
    employer = "employer"
    uwv = "uwv"
    gemeente = "gemeente"
    oo_fonds = "oo_fonds"


class InvoiceDetails(BaseModel):
    """Where the invoice for a person who pays themselves goes (the keys billing opens)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=2, max_length=120)
    street: str = Field(min_length=3, max_length=120, description="street and house number")
    postcode: str = Field(max_length=7)
    city: str = Field(min_length=2, max_length=80)
    country: str = Field(default="NL", pattern=r"^NL$", description="Dutch addresses only for now")
    email: str | None = Field(default=None, max_length=200)

    @field_validator("name", "city")
    @classmethod
    def _letters(cls, value: str) -> str:
        value = " ".join(value.split())
        if not any(ch.isalpha() for ch in value):
            raise ValueError("needs letters")
        return value

    @field_validator("street")
    @classmethod
    def _street_and_number(cls, value: str) -> str:
        value = " ".join(value.split())
        if not (any(ch.isalpha() for ch in value) and any(ch.isdigit() for ch in value)):
            raise ValueError("give the street and the house number")
        return value

    @field_validator("postcode")
    @classmethod
    def _postcode(cls, value: str) -> str:
        checked = Applicant.model_validate({"name": "xx", "email": "x@x.nl", "postcode": value}).postcode
        if checked is None:
            raise ValueError("not a Dutch postcode (1234 AB)")
        return checked

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return Applicant.model_validate({"name": "xx", "email": value}).email


class PayerChoice(BaseModel):
    """ "Wie betaalt?": the person themselves (with invoice details), their employer (with its KvK
    number), UWV, their gemeente or an O&O-fonds (with its name)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    # Checked field by field (validate_default), so a 422 names the field that is missing.
    who: Who
    organisation: str | None = Field(
        default=None,
        max_length=160,
        validate_default=True,
        description="the employer's, gemeente's or fund's name",
    )
    kvk: str | None = Field(
        default=None, max_length=8, validate_default=True, description="the employer's KvK number (8 digits)"
    )
    invoice: InvoiceDetails | None = Field(
        default=None, validate_default=True, description="for `self`: where the invoice goes"
    )

    @field_validator("organisation")
    @classmethod
    def _organisation_named(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("who") in (Who.employer, Who.gemeente, Who.oo_fonds) and not (value or "").strip():
            raise ValueError("name the employer, gemeente or fund")
        return value

    @field_validator("kvk")
    @classmethod
    def _kvk_of_an_employer(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("who") == Who.employer and not (value and _KVK.match(value)):
            raise ValueError("the employer's KvK number has 8 digits")
        return value

    @field_validator("invoice")
    @classmethod
    def _invoice_of_a_person(
        cls, value: InvoiceDetails | None, info: ValidationInfo
    ) -> InvoiceDetails | None:
        if info.data.get("who") == Who.self and value is None:
            raise ValueError("a person who pays gives the invoice details")
        return value

    def funding(self, participant_ref: str, sealer: Sealer) -> Funding:
        """A private seat paid in full by this payer; a person appears by pseudonym and sealed details."""
        return Funding(funding_kind=FundingKind.private, payers=[self.payer(participant_ref, sealer)])

    def payer(self, participant_ref: str, sealer: Sealer) -> Payer:
        org = (self.organisation or "").strip()
        if self.who == Who.self:
            assert self.invoice is not None
            details = self.invoice.model_dump(mode="json", exclude_none=True)
            return participant_payer(participant_ref, sealed_details=sealer(details))
        if self.who == Who.employer:
            return Payer(
                payer_id=f"KVK-{self.kvk}",
                kind="employer",
                name=org,
                scheme="0106",
                endpoint=self.kvk,
                share_bp=FULL_SHARE_BP,
            )
        if self.who == Who.uwv:
            return Payer(
                payer_id=f"OIN-{UWV_OIN}",
                kind="uwv",
                name="UWV",
                scheme="0190",
                endpoint=UWV_OIN,
                share_bp=FULL_SHARE_BP,
            )
        kind: PayerKind = "gemeente" if self.who == Who.gemeente else "oo_fonds"
        name = org if kind == "oo_fonds" or org.lower().startswith("gemeente") else f"Gemeente {org}"
        slug = re.sub(r"[^A-Z0-9]+", "-", org.upper()).strip("-")[:60] or "ONBEKEND"
        prefix = "GEM" if kind == "gemeente" else "OOF"
        return Payer(payer_id=f"{prefix}-{slug}", kind=kind, name=name, share_bp=FULL_SHARE_BP)


def participant_payer(participant_ref: str, *, sealed_details: str | None = None) -> Payer:
    """The person as payer: the pseudonym is their id and their name in every event."""
    return Payer(
        payer_id=participant_ref,
        kind="participant",
        name=participant_ref,
        sealed_details=sealed_details,
        share_bp=FULL_SHARE_BP,
    )
