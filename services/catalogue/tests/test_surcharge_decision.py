"""The go-with-surcharge decision fixes every payer's part (llo_shared.surcharge, the one rule):
per accepting demand, on the payers the demand names; seat events carry the parts due after them."""

from datetime import date

import pytest

from catalogue.api.deps import problem_of
from catalogue.domain import rules
from catalogue.domain.errors import Conflict
from catalogue.domain.model import CohortCreate, OfferingCreate, ProviderCreate
from catalogue.store import CatalogueStore
from catalogue.usecases import (
    call_off,
    decide,
    publish_offering,
    record_surcharge_acceptance,
    register_provider,
    release_seat,
    reserve_seat,
    schedule_cohort,
)
from llo_shared.mongo import MemoryDatabase

from .conftest import cohort_body, offering_body, provider_body
from .test_seats import outbox_events, request

EMPLOYER = {"payer_id": "KVK-39084217", "kind": "employer", "name": "Zorggroep Almere"}
FUND = {"payer_id": "KVK-41150000", "kind": "oo_fonds", "name": "Fonds Zorg"}


async def store_with_cohort(seat_price_cents=450_000, taken=5):
    store = CatalogueStore(MemoryDatabase("surcharge"), today=lambda: date(2029, 6, 1))
    provider = await register_provider(store, ProviderCreate(**provider_body()))
    offering = await publish_offering(store, provider, OfferingCreate(**offering_body()), "off-test")
    await schedule_cohort(
        store,
        offering,
        CohortCreate(**cohort_body("off-test", break_even=10, seat_price_cents=seat_price_cents)),
        "coh-test",
        prior_seats={"funded_bbl": taken},
    )
    return store


def acceptance(demand_id, seats, payers, cap_cents=10_000_000):
    return {
        "cohort_id": "coh-test",
        "demand_id": demand_id,
        "payer": payers[0],
        "payers": payers,
        "seats": seats,
        "cap_cents": cap_cents,
    }


async def confirmed_surcharge(store):
    events = [e for e in await outbox_events(store) if e["event_type"] == "CohortConfirmed"]
    return events[-1]["payload"]["surcharge"]


async def test_two_demands_of_one_employer_keep_two_acceptances_and_each_demand_books_on_its_payers():
    store = await store_with_cohort()
    await record_surcharge_acceptance(store, acceptance("dem-1", 2, [EMPLOYER]))
    await record_surcharge_acceptance(store, acceptance("dem-2", 1, [EMPLOYER]))
    shared = [EMPLOYER | {"share_bp": 6000}, FUND | {"share_bp": 4000}]
    await record_surcharge_acceptance(store, acceptance("dem-3", 2, shared))
    await record_surcharge_acceptance(store, acceptance("dem-2", 1, [EMPLOYER]))  # redelivered: still one
    cohort = await store.cohort("coh-test")
    assert [a["acceptance_id"] for a in cohort["surcharge_acceptances"]] == ["dem-1", "dem-3", "dem-2"]

    await decide(store, cohort, "go_with_surcharge", decided_by="test")
    surcharge = await confirmed_surcharge(store)
    parts = [(p["acceptance_id"], p["payer_id"], p["amount_cents"]) for p in surcharge["payers"]]
    # 5 empty seats x 4.500,00 = 22.500,00 over 5 accepting seats: 4.500,00 a seat
    assert parts == [
        ("dem-1", "KVK-39084217", 900_000),
        ("dem-3", "KVK-39084217", 540_000),  # dem-3's 2 seats, 60 % on the employer
        ("dem-3", "KVK-41150000", 360_000),  # and 40 % on the fund it names
        ("dem-2", "KVK-39084217", 450_000),
    ]
    assert sum(p[2] for p in parts) == surcharge["total_cents"] == 2_250_000


async def test_the_last_payer_to_accept_takes_the_rounding_cent():
    store = await store_with_cohort(seat_price_cents=100_000, taken=9)
    for n in range(3):
        payer = {"payer_id": f"KVK-1000000{n}", "kind": "employer"}
        await record_surcharge_acceptance(store, acceptance(f"dem-{n}", 1, [payer]))
    await decide(store, await store.cohort("coh-test"), "go_with_surcharge", decided_by="test")
    surcharge = await confirmed_surcharge(store)
    assert [p["amount_cents"] for p in surcharge["payers"]] == [33_333, 33_333, 33_334]


async def test_a_demand_over_its_cap_blocks_the_decision():
    store = await store_with_cohort()
    await record_surcharge_acceptance(store, acceptance("dem-1", 2, [EMPLOYER], cap_cents=100))
    cohort = await store.cohort("coh-test")
    assert "cap" in (rules.surcharge_problem(cohort) or "")


async def test_seats_filled_later_return_the_reduction_pro_rata_to_the_decided_parts():
    store = await store_with_cohort()
    await record_surcharge_acceptance(store, acceptance("dem-1", 3, [EMPLOYER]))
    await record_surcharge_acceptance(store, acceptance("dem-2", 2, [FUND]))
    await decide(store, await store.cohort("coh-test"), "go_with_surcharge", decided_by="test")
    await reserve_seat(store, request(1))
    await reserve_seat(store, request(2))
    await release_seat(store, {"enrolment_id": "enr-1", "cohort_id": "coh-test"})
    carried = [
        (e["event_type"], [p["amount_cents"] for p in e["payload"]["surcharge"]["payers"]])
        for e in await outbox_events(store)
        if e["event_type"] in ("SeatReserved", "SeatReleased")
    ]
    assert sorted(carried) == sorted(
        [
            ("SeatReserved", [1_080_000, 720_000]),  # 4 empty seats: 18.000,00
            ("SeatReserved", [810_000, 540_000]),  # 3 empty seats
            ("SeatReleased", [1_080_000, 720_000]),
        ]
    )
    cohort = await store.cohort("coh-test")
    assert cohort["surcharge_parts_now"] == [1_080_000, 720_000]


async def test_a_confirmed_cohort_called_off_owes_nothing_and_a_planned_one_needs_a_decision():
    store = await store_with_cohort()
    await record_surcharge_acceptance(store, acceptance("dem-1", 5, [EMPLOYER]))
    planned = await store.cohort("coh-test")
    with pytest.raises(Conflict) as refused:
        await call_off(store, planned, decided_by="test")
    assert problem_of(refused.value).status == 409
    await decide(store, planned, "go_with_surcharge", decided_by="test")
    called_off = await call_off(
        store, await store.cohort("coh-test"), decided_by="test", reason="docent ziek"
    )
    assert called_off["status"] == "cancelled"
    assert rules.surcharge_now(await store.cohort("coh-test")) == [0]
    cancelled = [e for e in await outbox_events(store) if e["event_type"] == "CohortCancelled"]
    assert cancelled[-1]["payload"]["reason"] == "docent ziek"
