"""Vectorised top-k over many cohorts: the same rules as `scoring`, computed with numpy.

Per query the hard constraints are applied first as boolean masks (cheap ones before the
distance), and only the surviving cohorts are scored. Factors that depend on the offering
alone (skills, level, eligibility, visibility) are computed once per offering and gathered to
the cohorts, because offerings are far fewer than cohorts. The top-k are then explained by the
plain reference scorer, so the explanation shown is always the rule's own.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from matching.domain.geo import EARTH_RADIUS_KM, haversine_km_many
from matching.domain.model import DELIVERY_MODES, FUNDING_KINDS, CohortView, Need, OfferingView
from matching.domain.scoring import (
    LEVEL_STEP_PENALTY,
    UNKNOWN_DELIVERY_VALUE,
    UNKNOWN_LEVEL_VALUE,
    WEIGHTS,
    Explanation,
    explain,
)

BOX_SLACK = 1.0001  # a hair wider than exact, so rounding never drops a cohort on the edge

_DELIVERY_BIT = {mode: 1 << i for i, mode in enumerate(DELIVERY_MODES)}
_POPCOUNT = np.array([bin(i).count("1") for i in range(1 << len(DELIVERY_MODES))], dtype=np.float64)


def delivery_mask(modes: Iterable[str]) -> int:
    return sum(_DELIVERY_BIT.get(m, 0) for m in set(modes))


def _ids(values: Iterable[str | None]) -> tuple[np.ndarray, dict[str, int]]:
    """Small integer ids for string attributes (-1 for none) so comparisons are vectorised."""
    table: dict[str, int] = {}
    out = [table.setdefault(v, len(table)) if v is not None else -1 for v in values]
    return np.array(out, dtype=np.int32), table


@dataclass(frozen=True)
class RankedCohort:
    cohort_id: str
    score: float


class CohortIndex:
    """Columns of the cohort read model, built once and queried many times."""

    def __init__(self, offerings: Mapping[str, OfferingView], cohorts: Iterable[CohortView]) -> None:
        self.offerings = dict(offerings)
        usable = sorted((c for c in cohorts if c.offering_id in self.offerings), key=lambda c: c.cohort_id)
        # Kept in latitude order so the cohorts near a seeker are one contiguous slice (searchsorted);
        # the rank by cohort id breaks score ties the same way whatever the storage order.
        id_rank = {c.cohort_id: i for i, c in enumerate(usable)}
        self.cohorts = sorted(usable, key=lambda c: (c.lat is None, c.lat or 0.0, c.cohort_id))
        self.position = {c.cohort_id: i for i, c in enumerate(self.cohorts)}
        self._c_id_rank = np.array([id_rank[c.cohort_id] for c in self.cohorts], dtype=np.int64)
        self._build_offering_columns()
        self._build_cohort_columns()

    def __len__(self) -> int:
        return len(self.cohorts)

    def _build_offering_columns(self) -> None:
        offerings = sorted(self.offerings.values(), key=lambda o: o.offering_id)
        self._offering_pos = {o.offering_id: i for i, o in enumerate(offerings)}
        self._off_level = np.array([o.level or 0 for o in offerings], dtype=np.float64)
        self._off_withdrawn = np.array([o.withdrawn for o in offerings], dtype=bool)
        self._off_public = np.array([o.visibility != "onderhands" for o in offerings], dtype=bool)
        self._off_funding = np.array([FUNDING_KINDS.index(o.seat_funding) for o in offerings], dtype=np.int8)
        self._off_code, self._code_ids = _ids(o.code for o in offerings)
        self._off_credential, self._credential_ids = _ids(o.credential_type for o in offerings)
        self._off_domain, self._domain_ids = _ids(o.domain for o in offerings)
        vocabulary = sorted({s for o in offerings for s in o.skills})
        self._skill_pos = {s: i for i, s in enumerate(vocabulary)}
        skills = np.zeros((len(offerings), max(1, len(vocabulary))), dtype=np.uint8)
        for row, offering in enumerate(offerings):
            skills[row, [self._skill_pos[s] for s in offering.skills]] = 1
        self._off_skills = skills
        self._visible_to: dict[str, list[int]] = {}
        for row, offering in enumerate(offerings):
            for org in offering.visible_to:
                self._visible_to.setdefault(org, []).append(row)

    def _build_cohort_columns(self) -> None:
        cohorts = self.cohorts
        self._c_offering = np.array([self._offering_pos[c.offering_id] for c in cohorts], dtype=np.int32)
        self._c_open = np.array([c.open_for_enrolment for c in cohorts], dtype=bool)
        self._c_free = np.array([c.free_seats for c in cohorts], dtype=np.int32)
        self._c_start = np.array([c.start_date.toordinal() for c in cohorts], dtype=np.int32)
        lat = np.array([np.nan if c.lat is None else c.lat for c in cohorts], dtype=np.float64)
        lon = np.array([np.nan if c.lon is None else c.lon for c in cohorts], dtype=np.float64)
        self._c_lat, self._c_lon = lat, lon
        self._c_lat_rad, self._c_lon_rad = np.radians(lat), np.radians(lon)
        self._c_cos_lat = np.cos(self._c_lat_rad)
        private = self._off_funding[self._c_offering] == FUNDING_KINDS.index("private")
        prices = np.array([c.seat_price_cents for c in cohorts], dtype=np.float64)
        self._c_price = np.where(private, prices, 0.0)
        self._c_delivery = np.array([delivery_mask(c.delivery) for c in cohorts], dtype=np.int32)

    # Hard constraints ---------------------------------------------------------------

    def _offering_feasible(self, need: Need) -> np.ndarray:
        visible = self._off_public.copy()
        visible[self._visible_to.get(need.commissioner_org, [])] = True
        eligible_kinds = [FUNDING_KINDS.index(k) for k in need.eligible_funding if k in FUNDING_KINDS]
        ok = ~self._off_withdrawn & visible & np.isin(self._off_funding, eligible_kinds)
        for wanted, column, table in (
            (need.code, self._off_code, self._code_ids),
            (need.credential_type, self._off_credential, self._credential_ids),
            (need.domain, self._off_domain, self._domain_ids),
        ):
            if wanted:
                ok &= column == table.get(wanted, -2)
        if need.kind == "demand" and need.level:  # an unknown level (0) is no mismatch
            ok &= (self._off_level == need.level) | (self._off_level == 0)
        return ok

    def _near(self, need: Need) -> np.ndarray:
        """Positions inside the bounding box of the seeker's travel circle (exact, never too small)."""
        angle = need.max_distance_km / EARTH_RADIUS_KM
        dlat = math.degrees(angle) * BOX_SLACK
        lo = int(np.searchsorted(self._c_lat, need.lat - dlat, side="left"))
        hi = int(np.searchsorted(self._c_lat, need.lat + dlat, side="right"))
        reach = math.sin(angle) / max(1e-12, math.cos(math.radians(need.lat)))
        if reach >= 1 or abs(need.lat) + dlat >= 90:
            return np.arange(lo, hi)  # near a pole every longitude is close enough
        dlon = math.degrees(math.asin(reach)) * BOX_SLACK
        lon_gap = np.abs(self._c_lon[lo:hi] - need.lon)
        return lo + np.flatnonzero(np.minimum(lon_gap, 360.0 - lon_gap) <= dlon)

    def feasible(self, need: Need) -> tuple[np.ndarray, np.ndarray]:
        """Positions of the cohorts that pass every hard constraint, and their distances."""
        positions = self._near(need)
        start = self._c_start[positions]
        keep = self._c_open[positions] & (self._c_free[positions] >= need.seats_needed)
        keep &= (start >= need.start_from.toordinal()) & (start <= need.start_until.toordinal())
        keep &= self._offering_feasible(need)[self._c_offering[positions]]
        excluded = [self.position[c] for c in need.excluded_cohorts if c in self.position]
        if excluded:
            keep &= ~np.isin(positions, excluded)
        positions = positions[keep]
        distances = haversine_km_many(
            need.lat,
            need.lon,
            self._c_lat_rad[positions],
            self._c_lon_rad[positions],
            self._c_cos_lat[positions],
        )
        near = distances <= need.max_distance_km  # NaN (unknown location) compares False
        return positions[near], distances[near]

    # Scores ---------------------------------------------------------------------------

    def _coverage(self, wanted: frozenset[str]) -> np.ndarray:
        if not wanted:
            return np.ones(len(self._off_level))
        columns = [self._skill_pos[s] for s in wanted if s in self._skill_pos]
        hits = self._off_skills[:, columns].sum(axis=1, dtype=np.float64) if columns else 0.0
        return np.zeros(len(self._off_level)) + hits / len(wanted)

    def _level(self, wanted: int | None) -> np.ndarray:
        if wanted is None:
            return np.ones(len(self._off_level))
        value = np.maximum(0.0, 1.0 - LEVEL_STEP_PENALTY * np.abs(self._off_level - wanted))
        return np.where(self._off_level == 0, UNKNOWN_LEVEL_VALUE, value)

    def scores(self, need: Need, positions: np.ndarray, distances: np.ndarray) -> np.ndarray:
        offering_rows = self._c_offering[positions]
        essential = self._coverage(need.essential_skills)[offering_rows]
        optional = self._coverage(need.optional_skills)[offering_rows]
        level = self._level(need.level)[offering_rows]
        distance = (
            np.maximum(0.0, 1.0 - distances / need.max_distance_km)
            if need.max_distance_km > 0
            else np.ones(len(positions))
        )
        span = (need.start_until - need.start_from).days
        start = (
            np.maximum(0.0, 1.0 - (self._c_start[positions] - need.start_from.toordinal()) / span)
            if span > 0
            else np.ones(len(positions))
        )
        price = self._price(need.budget_per_participant_cents, self._c_price[positions])
        delivery = self._delivery(need.delivery_wishes, self._c_delivery[positions])
        total = WEIGHTS["skills_essential"] * essential
        for name, values in (
            ("skills_optional", optional),
            ("level", level),
            ("distance", distance),
            ("start_date", start),
            ("price", price),
            ("delivery", delivery),
        ):
            total = total + WEIGHTS[name] * values
        return 100.0 * total

    @staticmethod
    def _price(budget: int | None, prices: np.ndarray) -> np.ndarray:
        if budget is None:
            return np.ones(len(prices))
        if budget <= 0:
            return np.where(prices <= budget, 1.0, 0.0)
        over = np.maximum(0.0, 1.0 - (prices - budget) / budget)
        return np.where(prices <= budget, 1.0, over)

    @staticmethod
    def _delivery(wishes: frozenset[str], offered: np.ndarray) -> np.ndarray:
        if not wishes:
            return np.ones(len(offered))
        wish_mask = delivery_mask(wishes)
        matched = _POPCOUNT[offered & wish_mask] / len(wishes)
        return np.where(offered == 0, UNKNOWN_DELIVERY_VALUE, matched)

    # Queries ---------------------------------------------------------------------------

    def top_k(self, need: Need, k: int = 10) -> list[RankedCohort]:
        positions, distances = self.feasible(need)
        if len(positions) == 0 or k <= 0:
            return []
        scores = self.scores(need, positions, distances)
        if len(scores) > k:
            # Everything tied with the k-th best is kept, so ties break by cohort id, not by chance.
            kth = np.partition(scores, len(scores) - k)[len(scores) - k]
            keep = np.flatnonzero(scores >= kth)
            positions, scores = positions[keep], scores[keep]
        order = np.lexsort((self._c_id_rank[positions], -scores))[:k]
        return [
            RankedCohort(self.cohorts[p].cohort_id, float(scores[i]))
            for i, p in zip(order, positions[order], strict=True)
        ]

    def explain_top_k(self, need: Need, k: int = 10) -> list[Explanation]:
        explained = []
        for ranked in self.top_k(need, k):
            cohort = self.cohorts[self.position[ranked.cohort_id]]
            explained.append(explain(need, cohort, self.offerings[cohort.offering_id]))
        return explained

    def options(self, need: Need, limit: int) -> list[RankedCohort]:
        """The feasible cohorts a pooling run may use for this need: the best `limit` of them."""
        return self.top_k(need, limit)

    def cohort(self, cohort_id: str) -> CohortView | None:
        at = self.position.get(cohort_id)
        return None if at is None else self.cohorts[at]
