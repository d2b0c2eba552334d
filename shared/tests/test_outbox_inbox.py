"""Outbox and inbox on both store adapters: nothing lost, nothing twice."""

from __future__ import annotations

import asyncio

from llo_shared.bus import Subscription
from llo_shared.bus_memory import InProcessBus
from llo_shared.envelope import EventEnvelope
from llo_shared.inbox import Inbox
from llo_shared.outbox import OutboxRelay, new_document, strip_outbox, with_events
from tests.support import eventually

TOPIC = "test.counter.v1"


def counted(aggregate: str, n: int) -> EventEnvelope:
    return EventEnvelope(event_type="Counted", producer="test", aggregate_id=aggregate, payload={"n": n})


async def test_state_and_events_are_written_together_and_relayed_once(database):
    bus, received = InProcessBus(), []

    async def handle(e: EventEnvelope) -> None:
        received.append(e.payload["n"])

    bus.subscribe(Subscription("g", (TOPIC,), handle))
    await bus.start()
    aggregates = database["aggregates"]
    await aggregates.insert_one(new_document({"_id": "a", "count": 1}, TOPIC, [counted("a", 1)]))
    await aggregates.update_one({"_id": "a"}, with_events({"$inc": {"count": 1}}, TOPIC, [counted("a", 2)]))
    relay = OutboxRelay(database, ["aggregates"], bus, service="test")
    assert await relay.relay_once() == 2
    assert await relay.relay_once() == 0  # cleared: nothing is published twice
    await bus.drain()
    assert received == [1, 2]
    stored = await aggregates.find_one({"_id": "a"})
    assert stored["outbox"] == [] and stored["outbox_pending"] is False
    assert strip_outbox(stored) == {"_id": "a", "count": 2}
    await bus.stop()


async def test_events_appended_while_the_relay_publishes_are_kept(database):
    class SlowBus(InProcessBus):
        async def publish(self, messages):
            # a writer appends to the same aggregate while the broker acknowledges
            await database["aggregates"].update_one(
                {"_id": "a"}, with_events({"$inc": {"count": 1}}, TOPIC, [counted("a", 99)])
            )
            await super().publish(messages)

    bus = SlowBus()
    await database["aggregates"].insert_one(new_document({"_id": "a", "count": 0}, TOPIC, [counted("a", 1)]))
    relay = OutboxRelay(database, ["aggregates"], bus, service="test")
    assert await relay.relay_once() == 1
    stored = await database["aggregates"].find_one({"_id": "a"})
    left = [EventEnvelope.model_validate_json(e["value"]).payload["n"] for e in stored["outbox"]]
    assert left == [99] and stored["outbox_pending"] is True


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


async def test_each_consumer_has_its_own_inbox_entry(database):
    inbox, seen = Inbox(database), []

    async def note(e: EventEnvelope) -> None:
        seen.append(e.event_id)

    event = counted("a", 1)
    await inbox.guard("one", note)(event)
    await inbox.guard("two", note)(event)
    assert len(seen) == 2


async def test_relay_loop_publishes_after_wake(database):
    bus, received = InProcessBus(), []

    async def handle(e: EventEnvelope) -> None:
        received.append(e.payload["n"])

    bus.subscribe(Subscription("g", (TOPIC,), handle))
    await bus.start()
    relay = OutboxRelay(database, ["aggregates"], bus, service="test", poll_interval_s=30)
    await relay.start()
    try:
        await database["aggregates"].insert_one(new_document({"_id": "b"}, TOPIC, [counted("b", 7)]))
        relay.wake()
        await eventually(lambda: received == [7], timeout=10, what="the relayed event")
    finally:
        await relay.stop()
        await bus.stop()


async def test_named_documents_leave_at_once_and_the_rest_waits_for_the_sweep(database):
    """wake(collection, ids) reads just those documents; the query for pending outboxes (a scan
    on FerretDB) runs at the first pass, then only when a wake() names nothing or the sweep is due."""
    bus, received = InProcessBus(), []

    async def handle(e: EventEnvelope) -> None:
        received.append(e.payload["n"])

    bus.subscribe(Subscription("g", (TOPIC,), handle))
    await bus.start()
    relay = OutboxRelay(
        database, ["aggregates"], bus, service="test", poll_interval_s=0.05, sweep_interval_s=3600
    )
    await relay.start()
    aggregates = database["aggregates"]
    try:
        await eventually(lambda: relay.stats.passes >= 1, what="the first sweep")
        await aggregates.insert_one(new_document({"_id": "unnamed"}, TOPIC, [counted("unnamed", 1)]))
        await aggregates.insert_one(new_document({"_id": "named"}, TOPIC, [counted("named", 2)]))
        relay.wake("aggregates", ["named"])
        await eventually(lambda: received == [2], timeout=10, what="the named document's event")
        await asyncio.sleep(0.3)  # several polls: the unnamed one waits for a sweep
        assert received == [2]
        assert (await aggregates.find_one({"_id": "named"}))["outbox"] == []

        relay.wake()  # names nothing: query the collection
        await eventually(lambda: sorted(received) == [1, 2], timeout=10, what="the swept event")
    finally:
        await relay.stop()
        await bus.stop()
