"""Seat decisions (usecases/seats.py over the store): never overbooked, idempotent per enrolment,
events in the same write."""

import asyncio
import json
from datetime import UTC, date, datetime

import bson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalogue import documents
from catalogue.api.deps import problem_of
from catalogue.domain.errors import InvalidInput
from catalogue.domain.model import CohortCreate, CohortUpdate, OfferingCreate, ProviderCreate
from catalogue.store import OUTBOX_COLLECTIONS, SEAT_REJECTIONS, CatalogueStore
from catalogue.usecases import (
    SeatChange,
    change_seats,
    decide,
    publish_offering,
    record_surcharge_acceptance,
    register_provider,
    release_seat,
    reserve_seat,
    schedule_cohort,
    sweep_decisions,
    update_cohort,
)
from catalogue.usecases import seats as seat_decisions
from llo_shared.bus_memory import InProcessBus
from llo_shared.mongo import MemoryDatabase
from llo_shared.outbox import OutboxRelay, events_in_outbox, strip_outbox

from .conftest import cohort_body, offering_body, provider_body


async def new_store_with_cohort(capacity=14, taken=0):
    store = CatalogueStore(MemoryDatabase("seats"), today=lambda: date(2029, 6, 1))
    provider = await register_provider(store, ProviderCreate(**provider_body()))
    offering = await publish_offering(store, provider, OfferingCreate(**offering_body()), "off-test")
    cohort = await schedule_cohort(
        store,
        offering,
        CohortCreate(**cohort_body("off-test", capacity=capacity, break_even=min(10, capacity))),
        "coh-test",
        prior_seats={"funded_bbl": taken},
    )
    return store, cohort


def request(n, cohort_id="coh-test", funding_kind="private"):
    return {
        "enrolment_id": f"enr-{n}",
        "application_id": f"app-{n}",
        "cohort_id": cohort_id,
        "participant_ref": f"p-{n}",
        "funding_kind": funding_kind,
        "payers": [],
    }


async def outbox_events(store, collections=OUTBOX_COLLECTIONS):
    docs = [d for c in collections for d in await store.db[c].find({}).to_list(None)]
    return [json.loads(e["value"]) for d in docs for e in events_in_outbox(d)]


async def test_fifty_concurrent_requests_for_twelve_seats_reserve_exactly_twelve():
    store, _ = await new_store_with_cohort(capacity=14, taken=2)
    outcomes = await asyncio.gather(*(reserve_seat(store, request(n)) for n in range(50)))
    assert sum(o.outcome == "reserved" for o in outcomes) == 12
    assert {o.reason for o in outcomes if o.outcome == "rejected"} == {"full"}
    cohort = await store.cohort("coh-test")
    assert (cohort["seats_taken"], cohort["seats_left"], len(cohort["enrolment_ids"])) == (14, 0, 12)
    kinds = [e["event_type"] for e in await outbox_events(store)]
    assert kinds.count("SeatReserved") == 12 and kinds.count("SeatRejected") == 38
    left_values = sorted(
        e["payload"]["seats_left"] for e in await outbox_events(store) if e["event_type"] == "SeatReserved"
    )
    assert left_values == list(range(12))  # every reservation reports the count it left behind


async def test_a_redelivered_request_takes_no_second_seat():
    store, _ = await new_store_with_cohort()
    first = await reserve_seat(store, request(1))
    again = await reserve_seat(store, request(1))
    assert (first.outcome, again.outcome) == ("reserved", "duplicate")
    assert (await store.cohort("coh-test"))["seats_taken"] == 1


async def test_withdrawal_releases_the_seat_once_and_counts_per_funding_kind():
    store, _ = await new_store_with_cohort()
    await reserve_seat(store, request(1, funding_kind="funded_bbl"))
    assert (await store.cohort("coh-test"))["seats_by_funding"]["funded_bbl"] == 1
    released = await release_seat(store, {"enrolment_id": "enr-1", "cohort_id": "coh-test"})
    twice = await release_seat(store, {"enrolment_id": "enr-1", "cohort_id": "coh-test"})
    assert (released.outcome, twice.outcome) == ("released", "not_enrolled")
    cohort = await store.cohort("coh-test")
    assert (cohort["seats_taken"], cohort["seats_left"], cohort["seats_by_funding"]["funded_bbl"]) == (
        0,
        14,
        0,
    )
    assert "SeatReleased" in [e["event_type"] for e in await outbox_events(store)]


async def test_unknown_and_cancelled_cohorts_are_rejected_with_their_reason():
    store, cohort = await new_store_with_cohort()
    unknown = await reserve_seat(store, request(1, cohort_id="coh-missing"))
    assert unknown.reason == "unknown_cohort"
    assert [e["payload"]["reason"] for e in await outbox_events(store, [SEAT_REJECTIONS])] == [
        "unknown_cohort"
    ]
    await decide(store, cohort, "cancel", decided_by="test")
    cancelled = await reserve_seat(store, request(2))
    assert cancelled.reason == "cancelled"


