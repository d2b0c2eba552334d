"""The explainable score: each hard constraint, each factor, and the weighted total."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from matching.domain.geo import haversine_km
from matching.domain.scoring import HARD_CONSTRAINTS, WEIGHTS, explain, rank_plain
from services.matching.tests.factories import EMMELOORD, LELYSTAD, cohort, need, offering


def violated(explanation) -> set[str]:
    return {v.constraint for v in explanation.violations}


def factor(explanation, name):
    return next(f for f in explanation.factors if f.name == name)


def test_a_fitting_cohort_is_feasible_and_explains_every_factor_with_weight_and_contribution():
    result = explain(need(), cohort(), offering())
    assert result.feasible
    assert [f.name for f in result.factors] == list(WEIGHTS)
    for f in result.factors:
        assert f.weight == WEIGHTS[f.name]
        assert f.contribution == pytest.approx(f.weight * f.value)
    assert result.score == pytest.approx(100 * sum(f.contribution for f in result.factors))


# Hard constraints ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("constraint", "make"),
    [
        ("open", lambda: explain(need(), cohort(status="cancelled"), offering())),
        ("open", lambda: explain(need(), cohort(), offering(withdrawn=True))),
        ("seats", lambda: explain(need(participants=5), cohort(seats_left=4), offering())),
        (
            "visibility",
            lambda: explain(
                need(), cohort(), offering(visibility="onderhands", visible_to=frozenset({"KVK-1"}))
            ),
        ),
        (
            "eligibility",
            lambda: explain(need(eligible_funding=frozenset({"funded_bol"})), cohort(), offering()),
        ),
        ("requirement", lambda: explain(need(code="23268"), cohort(), offering())),
        ("requirement", lambda: explain(need(credential_type="mbo_certificaat"), cohort(), offering())),
        ("requirement", lambda: explain(need(domain="techniek"), cohort(), offering())),
        ("requirement", lambda: explain(need(level=1), cohort(), offering(level=3))),
        ("start_window", lambda: explain(need(), cohort(start_date=date(2027, 7, 1)), offering())),
        ("start_window", lambda: explain(need(), cohort(start_date=date(2026, 12, 31)), offering())),
        (
            "distance",
            lambda: explain(need(max_distance_km=20), cohort(lat=EMMELOORD[0], lon=EMMELOORD[1]), offering()),
        ),
        ("distance", lambda: explain(need(), cohort(lat=None, lon=None), offering())),
        ("not_rejected", lambda: explain(need(excluded_cohorts=frozenset({"COH-1"})), cohort(), offering())),
    ],
)
def test_each_hard_constraint_makes_a_cohort_infeasible_with_score_zero(constraint, make):
    result = make()
    assert constraint in HARD_CONSTRAINTS
    assert violated(result) == {constraint}
    assert not result.feasible and result.score == 0 and result.factors == ()


def test_onderhands_offering_is_visible_to_a_named_commissioner():
    private_offer = offering(visibility="onderhands", visible_to=frozenset({"KVK-39084217"}))
    assert explain(need(), cohort(), private_offer).feasible
    assert not explain(need(commissioner_org="KVK-99999999"), cohort(), private_offer).feasible


def test_a_splittable_demand_needs_only_one_free_seat():
    assert explain(need(participants=8, splittable=True), cohort(seats_left=2), offering()).feasible
    assert "seats" in violated(explain(need(participants=8), cohort(seats_left=2), offering()))


def test_funding_kind_follows_the_leerweg():
    bbl = offering(leerweg="BBL")
    assert explain(need(eligible_funding=frozenset({"funded_bbl"})), cohort(), bbl).feasible
    assert not explain(need(eligible_funding=frozenset({"private"})), cohort(), bbl).feasible


# Factors -----------------------------------------------------------------------------------


def test_skills_coverage_counts_essential_and_optional_separately():
    half = offering(skills=frozenset({"zorg.adl", "zorg.medicatie"}))
    result = explain(need(), cohort(), half)
    assert factor(result, "skills_essential").value == pytest.approx(0.5)
    assert factor(result, "skills_optional").value == pytest.approx(1.0)
    none = explain(need(), cohort(), offering(skills=frozenset()))
    assert factor(none, "skills_essential").value == 0
    assert none.score < result.score


@pytest.mark.parametrize(("offered", "value"), [(2, 1.0), (3, 0.5), (1, 0.5), (4, 0.0), (None, 0.5)])
def test_level_fit_drops_half_per_level_away(offered, value):
    """For a candidate the target level is a preference; a demand's level is a requirement."""
    wish = need(kind="candidate", level=2)
    assert factor(explain(wish, cohort(), offering(level=offered)), "level").value == value


def test_distance_value_falls_linearly_to_zero_at_the_maximum():
    near = explain(need(), cohort(), offering())
    far = explain(need(max_distance_km=60), cohort(lat=LELYSTAD[0], lon=LELYSTAD[1]), offering())
    km = haversine_km(52.3508, 5.2647, *LELYSTAD)
    assert factor(near, "distance").value == 1.0
    assert factor(far, "distance").value == pytest.approx(1 - km / 60)
    assert far.distance_km == pytest.approx(km)


def test_sooner_start_in_the_window_scores_higher():
    window = need(start_from=date(2027, 1, 1), start_until=date(2027, 1, 11))
    early = explain(window, cohort(start_date=date(2027, 1, 1)), offering())
    late = explain(window, cohort(start_date=date(2027, 1, 1) + timedelta(days=10)), offering())
    assert factor(early, "start_date").value == 1.0
    assert factor(late, "start_date").value == 0.0


def test_price_over_budget_costs_score_but_funded_seats_cost_nothing():
    tight = need(budget_per_participant_cents=100_000)
    private = explain(tight, cohort(seat_price_cents=150_000), offering())
    assert factor(private, "price").value == pytest.approx(0.5)
    funded = explain(tight, cohort(seat_price_cents=150_000), offering(leerweg="BBL"))
    assert "eligibility" not in violated(funded)
    assert factor(funded, "price").value == 1.0
    assert (
        factor(explain(need(budget_per_participant_cents=None), cohort(), offering()), "price").value == 1.0
    )


def test_delivery_fit_is_the_share_of_wishes_met_and_neutral_when_unknown():
    wishes = need(delivery_wishes=frozenset({"evening", "online"}))
    assert (
        factor(explain(wishes, cohort(delivery=frozenset({"evening"})), offering()), "delivery").value == 0.5
    )
    assert (
        factor(
            explain(wishes, cohort(delivery=frozenset({"evening", "online"})), offering()), "delivery"
        ).value
        == 1
    )
    assert factor(explain(wishes, cohort(), offering()), "delivery").value == 0.5
    assert factor(explain(need(), cohort(), offering()), "delivery").value == 1.0


def test_plain_ranking_keeps_feasible_cohorts_best_first_ties_by_id():
    cohorts = [
        cohort(cohort_id="C-b"),
        cohort(cohort_id="C-a"),
        cohort(cohort_id="C-far", lat=LELYSTAD[0], lon=LELYSTAD[1]),
        cohort(cohort_id="C-full", seats_left=0),
    ]
    ranked = rank_plain(need(), cohorts, {"OFF-HZW": offering()}, k=3)
    assert [r.cohort_id for r in ranked] == ["C-a", "C-b", "C-far"]
