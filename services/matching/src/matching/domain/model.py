"""Domain models: demand (scholingsvraag), candidate, and the read model of offerings and cohorts.

Both a demand and a candidate are turned into a `Need`: the one profile the scorer and the
pooling solver work with, so both kinds of seeker follow exactly the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

CommissionerKind = Literal["employer", "uwv", "gemeente", "oo_fonds", "rmt"]
COMMISSIONER_KINDS: tuple[str, ...] = ("employer", "uwv", "gemeente", "oo_fonds", "rmt")

FundingKind = Literal["funded_bol", "funded_bbl", "private"]
FUNDING_KINDS: tuple[str, ...] = ("funded_bol", "funded_bbl", "private")

# Delivery wishes a demand or candidate can state, and a cohort can offer (DOMAIN.md, "leermix",
# lesson times, location). Kept as a closed list so a typo is a 4xx, not a silent mismatch.
DELIVERY_MODES: tuple[str, ...] = (
    "in_company",
    "classroom",
    "online",
    "daytime",
    "evening",
    "weekend",
    "own_pace",
    "workplace_learning",
)

# The cohort statuses in which a seat can still be taken.
OPEN_STATUSES = frozenset({"planned", "confirmed"})

LEVELS = (1, 2, 3, 4)


def funding_kind_of(leerweg: str | None, funding: str | None) -> str:
    """Which kind of seat an offering sells: BOL/BBL seats are funded, everything else private."""
    if funding in ("privaat", "private"):
        return "private"
    normalised = (leerweg or "").lower()
    if normalised == "bol":
        return "funded_bol"
    if normalised == "bbl":
        return "funded_bbl"
    return "private"


@dataclass(frozen=True, slots=True)
class OfferingView:
    offering_id: str
    provider_id: str
    title: str = ""
    credential_type: str | None = None
    code: str | None = None
    leerweg: str | None = None
    level: int | None = None
    domain: str | None = None
    skills: frozenset[str] = frozenset()
    visibility: str = "public"
    visible_to: frozenset[str] = frozenset()
    funding: str | None = None
    price_cents: int = 0
    withdrawn: bool = False

    @property
    def seat_funding(self) -> str:
        return funding_kind_of(self.leerweg, self.funding)

    def visible_for(self, org: str) -> bool:
        return self.visibility != "onderhands" or org in self.visible_to


@dataclass(frozen=True, slots=True)
class CohortView:
    cohort_id: str
    offering_id: str
    provider_id: str
    region: str
    start_date: date
    capacity: int
    break_even: int
    seat_price_cents: int
    seats_taken: int = 0
    seats_left: int | None = None
    status: str = "planned"
    municipality: str | None = None
    lat: float | None = None
    lon: float | None = None
    end_date: date | None = None
    decision_date: date | None = None
    delivery: frozenset[str] = frozenset()

    @property
    def free_seats(self) -> int:
        left = self.seats_left if self.seats_left is not None else self.capacity - self.seats_taken
        return max(0, left)

    @property
    def open_for_enrolment(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True, slots=True)
class Need:
    """What one seeker (a demand or a candidate) needs; the input of scoring and pooling."""

    kind: Literal["demand", "candidate"]
    ref: str
    commissioner_org: str
    region: str
    lat: float
    lon: float
    max_distance_km: float
    start_from: date
    start_until: date
    participants: int = 1
    splittable: bool = False
    essential_skills: frozenset[str] = frozenset()
    optional_skills: frozenset[str] = frozenset()
    level: int | None = None
    domain: str | None = None
    credential_type: str | None = None
    code: str | None = None
    budget_per_participant_cents: int | None = None
    delivery_wishes: frozenset[str] = frozenset()
    eligible_funding: frozenset[str] = frozenset(FUNDING_KINDS)
    excluded_cohorts: frozenset[str] = frozenset()  # rejected before: never proposed again

    @property
    def seats_needed(self) -> int:
        """Seats a cohort must have left to take this need at all (a split demand takes one or more)."""
        return 1 if self.splittable else self.participants


@dataclass(frozen=True, slots=True)
class Consent:
    purpose: str
    given_on: date
    recorded_by: str
    withdrawn_on: date | None = None

    @property
    def active(self) -> bool:
        return self.withdrawn_on is None


@dataclass(frozen=True, slots=True)
class ExemptionDecision:
    """A vrijstelling as decided by the examencommissie; the system records it, never makes it."""

    decision: Literal["granted", "refused"]
    decided_on: date
    reference: str


@dataclass(frozen=True, slots=True)
class ModuleEvidence:
    module_code: str
    praktijkscan_pct: int | None = None
    instaptoets_pct: int | None = None
    exemption: ExemptionDecision | None = None


MATCHING_PURPOSE = "matching"


@dataclass(frozen=True, slots=True)
class CandidateProfile:
    """The parts of a candidate the matching rules read (personal contact data is kept apart)."""

    candidate_ref: str
    region: str
    registered_by: str
    lat: float
    lon: float
    max_distance_km: float
    available_from: date
    available_until: date
    skills: frozenset[str] = frozenset()
    goal_essential_skills: frozenset[str] = frozenset()
    goal_optional_skills: frozenset[str] = frozenset()
    prior_level: int | None = None
    target_level: int | None = None
    domain: str | None = None
    delivery_wishes: frozenset[str] = frozenset()
    funding_eligibility: frozenset[str] = frozenset(FUNDING_KINDS)
    budget_cents: int | None = None
    consents: tuple[Consent, ...] = ()
    evidence: tuple[ModuleEvidence, ...] = ()
    excluded_cohorts: frozenset[str] = frozenset()

    def consents_to(self, purpose: str = MATCHING_PURPOSE) -> bool:
        return any(c.purpose == purpose and c.active for c in self.consents)

    def to_need(self) -> Need:
        # Skills the candidate already masters are not worth training for again.
        return Need(
            kind="candidate",
            ref=self.candidate_ref,
            commissioner_org=self.registered_by,
            region=self.region,
            lat=self.lat,
            lon=self.lon,
            max_distance_km=self.max_distance_km,
            start_from=self.available_from,
            start_until=self.available_until,
            essential_skills=self.goal_essential_skills - self.skills,
            optional_skills=self.goal_optional_skills - self.skills,
            level=self.target_level or (min(4, self.prior_level + 1) if self.prior_level else None),
            domain=self.domain,
            budget_per_participant_cents=self.budget_cents,
            delivery_wishes=self.delivery_wishes,
            eligible_funding=self.funding_eligibility,
            excluded_cohorts=self.excluded_cohorts,
        )


# Its fields repeat most of `Need`'s (and `OfferingView` those of handlers.OfferingSeen): declarations
# of the same facts at two stages, no logic; `duplicates` pairs them as boilerplate.
@dataclass(frozen=True, slots=True)
class DemandSpec:
    """A scholingsvraag as the matching rules read it."""

    demand_id: str
    commissioner_kind: str
    commissioner_org: str
    region: str
    lat: float
    lon: float
    max_distance_km: float
    start_from: date
    start_until: date
    participants: int
    allow_split: bool = False
    essential_skills: frozenset[str] = frozenset()
    optional_skills: frozenset[str] = frozenset()
    level: int | None = None
    domain: str | None = None
    credential_type: str | None = None
    code: str | None = None
    budget_per_participant_cents: int | None = None
    delivery_wishes: frozenset[str] = frozenset()
    funding_kinds: frozenset[str] = frozenset({"funded_bbl", "private"})
    excluded_cohorts: frozenset[str] = field(default_factory=frozenset)

    def to_need(self) -> Need:
        return Need(
            kind="demand",
            ref=self.demand_id,
            commissioner_org=self.commissioner_org,
            region=self.region,
            lat=self.lat,
            lon=self.lon,
            max_distance_km=self.max_distance_km,
            start_from=self.start_from,
            start_until=self.start_until,
            participants=self.participants,
            splittable=self.allow_split,
            essential_skills=self.essential_skills,
            optional_skills=self.optional_skills,
            level=self.level,
            domain=self.domain,
            credential_type=self.credential_type,
            code=self.code,
            budget_per_participant_cents=self.budget_per_participant_cents,
            delivery_wishes=self.delivery_wishes,
            eligible_funding=self.funding_kinds,
            excluded_cohorts=self.excluded_cohorts,
        )


def empty_seat_surcharge_cents(break_even: int, enrolled: int, seat_price_cents: int) -> int:
    """DOMAIN.md: surcharge = max(0, break_even - enrolled) * seat_price."""
    return max(0, break_even - enrolled) * seat_price_cents
