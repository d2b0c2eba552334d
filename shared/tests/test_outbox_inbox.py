"""Outbox and inbox on both store adapters (and both buses where the promise is end to end):
nothing lost, nothing applied twice, each aggregate's events in order."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo.errors import DuplicateKeyError

from llo_shared import outbox
from llo_shared.bus import Message, Subscription
from llo_shared.bus_memory import InProcessBus
from llo_shared.envelope import EventEnvelope
from llo_shared.inbox import INBOX, Inbox
from llo_shared.outbox import (
    LEDGER,
    STAMPS,
    OutboxRelay,
    events_in_outbox,
    new_document,
    release_outbox,
    strip_outbox,
    with_events,
)
from tests.support import eventually

TOPIC = "test.counter.v1"


def counted(aggregate: str, n: int) -> EventEnvelope:
    return EventEnvelope(event_type="Counted", producer="test", aggregate_id=aggregate, payload={"n": n})


def numbers(document: dict[str, Any]) -> list[int]:
    return [EventEnvelope.model_validate_json(e["value"]).payload["n"] for e in events_in_outbox(document)]


async def listening_bus() -> tuple[InProcessBus, list[int]]:
    """A started in-process bus and the numbers of the events it delivered on TOPIC, in order."""
    bus, received = InProcessBus(), []

    async def handle(e: EventEnvelope) -> None:
        received.append(e.payload["n"])

    bus.subscribe(Subscription("g", (TOPIC,), handle))
    await bus.start()
    return bus, received


async def stopped_after_first_sweep(database: Any, bus: InProcessBus) -> OutboxRelay:
    """A relay with frequent stamp sweeps and no periodic full one, stopped after its first (full)
    sweep: a write made now is heard by no relay, only the stamps or a later full sweep find it."""
    relay = OutboxRelay(
        database, ["aggregates"], bus, service="test", sweep_interval_s=0.05, full_sweep_interval_s=3600
    )
    await relay.start()
    try:
        await eventually(lambda: relay.stats.passes >= 1, what="the first (full) sweep")
    finally:
        await relay.stop()
    return relay


class Consumer:
    """A consumer group on `bus` whose handler runs inside the inbox; counts deliveries and effects."""

    def __init__(self, database: Any, bus: Any, topic: str, group: str) -> None:
        self.delivered: list[int] = []
        self.applied: dict[str, list[int]] = defaultdict(list)

        async def apply(event: EventEnvelope) -> None:
            self.applied[event.aggregate_id].append(event.payload["n"])

        guarded = Inbox(database).guard(group, apply)

        async def handle(event: EventEnvelope) -> None:
            self.delivered.append(event.payload["n"])
            await guarded(event)

        bus.subscribe(Subscription(group, (topic,), handle))

    def effects(self) -> list[int]:
        return sorted(n for ns in self.applied.values() for n in ns)


async def test_state_and_events_are_written_together_and_relayed_once(database):
    bus, received = await listening_bus()
    aggregates = database["aggregates"]
    await aggregates.insert_one(new_document({"_id": "a", "count": 1}, TOPIC, [counted("a", 1)]))
    await aggregates.update_one({"_id": "a"}, with_events({"$inc": {"count": 1}}, TOPIC, [counted("a", 2)]))
    relay = OutboxRelay(database, ["aggregates"], bus, service="test")
    assert await relay.relay_once() == 2
    assert await relay.relay_once() == 0  # recorded: nothing is published twice
    await bus.drain()
    assert received == [1, 2]
    stored = await aggregates.find_one({"_id": "a"})
    assert strip_outbox(stored) == {"_id": "a", "count": 2}
    assert await database[LEDGER].count_documents({}) == 2
    await bus.stop()


async def test_the_relay_never_writes_an_aggregate_and_the_next_write_prunes_what_it_published(database):
    bus = InProcessBus()
    aggregates = database["aggregates"]
    await aggregates.insert_one(new_document({"_id": "a", "count": 0}, TOPIC, [counted("a", 1)]))
    before = await aggregates.find_one({"_id": "a"})
    relay = OutboxRelay(database, ["aggregates"], bus, service="test")
    assert await relay.relay_once() == 1
    assert await aggregates.find_one({"_id": "a"}) == before  # bookkeeping lives in the ledger
    await aggregates.update_one({"_id": "a"}, with_events({"$inc": {"count": 1}}, TOPIC, [counted("a", 2)]))
    after = await aggregates.find_one({"_id": "a"})
    assert numbers(after) == [2] and after["count"] == 1
    assert await relay.relay_once() == 1


async def test_a_write_during_a_relay_pass_is_never_lost(database):
    class SlowBus(InProcessBus):
        async def publish(self, messages: list[Message]) -> None:
            # a writer changes the same aggregate while the broker acknowledges
            await database["aggregates"].update_one(
                {"_id": "a"}, with_events({"$inc": {"count": 1}}, TOPIC, [counted("a", 99)])
            )
            await super().publish(messages)

    bus = SlowBus()
    await database["aggregates"].insert_one(new_document({"_id": "a", "count": 0}, TOPIC, [counted("a", 1)]))
    relay = OutboxRelay(database, ["aggregates"], bus, service="test")
    assert await relay.relay_once() == 1
    stored = await database["aggregates"].find_one({"_id": "a"})
    assert stored["count"] == 1  # the writer's change stands
    assert numbers(stored) == [1, 99]  # and its event waits for the next pass
    assert await relay.relay_once() == 1
    published = [EventEnvelope.from_bytes(m.value).payload["n"] for p in bus.broker.log(TOPIC) for m in p]
    assert published == [1, 99]


async def test_a_crash_between_publish_and_ledger_republishes_only_that_and_the_inbox_drops_it(
    database, bus_factory, unique
):
    topic = f"test.{unique}.v1"

    class CrashBeforeLedger(OutboxRelay):
        async def _record(self, event_ids: list[str]) -> None:
            raise RuntimeError("process killed after the broker acknowledged")

    bus = bus_factory()
    consumer = Consumer(database, bus, topic, f"g-{unique}")
    await bus.start()
    aggregates = database["aggregates"]
    try:
        await aggregates.insert_one(new_document({"_id": "a"}, topic, [counted("a", 1)]))
        assert await OutboxRelay(database, ["aggregates"], bus, service="test").relay_once() == 1
        await aggregates.update_one({"_id": "a"}, with_events({}, topic, [counted("a", 2), counted("a", 3)]))
        crashing = CrashBeforeLedger(database, ["aggregates"], bus, service="test")
        try:
            await crashing.relay_once()
        except RuntimeError:
            pass
        else:
            raise AssertionError("the crash did not happen")
        restarted = OutboxRelay(database, ["aggregates"], bus, service="test")
        assert await restarted.relay_once() == 2  # 2 and 3 again, not 1
        assert await restarted.relay_once() == 0
        await eventually(lambda: len(consumer.delivered) >= 5, what="five deliveries")
        await eventually(lambda: consumer.effects() == [1, 2, 3], what="three effects")
        assert sorted(consumer.delivered) == [1, 2, 2, 3, 3]
        assert consumer.applied["a"] == [1, 2, 3]
    finally:
        await bus.stop()


async def test_each_aggregate_keeps_its_order_while_writes_race_the_relay(database, bus_factory, unique):
    """Writers on six aggregates race one running relay; every event is applied once, and each
    aggregate's events arrive in the order they were written (the relay is told of each write by
    the database, nobody calls wake())."""
    topic, writes = f"test.{unique}.v1", 15
    bus = bus_factory()
    consumer = Consumer(database, bus, topic, f"g-{unique}")
    await bus.start()
    relay = OutboxRelay(database, ["aggregates"], bus, service="test", poll_interval_s=30)
    await relay.start()
    aggregates = database["aggregates"]

    async def writer(key: str) -> None:
        await aggregates.insert_one(new_document({"_id": key, "count": 0}, topic, [counted(key, 0)]))
        for n in range(1, writes):
            await aggregates.update_one(
                {"_id": key}, with_events({"$inc": {"count": 1}}, topic, [counted(key, n)])
            )

    keys = [f"agg-{i}" for i in range(6)]
    try:
        await asyncio.gather(*(writer(k) for k in keys))
        await eventually(lambda: len(consumer.effects()) >= writes * len(keys), what="every effect")
        assert await relay.relay_once() == 0  # a sweep on top finds nothing left to publish
    finally:
        await relay.stop()
        await bus.stop()
    for key in keys:
        assert consumer.applied[key] == list(range(writes)), key
        assert (await aggregates.find_one({"_id": key}))["count"] == writes - 1


async def test_an_insert_the_store_refused_publishes_nothing(database):
    """The relay takes an accepted insert's events from the write itself, without reading the
    document; a refused insert (a duplicate _id) names the document, which is then read."""
    bus, received = await listening_bus()
    relay = OutboxRelay(database, ["aggregates"], bus, service="test", poll_interval_s=30)
    await relay.start()
    aggregates = database["aggregates"]
    try:
        await eventually(lambda: relay.stats.passes >= 1, what="the first sweep")
        await aggregates.insert_one(new_document({"_id": "a"}, TOPIC, [counted("a", 1)]))
        try:
            await aggregates.insert_one(new_document({"_id": "a"}, TOPIC, [counted("a", 2)]))
        except DuplicateKeyError:
            pass
        await aggregates.insert_many(
            [new_document({"_id": f"m{i}"}, TOPIC, [counted(f"m{i}", 10 + i)]) for i in range(3)]
        )
        await eventually(lambda: sorted(received) == [1, 10, 11, 12], what="the accepted inserts' events")
        await asyncio.sleep(0.2)
        await bus.drain()
        assert sorted(received) == [1, 10, 11, 12]
    finally:
        await relay.stop()
        await bus.stop()


class Counting:
    """The database as the relay sees it, counting its reads of the aggregates by `_id` (`reads`)
    and its queries of them by stamp (`scans`, a scan on FerretDB)."""

    def __init__(self, database: Any) -> None:
        self._database, self.reads, self.scans = database, 0, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._database, name)

    def __getitem__(self, name: str) -> Any:
        collection = self._database[name]
        if name != "aggregates":
            return collection
        counting = self

        class Counted:
            def __getattr__(self, attr: str) -> Any:
                return getattr(collection, attr)

            async def find_one(self, *args: Any, **kwargs: Any) -> Any:
                counting.reads += 1
                return await collection.find_one(*args, **kwargs)

            def find(self, filter: Any = None, *args: Any, **kwargs: Any) -> Any:
                counting.scans += "outbox_pending" in (filter or {})
                return collection.find(filter, *args, **kwargs)

        return Counted()


def published_numbers(bus: InProcessBus) -> list[int]:
    return [EventEnvelope.from_bytes(m.value).payload["n"] for p in bus.broker.log(TOPIC) for m in p]


async def test_the_relay_publishes_updates_from_the_write_without_reading_the_aggregate_back(database):
    """Version-conditioned updates: the relay learns what the outbox holds after each from the
    write itself (its outbox just before, read in the write's round trip or with the condition
    check), so it reads no aggregate; every event leaves once and in order, and a stale write is
    still refused and publishes nothing."""
    bus, counting = InProcessBus(), Counting(database)
    await bus.start()
    relay = OutboxRelay(counting, ["aggregates"], bus, service="test", poll_interval_s=30)
    await relay.start()
    aggregates = database["aggregates"]
    try:
        await eventually(lambda: relay.stats.passes >= 1, what="the first sweep")
        reads = counting.reads
        await aggregates.insert_one(new_document({"_id": "a", "version": 1}, TOPIC, [counted("a", 1)]))
        for version in (1, 2, 3):
            update = with_events({"$inc": {"version": 1}}, TOPIC, [counted("a", version + 1)])
            result = await aggregates.update_one({"_id": "a", "version": version}, update)
            assert result.matched_count == 1
        stale = with_events({"$inc": {"version": 1}}, TOPIC, [counted("a", 99)])
        assert (await aggregates.update_one({"_id": "a", "version": 2}, stale)).matched_count == 0
        await eventually(lambda: len(published_numbers(bus)) >= 4, what="four events")
        await asyncio.sleep(0.1)
        assert published_numbers(bus) == [1, 2, 3, 4]
        assert counting.reads == reads  # nothing read back after the writes
        stored = await aggregates.find_one({"_id": "a"})
        assert stored["version"] == 4 and 99 not in numbers(stored)
    finally:
        await relay.stop()
        await bus.stop()


async def test_notices_of_one_aggregate_in_another_order_than_its_writes_still_publish_in_order(database):
    """Two updates of one aggregate whose notices reach the relay the other way round (two tasks
    resuming in another order than their writes): the later write's notice carries the earlier
    entries too, so both leave in the order written, each once."""
    bus, notices = InProcessBus(), []
    await bus.start()
    aggregates = database["aggregates"]
    await aggregates.insert_one(new_document({"_id": "a", "version": 1}, TOPIC, [counted("a", 1)]))
    relay = OutboxRelay(database, ["aggregates"], bus, service="test")
    assert await relay.relay_once() == 1

    def capture(*notice: Any) -> None:
        if notice[0] == "aggregates":
            notices.append(notice)

    database.add_write_listener(capture)
    try:
        for version in (1, 2):
            update = with_events({"$inc": {"version": 1}}, TOPIC, [counted("a", version + 1)])
            await aggregates.update_one({"_id": "a", "version": version}, update)
    finally:
        database.remove_write_listener(capture)
    earlier, later = notices
    relay._observe(*later)
    assert await relay._next_pass() == 2
    relay._observe(*earlier)
    assert await relay._next_pass() == 0
    assert published_numbers(bus) == [1, 2, 3]
    await bus.stop()


async def test_a_write_during_a_relay_pass_is_never_lost_when_the_relay_hears_the_writes(database):
    """The running relay publishes from what each write tells it; an update of the same aggregate
    while the broker acknowledges the previous one is published by the next pass, once."""
    aggregates = database["aggregates"]

    class SlowBus(InProcessBus):
        async def publish(self, messages: list[Message]) -> None:
            numbers = [EventEnvelope.from_bytes(m.value).payload["n"] for m in messages]
            if numbers == [1]:  # a writer changes the aggregate while the broker acknowledges
                update = with_events({"$inc": {"version": 1}}, TOPIC, [counted("a", 2)])
                assert (await aggregates.update_one({"_id": "a", "version": 1}, update)).matched_count
            await super().publish(messages)

    bus = SlowBus()
    await bus.start()
    relay = OutboxRelay(database, ["aggregates"], bus, service="test", poll_interval_s=30)
    await relay.start()
    try:
        await eventually(lambda: relay.stats.passes >= 1, what="the first sweep")
        await aggregates.insert_one(new_document({"_id": "a", "version": 1}, TOPIC, [counted("a", 1)]))
        await eventually(lambda: len(published_numbers(bus)) >= 2, what="both events")
        await asyncio.sleep(0.1)
        assert published_numbers(bus) == [1, 2]
    finally:
        await relay.stop()
        await bus.stop()


async def test_a_relay_started_after_the_write_finds_it_by_the_sweep(database):
    """A process that wrote and died before its relay ran: the next relay's first sweep finds it."""
    bus, received = await listening_bus()
    await database["aggregates"].insert_one(new_document({"_id": "b"}, TOPIC, [counted("b", 7)]))
    relay = OutboxRelay(database, ["aggregates"], bus, service="test", poll_interval_s=30)
    await relay.start()
    try:
        await eventually(lambda: received == [7], timeout=10, what="the swept event")
    finally:
        await relay.stop()
        await bus.stop()


