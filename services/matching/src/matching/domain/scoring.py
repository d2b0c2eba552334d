"""The explainable score of a need (demand or candidate) for a cohort.

Hard constraints are checked first and in a fixed order; a cohort that breaks one is not
scored at all. A feasible cohort gets a score in 0..100: the weighted sum of factor values
(each in 0..1), and every factor shows its weight, value and contribution so a person can
see *why* a cohort ranks where it does. This module is the reference implementation in plain
Python; `matching.domain.ranking` computes the same numbers vectorised over many cohorts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from matching.domain.geo import haversine_km
from matching.domain.model import CohortView, Need, OfferingView

WEIGHTS: Mapping[str, float] = {
    "skills_essential": 0.30,
    "skills_optional": 0.10,
    "level": 0.15,
    "distance": 0.15,
    "start_date": 0.10,
    "price": 0.10,
    "delivery": 0.10,
}

HARD_CONSTRAINTS: tuple[str, ...] = (
    "open",
    "seats",
    "visibility",
    "eligibility",
    "requirement",
    "start_window",
    "distance",
    "not_rejected",
)

# Delivery is unknown when a cohort states no delivery modes: neither a match nor a mismatch.
UNKNOWN_DELIVERY_VALUE = 0.5
UNKNOWN_LEVEL_VALUE = 0.5
LEVEL_STEP_PENALTY = 0.5


@dataclass(frozen=True, slots=True)
class Violation:
    constraint: str
    detail: str


@dataclass(frozen=True, slots=True)
class Factor:
    name: str
    weight: float
    value: float
    detail: str
    facts: Mapping[str, Any] = field(default_factory=dict)  # the figures behind `detail`, for pages

    @property
    def contribution(self) -> float:
        return self.weight * self.value


@dataclass(frozen=True, slots=True)
class Explanation:
    cohort_id: str
    offering_id: str
    violations: tuple[Violation, ...]
    factors: tuple[Factor, ...]
    distance_km: float | None

    @property
    def feasible(self) -> bool:
        return not self.violations

    @property
    def score(self) -> float:
        """0..100; 0 for an infeasible cohort."""
        if not self.feasible:
            return 0.0
        return 100.0 * sum(f.contribution for f in self.factors)


# Hard constraints --------------------------------------------------------------


def requirement_violation(need: Need, offering: OfferingView) -> str | None:
    """What the seeker asked for explicitly (code, credential type, domain, a demand's level) is not
    negotiable. A candidate's target level stays a preference (the level factor)."""
    if need.code and offering.code != need.code:
        return f"code {offering.code or '-'} is not the requested {need.code}"
    if need.credential_type and offering.credential_type != need.credential_type:
        return f"credential {offering.credential_type or '-'} is not the requested {need.credential_type}"
    if need.domain and offering.domain != need.domain:
        return f"domain {offering.domain or '-'} is not the requested {need.domain}"
    if need.kind == "demand" and need.level and offering.level and offering.level != need.level:
        # an employer asking for niveau 1 is not helped by a niveau 3 certificate (issue 10)
        return f"level {offering.level} is not the requested {need.level}"
    return None


def cohort_distance_km(need: Need, cohort: CohortView) -> float | None:
    if cohort.lat is None or cohort.lon is None:
        return None
    return haversine_km(need.lat, need.lon, cohort.lat, cohort.lon)


def hard_violations(
    need: Need, cohort: CohortView, offering: OfferingView, distance_km: float | None
) -> list[Violation]:
    found: list[Violation] = []
    if not cohort.open_for_enrolment or offering.withdrawn:
        reason = "offering withdrawn" if offering.withdrawn else f"cohort is {cohort.status}"
        found.append(Violation("open", reason))
    if cohort.free_seats < need.seats_needed:
        found.append(Violation("seats", f"{cohort.free_seats} seats left, {need.seats_needed} needed"))
    if not offering.visible_for(need.commissioner_org):
        found.append(Violation("visibility", "onderhands offering not open to this commissioner"))
    if offering.seat_funding not in need.eligible_funding:
        found.append(Violation("eligibility", f"{offering.seat_funding} seats are not within eligibility"))
    if unmet := requirement_violation(need, offering):
        found.append(Violation("requirement", unmet))
    if not need.start_from <= cohort.start_date <= need.start_until:
        found.append(
            Violation(
                "start_window",
                f"starts {cohort.start_date.isoformat()}, outside "
                f"{need.start_from.isoformat()}..{need.start_until.isoformat()}",
            )
        )
    if distance_km is None:
        found.append(Violation("distance", "cohort location unknown"))
    elif distance_km > need.max_distance_km:
        found.append(Violation("distance", f"{distance_km:.1f} km > {need.max_distance_km:g} km"))
    if cohort.cohort_id in need.excluded_cohorts:
        found.append(Violation("not_rejected", "rejected earlier for this seeker"))
    return found


# Factors -------------------------------------------------------------------------


def coverage(wanted: frozenset[str], taught: frozenset[str]) -> float:
    return 1.0 if not wanted else len(wanted & taught) / len(wanted)


def level_value(wanted: int | None, offered: int | None) -> float:
    if wanted is None:
        return 1.0
    if offered is None:
        return UNKNOWN_LEVEL_VALUE
    return max(0.0, 1.0 - LEVEL_STEP_PENALTY * abs(offered - wanted))


def distance_value(distance_km: float, max_distance_km: float) -> float:
    if max_distance_km <= 0:
        return 1.0
    return max(0.0, 1.0 - distance_km / max_distance_km)


def start_value(need: Need, cohort: CohortView) -> float:
    """Sooner within the window is better: people and employers wait less."""
    span = (need.start_until - need.start_from).days
    if span <= 0:
        return 1.0
    return max(0.0, 1.0 - (cohort.start_date - need.start_from).days / span)


def effective_price_cents(cohort: CohortView, offering: OfferingView) -> int:
    """A funded seat costs the commissioner no seat price; a private seat costs the cohort's price."""
    return cohort.seat_price_cents if offering.seat_funding == "private" else 0


def price_value(budget_cents: int | None, price_cents: int) -> float:
    if budget_cents is None or price_cents <= budget_cents:
        return 1.0
    if budget_cents <= 0:
        return 0.0
    return max(0.0, 1.0 - (price_cents - budget_cents) / budget_cents)


def delivery_value(wishes: frozenset[str], offered: frozenset[str]) -> float:
    if not wishes:
        return 1.0
    if not offered:
        return UNKNOWN_DELIVERY_VALUE
    return len(wishes & offered) / len(wishes)


# Seven `Factor(...)` rows of one shape, one per factor: a table, not a copy
# (boilerplate for `duplicates`).
def factors_of(
    need: Need,
    cohort: CohortView,
    offering: OfferingView,
    distance_km: float,
    weights: Mapping[str, float] = WEIGHTS,
) -> tuple[Factor, ...]:
    price = effective_price_cents(cohort, offering)
    essential_hit = sorted(need.essential_skills & offering.skills)
    optional_hit = sorted(need.optional_skills & offering.skills)
    return (
        Factor(
            "skills_essential",
            weights["skills_essential"],
            coverage(need.essential_skills, offering.skills),
            f"{len(essential_hit)}/{len(need.essential_skills)} essential skills taught",
            {"taught": essential_hit, "missing": sorted(need.essential_skills - offering.skills)},
        ),
        Factor(
            "skills_optional",
            weights["skills_optional"],
            coverage(need.optional_skills, offering.skills),
            f"{len(optional_hit)}/{len(need.optional_skills)} optional skills taught",
            {"taught": optional_hit, "missing": sorted(need.optional_skills - offering.skills)},
        ),
        Factor(
            "level",
            weights["level"],
            level_value(need.level, offering.level),
            f"niveau {offering.level or '?'} for wanted {need.level or 'any'}",
            {"offered": offering.level, "wanted": need.level},
        ),
        Factor(
            "distance",
            weights["distance"],
            distance_value(distance_km, need.max_distance_km),
            f"{distance_km:.1f} km of at most {need.max_distance_km:g} km",
            {"km": round(distance_km, 1), "max_km": need.max_distance_km},
        ),
        Factor(
            "start_date",
            weights["start_date"],
            start_value(need, cohort),
            f"starts {cohort.start_date.isoformat()}",
            {
                "start": cohort.start_date.isoformat(),
                "from": need.start_from.isoformat(),
                "until": need.start_until.isoformat(),
            },
        ),
        Factor(
            "price",
            weights["price"],
            price_value(need.budget_per_participant_cents, price),
            f"{price} cents per seat, budget {need.budget_per_participant_cents}",
            {"price_cents": price, "budget_cents": need.budget_per_participant_cents},
        ),
        Factor(
            "delivery",
            weights["delivery"],
            delivery_value(need.delivery_wishes, cohort.delivery),
            f"wished {sorted(need.delivery_wishes)}, offered {sorted(cohort.delivery) or 'unknown'}",
            {"wished": sorted(need.delivery_wishes), "offered": sorted(cohort.delivery)},
        ),
    )


def explain(
    need: Need, cohort: CohortView, offering: OfferingView, weights: Mapping[str, float] = WEIGHTS
) -> Explanation:
    distance = cohort_distance_km(need, cohort)
    violations = tuple(hard_violations(need, cohort, offering, distance))
    factors = () if violations or distance is None else factors_of(need, cohort, offering, distance, weights)
    return Explanation(cohort.cohort_id, cohort.offering_id, violations, factors, distance)


def rank_plain(
    need: Need,
    cohorts: list[CohortView],
    offerings: Mapping[str, OfferingView],
    k: int = 10,
) -> list[Explanation]:
    """Straightforward top-k: explain every cohort, keep the best. The benchmark's baseline."""
    scored = []
    for cohort in cohorts:
        offering = offerings.get(cohort.offering_id)
        if offering is None:
            continue
        explanation = explain(need, cohort, offering)
        if explanation.feasible:
            scored.append(explanation)
    scored.sort(key=lambda e: (-e.score, e.cohort_id))
    return scored[:k]
