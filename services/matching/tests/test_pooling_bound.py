"""Pooling's proved bound (issue 15): honest on any input, tight where the optimum is known."""

from __future__ import annotations

from itertools import product

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.domain.pooling import (
    PoolCohort,
    PoolUnit,
    SolverLimits,
    break_even_first_assignment,
    can_tip,
    first_level_lp,
    greedy_assignment,
    plan_violations,
    pool_optimal,
)
from matching.domain.pooling import _result as as_result

SEAT_PRICE = 200_000
# Hardly any search: what the solver proves here comes from the model's relaxation itself.
ROOT_ONLY = SolverLimits(min_deterministic_time=0.01, max_deterministic_time=0.01)


def cohort(cohort_id, missing, free=16):
    return PoolCohort(cohort_id, free, 12 - missing, 12, 12 - missing + free, SEAT_PRICE)


def test_a_demand_that_does_not_split_tips_one_cohort_at_most_and_the_bound_knows_it():
    # 30 teams of 8 can each reach 8 of 120 cohorts that miss one seat: at most 30 can tip. A
    # relaxation that lets a team count one eighth in eight cohorts would claim 120.
    cohorts = [cohort(f"C{i:03d}", missing=1) for i in range(120)]
    units = [
        PoolUnit(
            f"team{t:02d}", 8, tuple((f"C{(t * 4 + k) % 120:03d}", 50) for k in range(8)), False, "demand"
        )
        for t in range(30)
    ]
    result = pool_optimal(units, cohorts, ROOT_ONLY)
    assert result.cohorts_tipped == 30
    assert sum(b.tipped_bound or 0 for b in result.bounds) == 30


def test_scarce_people_bound_the_cohorts_tipped_even_without_search():
    # 40 people, 60 cohorts that each miss two seats, every person can reach six of them: at most
    # 20 tip, and the bound says so without searching.
    cohorts = [cohort(f"C{i:02d}", missing=2) for i in range(60)]
    units = [
        PoolUnit(f"k{p:02d}", 1, tuple((f"C{(p + 7 * k) % 60:02d}", 50) for k in range(6))) for p in range(40)
    ]
    assert sum(b.tipped_bound or 0 for b in pool_optimal(units, cohorts, ROOT_ONLY).bounds) == 20
    assert pool_optimal(units, cohorts).cohorts_tipped == 20  # and with a budget a plan reaches it
    assert first_level_lp(units, {c.cohort_id: c for c in cohorts}).value == 20  # the relaxation agrees


def test_cohorts_that_the_people_in_reach_cannot_fill_get_no_tipped_indicator():
    cohorts = [cohort("near", missing=2), cohort("far", missing=5)]
    units = [PoolUnit(f"k{i}", 1, (("near", 60), ("far", 40))) for i in range(3)]
    assert can_tip(units, {c.cohort_id: c for c in cohorts}) == {"near"}


def test_filling_the_cohorts_closest_to_break_even_first_tips_what_greedy_spreads():
    cohorts = {
        c.cohort_id: c for c in [cohort("A", missing=2), cohort("B", missing=2), cohort("C", missing=2)]
    }
    units = [PoolUnit(f"k{i}", 1, (("A", 90 - i), ("B", 80), ("C", 70))) for i in range(6)]
    spread = [PoolUnit(f"x{i}", 1, ((cid, 99),)) for i, cid in enumerate("ABC")]
    greedy = as_result("greedy", units + spread, cohorts, greedy_assignment(units + spread, cohorts))
    first = as_result("first", units + spread, cohorts, break_even_first_assignment(units + spread, cohorts))
    assert first.cohorts_tipped == 3 > greedy.cohorts_tipped


@st.composite
def small_problems(draw):
    cohorts = []
    for i in range(draw(st.integers(1, 4))):
        capacity = draw(st.integers(2, 9))
        enrolled = draw(st.integers(0, capacity - 1))
        cohorts.append(
            PoolCohort(f"C{i}", capacity - enrolled, enrolled, draw(st.integers(1, 9)), capacity, SEAT_PRICE)
        )
    ids = [c.cohort_id for c in cohorts]
    units = [
        PoolUnit(
            f"u{i}",
            draw(st.integers(1, 4)),
            tuple(
                sorted(draw(st.dictionaries(st.sampled_from(ids), st.integers(0, 100), max_size=3)).items())
            ),
            False,
            "demand",
        )
        for i in range(draw(st.integers(0, 6)))
    ]
    return units, cohorts


def brute_force_best(units, cohorts) -> tuple[int, int]:
    """(cohorts tipped, people placed), lexicographically best over every plan."""
    by_id = {c.cohort_id: c for c in cohorts}
    best = (0, 0)
    for choice in product(*[[None, *(cid for cid, _ in u.options)] for u in units]):
        load = dict.fromkeys(by_id, 0)
        for unit, cohort_id in zip(units, choice, strict=True):
            if cohort_id is not None:
                load[cohort_id] += unit.size
        if any(load[cid] > by_id[cid].free_seats for cid in load):
            continue
        tipped = sum(1 for cid, c in by_id.items() if 0 < c.seats_to_break_even <= load[cid])
        best = max(best, (tipped, sum(load.values())))
    return best


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems())
def test_on_small_instances_the_plan_is_the_brute_force_optimum_and_the_bound_meets_it(problem):
    units, cohorts = problem
    result = pool_optimal(units, cohorts)
    assert plan_violations(units, cohorts, result) == []
    assert (result.cohorts_tipped, result.people_placed) == brute_force_best(units, cohorts)
    for component in result.bounds:
        assert component.status == "OPTIMAL"
        assert component.objective == component.best_bound  # gap 0: proved, not assumed
        assert component.tipped == component.tipped_bound


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems())
def test_the_break_even_first_plan_never_breaks_capacity_or_options(problem):
    units, cohorts = problem
    by_id = {c.cohort_id: c for c in cohorts}
    for guide in (None, first_level_lp(units, by_id)):
        plan = as_result("first", units, by_id, break_even_first_assignment(units, by_id, guide))
        assert plan_violations(units, cohorts, plan) == []
