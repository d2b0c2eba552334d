"""One contract for both bus adapters: the in-process bus and Kafka (real broker)."""

from __future__ import annotations

import asyncio
from collections import defaultdict

from llo_shared.bus import H_ERROR, H_ORIGINAL_TOPIC, Message, RetryPolicy, Subscription, envelope_message
from llo_shared.envelope import EventEnvelope
from tests.support import eventually

FAST_RETRY = RetryPolicy(attempts=3, initial_backoff_s=0.01)


def event(key: str, n: int, kind: str = "Counted") -> EventEnvelope:
    return EventEnvelope(event_type=kind, producer="test", aggregate_id=key, payload={"n": n})


async def test_published_events_reach_the_group_intact(bus_factory, unique):
    topic, received = f"test.{unique}.v1", []

    async def handle(e: EventEnvelope) -> None:
        received.append(e)

    bus = bus_factory()
    bus.subscribe(Subscription(f"g-{unique}", (topic,), handle))
    await bus.start()
    try:
        sent = [event(f"agg-{i % 4}", i) for i in range(20)]
        await bus.publish([envelope_message(topic, e) for e in sent])
        await eventually(lambda: len(received) >= 20, what="20 events")
        assert sorted(received, key=lambda e: e.payload["n"]) == sent
    finally:
        await bus.stop()


async def test_one_aggregate_keeps_its_order(bus_factory, unique):
    topic, seen = f"test.{unique}.v1", defaultdict(list)

    async def handle(e: EventEnvelope) -> None:
        seen[e.aggregate_id].append(e.payload["n"])

    bus = bus_factory()
    bus.subscribe(Subscription(f"g-{unique}", (topic,), handle))
    await bus.start()
    try:
        for i in range(60):
            await bus.publish([envelope_message(topic, event(f"agg-{i % 3}", i))])
        await eventually(lambda: sum(map(len, seen.values())) >= 60, what="60 events")
        for key, numbers in seen.items():
            assert numbers == sorted(numbers), key
    finally:
        await bus.stop()


async def test_a_failing_handler_is_retried_until_it_succeeds(bus_factory, unique):
    topic, attempts, done = f"test.{unique}.v1", [], []

    async def flaky(e: EventEnvelope) -> None:
        attempts.append(e.event_id)
        if len(attempts) < 3:
            raise RuntimeError("transient")
        done.append(e.event_id)

    bus = bus_factory()
    bus.subscribe(Subscription(f"g-{unique}", (topic,), flaky, FAST_RETRY))
    await bus.start()
    try:
        await bus.publish([envelope_message(topic, event("a", 1))])
        await eventually(lambda: done, what="success on the third attempt")
        assert len(attempts) == 3
        assert await bus.dead_letters(topic) == []
    finally:
        await bus.stop()


async def test_poison_goes_to_the_dlq_later_messages_still_flow_and_replay_brings_it_back(
    bus_factory, unique
):
    topic, handled, broken = f"test.{unique}.v1", [], {"on": True}

    async def handle(e: EventEnvelope) -> None:
        if e.payload["n"] == 0 and broken["on"]:
            raise ValueError("cannot handle n=0")
        handled.append(e.payload["n"])

    bus = bus_factory()
    bus.subscribe(Subscription(f"g-{unique}", (topic,), handle, FAST_RETRY))
    await bus.start()
    try:
        await bus.publish([envelope_message(topic, event("same-key", n)) for n in range(5)])
        await eventually(lambda: len(handled) >= 4, what="the four good events")
        assert handled == [1, 2, 3, 4]
        await eventually(lambda: has_dead_letters(bus, topic), what="the dead letter")
        dead = await bus.dead_letters(topic)
        assert len(dead) == 1
        assert "cannot handle n=0" in dead[0].message.headers[H_ERROR]
        assert dead[0].message.headers[H_ORIGINAL_TOPIC] == topic

        broken["on"] = False
        assert await bus.replay_dead_letters(topic) == 1
        await eventually(lambda: 0 in handled, what="the replayed event")
        assert await bus.dead_letters(topic) == []
    finally:
        await bus.stop()


