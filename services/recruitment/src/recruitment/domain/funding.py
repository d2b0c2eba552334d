"""Who pays for a seat: the funding kind and the payers with their shares in basis points."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

FULL_SHARE_BP = 10_000


class FundingKind(StrEnum):
    funded_bol = "funded_bol"
    funded_bbl = "funded_bbl"
    private = "private"


PayerKind = Literal["employer", "uwv", "gemeente", "oo_fonds", "participant", "budget_scheme"]


class Payer(BaseModel):
    """The payer object of docs/events.md. For kind `participant` (a person paying themselves) the id
    is the pseudonymous ref and so is the name: a person's name never travels in an event; their
    invoice details go to billing in `sealed_details`, a JWE only billing can open."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    payer_id: str = Field(min_length=1, max_length=100)
    kind: PayerKind
    name: str = Field(min_length=1, max_length=200)
    scheme: Literal["0106", "0190"] | None = None
    endpoint: str | None = Field(default=None, max_length=100)
    share_bp: int = Field(ge=1, le=FULL_SHARE_BP)
    sealed_details: str | None = Field(
        default=None, max_length=8000, description="invoice details sealed for billing (llo_shared.sealed)"
    )

    @model_validator(mode="before")
    @classmethod
    def _a_person_is_named_by_pseudonym(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("kind") == "participant" and data.get("payer_id"):
            return {**data, "name": data["payer_id"]}
        return data


class Funding(BaseModel):
    """A private seat is paid in full by its payers; a funded seat may name payers (e.g. BBL extras)."""

    model_config = ConfigDict(frozen=True)

    funding_kind: FundingKind
    payers: list[Payer] = Field(default_factory=list, max_length=10)

    @model_validator(mode="after")
    def _shares_add_up(self) -> Funding:
        if self.funding_kind == FundingKind.private and not self.payers:
            raise ValueError("a private seat needs at least one payer")
        if self.payers and sum(p.share_bp for p in self.payers) != FULL_SHARE_BP:
            raise ValueError("payer shares (share_bp) must add up to 10000")
        if len({p.payer_id for p in self.payers}) != len(self.payers):
            raise ValueError("each payer appears once")
        return self

    def of_participant(self, participant_ref: str) -> Funding:
        """The person paying is this application's person: their id is its pseudonym, whatever
        a client sent (a name or an e-mail address there would travel in events)."""
        payers = [
            p.model_copy(update={"payer_id": participant_ref, "name": participant_ref})
            if p.kind == "participant"
            else p
            for p in self.payers
        ]
        return self.model_copy(update={"payers": payers})

    def without_sealed_details(self) -> Funding:
        """After erasure: the sealed copy of the person's invoice details goes too."""
        payers = [p.model_copy(update={"sealed_details": None}) for p in self.payers]
        return self.model_copy(update={"payers": payers})
