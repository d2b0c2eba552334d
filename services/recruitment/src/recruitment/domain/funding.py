"""Who pays for a seat: the funding kind and the payers with their shares in basis points."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

FULL_SHARE_BP = 10_000


class FundingKind(StrEnum):
    funded_bol = "funded_bol"
    funded_bbl = "funded_bbl"
    private = "private"


PayerKind = Literal["employer", "uwv", "gemeente", "oo_fonds", "participant", "budget_scheme"]


class Payer(BaseModel):
    """The payer object of docs/events.md; for kind `participant` the id is the pseudonymous ref."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    payer_id: str = Field(min_length=1, max_length=100)
    kind: PayerKind
    name: str = Field(min_length=1, max_length=200)
    scheme: Literal["0106", "0190"] | None = None
    endpoint: str | None = Field(default=None, max_length=100)
    share_bp: int = Field(ge=1, le=FULL_SHARE_BP)


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
