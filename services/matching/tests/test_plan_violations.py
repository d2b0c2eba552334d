"""The plan checker that the pooling property test relies on, tested on its own: each hand-made
plan breaks one constraint, and the checker must name exactly that one."""

from __future__ import annotations

import pytest

from matching.domain.pooling import GroupPlan, PoolCohort, PoolResult, PoolUnit, plan_violations

SMALL = PoolCohort("coh-small", free_seats=3, enrolled=5, break_even=8, capacity=8, seat_price_cents=100_00)
LARGE = PoolCohort("coh-large", free_seats=10, enrolled=0, break_even=6, capacity=10, seat_price_cents=90_00)
TEAM = PoolUnit("dem-team", size=3, options=(("coh-small", 80), ("coh-large", 60)))
SPLIT = PoolUnit("dem-split", size=4, options=(("coh-small", 70), ("coh-large", 70)), splittable=True)
ALONE = PoolUnit("cand-1", size=1, options=(("coh-large", 90),))
# Offered a cohort the checker is not told about (say one withdrawn since scoring).
STALE = PoolUnit("cand-2", size=1, options=(("coh-ghost", 50),))
UNITS, COHORTS = (TEAM, SPLIT, ALONE, STALE), (SMALL, LARGE)


def plan(*groups: tuple[PoolCohort, tuple[tuple[str, int], ...]]) -> PoolResult:
    return PoolResult("hand-made", [GroupPlan(cohort, members) for cohort, members in groups], unplaced=[])


def test_a_plan_within_every_constraint_has_no_violations() -> None:
    good = plan(
        (SMALL, (("dem-team", 3),)),
        (LARGE, (("dem-split", 2), ("cand-1", 1))),
    )
    assert plan_violations(UNITS, COHORTS, good) == []


@pytest.mark.parametrize(
    ("broken", "named"),
    [
        (plan((PoolCohort("coh-ghost", 5, 0, 5, 5, 1), (("cand-2", 1),))), "unknown cohort coh-ghost"),
        (plan((SMALL, (("dem-team", 3), ("dem-split", 1)))), "cohort coh-small over capacity: 4 > 3"),
        (plan((LARGE, (("dem-ghost", 1),))), "unknown unit dem-ghost"),
        (plan((SMALL, (("cand-1", 1),))), "cand-1 placed outside its feasible cohorts"),
        (plan((LARGE, (("dem-split", 5),))), "dem-split placed more people than it has"),
        (
            plan((SMALL, (("dem-team", 1),)), (LARGE, (("dem-team", 2),))),
            "dem-team was split but does not allow splitting",
        ),
        (plan((LARGE, (("dem-team", 2),))), "dem-team was split but does not allow splitting"),
    ],
    ids=["unknown-cohort", "over-capacity", "unknown-unit", "infeasible", "too-many", "split", "partial"],
)
def test_each_broken_constraint_is_named(broken: PoolResult, named: str) -> None:
    assert plan_violations(UNITS, COHORTS, broken) == [named]


def test_a_splittable_demand_may_be_spread_and_partly_placed() -> None:
    spread = plan((SMALL, (("dem-split", 1),)), (LARGE, (("dem-split", 2),)))
    assert plan_violations(UNITS, COHORTS, spread) == []
