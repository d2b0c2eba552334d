"""The event backbone on the real broker and the real Mongo-compatible server.

Effects are counted, not deliveries: the consumer dies in the middle of a stream of
1,000 outbox events (mid-batch, before its commit), a relay publishes 100 events a
second time, and the group's next member still applies every event exactly once.
"""

from __future__ import annotations

import asyncio
from collections import Counter

from aiokafka.partitioner import DefaultPartitioner
from typer.testing import CliRunner

from llo.cli import app as llo_cli
from llo_shared.bus import Message, RetryPolicy, Subscription, envelope_message
from llo_shared.bus_kafka import RUN, KafkaBus
from llo_shared.envelope import EventEnvelope
from llo_shared.inbox import Inbox
from llo_shared.mongo import ensure_indexes
from llo_shared.outbox import OutboxRelay, outbox_index, with_events
from tests.support import eventually

EVENTS = 1000
AGGREGATES = 40


class RecordingKafkaBus(KafkaBus):
    """Keeps what it published, so the test can publish the very same messages again."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sent: list[Message] = []

    async def publish(self, messages: list[Message]) -> None:
        await super().publish(messages)
        self.sent.extend(messages)


async def write_through_outbox(db, topic: str) -> None:
    """1,000 state changes, each with its event in the same single-document update."""
    await db["counters"].insert_many([{"_id": f"agg-{a}", "value": 0} for a in range(AGGREGATES)])
    for n in range(EVENTS):
        aggregate = f"agg-{n % AGGREGATES}"
        event = EventEnvelope(event_type="Counted", producer="test", aggregate_id=aggregate, payload={"n": n})
        await db["counters"].update_one(
            {"_id": aggregate}, with_events({"$inc": {"value": 1}}, topic, [event])
        )


async def test_outbox_to_consumer_group_is_exactly_once_in_effect_across_a_crash(infra, mongo_db, unique):
    topic, group = f"it.{unique}.counter.v1", f"it-{unique}"
    await ensure_indexes(mongo_db, [outbox_index("counters")])
    effects, deliveries, crashed = mongo_db["effects"], [0], asyncio.Event()
    last_seen: dict[str, int] = {}
    out_of_order: list[tuple[str, int]] = []

    async def apply(event: EventEnvelope) -> None:
        n = event.payload["n"]
        if last_seen.get(event.aggregate_id, -1) >= n:
            out_of_order.append((event.aggregate_id, n))
        last_seen[event.aggregate_id] = n
        await effects.update_one({"_id": "total"}, {"$inc": {"count": 1}}, upsert=True)
        await effects.update_one({"_id": f"n-{n}"}, {"$inc": {"times": 1}}, upsert=True)

    guarded = Inbox(mongo_db).guard(group, apply)

    async def first_member(event: EventEnvelope) -> None:
        deliveries[0] += 1
        if deliveries[0] == 400:
            crashed.set()
            await asyncio.Event().wait()  # hangs mid-batch until the process "dies"
        await guarded(event)

    async def next_member(event: EventEnvelope) -> None:
        deliveries[0] += 1
        await guarded(event)

    await write_through_outbox(mongo_db, topic)
    producer = RecordingKafkaBus(infra.kafka, client_id="it-producer")
    await producer.start()
    await producer.ensure_topics({topic})
    first = KafkaBus(infra.kafka, client_id="it-first")
    first.subscribe(Subscription(group, (topic,), first_member))
    await first.start()
    relay = OutboxRelay(mongo_db, ["counters"], producer, service="test", batch_size=10)
    await relay.start()
    try:
        await asyncio.wait_for(crashed.wait(), timeout=120)
        await first.stop()  # the batch in flight is not committed: it will be redelivered
        second = KafkaBus(infra.kafka, client_id="it-second")
        second.subscribe(Subscription(group, (topic,), next_member))
        await second.start()
        try:
            await eventually(lambda: relay.stats.published >= EVENTS, timeout=180, what="relay drained")
            await producer.publish(producer.sent[:100])  # a relay that died before clearing
            await eventually(lambda: deliveries[0] >= EVENTS + 100, timeout=180, what="all deliveries")
            await eventually(lambda: total_effects(effects, EVENTS), timeout=180, what=f"{EVENTS} effects")
            await asyncio.sleep(1.0)  # room for a wrong second effect to land
        finally:
            await second.stop()
    finally:
        await relay.stop()
        await producer.stop()
    assert out_of_order == []
    assert (await effects.find_one({"_id": "total"}))["count"] == EVENTS
    assert await effects.count_documents({"times": {"$gt": 1}}) == 0
    assert deliveries[0] > EVENTS + 100  # the crash really caused redeliveries
    assert await relay.unpublished() == 0


async def total_effects(effects, expected: int) -> bool:
    doc = await effects.find_one({"_id": "total"})
    return bool(doc and doc["count"] >= expected)


async def test_failing_handler_dead_letters_and_llo_dlq_replay_brings_it_back(infra, unique):
    topic, handled, broken = f"it.{unique}.dlq.v1", [], {"on": True}

    async def handle(event: EventEnvelope) -> None:
        if event.payload["n"] == 0 and broken["on"]:
            raise ValueError("cannot handle n=0")
        handled.append(event.payload["n"])

    bus = KafkaBus(infra.kafka, client_id="it-dlq")
    bus.subscribe(
        Subscription(f"it-{unique}", (topic,), handle, RetryPolicy(attempts=3, initial_backoff_s=0.01))
    )
    await bus.start()
    try:
        events = [
            EventEnvelope(event_type="Counted", producer="t", aggregate_id="k", payload={"n": n})
            for n in range(6)
        ]
        await bus.publish([envelope_message(topic, e) for e in events])
        await eventually(lambda: handled == [1, 2, 3, 4, 5], what="the later messages")

        listing = await asyncio.to_thread(
            run_llo, "dlq", "list", "--bootstrap", infra.kafka, "--topic", topic
        )
        assert "cannot handle n=0" in listing.stdout and "1 dead letter(s)" in listing.stderr
        broken["on"] = False
        replay = await asyncio.to_thread(
            run_llo, "dlq", "replay", "--bootstrap", infra.kafka, "--topic", topic
        )
        assert "replayed 1 message(s)" in replay.stdout
        await eventually(lambda: 0 in handled, what="the replayed message")
        again = await asyncio.to_thread(run_llo, "dlq", "list", "--bootstrap", infra.kafka, "--topic", topic)
        assert "0 dead letter(s)" in again.stderr
    finally:
        await bus.stop()


def run_llo(*args: str):
    result = CliRunner().invoke(llo_cli, list(args))
    assert result.exit_code == 0, result.output
    return result


async def test_progress_counts_what_the_subscriptions_have_not_handled_yet(infra, unique):
    """KafkaBus.progress, on which a test settles a stack on the broker (llo.embedded): the messages
    on the subscribed topics, and how many of them the group handled and committed."""
    topic = "it.progress.v1"
    started, release, handled = asyncio.Event(), asyncio.Event(), []

    async def slow(event: EventEnvelope) -> None:
        started.set()
        await release.wait()
        handled.append(event.payload["n"])

    bus = KafkaBus(infra.kafka, client_id="it-progress", namespace=f"t{unique}.")
    bus.subscribe(Subscription("it.progress", (topic,), slow, RetryPolicy(attempts=1)))
    await bus.start()
    try:
        assert await bus.progress() == (0, 0)
        events = [
            EventEnvelope(event_type="Counted", producer="t", aggregate_id="a", payload={"n": n})
            for n in range(3)
        ]
        await bus.publish([envelope_message(topic, e) for e in events])
        assert (await bus.progress())[0] == 3
        await eventually(started.is_set, what="the handler holding the first message")
        # ... so nothing is committed yet
        assert await bus.progress() == (3, 0)
        release.set()

        async def caught_up() -> bool:
            return await bus.progress() == (3, 3)

        await eventually(caught_up, what="the group's commits")
        assert handled == [0, 1, 2]
    finally:
        await bus.stop()


async def test_a_backlog_reaches_a_batch_handler_in_full_runs_per_partition(infra, unique):
    """A backlog on the broker reaches a batch handler in runs of `RUN` events of one partition (the
    rest of a partition's backlog in one last run), not in the few hundred one poll shares among the
    partitions: a consumer that pays its store round trips per run catches up at full runs."""
    topic, group, runs = f"test.{unique}.v1", f"g-{unique}", []
    sent = [
        EventEnvelope(event_type="Counted", producer="t", aggregate_id=f"agg-{n}", payload={"n": n})
        for n in range(3 * RUN + 100)
    ]
    producer = KafkaBus(infra.kafka, client_id=f"test-{unique}")
    await producer.start()
    try:
        await producer.ensure_topics({topic})
        await producer.publish([envelope_message(topic, e) for e in sent])
        partitions = sorted(await producer._partitions_of(topic))
    finally:
        await producer.stop()
    partitioner = DefaultPartitioner()
    backlog = Counter(partitioner(e.aggregate_id.encode(), partitions, partitions) for e in sent)

    async def handle_run(events: list[EventEnvelope]) -> None:
        runs.append(len(events))

    async def handle_one(event: EventEnvelope) -> None:
        runs.append(1)

    bus = KafkaBus(infra.kafka, client_id=f"test-{unique}")
    bus.subscribe(Subscription(group, (topic,), handle_one, batch_handler=handle_run))
    await bus.start()
    try:
        await eventually(lambda: sum(runs) >= len(sent), timeout=30, what="the backlog")
    finally:
        await bus.stop()
    full_runs = [RUN] * sum(count // RUN for count in backlog.values())
    assert sorted(runs) == sorted(full_runs + [count % RUN for count in backlog.values() if count % RUN])
