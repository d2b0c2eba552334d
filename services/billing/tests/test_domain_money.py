"""Money splits, integral cost price and the lege-stoelentoeslag: pure rules."""

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.domain.costing import (
    CostModel,
    PriceBelowIntegralCost,
    PriceOverride,
    allocate_shared_costs,
    check_private_price,
    integral_cost_per_seat,
)
from billing.domain.money import format_eur, round_half_up_div, split_pro_rata
from billing.domain.surcharge import AcceptingPayer, settle, split_surcharge, surcharge_total

weights = st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=12)


def test_half_up_rounding_rounds_halves_up():
    assert round_half_up_div(5, 2) == 3
    assert round_half_up_div(7, 4) == 2
    assert round_half_up_div(5, 4) == 1
    assert round_half_up_div(-5, 2) == -3


@given(total=st.integers(min_value=0, max_value=10**9), weights=weights)
def test_split_parts_add_up_exactly(total, weights):
    parts = split_pro_rata(total, weights)
    assert sum(parts) == total
    assert len(parts) == len(weights)


@given(total=st.integers(min_value=0, max_value=10**9), weights=weights)
def test_every_part_but_the_last_is_the_half_up_rounded_share(total, weights):
    parts = split_pro_rata(total, weights)
    for part, weight in zip(parts[:-1], weights[:-1], strict=True):
        exact_times_two = 2 * total * weight
        assert 2 * part * sum(weights) - exact_times_two <= sum(weights)
        assert exact_times_two - 2 * part * sum(weights) < sum(weights)


def test_documented_example_surcharge_for_a_group_of_eight():
    # DOMAIN.md: eight employees, break-even twelve: four empty seats paid by the employers.
    split = split_surcharge(12, 8, 250_000, [AcceptingPayer("KVK-1", 5), AcceptingPayer("KVK-2", 3)])
    assert split.surcharge_cents == 1_000_000
    assert split.parts == {"KVK-2": 375_000, "KVK-1": 625_000}


def test_last_payer_absorbs_the_rounding_remainder():
    split = split_surcharge(4, 1, 100, [AcceptingPayer(f"P{i}", 1) for i in range(3)])
    assert split.surcharge_cents == 300
    assert split.parts == {"P0": 100, "P1": 100, "P2": 100}
    odd = split_surcharge(2, 1, 100, [AcceptingPayer(f"P{i}", 1) for i in range(3)])
    assert odd.parts == {"P0": 33, "P1": 33, "P2": 34}


def test_no_surcharge_at_or_above_break_even():
    assert surcharge_total(12, 12, 1000) == 0
    assert surcharge_total(12, 15, 1000) == 0


payers = st.lists(
    st.builds(
        AcceptingPayer,
        payer_id=st.text("ABCDEFGHIJ", min_size=1, max_size=6),
        seats=st.integers(min_value=1, max_value=20),
        cap_cents=st.one_of(st.none(), st.integers(min_value=0, max_value=10**7)),
    ),
    min_size=1,
    max_size=8,
    unique_by=lambda p: p.payer_id,
)


@given(
    break_even=st.integers(min_value=0, max_value=40),
    enrolled=st.integers(min_value=0, max_value=40),
    price=st.integers(min_value=0, max_value=10**7),
    payers=payers,
)
def test_surcharge_parts_and_uncovered_add_up_to_the_surcharge(break_even, enrolled, price, payers):
    split = split_surcharge(break_even, enrolled, price, payers)
    assert split.charged_cents + split.uncovered_cents == split.surcharge_cents
    for payer in payers:
        if payer.cap_cents is not None:
            assert split.parts[payer.payer_id] <= payer.cap_cents


@given(
    break_even=st.integers(min_value=1, max_value=40),
    enrolled=st.integers(min_value=0, max_value=40),
    price=st.integers(min_value=100, max_value=10**7),
    payers=payers.map(lambda ps: [AcceptingPayer(p.payer_id, p.seats) for p in ps]),
)
def test_without_caps_the_payers_carry_the_whole_surcharge(break_even, enrolled, price, payers):
    split = split_surcharge(break_even, enrolled, price, payers)
    assert split.charged_cents == split.surcharge_cents
    assert split.uncovered_cents == 0
    assert all(part >= 0 for part in split.parts.values())


