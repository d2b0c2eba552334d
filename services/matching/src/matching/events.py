"""Events the matching service publishes (docs/events.md). No personal data: people are refs."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from llo_shared.envelope import EventPayload

PRODUCER = "matching"
DEMAND_TOPIC = "matching.demand.v1"
CANDIDATE_TOPIC = "matching.candidate.v1"
PROPOSAL_TOPIC = "matching.proposal.v1"
PLACEMENT_TOPIC = "matching.placement.v1"
SURCHARGE_TOPIC = "matching.surcharge.v1"


class Payer(BaseModel):
    payer_id: str
    kind: Literal["employer", "uwv", "gemeente", "oo_fonds", "participant", "budget_scheme"]
    name: str = ""
    scheme: str | None = None
    endpoint: str | None = None
    share_bp: int = 10000
    # A paying person's invoice details, sealed for billing (llo_shared.sealed); their id and name
    # are the pseudonymous ref.
    sealed_details: str | None = None


class DemandPayload(EventPayload):
    demand_id: str
    commissioner_kind: str
    commissioner_org: str
    region: str
    credential_type: str | None
    code: str | None
    skills: list[str]
    level: int | None
    participants: int
    start_from: str
    start_until: str
    budget_per_participant_cents: int | None
    domain: str | None = None
    status: str = "open"


class DemandPosted(DemandPayload):
    event_type: Literal["DemandPosted"] = "DemandPosted"


class DemandUpdated(DemandPayload):
    event_type: Literal["DemandUpdated"] = "DemandUpdated"


class DemandClosed(DemandPayload):
    event_type: Literal["DemandClosed"] = "DemandClosed"
    reason: str = "closed"


class CandidateRegistered(EventPayload):
    event_type: Literal["CandidateRegistered"] = "CandidateRegistered"
    candidate_ref: str
    region: str


class CandidateErased(EventPayload):
    event_type: Literal["CandidateErased"] = "CandidateErased"
    candidate_ref: str
    region: str


class GroupProposed(EventPayload):
    event_type: Literal["GroupProposed"] = "GroupProposed"
    proposal_id: str
    cohort_id: str
    offering_id: str
    region: str
    demand_ids: list[str]
    candidate_refs: list[str]
    seats: int
    enrolled_before: int
    fill_after: int
    break_even: int
    capacity: int
    reaches_break_even: bool
    surcharge_cents: int
    currency: str = "EUR"


class PlacementAccepted(EventPayload):
    event_type: Literal["PlacementAccepted"] = "PlacementAccepted"
    placement_id: str
    proposal_id: str
    cohort_id: str
    demand_id: str | None
    candidate_ref: str | None
    commissioner_org: str
    seats: int
    funding_kind: Literal["funded_bol", "funded_bbl", "private"]
    payers: list[Payer]


class PlacementRejected(EventPayload):
    event_type: Literal["PlacementRejected"] = "PlacementRejected"
    placement_id: str
    proposal_id: str
    cohort_id: str
    demand_id: str | None = None
    candidate_ref: str | None = None
    # A code (schemas.RejectionCode), never the free text the member typed.
    reason: str


class SurchargeAccepted(EventPayload):
    event_type: Literal["SurchargeAccepted"] = "SurchargeAccepted"
    cohort_id: str
    proposal_id: str
    demand_id: str
    payer: Payer  # the demand's first payer (v1 consumers); `payers` holds every payer it names
    seats: int
    cap_cents: int  # for the demand as a whole
    currency: str = "EUR"
    payers: list[Payer] = Field(default_factory=list)  # the demand's payers, shares in share_bp


MATCHING_EVENTS: tuple[tuple[str, type[EventPayload]], ...] = (
    (DEMAND_TOPIC, DemandPosted),
    (DEMAND_TOPIC, DemandUpdated),
    (DEMAND_TOPIC, DemandClosed),
    (CANDIDATE_TOPIC, CandidateRegistered),
    (CANDIDATE_TOPIC, CandidateErased),
    (PROPOSAL_TOPIC, GroupProposed),
    (PLACEMENT_TOPIC, PlacementAccepted),
    (PLACEMENT_TOPIC, PlacementRejected),
    (SURCHARGE_TOPIC, SurchargeAccepted),
)