async def test_decision_sweep_asks_the_provider_once_below_break_even():
    store, _ = await new_store_with_cohort(taken=3)
    store.today = lambda: date(2030, 1, 10)
    assert await sweep_decisions(store) == {"confirmed": 0, "decision_due": 1}
    assert await sweep_decisions(store) == {"confirmed": 0, "decision_due": 0}
    due = [e for e in await outbox_events(store) if e["event_type"] == "CohortDecisionDue"]
    assert (due[0]["payload"]["enrolled"], due[0]["payload"]["seats_missing"]) == (3, 7)


async def test_go_with_surcharge_carries_what_billing_needs():
    store, cohort = await new_store_with_cohort(taken=6)
    payer = {
        "payer_id": "KVK-39084217",
        "kind": "employer",
        "name": "Zorggroep Almere",
        "scheme": "0106",
        "endpoint": "39084217",
    }
    assert await record_surcharge_acceptance(
        store, {"cohort_id": "coh-test", "payer": payer, "seats": 6, "cap_cents": 2_000_000}
    )
    cohort = await store.cohort("coh-test")
    decided = await decide(store, cohort, "go_with_surcharge", decided_by="provider:BRIN-25LH")
    assert decided["status"] == "confirmed"
    confirmed = next(e for e in await outbox_events(store) if e["event_type"] == "CohortConfirmed")["payload"]
    assert confirmed["surcharge"]["total_cents"] == 4 * 450000
    assert confirmed["surcharge"]["payers"][0]["amount_cents"] == 4 * 450000


async def test_merge_moves_every_seat_to_the_target_and_cancels_the_source():
    store, source = await new_store_with_cohort()
    offering = await store.offering("off-test")
    target = await schedule_cohort(store, offering, CohortCreate(**cohort_body("off-test")), "coh-target")
    for n in range(3):
        await reserve_seat(store, request(n))
    source = await store.cohort("coh-test")
    cancelled = await decide(store, source, "merge", decided_by="test", merge_into=target)
    assert cancelled["status"] == "cancelled" and cancelled["decision"]["merged_into"] == "coh-target"
    target = await store.cohort("coh-target")
    assert (target["seats_taken"], sorted(target["enrolment_ids"])) == (3, ["enr-0", "enr-1", "enr-2"])