async def test_a_message_that_is_not_an_envelope_is_dead_lettered_at_once(bus_factory, unique):
    topic, handled = f"test.{unique}.v1", []

    async def handle(e: EventEnvelope) -> None:
        handled.append(e)

    bus = bus_factory()
    bus.subscribe(Subscription(f"g-{unique}", (topic,), handle, FAST_RETRY))
    await bus.start()
    try:
        await bus.publish([Message(topic, "k", b"{not json"), envelope_message(topic, event("k", 1))])
        await eventually(lambda: handled, what="the valid event after the poison")
        await eventually(lambda: has_dead_letters(bus, topic), what="the dead letter")
        dead = await bus.dead_letters(topic)
        assert dead[0].message.value == b"{not json"
    finally:
        await bus.stop()


async def test_a_new_member_of_the_group_resumes_after_the_committed_offset(bus_factory, unique):
    topic, group, first, second = f"test.{unique}.v1", f"g-{unique}", [], []

    async def into(target: list):
        async def handle(e: EventEnvelope) -> None:
            target.append(e.payload["n"])

        return handle

    bus = bus_factory()
    bus.subscribe(Subscription(group, (topic,), await into(first)))
    await bus.start()
    await bus.publish([envelope_message(topic, event(f"k{n}", n)) for n in range(10)])
    await eventually(lambda: len(first) >= 10, what="first batch")
    await bus.stop()

    successor = bus_factory()
    successor.subscribe(Subscription(group, (topic,), await into(second)))
    await successor.start()
    try:
        await successor.publish([envelope_message(topic, event(f"k{n}", n)) for n in range(10, 15)])
        await eventually(lambda: len(second) >= 5, what="second batch")
        await asyncio.sleep(0.3)  # room for a wrong redelivery to show up
        assert sorted(second) == list(range(10, 15))
    finally:
        await successor.stop()


async def test_a_batch_handler_gets_runs_in_order_and_a_bad_event_is_dead_lettered_alone(bus_factory, unique):
    topic, batches, one_by_one, bad = f"test.{unique}.v1", [], [], 35

    async def handle_batch(events: list[EventEnvelope]) -> None:
        if any(e.payload["n"] == bad for e in events):
            raise ValueError(f"cannot handle n={bad}")  # all or nothing, like a failed bulk write
        batches.append([e.payload["n"] for e in events])

    async def handle(e: EventEnvelope) -> None:
        if e.payload["n"] == bad:
            raise ValueError(f"cannot handle n={bad}")
        one_by_one.append(e.payload["n"])

    publisher = bus_factory()
    await publisher.start()
    # published before the consumer starts, so its first poll finds a run of events
    await publisher.publish([envelope_message(topic, event("same-key", n)) for n in range(30)])
    await publisher.publish([Message(topic, "same-key", b"{not json")])
    bus = bus_factory()
    bus.subscribe(Subscription(f"g-{unique}", (topic,), handle, FAST_RETRY, batch_handler=handle_batch))
    await bus.start()
    try:
        await eventually(lambda: batches, what="the first run of events as one batch")
        await bus.publish([envelope_message(topic, event("same-key", n)) for n in range(30, 40)])

        def handled() -> list[int]:
            return [n for batch in batches for n in batch] + one_by_one

        await eventually(lambda: len(handled()) >= 39, what="the 39 good events")
        await eventually(lambda: has_dead_letters(bus, topic), what="the dead letters")
        assert sorted(handled()) == [n for n in range(40) if n != bad]
        assert len(handled()) == 39  # nothing handled twice
        assert all(batch == sorted(batch) for batch in batches)
        assert any(len(batch) > 1 for batch in batches), batches
        assert one_by_one == sorted(one_by_one) and bad not in one_by_one
        dead = sorted(await bus.dead_letters(topic), key=lambda d: d.message.offset)
        assert len(dead) == 2 and dead[0].message.value == b"{not json"
        assert f"cannot handle n={bad}" in dead[1].error
    finally:
        await bus.stop()
        await publisher.stop()


async def has_dead_letters(bus, topic: str) -> bool:
    return bool(await bus.dead_letters(topic))
