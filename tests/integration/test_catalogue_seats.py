"""Seats are never overbooked on the real broker and store, with two catalogue replicas in one group.

50 EnrolmentRequested events for a cohort with 12 seats left, spread over the topic's partitions
(keyed by application), handled concurrently by two service instances sharing a consumer group and
one database: exactly 12 SeatReserved, 38 SeatRejected, and the cohort document agrees.
"""

from __future__ import annotations

import asyncio
import uuid

import bson
import pytest

from catalogue.app import create_app
from catalogue.settings import CatalogueSettings
from catalogue.usecases import release_seat, reserve_seat
from llo_shared.bus import Subscription, envelope_message
from llo_shared.bus_kafka import KafkaBus
from llo_shared.envelope import EventEnvelope
from llo_shared.outbox import events_in_outbox, strip_outbox
from tests.fixtures.apps import running
from tests.fixtures.catalogue_data import schedule_private_cohort
from tests.support import eventually

API = "/catalogue/api/v1"


@pytest.fixture
def replica_settings(infra, unique, dev_key_file):
    return CatalogueSettings(
        environment="test",
        storage="mongo",
        mongo_url=infra.mongo_url,
        mongo_database=f"t_{unique}",
        bus="kafka",
        kafka_bootstrap=infra.kafka,
        dev_key_file=dev_key_file,
        relay_poll_interval_s=0.5,
        application_topic=f"recruitment.application.t{unique}",
        consumer_group_suffix=f".t{unique}",
    )


def enrolment_requests(cohort_id, count):
    for n in range(count):
        application = f"app-{uuid.uuid4().hex[:8]}"
        yield EventEnvelope(
            event_type="EnrolmentRequested",
            producer="recruitment",
            aggregate_id=application,
            payload={
                "enrolment_id": f"enr-{n}",
                "application_id": application,
                "cohort_id": cohort_id,
                "participant_ref": f"ref-{n}",
                "funding_kind": "private",
                "payers": [],
            },
        )


async def test_fifty_simultaneous_requests_for_twelve_seats_on_two_replicas(infra, unique, replica_settings):
    cohort_id = f"coh-int-{unique}"
    replica_a, replica_b = create_app(replica_settings), create_app(replica_settings)
    decisions: dict[str, str] = {}

    async def watch(envelope: EventEnvelope) -> None:
        if envelope.aggregate_id == cohort_id and envelope.event_type.startswith("Seat"):
            decisions[envelope.payload["enrolment_id"]] = envelope.event_type

    watcher = KafkaBus(infra.kafka, client_id=f"watch-{unique}")
    watcher.subscribe(Subscription(f"watch.{unique}", ("catalogue.cohort.v1",), watch))
    producer = KafkaBus(infra.kafka, client_id=f"recruitment-{unique}")
    async with running(replica_a) as http_a, running(replica_b):
        await schedule_private_cohort(
            http_a,
            replica_settings,
            cohort_id,
            capacity=12,
            break_even=8,
            starts_in_days=60,
            decided_days_before=14,
        )
        await watcher.start()
        await producer.start()
        try:
            requests = list(enrolment_requests(cohort_id, 50))
            await producer.publish(
                [envelope_message(replica_settings.application_topic, r) for r in requests]
            )
            # a producer retry: the same enrolments again under new event ids must not take seats
            retried = [r.model_copy(update={"event_id": uuid.uuid4()}) for r in requests[:10]]
            await producer.publish([envelope_message(replica_settings.application_topic, r) for r in retried])
            await eventually(lambda: len(decisions) == 50, timeout=180, what="50 seat decisions")
            store = replica_a.state.catalogue_store
            cohort = await store.cohort(cohort_id)
        finally:
            await producer.stop()
            await watcher.stop()
    assert sorted(decisions.values()).count("SeatReserved") == 12
    assert sorted(decisions.values()).count("SeatRejected") == 38
    assert (cohort["seats_taken"], cohort["seats_left"], len(cohort["enrolment_ids"])) == (12, 0, 12)
    assert set(cohort["enrolment_ids"]) == {e for e, kind in decisions.items() if kind == "SeatReserved"}