async def test_the_periodic_sweep_reads_the_stamps_and_still_finds_a_write_no_relay_heard(database):
    """Only a relay's first sweep (and one per full interval) queries the aggregates by stamp (a
    scan on FerretDB): the periodic sweep reads the small stamps collection the writes keep."""
    (bus, received), counting = await listening_bus(), Counting(database)
    relay = await stopped_after_first_sweep(counting, bus)
    try:
        await database["aggregates"].insert_one(new_document({"_id": "c"}, TOPIC, [counted("c", 3)]))
        await database["aggregates"].insert_one(new_document({"kind": "no _id"}, TOPIC, [counted("e", 5)]))
        await relay.start()
        await eventually(lambda: sorted(received) == [3, 5], timeout=10, what="the events found by stamp")
        passes = relay.stats.passes
        await eventually(lambda: relay.stats.passes > passes + 1, what="more periodic sweeps")
        assert counting.scans == 1 and sorted(received) == [3, 5]
    finally:
        await relay.stop()
        await bus.stop()


async def test_a_write_whose_stamp_was_lost_is_found_by_the_next_full_sweep(database):
    """A stamp lost (a racing upsert on a store that does not isolate updates, a writer without
    the hook) and no relay heard the write: the full sweep over the aggregates still finds it."""
    bus, received = await listening_bus()
    relay = OutboxRelay(
        database, ["aggregates"], bus, service="test", sweep_interval_s=0.05, full_sweep_interval_s=0.5
    )
    await relay.start()
    try:
        await eventually(lambda: relay.stats.passes >= 1, what="the first sweep")
        await relay.stop()
        await database["aggregates"].insert_one(new_document({"_id": "d"}, TOPIC, [counted("d", 4)]))
        await database[STAMPS].delete_many({})
        await relay.start()
        await eventually(lambda: received == [4], timeout=10, what="the event found by the full sweep")
    finally:
        await relay.stop()
        await bus.stop()


