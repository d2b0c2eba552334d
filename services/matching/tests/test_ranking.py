"""The vectorised ranking gives the same feasible set and scores as the plain reference scorer."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.domain.ranking import CohortIndex
from matching.domain.scoring import explain, rank_plain
from services.matching.tests.factories import cohort, need, offering

SKILLS = ["zorg.adl", "zorg.hygiene", "zorg.medicatie", "zorg.communicatie", "techniek.pv"]
MODES = ["evening", "online", "in_company", "daytime"]
ORGS = ["KVK-39084217", "KVK-11111111"]


@st.composite
def offerings(draw, index):
    return offering(
        offering_id=f"OFF-{index}",
        level=draw(st.sampled_from([None, 1, 2, 3, 4])),
        leerweg=draw(st.sampled_from(["BOL", "BBL", "derde_leerweg"])),
        code=draw(st.sampled_from(["25498", "23268", None])),
        domain=draw(st.sampled_from(["zorg_welzijn_sport", "techniek"])),
        skills=frozenset(draw(st.sets(st.sampled_from(SKILLS)))),
        visibility=draw(st.sampled_from(["public", "onderhands"])),
        visible_to=frozenset(draw(st.sets(st.sampled_from(ORGS)))),
        withdrawn=draw(st.booleans()),
    )


@st.composite
def worlds(draw):
    n_offerings = draw(st.integers(1, 4))
    offers = {f"OFF-{i}": draw(offerings(i)) for i in range(n_offerings)}
    cohorts = [
        cohort(
            cohort_id=f"C-{i:03d}",
            offering_id=f"OFF-{draw(st.integers(0, n_offerings - 1))}",
            start_date=date(2027, 1, 1) + timedelta(days=draw(st.integers(-30, 250))),
            seats_left=draw(st.integers(0, 16)),
            status=draw(st.sampled_from(["planned", "confirmed", "cancelled"])),
            seat_price_cents=draw(st.integers(0, 500_000)),
            lat=draw(st.floats(52.0, 53.0)),
            lon=draw(st.floats(5.0, 6.0)),
            delivery=frozenset(draw(st.sets(st.sampled_from(MODES)))),
        )
        for i in range(draw(st.integers(0, 25)))
    ]
    seeker = need(
        participants=draw(st.integers(1, 8)),
        splittable=draw(st.booleans()),
        commissioner_org=draw(st.sampled_from(ORGS)),
        essential_skills=frozenset(draw(st.sets(st.sampled_from(SKILLS)))),
        optional_skills=frozenset(draw(st.sets(st.sampled_from(SKILLS)))),
        level=draw(st.sampled_from([None, 1, 2, 3, 4])),
        code=draw(st.sampled_from([None, "25498"])),
        domain=draw(st.sampled_from([None, "zorg_welzijn_sport"])),
        budget_per_participant_cents=draw(st.sampled_from([None, 0, 150_000, 400_000])),
        delivery_wishes=frozenset(draw(st.sets(st.sampled_from(MODES)))),
        eligible_funding=frozenset(draw(st.sets(st.sampled_from(["funded_bol", "funded_bbl", "private"])))),
        max_distance_km=draw(st.floats(5, 120)),
        lat=draw(st.floats(52.0, 53.0)),
        lon=draw(st.floats(5.0, 6.0)),
    )
    return offers, cohorts, seeker


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_vectorised_scores_equal_the_reference_scorer(world):
    offers, cohorts, seeker = world
    index = CohortIndex(offers, cohorts)
    positions, distances = index.feasible(seeker)
    vector = dict(
        zip(
            (index.cohorts[p].cohort_id for p in positions),
            index.scores(seeker, positions, distances),
            strict=True,
        )
    )
    for c in cohorts:
        reference = explain(seeker, c, offers[c.offering_id])
        on_the_edge = (
            reference.distance_km is not None and abs(reference.distance_km - seeker.max_distance_km) < 1e-6
        )
        if on_the_edge:
            continue
        assert (c.cohort_id in vector) == reference.feasible, reference.violations
        if reference.feasible:
            assert vector[c.cohort_id] == pytest.approx(reference.score, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(worlds(), st.integers(1, 10))
def test_top_k_matches_the_plain_top_k(world, k):
    offers, cohorts, seeker = world
    fast = CohortIndex(offers, cohorts).top_k(seeker, k)
    slow = rank_plain(seeker, cohorts, offers, k)
    assert [round(r.score, 6) for r in fast] == [round(e.score, 6) for e in slow]


def test_explained_top_k_is_sorted_and_feasible():
    offers = {"OFF-HZW": offering()}
    cohorts = [
        cohort(cohort_id=f"C-{i}", start_date=date(2027, 1, 1) + timedelta(days=10 * i)) for i in range(5)
    ]
    explained = CohortIndex(offers, cohorts).explain_top_k(need(), k=3)
    assert [e.cohort_id for e in explained] == ["C-0", "C-1", "C-2"]
    assert all(e.feasible for e in explained)


def test_unknown_requested_code_matches_nothing():
    index = CohortIndex({"OFF-HZW": offering()}, [cohort()])
    assert index.top_k(need(code="99999"), 5) == []