async def test_two_replicas_deciding_seats_of_one_cohort_at_once_lose_none(infra, unique, replica_settings):
    """Each replica its own connection (so no lock in common): every seat decision one commit in
    the ledger, and the cohort document shows exactly the reservations made minus the releases."""
    cohort_id = f"coh-race-{unique}"
    replica_a, replica_b = create_app(replica_settings), create_app(replica_settings)
    async with running(replica_a) as http_a, running(replica_b):
        await schedule_private_cohort(
            http_a,
            replica_settings,
            cohort_id,
            capacity=8,
            break_even=4,
            starts_in_days=60,
            decided_days_before=14,
        )
        stores = [replica_a.state.catalogue_store, replica_b.state.catalogue_store]
        outcomes = await asyncio.gather(
            *(reserve_seat(stores[n % 2], seat_request(cohort_id, n)) for n in range(20))
        )
        reserved = [f"enr-{n}" for n, o in enumerate(outcomes) if o.outcome == "reserved"]
        released = await asyncio.gather(
            *(
                release_seat(stores[n % 2], {"enrolment_id": e, "cohort_id": cohort_id})
                for n, e in enumerate(reserved[:3])
            )
        )
        retaken = await asyncio.gather(
            *(reserve_seat(stores[n % 2], seat_request(cohort_id, 100 + n)) for n in range(6))
        )
        cohort = await stores[0].cohort(cohort_id)
        commits = await stores[0].db["seats"].find({"cohort_id": cohort_id, "kind": "decision"}).to_list(None)
    assert len(reserved) == 8 and {o.reason for o in outcomes if o.outcome == "rejected"} == {"full"}
    again = [f"enr-{100 + n}" for n, o in enumerate(retaken) if o.outcome == "reserved"]
    assert [o.outcome for o in released] == ["released"] * 3 and len(again) == 3
    assert sorted(cohort["enrolment_ids"]) == sorted(set(reserved[3:]) | set(again))
    assert (cohort["seats_taken"], cohort["seats_left"]) == (8, 0)
    assert sorted(c["seats_version"] for c in commits) == list(range(1, cohort["seats_version"]))


async def test_the_stored_cohort_stays_one_size_as_its_seats_are_taken(infra, unique, replica_settings):
    """FerretDB reads and rewrites the whole cohort document on every seat decision: it must not
    grow with the holders (they are read from the seat ledger), nor keep the events it published."""
    cohort_id = f"coh-size-{unique}"
    app = create_app(replica_settings)
    async with running(app) as http:
        await schedule_private_cohort(
            http,
            replica_settings,
            cohort_id,
            capacity=130,
            break_even=8,
            starts_in_days=60,
            decided_days_before=14,
        )
        store, relay = app.state.catalogue_store, app.state.runtime.relay
        sizes = []
        for n in range(120):
            assert (await reserve_seat(store, seat_request(cohort_id, n))).outcome == "reserved"
            stored = await store.db["cohorts"].find_one({"_id": cohort_id})
            sizes.append(len(bson.encode(strip_outbox(stored))))

        async def all_published() -> bool:
            return await relay.unpublished() == 0

        await eventually(all_published, timeout=60, what="every seat event published")
        released = await release_seat(store, {"enrolment_id": "enr-5", "cohort_id": cohort_id})
        stored = await store.db["cohorts"].find_one({"_id": cohort_id})
        cohort = await store.cohort(cohort_id)
    assert max(sizes) == min(sizes) < 6_000
    assert released.outcome == "released" and len(events_in_outbox(stored)) == 1  # the others pruned
    assert len(cohort["enrolments"]) == 119 and cohort["enrolments"][0]["participant_ref"] == "ref-0"


def seat_request(cohort_id, n):
    return {
        "enrolment_id": f"enr-{n}",
        "application_id": f"app-{n}",
        "cohort_id": cohort_id,
        "participant_ref": f"ref-{n}",
        "funding_kind": "private",
        "payers": [],
    }
