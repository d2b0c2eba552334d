"""Pure rules: status machine, seat rejection reasons, go/no-go, surcharge split, offering validation, geo."""

from datetime import date

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import ValidationError

from catalogue.domain import geo, rules
from catalogue.domain.model import OfferingCreate, ProviderCreate

from .conftest import offering_body


def cohort(**overrides):
    base = {
        "status": "planned",
        "seats_left": 3,
        "seats_taken": 5,
        "capacity": 8,
        "break_even": 8,
        "start_date": "2030-02-01",
        "end_date": "2030-06-01",
        "decision_date": "2030-01-10",
        "seat_price_cents": 100_00,
        "rolling": False,
    }
    return base | overrides


def test_status_machine_allows_only_the_documented_paths():
    assert rules.can_transition("planned", "confirmed") and rules.can_transition("planned", "cancelled")
    assert rules.can_transition("confirmed", "running") and rules.can_transition("running", "completed")
    assert not rules.can_transition("planned", "running")
    assert not rules.can_transition("cancelled", "confirmed")
    assert not rules.can_transition("completed", "running")


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({}, None),
        ({"seats_left": 0}, "full"),
        ({"status": "cancelled"}, "cancelled"),
        ({"status": "running"}, "closed"),
        ({"start_date": "2020-01-01", "decision_date": "2019-12-01"}, "closed"),
    ],
)
def test_rejection_reasons(overrides, reason):
    found = rules.rejection_reason(cohort(**overrides), date(2026, 1, 1))
    assert (found.value if found else None) == reason


def test_unknown_cohort_is_a_reason_of_its_own():
    assert rules.rejection_reason(None, date(2026, 1, 1)) == rules.RejectReason.unknown_cohort


def test_rolling_period_stays_open_until_its_end():
    rolling = cohort(rolling=True, start_date="2026-01-01", end_date="2026-03-01", decision_date="2025-12-01")
    assert rules.rejection_reason(rolling, date(2026, 2, 1)) is None


def test_due_action_confirms_at_break_even_and_asks_below_it_once():
    today = date(2030, 1, 10)
    assert rules.due_action(cohort(seats_taken=8), today) == rules.DueAction.confirm
    assert rules.due_action(cohort(), today) == rules.DueAction.ask_provider
    assert rules.due_action(cohort(decision_due_at="x"), today) == rules.DueAction.nothing
    assert rules.due_action(cohort(), date(2030, 1, 9)) == rules.DueAction.nothing


def test_surcharge_follows_the_domain_formula():
    assert (
        rules.surcharge_total_cents(cohort(seats_taken=5, break_even=8, seat_price_cents=1000_00)) == 3000_00
    )
    assert rules.surcharge_total_cents(cohort(seats_taken=9, break_even=8)) == 0


@given(
    total=st.integers(min_value=0, max_value=10_000_000),
    seats=st.lists(st.integers(min_value=1, max_value=30), min_size=1, max_size=6),
)
@example(total=2, seats=[2, 2, 2, 1])  # half-up would give 3 cents of 2: the guard keeps parts >= 0
@example(total=3, seats=[3, 3, 8, 1])
def test_surcharge_parts_add_up_exactly_and_follow_seats(total, seats):
    acceptances = [
        {"payer": {"payer_id": f"P{i}"}, "seats": s, "cap_cents": total} for i, s in enumerate(seats)
    ]
    shares = rules.split_surcharge(total, acceptances)
    assert sum(s.amount_cents for s in shares) == total
    assert all(s.amount_cents >= 0 for s in shares)
    rounded = [(2 * total * s + sum(seats)) // (2 * sum(seats)) for s in seats[:-1]]
    if sum(rounded) <= total:  # else the guard of llo_shared.surcharge (step 3) keeps the last part >= 0
        for share in shares[:-1]:
            exact = total * share.seats / sum(seats)
            assert abs(share.amount_cents - exact) <= 0.5


def test_surcharge_over_an_accepted_cap_is_refused():
    c = cohort(surcharge_acceptances=[{"payer": {"payer_id": "KVK-1"}, "seats": 5, "cap_cents": 100}])
    assert "cap" in rules.surcharge_problem(c)
    assert rules.surcharge_problem(cohort(surcharge_acceptances=[])) is not None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"code": None}, "code"),
        ({"leerweg": "derde_leerweg"}, "funding"),
        ({"visibility": "onderhands"}, "visible_to"),
        ({"requires_workplace": False}, "requires_workplace"),
        ({"skills": ["nope.nope"]}, "skills"),
        ({"level": 5}, "level"),
    ],
)
def test_offering_rules_name_the_field(overrides, field):
    with pytest.raises(ValidationError) as error:
        OfferingCreate.model_validate(offering_body(**overrides))
    assert field in str(error.value)


def test_funded_provider_needs_brin_and_kvk_has_eight_digits():
    with pytest.raises(ValidationError, match="institution_code"):
        ProviderCreate(provider_id="BRIN-99XX", name="X", kind="roc", regions=["flevoland"])
    with pytest.raises(ValidationError, match="8 cijfers"):
        ProviderCreate(provider_id="KVK-123", name="X", kind="nbi", kvk="123", regions=["flevoland"])


def test_geo_resolves_postcodes_and_municipalities():
    assert geo.locate("1315 AB").municipality == "Almere"
    assert geo.locate("lelystad").region == "flevoland"
    assert geo.locate("9999") is None
    almere, lelystad = geo.locate("Almere"), geo.locate("Lelystad")
    assert 20 < geo.haversine_km(almere.lat, almere.lon, lelystad.lat, lelystad.lon) < 30