async def test_concurrent_writes_share_their_stamps_round_trip_and_each_stamp_precedes_its_write(
    database, monkeypatch
):
    """Stamps are group-committed: writes that come together share one bulk write of stamps, and a
    write goes to the store only after the batch holding its stamp is stored."""
    order: list[str] = []

    class Counted:
        def __init__(self, db: Any) -> None:
            self._db = db

        def __getitem__(self, name: str) -> Any:
            collection = self._db[name]

            class Stamps:
                async def insert_many(self, records: Any, **kwargs: Any) -> Any:
                    result = await collection.insert_many(records, **kwargs)
                    order.append(STAMPS)
                    return result

            return Stamps()

    batchers: dict[int, Any] = {}

    def counted_batcher(db: Any) -> Any:
        return batchers.setdefault(id(db), outbox._StampBatcher(Counted(db)))

    monkeypatch.setattr(outbox, "_stamp_batcher", counted_batcher)

    def note(collection: str, *_: Any) -> None:
        if collection == "aggregates":
            order.append(collection)

    database.add_write_listener(note)
    keys = [f"s{i}" for i in range(8)]
    try:
        await asyncio.gather(
            *(
                database["aggregates"].insert_one(new_document({"_id": k}, TOPIC, [counted(k, 1)]))
                for k in keys
            )
        )
    finally:
        database.remove_write_listener(note)
    assert order.count("aggregates") == len(keys)
    assert 1 <= order.count(STAMPS) < len(keys)
    assert order[0] == STAMPS  # the first write waited for its batch of stamps
    records = await database[STAMPS].find({"collection": "aggregates"}).to_list(None)
    stamps = [stamped for record in records for stamped in record["docs"]]
    for key in keys:
        stored = await database["aggregates"].find_one({"_id": key})
        [stamp] = [s for s in stamps if s["doc"] == key]
        assert stamp["stamp"] == stored["outbox_pending"]


