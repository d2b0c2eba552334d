"""Read schemas of matching's JSON API (the Create/Update models are in schemas.py).

Each names the fields a client may rely on; views may carry more (llo_shared.reads).
"""

from __future__ import annotations

from llo_shared.reads import Page, ReadSchema


# Field declarations that repeat the names of other models (handlers' tolerant event models, the
# domain views) are boilerplate for `duplicates`: each states what one boundary promises.
class DemandRead(ReadSchema):
    demand_id: str
    commissioner_org: str
    region: str
    status: str
    placed_seats: int
    created_at: str | None = None
    version: int | None = None


class CandidateRead(ReadSchema):
    """An erased candidate keeps its ref and status only."""

    candidate_ref: str
    status: str
    region: str | None = None
    consent_active: bool | None = None


class ViolationRead(ReadSchema):
    constraint: str
    detail: str


class FactorRead(ReadSchema):
    factor: str
    label: str
    weight: float
    value: float
    contribution: float
    detail: str


class MatchRead(ReadSchema):
    """One cohort for a seeker: its score and why (hard constraints broken, each factor's part)."""

    cohort_id: str
    offering_id: str
    score: float
    feasible: bool
    distance_km: float | None = None
    violations: list[ViolationRead]
    factors: list[FactorRead]


class PoolingRunRead(ReadSchema):
    run_id: str
    region: str
    units: int
    cohorts_considered: int
    cohorts_tipped: int
    people_placed: int
    proposal_ids: list[str]


class MemberRead(ReadSchema):
    """A seeker in a proposal; another commissioner's members show as kind "other" with seats only."""

    kind: str
    seats: int


class ProposalRead(ReadSchema):
    proposal_id: str
    cohort_id: str
    region: str
    status: str
    members: list[MemberRead]
    fill_level: float | None = None


class PlacementRead(ReadSchema):
    placement_id: str
    proposal_id: str
    cohort_id: str
    status: str
    seats: int
    demand_id: str | None = None
    candidate_ref: str | None = None


class SurchargeAcceptanceRead(ReadSchema):
    acceptance_id: str
    cohort_id: str
    proposal_id: str
    demand_id: str
    seats: int
    cap_cents: int


class RegionFillRead(ReadSchema):
    """An open cohort of the region: how far from break-even, and what could close the gap."""

    cohort_id: str
    offering_id: str
    start_date: str
    enrolled: int
    missing_to_break_even: int
    proposed_seats: int
    fitting_people: int
    surcharge_now_cents: int
    tipped_by_proposals: bool


DemandPage = Page[DemandRead]
CandidatePage = Page[CandidateRead]
MatchPage = Page[MatchRead]
ProposalPage = Page[ProposalRead]
PlacementPage = Page[PlacementRead]
SurchargeAcceptancePage = Page[SurchargeAcceptanceRead]
RegionFillPage = Page[RegionFillRead]
