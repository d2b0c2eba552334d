"""Kafka adapter of the bus, on aiokafka.

Producer: idempotent, acks=all; `publish` returns once the broker acknowledged
every message. Consumers: one per subscription, in the subscription's group,
offsets committed per partition only after the handlers of a batch are done, so
a crash redelivers and the inbox makes redelivery harmless.

A namespace (LLO_KAFKA_NAMESPACE, empty in every real deployment) prefixes every topic and
consumer group on the broker, so a whole stack started by a test shares a broker with others
without seeing their events; the services and their handlers see the topic names without it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import CommitFailedError, KafkaError, TopicAlreadyExistsError

from llo_shared.bus import (
    DLQ_SUFFIX,
    DeadLetter,
    Message,
    Subscription,
    deliver_batch,
    dlq_topic,
    replayed,
)
from llo_shared.metrics import CONSUMER_LAG

log = logging.getLogger(__name__)

REPLAYER_GROUP = "llo.dlq-replayer"
# The most events a subscription's handler gets at once from one partition. A consumer with a
# backlog gets runs of this size (`_full_run`): a batch handler pays its store round trips per run.
RUN = 500
# How long a run waits for the rest of a partition's backlog that the broker holds but has not
# sent yet (the next fetch); a partition without a backlog never waits.
TOP_UP_WAIT_MS = 100


class KafkaBus:
    def __init__(
        self,
        bootstrap: str,
        client_id: str = "llo",
        partitions: int = 3,
        stop_grace_s: float = 10.0,
        namespace: str = "",
    ) -> None:
        self._bootstrap = bootstrap
        self._ns = namespace
        self._client_id = client_id
        self._partitions = partitions
        self._stop_grace_s = stop_grace_s
        self._stopping = False
        self._producer: AIOKafkaProducer | None = None
        self._subscriptions: list[Subscription] = []
        self._consumers: list[tuple[AIOKafkaConsumer, asyncio.Task[None]]] = []

    # lifecycle ---------------------------------------------------------------
    async def start(self) -> None:
        if self._producer is not None:
            return
        self._producer = AIOKafkaProducer(
            bootstrap_servers=self._bootstrap,
            client_id=self._client_id,
            enable_idempotence=True,
            acks="all",
            linger_ms=2,
            # A relay pass sends hundreds of events at once: in batches of 16 KB (the default) that
            # is one acknowledged round trip per few events; 512 KB stays under the broker's 1 MB.
            max_batch_size=512 * 1024,
        )
        await self._producer.start()
        topics = {t for s in self._subscriptions for t in s.topics}
        await self.ensure_topics(topics | {dlq_topic(t) for t in topics})
        for subscription in self._subscriptions:
            await self._start_consumer(subscription)

    async def stop(self) -> None:
        # A stopping replica (rolling update, scale-down) finishes the events in hand and commits
        # them before it leaves the group. Cancelling a handler whose write already reached the
        # store would release its inbox claim, and the partition's next owner would apply that
        # event a second time (tests/deploy/test_consumer_group.py). A handler that hangs longer
        # than the grace period is cancelled all the same.
        self._stopping = True
        if self._consumers:
            await asyncio.wait([task for _, task in self._consumers], timeout=self._stop_grace_s)
        for consumer, task in self._consumers:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await consumer.stop()
        self._consumers.clear()
        self._stopping = False
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def ping(self) -> bool:
        if self._producer is None:
            return False
        try:
            async with asyncio.timeout(2):
                await self._producer.client.fetch_all_metadata()
            return True
        except (KafkaError, TimeoutError):
            return False

    async def ensure_topics(self, topics: set[str]) -> None:
        """Create topics up front: a consumer would not see an auto-created topic until its next
        metadata refresh."""
        if not topics:
            return
        wanted = {self._ns + t for t in topics}
        admin = AIOKafkaAdminClient(bootstrap_servers=self._bootstrap, client_id=self._client_id)
        await admin.start()
        try:
            existing = set(await admin.list_topics())
            missing = [NewTopic(t, self._partitions, 1) for t in sorted(wanted - existing)]
            if missing:
                with contextlib.suppress(TopicAlreadyExistsError):
                    await admin.create_topics(missing)
        finally:
            await admin.close()

    async def move_group_to_end(self, group: str, topics: set[str]) -> None:
        """Commit the end offsets for `group`, so a new group skips a shared topic's history."""
        await self.ensure_topics(topics)
        names = sorted(self._ns + t for t in topics)
        partitions = [TopicPartition(t, p) for t in names for p in sorted(await self._partitions_of(t))]
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap,
            client_id=self._client_id,
            group_id=self._ns + group,
            enable_auto_commit=False,
        )
        await consumer.start()
        try:
            consumer.assign(partitions)
            await consumer.commit(dict(await consumer.end_offsets(partitions)))
        finally:
            await consumer.stop()

    # producing ---------------------------------------------------------------
    async def publish(self, messages: list[Message]) -> None:
        if self._producer is None:
            raise RuntimeError("KafkaBus.publish before start()")
        acks = [
            await self._producer.send(
                self._ns + m.topic,
                m.value,
                key=m.key.encode(),
                headers=[(k, v.encode()) for k, v in m.headers.items()],
            )
            for m in messages
        ]
        await asyncio.gather(*acks)

    # consuming ---------------------------------------------------------------
    def subscribe(self, subscription: Subscription) -> None:
        self._subscriptions.append(subscription)
        if self._producer is not None:
            raise RuntimeError("KafkaBus.subscribe after start(): subscribe first, then start")

    async def _start_consumer(self, subscription: Subscription) -> None:
        consumer = AIOKafkaConsumer(
            *(self._ns + t for t in subscription.topics),
            bootstrap_servers=self._bootstrap,
            client_id=self._client_id,
            group_id=self._ns + subscription.group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=RUN,
        )
        await consumer.start()
        task = asyncio.create_task(self._consume(consumer, subscription))
        self._consumers.append((consumer, task))

    async def _consume(self, consumer: AIOKafkaConsumer, subscription: Subscription) -> None:
        while not self._stopping:
            batches = await consumer.getmany(timeout_ms=200, max_records=RUN)
            for tp, records in batches.items():
                if self._stopping:  # left uncommitted: the partition's next owner handles them
                    break
                records = await _full_run(consumer, tp, records)
                messages = [_message(r, self._ns) for r in records]
                await deliver_batch(messages, subscription, self._send_dead_letter)
                try:
                    await consumer.commit({tp: records[-1].offset + 1})
                except CommitFailedError:
                    # Partition moved to another member during a rebalance; it redelivers, the
                    # inbox makes that harmless.
                    log.warning("commit failed after rebalance", extra={"group": subscription.group})
                highwater = consumer.highwater(tp)
                if highwater is not None:
                    CONSUMER_LAG.labels(subscription.group, tp.topic, str(tp.partition)).set(
                        highwater - records[-1].offset - 1
                    )

    async def progress(self) -> tuple[int, int]:
        """(messages on the topics this bus's subscriptions read, how many of them their groups
        handled and committed), summed over every partition: equal once every subscription caught
        up. A test waits on it for a stack to settle (llo.embedded); InProcessBus.pending is the
        same on the in-process broker."""
        read = [
            (consumer, [TopicPartition(t, p) for t in topics for p in sorted(await self._partitions_of(t))])
            for consumer, topics in ((c, sorted(c.subscription())) for c, _ in self._consumers)
        ]
        ends = await self._end_offsets([tp for _, partitions in read for tp in partitions])
        written = sum(ends[tp] for _, partitions in read for tp in partitions)
        handled = 0
        for consumer, partitions in read:
            for tp in partitions:
                handled += await consumer.committed(tp) or 0
        return written, handled

    async def _end_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        """Asked by a consumer of no group: a subscription's own consumer answers only after the
        fetch it has in flight (up to half a second each)."""
        if not partitions:
            return {}
        reader = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap, client_id=self._client_id, enable_auto_commit=False
        )
        await reader.start()
        try:
            return dict(await reader.end_offsets(partitions))
        finally:
            await reader.stop()

    async def _send_dead_letter(self, message: Message) -> None:
        await self.publish([message])

    # dead letters ------------------------------------------------------------
    async def dead_letters(self, topic: str | None = None) -> list[DeadLetter]:
        return [DeadLetter(m) for m in await self._read_dead_letters(topic, commit=False)]

    async def replay_dead_letters(self, topic: str | None = None) -> int:
        return len(await self._read_dead_letters(topic, commit=True))

    async def _partitions_of(self, topic: str) -> set[int]:
        assert self._producer is not None, "start() the bus first"
        return set(await self._producer.partitions_for(topic))

    async def _read_dead_letters(self, topic: str | None, *, commit: bool) -> list[Message]:
        """Read every dead-letter topic from the replayer group's committed offset to its end."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap,
            client_id=self._client_id,
            group_id=self._ns + REPLAYER_GROUP,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        await consumer.start()
        try:
            existing = await consumer.topics()
            names = (
                [self._ns + dlq_topic(topic)]
                if topic
                else sorted(t for t in existing if t.startswith(self._ns) and t.endswith(DLQ_SUFFIX))
            )
            partitions = [TopicPartition(n, p) for n in names for p in sorted(await self._partitions_of(n))]
            if not partitions:
                return []
            consumer.assign(partitions)
            ends = await consumer.end_offsets(partitions)
            found: list[Message] = []
            for tp in partitions:
                committed = await consumer.committed(tp)
                if committed is None:
                    await consumer.seek_to_beginning(tp)
                else:
                    consumer.seek(tp, committed)
                while await consumer.position(tp) < ends[tp]:
                    records = (await consumer.getmany(tp, timeout_ms=1000)).get(tp, [])
                    found.extend(_message(r, self._ns) for r in records if r.offset < ends[tp])
            if commit and found:
                await self.publish([replayed(m) for m in found])
                await consumer.commit({tp: ends[tp] for tp in partitions})
            return found
        finally:
            await consumer.stop()


async def _full_run(
    consumer: AIOKafkaConsumer, tp: TopicPartition, records: list[ConsumerRecord]
) -> list[ConsumerRecord]:
    """A partition's records topped up to `RUN` while the broker holds more of its backlog: one
    `getmany` shares `RUN` records among the partitions, and a fetch ends where its bytes do, so
    a backlog would otherwise reach the handler in runs of a few hundred or fewer."""
    while len(records) < RUN and tp in consumer.assignment():  # a rebalance may have taken it
        highwater = consumer.highwater(tp)  # as of the last fetch: the broker holds at least this
        backlog = highwater is not None and highwater > await consumer.position(tp)
        wait = TOP_UP_WAIT_MS if backlog else 0
        more = await consumer.getmany(tp, timeout_ms=wait, max_records=RUN - len(records))
        if not more.get(tp):
            return records
        records = records + more[tp]
    return records


def _message(record: ConsumerRecord, namespace: str) -> Message:
    """The record as the services see it: its topic without the bus's namespace."""
    return Message(
        topic=record.topic.removeprefix(namespace),
        key=(record.key or b"").decode(),
        value=record.value or b"",
        headers={k: v.decode() for k, v in (record.headers or ())},
        partition=record.partition,
        offset=record.offset,
    )