async def test_a_run_of_inserted_documents_is_stamped_by_one_record_naming_each(database):
    """An insert of many documents appending events writes one stamp record (one small insert),
    not one stamp per document; it names each document with its own stamp, and the periodic sweep
    finds those documents by it when no relay heard the write."""
    bus, received = await listening_bus()
    relay = await stopped_after_first_sweep(database, bus)
    try:
        await database[STAMPS].delete_many({})
        run = [new_document({"_id": f"r{n}"}, TOPIC, [counted(f"r{n}", n)]) for n in range(50)]
        await database["aggregates"].insert_many(run)
        [record] = await database[STAMPS].find({"collection": "aggregates"}).to_list(None)
        stored = await database["aggregates"].find({"_id": {"$in": [d["_id"] for d in run]}}).to_list(None)
        assert {s["doc"]: s["stamp"] for s in record["docs"]} == {
            d["_id"]: d["outbox_pending"] for d in stored
        }
        assert record["stamp"] == max(d["outbox_pending"] for d in stored)
        await relay.start()
        await eventually(lambda: sorted(received) == list(range(50)), timeout=10, what="the run, swept")
    finally:
        await relay.stop()
        await bus.stop()


async def test_a_stamp_of_the_earlier_shape_one_per_aggregate_is_still_swept(database):
    """Stamps written by an earlier version ({_id: "<collection>|<id>", collection, doc, stamp},
    one per aggregate) are read by the periodic sweep too: a rolling upgrade loses no event."""
    bus, received = await listening_bus()
    relay = await stopped_after_first_sweep(database, bus)
    try:
        await database["aggregates"].insert_one(new_document({"_id": "old"}, TOPIC, [counted("old", 9)]))
        stored = await database["aggregates"].find_one({"_id": "old"})
        await database[STAMPS].delete_many({})
        earlier = {"collection": "aggregates", "doc": "old", "stamp": stored["outbox_pending"]}
        await database[STAMPS].insert_one({"_id": "aggregates|old"} | earlier)
        await relay.start()
        await eventually(lambda: received == [9], timeout=10, what="the event, swept by the old stamp")
    finally:
        await relay.stop()
        await bus.stop()