@given(
    break_even=st.integers(min_value=1, max_value=30),
    enrolled_before=st.integers(min_value=0, max_value=30),
    filled_later=st.lists(st.integers(min_value=0, max_value=5), max_size=5),
    price=st.integers(min_value=100, max_value=10**6),
    payers=payers,
)
def test_recomputations_and_credit_notes_leave_each_payer_owing_exactly_the_new_share(
    break_even, enrolled_before, filled_later, price, payers
):
    billed: dict[str, int] = dict(split_surcharge(break_even, enrolled_before, price, payers).parts)
    enrolled = enrolled_before
    for extra in filled_later:
        enrolled += extra
        new_parts = split_surcharge(break_even, enrolled, price, payers).parts
        for adjustment in settle(new_parts, billed):
            billed[adjustment.payer_id] = billed.get(adjustment.payer_id, 0) + adjustment.delta_cents
        assert {p: billed.get(p, 0) for p in new_parts} == new_parts


def model(**overrides):
    values = dict(
        teaching_hours=120,
        hourly_cost_cents=9_500,
        materials_cents_per_seat=15_000,
        rooms_cents=240_000,
        examination_cents_per_seat=12_500,
        development_cents=600_000,
        development_runs=4,
        overhead_bp=1_500,
        seats_basis=12,
    )
    return CostModel(**(values | overrides))


def test_integral_cost_price_adds_every_component_and_overhead():
    # group: 120 x 95.00 + 2400 + 6000/4 = 15300 -> 1275.00 per seat; seat: 150 + 125 = 275.00
    # (1275 + 275) x 1.15 = 1782.50
    assert integral_cost_per_seat(model()) == 178_250


@given(
    hours=st.integers(0, 2000),
    rate=st.integers(0, 50_000),
    seat_costs=st.integers(0, 10**6),
    overhead=st.integers(0, 5000),
    seats=st.integers(1, 40),
)
def test_a_price_at_integral_cost_covers_every_seat_of_the_basis(hours, rate, seat_costs, overhead, seats):
    cost_model = model(
        teaching_hours=hours,
        hourly_cost_cents=rate,
        materials_cents_per_seat=seat_costs,
        overhead_bp=overhead,
        seats_basis=seats,
    )
    price = integral_cost_per_seat(cost_model)
    full_cost_times_bp = (cost_model.group_costs_cents + cost_model.seat_costs_cents * seats) * (
        10_000 + overhead
    )
    assert price * seats * 10_000 >= full_cost_times_bp
    assert (price - 1) * seats * 10_000 < full_cost_times_bp


def test_a_private_price_below_integral_cost_is_refused_without_an_override():
    with pytest.raises(PriceBelowIntegralCost):
        check_private_price(150_000, 178_250, None)
    check_private_price(178_250, 178_250, None)


def test_an_override_for_exactly_this_price_lets_it_through():
    override = PriceOverride(
        by="finance:BRIN-25LH",
        at=datetime.now(UTC),
        reason="Pilot with sector fund, agreed by the board",
        price_cents=150_000,
        integral_cost_cents=178_250,
    )
    check_private_price(150_000, 178_250, override)
    with pytest.raises(PriceBelowIntegralCost):
        check_private_price(140_000, 178_250, override)


@given(costs=st.integers(0, 10**9), funded=st.integers(0, 40), private=st.integers(0, 40))
def test_shared_costs_are_allocated_completely_by_seat_share(costs, funded, private):
    allocation = allocate_shared_costs(costs, funded, private)
    if funded + private:
        assert allocation.publiek_cents + allocation.privaat_cents == costs
    if private == 0:
        assert allocation.privaat_cents == 0
    if funded == 0:
        assert allocation.publiek_cents == 0


def test_amounts_are_shown_the_dutch_way():
    assert format_eur(123456) == "€ 1.234,56"
    assert format_eur(-5) == "-€ 0,05"
