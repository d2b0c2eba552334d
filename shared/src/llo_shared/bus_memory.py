"""In-process bus for the embedded demo and fast tests.

It behaves like the Kafka adapter where it matters: messages are the same bytes,
a topic has partitions chosen by key (so one aggregate's events stay ordered),
each consumer group keeps its own committed offset per partition, moved only
after the handler is done, and failing messages are retried and then
dead-lettered to `<topic>.dlq`. The `MemoryBroker` plays the broker: several
buses on one broker are like several processes on one Kafka cluster.
"""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from collections import defaultdict

from llo_shared.bus import DLQ_SUFFIX, DeadLetter, Message, Subscription, deliver_batch, replayed

REPLAYER_GROUP = "llo.dlq-replayer"
BATCH_SIZE = 500  # as many as the Kafka adapter's max_poll_records


class MemoryBroker:
    def __init__(self, partitions: int = 3) -> None:
        self.partitions = partitions
        self.logs: dict[str, list[list[Message]]] = {}
        self.committed: dict[tuple[str, str, int], int] = defaultdict(int)
        self.appended = asyncio.Condition()

    def log(self, topic: str) -> list[list[Message]]:
        if topic not in self.logs:
            self.logs[topic] = [[] for _ in range(self.partitions)]
        return self.logs[topic]

    async def append(self, messages: list[Message]) -> None:
        for m in messages:
            partitions = self.log(m.topic)
            index = zlib.crc32(m.key.encode()) % self.partitions
            partitions[index].append(
                Message(m.topic, m.key, m.value, dict(m.headers), index, len(partitions[index]))
            )
        async with self.appended:
            self.appended.notify_all()

    def pending_dead_letters(self, topic: str | None) -> list[Message]:
        """Dead letters not yet replayed, like the replayer group's uncommitted tail on Kafka."""
        names = [topic + DLQ_SUFFIX] if topic else [t for t in self.logs if t.endswith(DLQ_SUFFIX)]
        return [
            message
            for name in names
            for p, log in enumerate(self.log(name))
            for message in log[self.committed[(REPLAYER_GROUP, name, p)] :]
        ]


class InProcessBus:
    def __init__(self, broker: MemoryBroker | None = None) -> None:
        self.broker = broker or MemoryBroker()
        self._subscriptions: list[Subscription] = []
        self._workers: list[asyncio.Task[None]] = []
        self._running = False
        self._busy = 0

    async def start(self) -> None:
        if self._running:
            return
        self._running = True
        for subscription in self._subscriptions:
            self._spawn_workers(subscription)

    async def stop(self) -> None:
        self._running = False
        for task in self._workers:
            task.cancel()
        for task in self._workers:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._workers.clear()

    async def ping(self) -> bool:
        return True

    async def publish(self, messages: list[Message]) -> None:
        await self.broker.append(messages)

    def subscribe(self, subscription: Subscription) -> None:
        self._subscriptions.append(subscription)
        if self._running:
            self._spawn_workers(subscription)

    def _spawn_workers(self, subscription: Subscription) -> None:
        for topic in subscription.topics:
            for partition in range(self.broker.partitions):
                task = asyncio.create_task(self._consume(subscription, topic, partition))
                self._workers.append(task)

    async def _consume(self, subscription: Subscription, topic: str, partition: int) -> None:
        position = (subscription.group, topic, partition)
        log = self.broker.log(topic)[partition]
        committed = self.broker.committed
        while True:
            async with self.broker.appended:
                await self.broker.appended.wait_for(lambda: committed[position] < len(log))
            self._busy += 1
            try:
                start = committed[position]
                batch = log[start : start + (BATCH_SIZE if subscription.batch_handler else 1)]
                await deliver_batch(batch, subscription, self.publish_one)
                committed[position] = start + len(batch)  # commit only after the handlers are done
            finally:
                self._busy -= 1

    async def publish_one(self, message: Message) -> None:
        await self.publish([message])

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait until this bus's subscriptions handled everything published (tests, demo seeding)."""
        async with asyncio.timeout(timeout):
            while self._busy or self.pending():
                await asyncio.sleep(0.002)

    def pending(self) -> int:
        """Messages published but not yet handled by this bus's subscriptions."""
        committed, log = self.broker.committed, self.broker.log
        return sum(
            max(0, len(log(topic)[p]) - committed[(s.group, topic, p)])
            for s in self._subscriptions
            for topic in s.topics
            for p in range(self.broker.partitions)
        )

    async def dead_letters(self, topic: str | None = None) -> list[DeadLetter]:
        return [DeadLetter(m) for m in self.broker.pending_dead_letters(topic)]

    async def replay_dead_letters(self, topic: str | None = None) -> int:
        pending = self.broker.pending_dead_letters(topic)
        await self.publish([replayed(m) for m in pending])
        for m in pending:
            self.broker.committed[(REPLAYER_GROUP, m.topic, m.partition)] = m.offset + 1
        return len(pending)