async def test_writes_that_name_no_single_document_are_swept_at_once(database):
    bus, received = await listening_bus()
    aggregates = database["aggregates"]
    await aggregates.insert_many([{"_id": "x", "kind": "k"}, {"_id": "y", "kind": "k"}])
    relay = OutboxRelay(
        database, ["aggregates"], bus, service="test", poll_interval_s=30, sweep_interval_s=3600
    )
    await relay.start()
    try:
        await eventually(lambda: relay.stats.passes >= 1, what="the first sweep")
        await aggregates.update_many({"kind": "k"}, with_events({}, TOPIC, [counted("x", 5)]))
        await eventually(lambda: received[:1] == [5], timeout=10, what="the event of update_many")
    finally:
        await relay.stop()
        await bus.stop()


async def test_outboxes_stored_as_lists_are_published_once_and_take_the_keyed_shape(database):
    """Documents written by the earlier outbox (a list, a boolean flag) keep working."""
    bus = InProcessBus()
    aggregates = database["aggregates"]
    old = new_document({"_id": "old"}, TOPIC, [counted("old", 1)])
    staged = new_document({"_id": "staged"}, TOPIC, [counted("staged", 2)])
    await aggregates.insert_many(
        [
            old | {"outbox": list(old["outbox"].values()), "outbox_pending": True},
            {"_id": "done", "outbox": [], "outbox_pending": False, "n": 0},
            staged | {"outbox": list(staged["outbox"].values()), "outbox_pending": False},
        ]
    )
    relay = OutboxRelay(database, ["aggregates"], bus, service="test")
    assert await relay.relay_once() == 1
    assert await OutboxRelay(database, ["aggregates"], bus, service="test").relay_once() == 0
    await aggregates.update_one({"_id": "done"}, with_events({"$inc": {"n": 1}}, TOPIC, [counted("done", 3)]))
    await aggregates.update_one({"_id": "staged"}, {"$set": release_outbox()})
    assert await relay.relay_once() == 2
    published = [EventEnvelope.from_bytes(m.value).payload["n"] for p in bus.broker.log(TOPIC) for m in p]
    assert sorted(published) == [1, 2, 3]


