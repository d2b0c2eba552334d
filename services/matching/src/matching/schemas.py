"""API input models (Create/Update naming); every bad value becomes a 422 naming the field."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from llo_shared.dates import Day, PatchModel
from llo_shared.skills import load_skills
from matching.domain.model import COMMISSIONER_KINDS, DELIVERY_MODES, FUNDING_KINDS, LEVELS
from matching.domain.places import place

Text = Annotated[str, Field(min_length=1, max_length=200)]
Ref = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9._:\-]+$")]
Cents = Annotated[int, Field(ge=0, le=100_000_000)]
# Spelled out so type checkers see the values; test_schemas holds them equal to REGIONS' keys.
Region = Literal["flevoland", "friesland", "twente", "haaglanden", "rijnmond", "foodvalley", "zaanstreek"]
DeliveryMode = Literal[DELIVERY_MODES]  # type: ignore[valid-type]
FundingKind = Literal[FUNDING_KINDS]  # type: ignore[valid-type]
CommissionerKind = Literal[COMMISSIONER_KINDS]  # type: ignore[valid-type]
Level = Literal[LEVELS]  # type: ignore[valid-type]
Domain = Literal[
    "handel",
    "ict_creatief",
    "mobiliteit_logistiek",
    "specialistisch_vakmanschap",
    "techniek_gebouwde_omgeving",
    "voedsel_groen_gastvrijheid",
    "zakelijk_veiligheid",
    "zorg_welzijn_sport",
]
CredentialType = Literal[
    "diploma",
    "mbo_certificaat",
    "praktijkverklaring",
    "leereenheid",
    "branchecertificaat",
    "edubadge",
    "cursus",
    "orientatie",
]


def known_skills(values: list[str]) -> list[str]:
    unknown = load_skills().unknown(values)
    if unknown:
        raise ValueError(f"unknown skill ids: {', '.join(unknown)} (see the shared skills reference set)")
    return sorted(set(values))


Skills = Annotated[
    list[Annotated[str, Field(max_length=80)]], Field(max_length=40), AfterValidator(known_skills)
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InvoiceDetailsIn(Strict):
    """Where the invoice of a person paying themselves goes; sealed for billing, never published."""

    name: Annotated[str, Field(min_length=2, max_length=120)]
    street: Annotated[
        str, Field(min_length=3, max_length=120, pattern=r"^\D*[A-Za-z]\D*\d.*$|^.*\d\D*[A-Za-z].*$")
    ]
    postcode: Annotated[str, Field(pattern=r"^[1-9][0-9]{3} ?[A-Za-z]{2}$")]
    city: Annotated[str, Field(min_length=2, max_length=80)]
    country: Literal["NL"] = "NL"
    email: Annotated[str, Field(max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = None


class PayerIn(Strict):
    payer_id: Ref
    kind: Literal["employer", "uwv", "gemeente", "oo_fonds", "participant", "budget_scheme"]
    name: Annotated[str, Field(max_length=200)] = ""
    scheme: Literal["0106", "0190"] | None = None
    endpoint: Annotated[str, Field(max_length=80)] | None = None
    share_bp: Annotated[int, Field(ge=1, le=10000)] = 10000
    invoice_details: InvoiceDetailsIn | None = Field(
        default=None, description="kind participant only: the person's invoice name and address"
    )

    @model_validator(mode="after")
    def details_for_a_person_only(self) -> Self:
        if self.invoice_details is not None and self.kind != "participant":
            raise ValueError("invoice_details: only a paying person gives invoice details here")
        return self


class Located(Strict):
    municipality: Text
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None

    @model_validator(mode="after")
    def known_place_or_coordinates(self) -> Self:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon, or neither")
        if self.lat is None and place(self.municipality) is None:
            raise ValueError(f"unknown municipality {self.municipality!r}: give lat and lon")
        return self

    def coordinates(self) -> tuple[float, float]:
        if self.lat is not None and self.lon is not None:
            return self.lat, self.lon
        found = place(self.municipality)
        assert found is not None  # checked by the validator
        return found.lat, found.lon


class DemandCreate(Strict):
    title: Text
    commissioner_kind: CommissionerKind = "employer"
    commissioner_name: Annotated[str, Field(max_length=200)] = ""
    region: Region
    location: Located
    max_distance_km: Annotated[float, Field(gt=0, le=300)] = 30
    credential_type: CredentialType | None = None
    code: Annotated[str, Field(max_length=20, pattern=r"^[A-Za-z0-9]+$")] | None = None
    domain: Domain | None = None
    level: Level | None = None
    essential_skills: Skills = Field(default_factory=list)
    optional_skills: Skills = Field(default_factory=list)
    participants: Annotated[int, Field(ge=1, le=500)]
    participant_refs: Annotated[list[Ref], Field(max_length=500)] = Field(default_factory=list)
    allow_split: bool = False
    start_from: Day
    start_until: Day
    budget_per_participant_cents: Cents | None = None
    payers: Annotated[list[PayerIn], Field(max_length=5)] = Field(default_factory=list)
    delivery_wishes: Annotated[list[DeliveryMode], Field(max_length=len(DELIVERY_MODES))] = Field(
        default_factory=list
    )
    funding_kinds: Annotated[list[FundingKind], Field(min_length=1, max_length=3)] = Field(
        default_factory=lambda: ["funded_bbl", "private"]
    )

    @model_validator(mode="after")
    def consistent(self) -> Self:
        if self.start_until < self.start_from:
            raise ValueError("start_until is before start_from")
        if len(self.participant_refs) > self.participants:
            raise ValueError("more participant_refs than participants")
        if self.payers and sum(p.share_bp for p in self.payers) != 10000:
            raise ValueError("payers' share_bp must add up to 10000")
        if any(p.kind == "participant" for p in self.payers):
            # Which of its people would that be? And the payer travels in the surcharge event.
            raise ValueError(
                "payers: a demand is paid by organisations; a person who pays registers as a candidate"
            )
        return self


class DemandUpdate(Strict, PatchModel):
    """Fields a commissioner may change on an open demand; omitted fields stay as they are, and
    null is refused except for the budget (null: no budget stated)."""

    nullable = frozenset({"budget_per_participant_cents"})

    title: Text | None = None
    participants: Annotated[int, Field(ge=1, le=500)] | None = None
    max_distance_km: Annotated[float, Field(gt=0, le=300)] | None = None
    start_from: Day | None = None
    start_until: Day | None = None
    budget_per_participant_cents: Cents | None = None
    essential_skills: Skills | None = None
    optional_skills: Skills | None = None
    delivery_wishes: Annotated[list[DeliveryMode], Field(max_length=len(DELIVERY_MODES))] | None = None
    allow_split: bool | None = None
    version: int = Field(ge=1, description="the version you read; a stale version is a 409")


class DemandClose(Strict):
    reason: Literal["fulfilled", "withdrawn", "expired"] = "fulfilled"
    version: int = Field(ge=1)


class ConsentIn(Strict):
    purpose: Literal["matching", "sharing_with_provider", "contact"] = "matching"
    given_on: Day


class EvidenceIn(Strict):
    module_code: Annotated[str, Field(min_length=1, max_length=40)]
    praktijkscan_pct: Annotated[int, Field(ge=0, le=100)] | None = None
    instaptoets_pct: Annotated[int, Field(ge=0, le=100)] | None = None
    exemption: Literal["granted", "refused"] | None = None
    exemption_decided_on: Day | None = None
    exemption_reference: Annotated[str, Field(max_length=80)] | None = None

    @model_validator(mode="after")
    def exemption_is_documented(self) -> Self:
        if self.instaptoets_pct is not None and self.praktijkscan_pct is None:
            raise ValueError("an instaptoets follows a praktijkscan: give praktijkscan_pct")
        if self.exemption and not (self.exemption_decided_on and self.exemption_reference):
            raise ValueError("an examencommissie decision needs exemption_decided_on and exemption_reference")
        return self


class PersonalIn(Strict):
    """Kept in this service only, removed on erasure, never in events or logs."""

    display_name: Annotated[str, Field(max_length=120)] = ""
    email: Annotated[str, Field(max_length=200, pattern=r"^$|^[^@\s]+@[^@\s]+$")] = ""
    phone: Annotated[str, Field(max_length=40)] = ""
    postcode: Annotated[str, Field(max_length=10)] = ""


class CandidateCreate(Strict):
    region: Region
    location: Located
    max_distance_km: Annotated[float, Field(gt=0, le=300)] = 25
    available_from: Day
    available_until: Day
    skills: Skills = Field(default_factory=list)
    goal_essential_skills: Skills = Field(default_factory=list)
    goal_optional_skills: Skills = Field(default_factory=list)
    prior_level: Annotated[int, Field(ge=0, le=4)] | None = None
    target_level: Level | None = None
    domain: Domain | None = None
    experience_years: Annotated[int, Field(ge=0, le=60)] = 0
    delivery_wishes: Annotated[list[DeliveryMode], Field(max_length=len(DELIVERY_MODES))] = Field(
        default_factory=list
    )
    funding_eligibility: Annotated[list[FundingKind], Field(min_length=1, max_length=3)] = Field(
        default_factory=lambda: list(FUNDING_KINDS)
    )
    budget_cents: Cents | None = None
    payers: Annotated[list[PayerIn], Field(max_length=5)] = Field(default_factory=list)
    consent: ConsentIn
    evidence: Annotated[list[EvidenceIn], Field(max_length=40)] = Field(default_factory=list)
    personal: PersonalIn = Field(default_factory=PersonalIn)

    @model_validator(mode="after")
    def consistent(self) -> Self:
        if self.available_until < self.available_from:
            raise ValueError("available_until is before available_from")
        return self


# Why a member declines a group proposal: the code is what the PlacementRejected event publishes;
# the free-text reason stays in matching (it may name people or say more than others should read).
RejectionCode = Literal[
    "too_far",
    "schedule",
    "price_or_surcharge",
    "not_suitable",
    "no_longer_needed",
    "candidate_declined",
    "other",
]


class ProposalDecision(Strict):
    demand_id: Ref | None = None
    candidate_ref: Ref | None = None
    candidate_agreed: bool = False
    reason: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    reason_code: RejectionCode = "other"

    @model_validator(mode="after")
    def one_member(self) -> Self:
        if (self.demand_id is None) == (self.candidate_ref is None):
            raise ValueError("name exactly one of demand_id or candidate_ref")
        return self


class PoolingRun(Strict):
    region: Region


class SurchargeAcceptanceCreate(Strict):
    proposal_id: Ref
    demand_id: Ref
    cap_cents: Cents | None = Field(
        default=None, description="most the commissioner will pay; defaults to the surcharge shown"
    )
