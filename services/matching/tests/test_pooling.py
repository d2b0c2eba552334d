"""Group pooling: the worked example, and properties that hold for any input."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.domain.pooling import PoolCohort, PoolUnit, plan_violations, pool_greedy, pool_optimal

SEAT_PRICE = 200_000


def cohort(cohort_id="COH-1", free=16, enrolled=0, break_even=12, capacity=16):
    return PoolCohort(cohort_id, free, enrolled, break_even, capacity, SEAT_PRICE, "flevoland", "OFF-HZW")


def demand(unit_id, size, options, splittable=False):
    return PoolUnit(unit_id, size, tuple(options), splittable, "demand")


def test_three_small_demands_together_fill_a_cohort_that_none_fills_alone():
    shared = cohort("COH-ALMERE")
    demands = [
        demand("demand:zorggroep-almere", 5, [("COH-ALMERE", 90)]),
        demand("demand:woonzorg-flevoland", 4, [("COH-ALMERE", 80)]),
        demand("demand:coloriet", 3, [("COH-ALMERE", 70)]),
    ]
    for alone in demands:
        result = pool_optimal([alone], [shared])
        assert result.cohorts_tipped == 0
        assert result.groups[0].surcharge_cents == (12 - alone.size) * SEAT_PRICE

    pooled = pool_optimal(demands, [shared])
    (group,) = pooled.groups
    assert {unit for unit, _ in group.members} == {d.unit_id for d in demands}
    assert group.enrolled_after == 12 and group.reaches_break_even
    assert group.surcharge_cents == 0
    assert pooled.cohorts_tipped == 1 and pooled.people_placed == 12


def test_solver_tips_more_cohorts_than_the_greedy_baseline_where_greedy_spreads_people():
    # Greedy sends each demand to its best-scoring cohort and ends with two half-empty groups.
    cohorts = [cohort("A", break_even=8, free=10), cohort("B", break_even=8, free=10)]
    units = [
        demand("d1", 5, [("A", 90), ("B", 80)]),
        demand("d2", 4, [("B", 90), ("A", 80)]),
    ]
    greedy = pool_greedy(units, cohorts)
    optimal = pool_optimal(units, cohorts)
    assert greedy.cohorts_tipped == 0
    assert optimal.cohorts_tipped == 1
    assert optimal.people_placed == 9


def test_the_solver_reports_its_own_bound_and_proves_the_worked_example_optimal():
    cohorts = [cohort("A", break_even=8, free=10), cohort("B", break_even=8, free=10)]
    units = [demand("d1", 5, [("A", 90), ("B", 80)]), demand("d2", 4, [("B", 90), ("A", 80)])]
    (component,) = pool_optimal(units, cohorts).bounds
    assert component.status == "OPTIMAL"
    assert component.objective == component.best_bound  # nothing better exists
    assert (component.tipped, component.tipped_bound) == (1, 1)


def test_demands_stay_together_unless_they_allow_splitting():
    cohorts = [cohort("A", free=3, break_even=3), cohort("B", free=3, break_even=3)]
    together = pool_optimal([demand("d", 6, [("A", 50), ("B", 50)])], cohorts)
    assert together.people_placed == 0 and together.unplaced == ["d"]
    split = pool_optimal([demand("d", 6, [("A", 50), ("B", 50)], splittable=True)], cohorts)
    assert split.people_placed == 6 and split.cohorts_tipped == 2


def test_an_already_viable_cohort_shows_no_surcharge():
    result = pool_optimal([PoolUnit("candidate:K1", 1, (("A", 50),))], [cohort("A", enrolled=12, free=4)])
    assert result.groups[0].surcharge_cents == 0 and result.cohorts_tipped == 0


@st.composite
def problems(draw):
    cohorts = []
    for i in range(draw(st.integers(1, 8))):
        capacity = draw(st.integers(1, 16))
        enrolled = draw(st.integers(0, capacity))
        cohorts.append(
            PoolCohort(f"C{i}", capacity - enrolled, enrolled, draw(st.integers(1, 14)), capacity, SEAT_PRICE)
        )
    ids = [c.cohort_id for c in cohorts]
    units = []
    for i in range(draw(st.integers(0, 14))):
        options = draw(st.dictionaries(st.sampled_from(ids), st.integers(0, 100), max_size=4))
        units.append(
            PoolUnit(
                f"u{i:02d}",
                draw(st.integers(1, 7)),
                tuple(sorted(options.items())),
                draw(st.booleans()),
                "demand",
            )
        )
    return units, cohorts


PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(problems())
def test_no_plan_exceeds_capacity_or_breaks_a_constraint(problem):
    units, cohorts = problem
    for result in (pool_greedy(units, cohorts), pool_optimal(units, cohorts)):
        assert plan_violations(units, cohorts, result) == []


@PROPERTY
@given(problems())
def test_the_same_input_gives_the_same_plan_in_any_input_order(problem):
    units, cohorts = problem
    first = pool_optimal(units, cohorts)
    again = pool_optimal(list(reversed(units)), list(reversed(cohorts)))
    assert first.placements() == again.placements()


@PROPERTY
@given(problems())
def test_the_solver_never_does_worse_than_greedy(problem):
    units, cohorts = problem
    greedy, optimal = pool_greedy(units, cohorts), pool_optimal(units, cohorts)
    assert (optimal.cohorts_tipped, optimal.people_placed) >= (greedy.cohorts_tipped, greedy.people_placed)


@PROPERTY
@given(problems())
def test_no_plan_scores_above_the_bound_the_solver_reports(problem):
    units, cohorts = problem
    result = pool_optimal(units, cohorts)
    assert sum(b.tipped for b in result.bounds) == result.cohorts_tipped
    for component in result.bounds:
        if component.best_bound is not None and component.tipped_bound is not None:
            assert component.objective <= component.best_bound
            assert component.tipped <= component.tipped_bound