async def test_the_inbox_applies_a_redelivered_event_once(database):
    inbox, effects = Inbox(database), []

    async def effect(e: EventEnvelope) -> None:
        effects.append(e.event_id)

    guarded = inbox.guard("billing.enrolments", effect)
    event = counted("a", 1)
    await asyncio.gather(*(guarded(event) for _ in range(5)))
    await guarded(event)
    assert effects == [event.event_id]
    assert await inbox.handled("billing.enrolments", str(event.event_id))


async def test_a_failed_handler_releases_its_claim_so_the_retry_runs(database):
    inbox, calls = Inbox(database), []

    async def fails_once(e: EventEnvelope) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("store hiccup")

    guarded = inbox.guard("c", fails_once)
    event = counted("a", 1)
    try:
        await guarded(event)
    except RuntimeError:
        pass
    await guarded(event)
    await guarded(event)
    assert len(calls) == 2


async def test_a_claim_left_by_a_killed_process_is_taken_over_not_skipped(database):
    """The process that claimed the event died before handling it (SIGKILL): its offset was never
    committed, so the event comes again. Skipping it because of the claim would lose it for good."""
    inbox, effects = Inbox(database, lease=timedelta(seconds=0.5)), []

    async def effect(e: EventEnvelope) -> None:
        effects.append(e.event_id)

    event = counted("a", 1)
    await database[INBOX].insert_one(
        {
            "_id": f"billing.enrolments|{event.event_id}",
            "consumer": "billing.enrolments",
            "event_id": str(event.event_id),
            "state": "claimed",
            "claimed_at": datetime.now(UTC),
        }
    )
    await inbox.guard("billing.enrolments", effect)(event)
    assert effects == [event.event_id]
    assert await inbox.handled("billing.enrolments", str(event.event_id))