async def test_capacity_cannot_drop_below_a_held_slot():
    store, _ = await new_store_with_cohort(capacity=5)
    for n in range(4):
        await reserve_seat(store, request(n))
    for n in range(3):  # slots 0-2 free again, slot 3 still held: one seat taken
        await release_seat(store, {"enrolment_id": f"enr-{n}", "cohort_id": "coh-test"})
    cohort = await store.cohort("coh-test")
    offering = await store.offering("off-test")
    body = cohort_body("off-test", capacity=2, break_even=2)
    del body["offering_id"]
    smaller = CohortUpdate(**body, version=1)  # one seat fits in 2, but slot 3 would stay bookable
    with pytest.raises(InvalidInput) as refused:
        await update_cohort(store, cohort, offering, smaller, 1)
    assert problem_of(refused.value).status == 422


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    capacity=st.integers(min_value=1, max_value=6),
    waves=st.lists(
        st.lists(
            st.tuples(st.sampled_from(["reserve", "release"]), st.integers(0, 9)), min_size=1, max_size=8
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_any_interleaving_of_requests_and_withdrawals_keeps_the_ledger_within_capacity(capacity, waves):
    async def scenario():
        store, _ = await new_store_with_cohort(capacity=capacity)
        for wave in waves:  # each wave runs concurrently, like deliveries on several replicas
            await asyncio.gather(
                *(
                    reserve_seat(store, request(n))
                    if op == "reserve"
                    else release_seat(store, {"enrolment_id": f"enr-{n}", "cohort_id": "coh-test"})
                    for op, n in wave
                )
            )
            cohort = await store.cohort("coh-test")
            assert 0 <= cohort["seats_taken"] <= capacity
            assert cohort["seats_taken"] + cohort["seats_left"] == capacity
            assert len(set(cohort["enrolment_ids"])) == len(cohort["enrolment_ids"]) == cohort["seats_taken"]

    asyncio.run(scenario())


async def test_a_decision_committed_but_not_yet_in_the_cohort_document_is_applied_by_the_next():
    """The writer stops between the ledger commit and the cohort write: nothing is lost."""
    store, _ = await new_store_with_cohort(capacity=3)
    cohorts = store.db["cohorts"]
    real_update = type(cohorts).update_one

    async def crash(self, filter, update, *args, **kwargs):
        if "$set" in update and "seat_slots" in update["$set"]:
            raise ConnectionError("writer stopped")
        return await real_update(self, filter, update, *args, **kwargs)

    type(cohorts).update_one = crash
    try:
        with pytest.raises(ConnectionError):
            await reserve_seat(store, request(1))
    finally:
        type(cohorts).update_one = real_update
    assert (await store.cohort("coh-test"))["seats_taken"] == 0  # committed, not shown yet
    assert (await reserve_seat(store, request(1))).outcome == "duplicate"
    assert (await reserve_seat(store, request(2))).outcome == "reserved"
    cohort = await store.cohort("coh-test")
    assert (cohort["enrolment_ids"], cohort["seats_left"]) == (["enr-1", "enr-2"], 1)
    reserved = [
        e["payload"]["enrolment_id"] for e in await outbox_events(store) if e["event_type"] == "SeatReserved"
    ]
    assert sorted(reserved) == ["enr-1", "enr-2"]  # the first event left with the caught-up write


async def test_a_run_of_requests_and_withdrawals_is_one_write_and_decided_in_order():
    store, _ = await new_store_with_cohort(capacity=2)
    await reserve_seat(store, request(1))
    outcomes = await change_seats(
        store,
        "coh-test",
        [
            SeatChange("reserve", request(2)),
            SeatChange("reserve", request(3)),  # full: 1 and 2 hold both seats
            SeatChange("release", {"enrolment_id": "enr-1", "cohort_id": "coh-test"}),
            SeatChange("reserve", request(4)),  # takes the seat 1 left
            SeatChange("reserve", request(2)),  # redelivered
        ],
    )
    assert [(o.outcome, o.reason) for o in outcomes] == [
        ("reserved", None),
        ("rejected", "full"),
        ("released", None),
        ("reserved", None),
        ("duplicate", None),
    ]
    cohort = await store.cohort("coh-test")
    assert (sorted(cohort["enrolment_ids"]), cohort["seats_version"]) == (["enr-2", "enr-4"], 3)


async def test_a_withdrawal_racing_its_reservations_write_still_releases_the_seat():
    """The reservation is committed but its cohort write not yet done when the withdrawal reads."""
    store, _ = await new_store_with_cohort(capacity=3)
    cohorts = store.db["cohorts"]
    real_update = type(cohorts).update_one
    released = []

    async def withdraw_first(self, filter, update, *args, **kwargs):
        if "$set" in update and "seat_slots" in update["$set"] and not released:
            released.append(None)  # once: the withdrawal's own writes go through
            released[0] = await release_seat(store, {"enrolment_id": "enr-1", "cohort_id": "coh-test"})
        return await real_update(self, filter, update, *args, **kwargs)

    type(cohorts).update_one = withdraw_first
    try:
        reserved = await reserve_seat(store, request(1))
    finally:
        type(cohorts).update_one = real_update
    assert (reserved.outcome, released[0].outcome) == ("reserved", "released")
    cohort = await store.cohort("coh-test")
    assert (cohort["enrolment_ids"], cohort["seats_left"]) == ([], 3)


async def test_a_cohort_stored_with_its_seats_in_the_old_ledger_moves_them_into_its_document():
    store, _ = await new_store_with_cohort(capacity=3, taken=1)
    before = {"$unset": {"seats_version": ""}, "$set": {"enrolment_ids": [], "enrolments": []}}
    await store.db["cohorts"].update_one({"_id": "coh-test"}, before)
    at = datetime(2029, 5, 1, tzinfo=UTC)
    old = {"cohort_id": "coh-test", "funding_kind": "private", "payers": [], "at": at}
    await store.db["seats"].insert_many(
        [
            old | {"_id": "coh-test#s0#0", "kind": "reserved", "slot": 0, "enrolment_id": "enr-a"},
            old | {"_id": "coh-test#s1#0", "kind": "reserved", "slot": 1, "enrolment_id": "enr-b"},
            old | {"_id": "coh-test#s0#0#released", "kind": "released", "of": "coh-test#s0#0", "slot": 0},
        ]
    )
    cohort = await store.cohort("coh-test")
    assert (cohort["enrolment_ids"], cohort["seats_taken"], cohort["seats_version"]) == (["enr-b"], 2, 1)
    assert (await reserve_seat(store, request(1))).outcome == "reserved"  # slot 0, freed before
    assert (await reserve_seat(store, request(2))).reason == "full"
    cohort = await store.cohort("coh-test")
    assert [(e["slot"], e["enrolment_id"]) for e in cohort["enrolments"]] == [(0, "enr-1"), (1, "enr-b")]


def stored_size(doc):
    """The cohort document's size as the store holds it, without its outbox (see the relay test)."""
    return len(bson.encode(strip_outbox(doc)))


async def test_the_cohort_document_does_not_grow_with_its_seat_holders():
    """Each seat decision reads and rewrites the cohort document: its size stays what it was."""
    store, _ = await new_store_with_cohort(capacity=150)
    payer = {"payer_id": "KVK-39084217", "kind": "employer", "name": "Zorggroep Almere"}
    sizes = []
    for n in range(120):
        assert (await reserve_seat(store, request(n) | {"payers": [payer]})).outcome == "reserved"
        sizes.append(stored_size(await store.db["cohorts"].find_one({"_id": "coh-test"})))
    assert max(sizes) == min(sizes) < 6_000
    stored = await store.db["cohorts"].find_one({"_id": "coh-test"})
    assert "enrolments" not in stored and "enrolment_ids" not in stored
    cohort = await store.cohort("coh-test")  # the holders, read from the seat ledger
    assert [(e["slot"], e["enrolment_id"]) for e in cohort["enrolments"]] == [
        (n, f"enr-{n}") for n in range(120)
    ]
    assert (
        cohort["enrolments"][7]["payers"] == [payer] and cohort["enrolments"][7]["participant_ref"] == "p-7"
    )


async def test_published_events_leave_the_cohort_document_with_its_next_seat_decision():
    store, _ = await new_store_with_cohort(capacity=60)
    relay = OutboxRelay(store.db, OUTBOX_COLLECTIONS, InProcessBus(), service="catalogue")
    for n in range(50):
        await reserve_seat(store, request(n))
        await relay.relay_once()
    stored = await store.db["cohorts"].find_one({"_id": "coh-test"})
    assert len(events_in_outbox(stored)) == 1  # the last decision's, published: the next write prunes it


async def test_enrolments_whose_digests_collide_are_told_apart_by_the_ledger(monkeypatch):
    """A slot's token holds a digest of its enrolment id; a match is checked against the ledger."""
    monkeypatch.setattr(seat_decisions, "enrolment_digest", lambda _: "00000000")
    monkeypatch.setattr(documents, "enrolment_digest", lambda _: "00000000")
    store, _ = await new_store_with_cohort(capacity=4)
    assert [(await reserve_seat(store, request(n))).outcome for n in (1, 2, 1, 3)] == [
        "reserved",
        "reserved",
        "duplicate",
        "reserved",
    ]
    released = await release_seat(store, {"enrolment_id": "enr-2", "cohort_id": "coh-test"})
    missing = await release_seat(store, {"enrolment_id": "enr-9", "cohort_id": "coh-test"})
    assert (released.outcome, missing.outcome) == ("released", "not_enrolled")
    cohort = await store.cohort("coh-test")
    assert (cohort["enrolment_ids"], cohort["seats_left"]) == (["enr-1", "enr-3"], 2)


async def test_a_cohort_stored_with_its_holders_in_its_document_moves_them_to_slots_once():
    """The shape before `seat_slots`: holders in `enrolments`, each in the ledger entry of its commit,
    or (older still) in none."""
    store, _ = await new_store_with_cohort(capacity=4)
    for n in (1, 2):
        await reserve_seat(store, request(n))
    held = (await store.cohort("coh-test"))["enrolments"]
    at = datetime(2029, 5, 1, tzinfo=UTC)
    older = {"enrolment_id": "enr-old", "application_id": "app-old", "participant_ref": "p-old"}
    older |= {
        "funding_kind": "private",
        "payers": [],
        "slot": 3,
        "seat_id": "coh-test#s3#0",
        "reserved_at": at,
    }
    held.append(older)
    old_shape = {
        "$unset": {"seat_slots": ""},
        "$set": {"enrolments": held, "enrolment_ids": [e["enrolment_id"] for e in held]},
        "$inc": {"seats_taken": 1, "seats_left": -1, "seats_by_funding.private": 1},
    }
    await store.db["cohorts"].update_one({"_id": "coh-test"}, old_shape)
    cohort = await store.cohort("coh-test")
    assert [(e["slot"], e["enrolment_id"]) for e in cohort["enrolments"]] == [
        (0, "enr-1"),
        (1, "enr-2"),
        (3, "enr-old"),
    ]
    stored = await store.db["cohorts"].find_one({"_id": "coh-test"})
    assert "enrolments" not in stored and "seat_slots" in stored
    assert (await reserve_seat(store, request(2))).outcome == "duplicate"
    assert (
        await release_seat(store, {"enrolment_id": "enr-old", "cohort_id": "coh-test"})
    ).outcome == "released"
    assert [(await reserve_seat(store, request(n))).outcome for n in (3, 4, 5)] == [
        "reserved",
        "reserved",
        "rejected",
    ]
    cohort = await store.cohort("coh-test")
    assert [(e["slot"], e["enrolment_id"]) for e in cohort["enrolments"]] == [
        (0, "enr-1"),
        (1, "enr-2"),
        (2, "enr-3"),
        (3, "enr-4"),
    ]