async def test_a_handler_slower_than_the_lease_keeps_its_claim(database):
    inbox, effects = Inbox(database, lease=timedelta(seconds=0.3)), []

    async def slow(e: EventEnvelope) -> None:
        effects.append(e.event_id)
        await asyncio.sleep(1.2)

    guarded = inbox.guard("c", slow)
    event = counted("a", 1)
    first = asyncio.create_task(guarded(event))
    await eventually(lambda: effects, what="the first delivery handling")
    await guarded(event)  # a redelivery while the first still works: waits, then sees it done
    await first
    assert effects == [event.event_id]


async def test_each_consumer_has_its_own_inbox_entry(database):
    inbox, seen = Inbox(database), []

    async def note(e: EventEnvelope) -> None:
        seen.append(e.event_id)

    event = counted("a", 1)
    await inbox.guard("one", note)(event)
    await inbox.guard("two", note)(event)
    assert len(seen) == 2


async def test_a_run_of_events_is_handled_once_and_a_failed_run_releases_every_claim(database):
    inbox, runs = Inbox(database), []

    async def handle_run(events: list[EventEnvelope]) -> None:
        runs.append([e.event_id for e in events])
        if len(runs) == 1:
            raise RuntimeError("store hiccup")

    guarded = inbox.guard_batch("catalogue.seats", handle_run)
    first, second, third = counted("a", 1), counted("b", 1), counted("a", 2)
    try:
        await guarded([first, second])
    except RuntimeError:
        pass
    await guarded([first, second])  # the retry runs both again
    await guarded([second, third, first, third])  # redelivered with one new: only that one, once
    assert runs == [[first.event_id, second.event_id]] * 2 + [[third.event_id]]
    one_by_one = inbox.guard("catalogue.seats", lambda e: pytest.fail("handled twice"))
    await one_by_one(third)  # the bus's event-by-event fallback shares the same claims
